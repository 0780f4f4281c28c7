"""The backward pass: topological order without recursion, ``+=`` at forks, release as we go.

``run_backward`` walks the graph from the roots in reverse topological order (Kahn's algorithm on
consumer counts), hands each node the complete gradient of its output, and accumulates what the node
returns for its inputs.  Pending gradients are popped as their node runs and each node is released
right after (unless ``retain_graph``), so memory falls during the pass; a released node keeps what
drawing the graph afterwards needs (see :mod:`autograd_engine.skeleton`).

Gradient arrays are never aliased: a gradient the engine did not allocate itself (the upstream array
passed through by ``add``, a view made by ``reshape``) is copied before anything is added into it or
it is stored in ``.grad``.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import skeleton
from .anomaly import anomaly_in_rule, check_finite
from .errors import (
    AnomalyError,
    ShapeError,
    freed_error,
    gradient_shape_error,
    modified_error,
    not_differentiable_twice_error,
)
from .function import declared_in_engine
from .grad_mode import enable_grad, no_grad, state
from .tensor import Tensor, grad_lock


def backward(tensor: Tensor, grad: Any = None, retain_graph: bool = False, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate d(tensor)/d(leaf) into the ``.grad`` of every leaf that requires grad (``x.backward()``).

    ``grad`` is the upstream gradient, which may be omitted for a one-element tensor.  The graph is
    released afterwards unless ``retain_graph=True``.  ``inputs`` (PyTorch's keyword): accumulate into
    these tensors' ``.grad`` only, leaves or not.  ``create_graph=True`` is refused: use ``ae.grad``.
    """
    if create_graph:
        raise RuntimeError("backward(create_graph=True): .grad holds NumPy arrays, which cannot carry a graph to "
                           "differentiate again; use ae.grad(loss, parameters, create_graph=True), which returns the "
                           "gradients as Tensors")
    if not tensor.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad -- none of its inputs had requires_grad=True, "
                           "or it was computed under no_grad()")
    seed = _seed(tensor, grad, False, "backward", "grad")
    if inputs is None:
        run_backward([tensor], [seed], retain_graph, False)
        return
    inputs = _tensor_list(inputs, "backward", "inputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"backward: inputs[{i}] does not require grad; create it with requires_grad=True")
    found = run_backward([tensor], [seed], retain_graph, False, targets=inputs)
    for t in dict.fromkeys(inputs):  # a tensor listed twice gets its gradient once
        if id(t) in found:
            _add_to_grad(t, found[id(t)], owned=False)


Tensor.backward = backward


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor], grad_outputs: Any = None,
         retain_graph: bool | None = None, create_graph: bool = False, allow_unused: bool = False,
         ) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned as Tensors (``.grad`` untouched).

    With ``create_graph=True`` the backward pass is itself recorded, so the results can be
    differentiated again.  ``retain_graph`` defaults to ``create_graph``.  An input the outputs do not
    depend on raises, unless ``allow_unused=True`` (its gradient is then None).
    """
    outputs, inputs = _tensor_list(outputs, "grad", "outputs"), _tensor_list(inputs, "grad", "inputs")
    if not outputs:
        raise ValueError("grad: outputs is empty; pass the tensor (or tensors) to differentiate")
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray | numbers.Number | np.generic):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    elif not isinstance(grad_outputs, list | tuple):
        raise TypeError(f"grad: grad_outputs must be None, a Tensor or array (the gradient of a single output), or a "
                        f"list or tuple with one gradient (Tensor, array or None) per output; got a "
                        f"{type(grad_outputs).__name__}")
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs; give one per output")
    for role, tensors in (("input", inputs), ("output", outputs)):
        for i, t in enumerate(tensors):
            if not t.requires_grad:
                why = "create it with requires_grad=True" if role == "input" else "it does not depend on any input"
                raise RuntimeError(f"grad: {role} {i} does not require grad ({why})")
    seeds = [_seed(t, g, create_graph, "grad", "grad_outputs" if len(outputs) == 1 else f"grad_outputs[{i}]")
             for i, (t, g) in enumerate(zip(outputs, grad_outputs))]
    found = run_backward(outputs, seeds, create_graph if retain_graph is None else retain_graph, create_graph, inputs)
    results: list[Tensor | None] = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; pass "
                               f"allow_unused=True to get None for it")
        results.append(g if g is None or isinstance(g, Tensor) else Tensor._from_op(np.array(g, copy=True), None))
    return tuple(results)


def _tensor_list(value: Any, who: str, argument: str) -> list[Tensor]:
    """``value`` -- a Tensor or a sequence of Tensors -- as a list; anything else refused by name."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, str | bytes | np.ndarray) or not isinstance(value, Iterable):
        hint = "; wrap arrays with autograd_engine.Tensor(...)" if isinstance(value, np.ndarray) else ""
        raise TypeError(f"{who}: {argument} must be a Tensor or a sequence of Tensors, got {type(value).__name__}{hint}")
    items = list(value)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {argument}[{i}] must be a Tensor, got {type(t).__name__}")
    return items


def _seed(root: Tensor, grad: Any, create_graph: bool, who: str, argument: str) -> Any:
    """The upstream gradient of a root: ones for a one-element root, else the given one, checked."""
    if grad is None:
        if root.size != 1:
            raise RuntimeError(f"{who}: {argument} can be omitted only for a one-element tensor, but this one has shape "
                               f"{root.shape}; reduce it first (e.g. loss.sum()) or pass {argument}= an array of that shape")
        data = np.ones(root.shape, dtype=root.dtype)
    else:
        expected = f"a numeric array of the tensor's shape {root.shape} (dtype {root.dtype}) is expected"
        try:
            data = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
        except (ValueError, TypeError) as error:  # a ragged list, ...
            raise TypeError(f"{who}: {argument} (a {type(grad).__name__}) is not an array of numbers ({error}); "
                            f"{expected}") from None
        if data.dtype.kind not in ("iufc" if root.dtype.kind == "c" else "iuf"):
            raise TypeError(f"{who}: {argument} has dtype {data.dtype}; {expected}")
        if data.shape != root.shape:
            raise ShapeError(f"{who}: {argument} has shape {data.shape} but the tensor has shape {root.shape}; "
                             f"they must match")
        if create_graph and isinstance(grad, Tensor):
            return grad
        data = np.asarray(data, dtype=root.dtype)
    return Tensor._from_op(data, None) if create_graph else data


def run_backward(roots: Sequence[Tensor], seeds: Sequence[Any], retain_graph: bool, create_graph: bool,
                 targets: Iterable[Tensor] | None = None) -> dict[int, Any]:
    """Propagate ``seeds`` from ``roots`` through the graph.

    Without ``targets``: accumulate into the ``.grad`` of leaves (and of non-leaves that called
    ``retain_grad``).  With ``targets`` (``grad()``): only the part of the graph between the roots and
    the targets runs, and ``{id(target): gradient}`` is returned, every ``.grad`` left alone.
    """
    # Keyed by the tensors themselves: they hash by identity, and those hashes spread evenly in a dict
    # where id() values -- aligned addresses -- collide in the low bits.
    target_ids = None if targets is None else {id(t) for t in targets}
    found: dict[int, Any] = {}
    pending: dict[Tensor, Any] = {}
    owned: set[Tensor] = set()  # tensors whose pending gradient the engine allocated (safe to += in place)
    leaves: dict[Tensor, None] = {}  # an ordered set
    for root, seed in zip(roots, seeds):
        _accumulate(pending, owned, root, seed, (seed,), create_graph)
        if root._node is None:
            leaves[root] = None
    # A rule that runs under grad() computes every gradient its node recorded as needed; the ones that
    # lead to no target are dropped (narrowing the shared node's needs_grad would not be thread-safe).
    useful = None if target_ids is None else _leading_to(roots, target_ids)
    consumers, values, constants = _count_consumers(roots, useful)
    keep = None if retain_graph else skeleton.keeper(len(consumers), values, constants, for_grad=targets is not None)
    ready = [r for r in dict.fromkeys(roots) if consumers.get(r) == 0]
    anomaly = state.anomaly
    in_place_updates = Tensor._in_place_updates
    with enable_grad() if create_graph else no_grad():
        while ready:
            tensor = ready.pop()
            g = pending.pop(tensor, None)
            owned.discard(tensor)
            node = tensor._node
            inputs = node.inputs
            needs = node.needs_grad
            if useful is not None:
                needs = None if inputs is None else _needs_towards(inputs, needs, useful)
                if needs is None:  # no target below this tensor: deliver its gradient, leave its node alone
                    if g is not None:
                        _deliver(tensor, g, target_ids, found, create_graph)
                    continue
            if inputs is None:
                raise freed_error(node)
            if node.recorded_after != in_place_updates:  # something was updated in place since: one of these?
                for role, t in (("its output", tensor), *((f"input {i}", x) for i, x in enumerate(inputs))):
                    if isinstance(t, Tensor) and t._version is not None and t._version[0] > node.recorded_after:
                        raise modified_error(node, role, t.shape)
            if g is not None and (target_ids is not None or tensor._hooks or tensor._retain_grad):
                g = _deliver(tensor, g, target_ids, found, create_graph)
            borrowed = ()
            if g is None:
                grads = (None,) * len(inputs)  # no gradient reached this tensor
            elif create_graph:
                if not node.differentiable_twice:
                    raise not_differentiable_twice_error(node, declared_in_engine(type(node)))
                try:
                    grads = node.backward(g, tensor, *inputs)
                except AnomalyError as error:  # an op of the recorded rule: name the rule's node
                    raise anomaly_in_rule(node, error) from None
            elif node.adds_into_input and needs[0]:  # x[key]: add into x's pending gradient, no dense copy
                x = inputs[0]
                if x._node is None:
                    leaves[x] = None
                node.add_gradient_into(g, _owned_pending(pending, owned, x))
                grads = (None,)
            else:
                args = [g, tensor.data]  # a plain loop: a comprehension is a function call of its own
                for x in inputs:
                    args.append(x.data if isinstance(x, Tensor) else x)
                borrowed = args  # arrays a rule may hand back: never add into them
                grads = node.backward(*args)
            for x, needed, gx in zip(inputs, needs, grads):  # accumulate; a tensor whose consumers all ran is ready
                if not needed:
                    continue  # a constant, or a tensor that does not require grad
                is_leaf = x._node is None
                if gx is not None:
                    if anomaly:
                        check_finite(gx, node, "gradient for an input")
                    if is_leaf:
                        leaves[x] = None
                    _accumulate(pending, owned, x, gx, borrowed, create_graph, node)
                if not is_leaf:
                    remaining = consumers[x] - 1
                    if remaining:
                        consumers[x] = remaining
                    else:
                        del consumers[x]  # (so that the dict does not keep it alive)
                        ready.append(x)
            if not retain_graph:
                if keep is not None:
                    node.skeleton = keep(tensor, inputs, g, needs if useful is not None else None)
                node.release()
            del tensor, node, inputs, g
        if any(consumers.values()):  # tensors never reached: a cycle, which only a stale node can close
            raise _cycle_error(t for t, count in consumers.items() if count)
        for leaf in leaves:
            g = pending.pop(leaf, None)
            if g is not None:
                _deliver(leaf, g, target_ids, found, create_graph, is_leaf=True, fresh=leaf in owned)
    return found


def _deliver(tensor: Tensor, g: Any, target_ids: set[int] | None, found: dict[int, Any], create_graph: bool,
             is_leaf: bool = False, fresh: bool = False) -> Any:
    """Run the tensor's hooks on its complete gradient, then record it where it belongs: in ``found``
    for ``grad()``, in ``.grad`` for leaves and retained non-leaves."""
    if tensor._hooks:
        fresh = False  # a hook may keep the array it saw: .grad gets a copy of its own
        for hook in list(tensor._hooks):
            replaced = hook(g)
            if replaced is not None:
                g = _hook_result(tensor, hook, replaced, create_graph)
    if target_ids is not None:
        if id(tensor) in target_ids:
            found[id(tensor)] = g
    elif is_leaf or tensor._retain_grad:
        _add_to_grad(tensor, g.data if isinstance(g, Tensor) else g, owned=fresh and is_leaf)
    return g


def _add_to_grad(tensor: Tensor, g: np.ndarray, owned: bool) -> None:
    """Accumulate ``g`` into ``tensor.grad`` under the tensor's lock; ``g`` itself is stored only when owned."""
    with grad_lock(tensor):
        if tensor._grad is None:
            tensor._grad = g if owned else np.array(g, copy=True)
        else:
            tensor._grad = np.asarray(tensor._grad + g)


def _hook_result(tensor: Tensor, hook: Any, replaced: Any, create_graph: bool) -> Any:
    """The gradient a hook returned, checked: the tensor's shape, and its dtype."""
    if isinstance(replaced, Tensor) and not create_graph:
        replaced = replaced.data
    if np.shape(replaced) != tensor.shape:
        raise ShapeError(f"register_hook: hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                         f"{np.shape(replaced)} for a tensor of shape {tensor.shape}; a hook must return None (keep "
                         f"the gradient) or an array of the tensor's shape")
    if isinstance(replaced, Tensor):
        return replaced if replaced.dtype == tensor.dtype else replaced.astype(tensor.dtype)
    return np.asarray(replaced, dtype=tensor.dtype)


def _accumulate(pending: dict[Tensor, Any], owned: set[Tensor], x: Tensor, gx: Any, borrowed: Sequence[Any],
                create_graph: bool, node: Any = None) -> None:
    """Add ``gx`` to the pending gradient of ``x`` (``+=`` at forks, in place when safe).  ``borrowed``
    holds the arrays the engine does not own: a pending gradient that is one of them, or a view, is
    never added into in place."""
    data = x.data
    if not create_graph and type(gx) is not np.ndarray:
        gx = np.asarray(gx)  # 0-d arithmetic gives NumPy scalars, which cannot be added into in place
        borrowed = ()
    if gx.shape != data.shape:
        raise gradient_shape_error(node, x, gx)
    if gx.dtype != data.dtype:
        gx = gx.astype(data.dtype)
        borrowed = ()
    previous = pending.get(x)
    if previous is None:
        pending[x] = gx
        if not create_graph and gx.base is None:  # allocated by the rule, unless it is one of borrowed
            for a in borrowed:  # a plain loop: a generator here costs more than the rest of the check
                if gx is a:
                    return
            owned.add(x)
    elif create_graph:
        pending[x] = previous + gx
    elif x in owned:
        previous += gx  # an array the engine allocated: nobody else sees it
    else:
        pending[x] = np.asarray(previous + gx)  # asarray: 0-d sums come back as NumPy scalars
        owned.add(x)


def _owned_pending(pending: dict[Tensor, Any], owned: set[Tensor], x: Tensor) -> np.ndarray:
    """The pending gradient of ``x`` as an array the engine owns (zeros, or a copy), to add into in place."""
    target = pending.get(x)
    if target is None:
        target = pending[x] = np.zeros(x.shape, dtype=x.dtype)
    elif x not in owned:
        target = pending[x] = np.array(target, dtype=x.dtype, copy=True)
    owned.add(x)
    return target


def _count_consumers(roots: Sequence[Tensor], useful: set[Tensor] | None) -> tuple[dict[Tensor, int], int, int]:
    """For every non-leaf tensor reachable from ``roots``: how many node inputs refer to it (with
    ``useful``, grad()'s part of the graph, only the tensors in it).  Also the bytes of those tensors'
    values, and of the inputs that do not require grad: what a drawing after backward would keep."""
    counts: dict[Tensor, int] = {}
    values = constants = 0
    stack = []
    for r in roots:
        if r._node is not None and r not in counts and (useful is None or r in useful):
            counts[r] = 0
            stack.append(r)
            values += r.data.nbytes
    while stack:
        node = stack.pop()._node
        inputs = node.inputs
        if inputs is None:
            if useful is not None:
                continue  # a target whose own node was freed: nothing below it is needed (see _leading_to)
            raise freed_error(node)
        for x in inputs:
            if isinstance(x, Tensor):
                if x._node is not None:
                    if useful is None or x in useful:
                        seen = counts.get(x)
                        if seen is None:
                            counts[x] = 1
                            stack.append(x)
                            values += x.data.nbytes
                        else:
                            counts[x] = seen + 1
                elif not x.requires_grad:
                    constants += x.data.nbytes
            elif type(x) is np.ndarray:
                constants += x.nbytes
    return counts, values, constants


def _leading_to(roots: Sequence[Tensor], target_ids: set[int]) -> set[Tensor]:
    """The tensors reachable from ``roots`` from which a target can be reached (the targets included),
    in post-order without recursion.  A node freed by an earlier backward is a dead end, an error only
    when a target is then not reached (the target may have been below it)."""
    leading: set[Tensor] = set()
    seen: set[Tensor] = set()
    settled: set[Tensor] = set()  # seen and not settled: on the path from a root (an input there is a cycle)
    freed = None
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in roots]
    while stack:
        t, expanded = stack.pop()
        if expanded:  # its inputs are settled
            inputs = t._node.inputs
            if any(isinstance(x, Tensor) and x not in settled for x in inputs):
                raise _cycle_error([t, *(s for s, on_path in stack if on_path)])
            if any(isinstance(x, Tensor) and x in leading for x in inputs):
                leading.add(t)
            settled.add(t)
            continue
        if t in seen:
            continue
        seen.add(t)
        if id(t) in target_ids:
            leading.add(t)
        if t._node is None:
            settled.add(t)
            continue
        inputs = t._node.inputs
        if inputs is None:
            freed = freed or t._node
            settled.add(t)
            continue
        stack.append((t, True))
        stack.extend((x, False) for x in inputs if isinstance(x, Tensor) and x not in seen)
    if freed is not None and {id(t) for t in leading if id(t) in target_ids} != target_ids:
        raise freed_error(freed)  # a target may lie below the freed part: say so, not "unused"
    return leading


def _cycle_error(unreached: Iterable[Tensor]) -> RuntimeError:
    """The error for a graph with a cycle.  Only ``x[key] = ...`` closes one: it makes the tensor object
    ``x`` the output of a later node, so a node recorded before that still reads ``x`` now reads its own
    descendant.  Names that node (an input updated after it was recorded) when it is among ``unreached``."""
    for t in unreached:
        node = t._node
        for i, x in enumerate(node.inputs or ()):
            if isinstance(x, Tensor) and x._version is not None and x._version[0] > node.recorded_after:
                return modified_error(node, f"input {i}", x.shape)
    return RuntimeError("backward: the graph has a cycle: an op recorded before an assignment t[key] = ... used t, "
                        "which the assignment made the output of a later op; compute that op after the assignment, "
                        "or assign into a copy (t = t.clone())")


def _needs_towards(inputs: Any, needs: tuple[bool, ...], useful: set[Tensor]) -> tuple[bool, ...] | None:
    """``needs`` narrowed to the inputs that lead to a target, or None when none does."""
    narrowed = tuple(needed and x in useful for x, needed in zip(inputs, needs))
    return narrowed if any(narrowed) else None
