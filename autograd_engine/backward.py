"""The backward pass: topological order without recursion, ``+=`` at forks, release as we go.

``run_backward`` walks the graph from the roots in reverse topological order
(Kahn's algorithm on consumer counts), hands each node the complete gradient of
its output, and accumulates what the node returns for its inputs.  Pending
gradients are popped as their node runs, and each node's saved values are
released right after it runs (unless ``retain_graph``), so memory falls during
the pass.  A released node keeps what drawing the graph afterwards needs
(``Primitive.skeleton``): a small graph its values and gradients, a larger one
its ops and shapes only (see DRAW_BUDGET).

Gradient arrays are never aliased: a gradient the engine did not allocate itself
(the upstream array passed through by ``add``, a view made by ``reshape``) is
copied before anything is added into it or it is stored in ``.grad``.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .errors import AnomalyError, GraphFreedError, ShapeError
from .function import _anomaly_in_rule, _check_finite, declared_in_engine
from .grad_mode import enable_grad, no_grad, state
from .ops.dispatch import is_basic_index
from .tensor import Tensor, grad_lock


def backward(
    root: Tensor,
    grad: Any = None,
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate d(root)/d(leaf) into the ``.grad`` of every leaf that requires grad.

    ``inputs`` (PyTorch's keyword): accumulate into the ``.grad`` of these tensors only, leaves
    or not; only the part of the graph that leads to them runs.  ``create_graph=True`` is
    refused with the alternative: ``.grad`` holds NumPy arrays, which carry no graph.
    """
    if create_graph:
        raise RuntimeError(
            "backward(create_graph=True): .grad holds NumPy arrays, which cannot carry a graph to differentiate "
            "again; use ae.grad(loss, parameters, create_graph=True), which returns the gradients as Tensors"
        )
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad -- none of its inputs had requires_grad=True, "
            "or it was computed under no_grad()"
        )
    seed = _seed(root, grad, create_graph=False)
    if inputs is None:
        run_backward([root], [seed], retain_graph, create_graph=False)
        return
    inputs = _tensor_list(inputs, "backward", "inputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"backward: inputs[{i}] does not require grad; create it with requires_grad=True")
    found = run_backward([root], [seed], retain_graph, create_graph=False, targets=inputs)
    for t in dict.fromkeys(inputs):  # a tensor listed twice gets its gradient once
        g = found.get(id(t))
        if g is not None:
            _add_to_grad(t, g, owned=False)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned as Tensors (``.grad`` untouched).

    With ``create_graph=True`` the backward pass is itself recorded, so the
    results can be differentiated again (second derivatives, Hessian-vector
    products).  ``retain_graph`` defaults to ``create_graph``.  An input that
    ``outputs`` do not depend on raises unless ``allow_unused=True``, in which
    case its gradient is ``None``.
    """
    outputs = _tensor_list(outputs, "grad", "outputs")
    inputs = _tensor_list(inputs, "grad", "inputs")
    if not outputs:
        raise ValueError("grad: outputs is empty; pass the tensor (or tensors) to differentiate")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor | np.ndarray | numbers.Number | np.generic):
        grad_outputs = [grad_outputs]  # the gradient of a single output
    elif isinstance(grad_outputs, list | tuple):
        grad_outputs = list(grad_outputs)
    else:
        raise TypeError(
            f"grad: grad_outputs must be None, a Tensor or array (the gradient of a single output), or a list "
            f"or tuple with one gradient (Tensor, array or None) per output; got a {type(grad_outputs).__name__}"
        )
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs; give one per output")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; create it with requires_grad=True")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad (it does not depend on any input)")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [
        _seed(t, g, create_graph, "grad", "grad_outputs" if len(outputs) == 1 else f"grad_outputs[{i}]")
        for i, (t, g) in enumerate(zip(outputs, grad_outputs))
    ]
    found = run_backward(outputs, seeds, retain_graph, create_graph, targets=inputs)
    results: list[Tensor | None] = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    f"pass allow_unused=True to get None for it"
                )
            results.append(None)
        else:
            results.append(g if isinstance(g, Tensor) else Tensor._from_op(_owned_copy(g), None))
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


def _seed(root: Tensor, grad: Any, create_graph: bool, who: str = "backward", argument: str = "grad") -> Any:
    """The upstream gradient of a root: ones for a one-element root, else the given one, checked:
    numbers (integers or floats; complex for a complex root) of the root's shape."""
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"{who}: {argument} can be omitted only for a one-element tensor, but this one has shape "
                f"{root.shape}; reduce it first (e.g. loss.sum()) or pass {argument}= an array of that shape"
            )
        seed = np.ones(root.shape, dtype=root.dtype)
        return Tensor._from_op(seed, None) if create_graph else seed
    expected = f"a numeric array of the tensor's shape {root.shape} (dtype {root.dtype}) is expected"
    try:
        data = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
    except (ValueError, TypeError) as error:  # a ragged list, ...
        raise TypeError(f"{who}: {argument} (a {type(grad).__name__}) is not an array of numbers ({error}); {expected}") from None
    if data.dtype.kind not in ("iufc" if root.dtype.kind == "c" else "iuf"):
        raise TypeError(f"{who}: {argument} has dtype {data.dtype}; {expected}")
    if data.shape != root.shape:
        raise ShapeError(f"{who}: {argument} has shape {data.shape} but the tensor has shape {root.shape}; they must match")
    if create_graph:
        return grad if isinstance(grad, Tensor) else Tensor._from_op(np.asarray(data, dtype=root.dtype), None)
    return np.asarray(data, dtype=root.dtype)


def _owned_copy(array: np.ndarray) -> np.ndarray:
    return np.array(array, copy=True)


def run_backward(
    roots: Sequence[Tensor],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    targets: Iterable[Tensor] | None = None,
) -> dict[int, Any]:
    """Propagate ``seeds`` from ``roots`` through the graph.

    Without ``targets``: accumulate into the ``.grad`` of leaves (and of
    non-leaves that called ``retain_grad``).  With ``targets``: return
    ``{id(tensor): gradient}`` for them and leave every ``.grad`` alone.
    """
    # The bookkeeping is keyed by the tensors themselves.  They hash by identity (their __eq__ is
    # elementwise, but distinct live tensors never share a hash, so a dict never calls it), and
    # those hashes spread evenly, whereas id() values -- aligned addresses -- collide in a dict's
    # low bits and make every lookup probe several slots.
    target_ids = None if targets is None else {id(t) for t in targets}
    found: dict[int, Any] = {}
    pending: dict[Tensor, Any] = {}
    owned: set[Tensor] = set()  # tensors whose pending gradient the engine allocated (safe to += in place)
    leaves: dict[Tensor, None] = {}  # an ordered set
    for root, seed in zip(roots, seeds):
        _accumulate(pending, owned, root, seed, (seed,), create_graph)
        if root._node is None:
            leaves[root] = None

    # grad(): only the part of the graph between the outputs and the inputs asked for runs; the
    # rest is neither computed nor released (nor are its hooks called), as in PyTorch.  A rule
    # that runs still computes every gradient its node recorded as needed: the ones that lead
    # nowhere are dropped (narrowing the shared node's needs_grad would not be safe if the rule
    # raised, or for another thread running backward through the same graph).
    useful = None if target_ids is None else _leading_to(roots, target_ids)
    # What released nodes keep for drawing: a small graph its operands and gradients (not under
    # grad(), whose unneeded parts must not be kept alive), a larger one its skeleton.
    consumers, values, constants = _count_consumers(roots, useful)
    keep_values = not retain_graph and targets is None and 2 * values + constants + NODE_BYTES * len(consumers) <= DRAW_BUDGET
    sketch = not retain_graph and values >= SKELETON_MIN_BYTES * len(consumers)
    outlines: dict[int, tuple] = {}
    ready = [r for r in dict.fromkeys(roots) if r in consumers and consumers[r] == 0]
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
                needs = _needs_towards(inputs, needs, useful)
                if needs is None:  # no target below this tensor: deliver its gradient, leave its node alone
                    if g is not None:
                        _deliver(tensor, g, target_ids, found, create_graph)
                    continue
            if inputs is None:
                raise _freed_error(node)
            if node.recorded_after != in_place_updates:  # some tensor was updated in place since: was it one of these?
                _check_not_modified(node, tensor, inputs)
            if g is not None and (target_ids is not None or tensor._hooks or tensor._retain_grad):
                g = _deliver(tensor, g, target_ids, found, create_graph)
            if g is None:
                grads = (None,) * len(inputs)  # no gradient reached this tensor
            elif create_graph:
                if not node.differentiable_twice:
                    raise RuntimeError(
                        f"grad: the gradient rule of {node.describe()} runs on raw arrays only, so "
                        f"create_graph=True cannot differentiate through it{_opt_in_hint(node)}"
                    )
                try:
                    grads = node.backward(g, tensor, *inputs)
                except AnomalyError as error:  # an op of the recorded rule: name the rule's node
                    raise _anomaly_in_rule(node, error) from None
                borrowed = ()
            elif node.name == "getitem" and node.needs_grad[0]:
                # x[key]'s gradient is g scattered into zeros: add it in place at key instead,
                # so that slicing a tensor T times (an RNN's time loop) costs T slices, not T copies
                x = inputs[0]
                if x._node is None:
                    leaves[x] = None
                _accumulate_at(pending, owned, x, node.key, g)
                grads = (None,)
            else:
                args = [g, tensor.data]  # a plain loop: a comprehension is a function call of its own
                for x in inputs:
                    args.append(x.data if isinstance(x, Tensor) else x)
                borrowed = tuple(args)  # arrays a rule may hand back: never add into them
                grads = node.backward(*args)
            # One pass over the inputs: accumulate each one's gradient, and once its last
            # consumer has delivered, it is ready to run its own rule.
            for x, needed, gx in zip(inputs, needs, grads):
                if not needed:
                    continue  # a constant, or a tensor that does not require grad
                is_leaf = x._node is None
                if gx is not None:
                    if anomaly:
                        _check_finite(gx, node, "gradient for an input")
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
                if keep_values:
                    node.skeleton = (inputs, g, None)
                elif sketch:
                    node.skeleton = _skeleton(tensor, inputs, outlines, None if useful is None else needs)
                node.release()
            del tensor, node, inputs, g

        for leaf in leaves:
            g = pending.pop(leaf, None)
            if g is None:
                continue
            fresh = leaf in owned
            g = _deliver(leaf, g, target_ids, found, create_graph, is_leaf=True, fresh=fresh)
    return found


def _deliver(
    tensor: Tensor,
    g: Any,
    target_ids: set[int] | None,
    found: dict[int, Any],
    create_graph: bool,
    is_leaf: bool = False,
    fresh: bool = False,
) -> Any:
    """Run the tensor's hooks on its complete gradient, then record it where it belongs:
    in ``found`` for ``grad()``, in ``.grad`` for leaves and retained non-leaves."""
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
        data = g.data if isinstance(g, Tensor) else g
        _add_to_grad(tensor, data, owned=fresh and is_leaf)
    return g


def _add_to_grad(tensor: Tensor, g: np.ndarray, owned: bool) -> None:
    """Accumulate ``g`` into ``tensor.grad``; ``g`` is stored itself only when the engine ``owned`` it.

    Writes the slot behind ``.grad`` directly: the engine's gradients have the right shape and dtype.
    Under the tensor's :func:`grad_lock`, so that backward passes running in several threads into
    one parameter each add their part (the pass over the nodes takes no lock).
    """
    with grad_lock(tensor):
        if tensor._grad is None:
            tensor._grad = g if owned else _owned_copy(g)
        else:
            tensor._grad = np.asarray(tensor._grad + g)


def _hook_result(tensor: Tensor, hook: Any, replaced: Any, create_graph: bool) -> Any:
    """The gradient a hook returned, checked: same shape as the tensor, and its dtype."""
    if isinstance(replaced, Tensor):
        replaced = replaced if create_graph else replaced.data
    if np.shape(replaced) != tensor.shape:
        raise ShapeError(
            f"register_hook: hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
            f"{np.shape(replaced)} for a tensor of shape {tensor.shape}; a hook must return None "
            f"(keep the gradient) or an array of the tensor's shape"
        )
    if isinstance(replaced, Tensor):
        return replaced if replaced.dtype == tensor.dtype else replaced.astype(tensor.dtype)
    return np.asarray(replaced, dtype=tensor.dtype)


def _accumulate(
    pending: dict[Tensor, Any],
    owned: set[Tensor],
    x: Tensor,
    gx: Any,
    borrowed: tuple[Any, ...],
    create_graph: bool,
    node: Any = None,
) -> None:
    """Add ``gx`` to the pending gradient of ``x`` (``+=`` at forks, in place when safe).

    ``borrowed`` holds the arrays the engine does not own and ``gx`` may be (the upstream
    gradient, the node's output and inputs): a pending gradient that is one of them, or a
    view, is never added into in place.
    """
    data = x.data
    if not create_graph and type(gx) is not np.ndarray:
        gx = np.asarray(gx)  # 0-d arithmetic gives NumPy scalars, which cannot be added into in place
        borrowed = ()
    if gx.shape != data.shape:
        raise _gradient_shape_error(node, x, gx)
    if gx.dtype != data.dtype:
        gx = gx.astype(data.dtype)
        borrowed = ()
    previous = pending.get(x)
    if previous is None:
        pending[x] = gx
        if not create_graph and _is_fresh(gx, borrowed):
            owned.add(x)
    elif create_graph:
        pending[x] = previous + gx
    elif x in owned:
        previous += gx  # an ndarray the engine allocated: nobody else sees it
    else:
        pending[x] = np.asarray(previous + gx)  # asarray: 0-d sums come back as NumPy scalars
        owned.add(x)


def _gradient_shape_error(node: Any, x: Tensor, gx: Any) -> ShapeError:
    """A gradient rule returned a gradient that is not of its input's shape: say whose rule, for which
    input, and how to undo broadcasting (the usual cause)."""
    if node is None:  # a root's seed (backward() and grad() check the ones users give)
        return ShapeError(f"backward: upstream gradient of shape {gx.shape} for a root of shape {x.shape}")
    name = node.describe() or type(node).__name__
    index = next((i for i, y in enumerate(node.inputs or ()) if y is x), "?")
    return ShapeError(
        f"{name}: its gradient rule returned a gradient of shape {gx.shape} for input {index}, which has shape "
        f"{x.shape}; backward must return each input's gradient in that input's shape -- where the forward "
        f"broadcast the input, sum the gradient back with autograd_engine.ops.dispatch.sum_to_shape(g, x.shape) "
        f"(a bug in {name}'s gradient rule)"
    )


def _is_fresh(gx: np.ndarray, borrowed: tuple[Any, ...]) -> bool:
    """True when ``gx`` is an array the rule allocated: not a view, and none of ``borrowed``."""
    if gx.base is not None:
        return False
    for a in borrowed:  # a plain loop: a generator here cost more than the rest of the check
        if gx is a:
            return False
    return True


def _accumulate_at(pending: dict[Tensor, Any], owned: set[Tensor], x: Tensor, key: Any, g: np.ndarray) -> None:
    """Add ``g`` into the pending gradient of ``x`` at ``key`` (repeated indices accumulate).

    The same sum as accumulating ``scatter_add(g, key, x.shape)``, without the dense
    temporary: the pending gradient is allocated (or copied, if the engine does not own
    it) once, then every slice of ``x`` adds into it in place.
    """
    target = pending.get(x)
    if target is None:
        target = pending[x] = np.zeros(x.shape, dtype=x.dtype)
    elif x not in owned:
        target = pending[x] = np.array(target, dtype=x.dtype, copy=True)
    owned.add(x)
    if is_basic_index(key):
        target[key] += g  # a basic index never repeats a position
    else:
        np.add.at(target, key, g)


def _count_consumers(
    roots: Sequence[Tensor], useful: set[Tensor] | None = None
) -> tuple[dict[Tensor, int], int, int]:
    """For every non-leaf tensor reachable from ``roots``: how many node inputs refer to it.  Also
    the bytes of those tensors' values, and of the values of the inputs that do not require grad
    (array operands, a data batch): what a drawing after backward would keep (see DRAW_BUDGET).

    With ``useful`` (grad()), only the tensors in it count, and only their references to each other.
    """
    counts: dict[Tensor, int] = {}
    stack = []
    values = constants = 0
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
            raise _freed_error(node)
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


DRAW_BUDGET = 1 << 20
"""Bytes a backward pass may keep for drawing the graph afterwards with its values (``ae.draw(loss)``
after ``loss.backward()``): a teaching-size graph -- the values and gradients of its non-leaf
tensors, the values of its inputs that do not require grad, and NODE_BYTES per node, total at
most this much -- keeps them all when its nodes are released.  A larger graph keeps only a
skeleton (op labels, shapes, the leaves that require grad; see ``Primitive.skeleton``), so that
training keeps no more arrays alive than it would without it."""

NODE_BYTES = 512
"""About what a node kept for drawing costs in Python objects (node, tensor, array header, tuples)."""

SKELETON_MIN_BYTES = 16 << 10
"""A graph above DRAW_BUDGET keeps its skeleton only when its tensors average at least this many
bytes per node: keeping one costs a fraction of a microsecond per node, small beside arithmetic on
arrays that size.  A graph of many small ops (a scalar graph of 60,000 nodes) keeps no drawing
after backward: draw it before backward, or backward with retain_graph=True."""


def _skeleton(tensor: Tensor, inputs: Any, outlines: dict[int, tuple], needs: tuple[bool, ...] | None = None) -> tuple:
    """``node.skeleton`` for a graph above DRAW_BUDGET: no values (see ``Primitive.skeleton``).

    An operand computed by a node keeps that node (released in turn, it outlines its output),
    except where ``needs`` (grad()'s narrowed needs) is False: outside what grad() differentiates
    the node is not released, and keeping it would keep its inputs.  ``outlines`` (by id, so as to
    keep nothing alive) gives an input or constant used by several nodes one outline, hence one
    box in the drawing.
    """
    operands: list[Any] = []
    for x in inputs:
        if isinstance(x, Tensor):
            source = x._node
            if source is not None:
                operands.append(x if x._retain_grad else source)  # asked to keep its gradient: and its value
                continue
            if x.requires_grad:
                operands.append(x)  # a leaf that requires grad: alive anyway, its .grad shows
                continue
            kind = "input"
        elif type(x) is np.ndarray and x.ndim:
            kind = "constant"
        else:
            operands.append(x)  # a scalar constant: part of the label
            continue
        outline = outlines.get(id(x))
        if outline is None:
            outline = outlines[id(x)] = (kind, x.shape, x.dtype, getattr(x, "name", None))
        operands.append(outline)
    if needs is not None:
        for i, (x, needed) in enumerate(zip(inputs, needs)):
            if not needed and isinstance(x, Tensor) and x._node is not None:
                operands[i] = ("unlinked", x.shape, x.dtype, x.name)
    data = tensor.data
    return operands, None, ("op", data.shape, data.dtype, tensor.name)


def _check_not_modified(node: Any, out: Tensor, inputs: Any) -> None:
    """Refuse to run ``node``'s rule when its output or an input was changed in place (``+=``, an
    optimizer step, ...) after the node was recorded: the rule would differentiate with the new
    values (PyTorch raises too).  Changes made through ``.data`` without ``mark_modified()`` are
    not tracked."""
    for role, t in [("its output", out), *((f"input {i}", x) for i, x in enumerate(inputs))]:
        if isinstance(t, Tensor) and t._version is not None and t._version[0] > node.recorded_after:
            raise RuntimeError(
                f"backward: {role} of {node.describe()} (shape {t.shape}) was modified by an in-place update "
                f"(+=, -=, *=, /=, an optimizer step, or through a detach() or a view of it, or of the tensor it "
                f"views) after {node.describe()} used it, so its gradient would be computed from the new values; "
                f"update a copy instead (t = t + 1), or update it after backward"
            )


def _opt_in_hint(node: Any) -> str:
    """For a primitive declared outside the engine: how to let create_graph through it."""
    if declared_in_engine(type(node)):
        return ""
    return (
        f" ({type(node).__name__} is declared outside the engine, so differentiable_twice starts False: set "
        f"differentiable_twice = True on the class once its backward uses only g, out and the inputs it is "
        f"handed -- Tensors under create_graph -- with operators and autograd_engine.ops.dispatch helpers, "
        f"not arrays saved in forward)"
    )


def _leading_to(roots: Sequence[Tensor], target_ids: set[int]) -> set[Tensor]:
    """The tensors reachable from ``roots`` from which a target can be reached (the targets included).

    Post-order over the graph without recursion: a tensor leads to a target when it is one, or
    when an input of its node does.  A node freed by an earlier backward is a dead end (its
    inputs are gone); that is an error only when some target is then not reached, since the
    target may have been below it.
    """
    leading: set[Tensor] = set()
    seen: set[Tensor] = set()
    freed = None  # a freed node met on the way: an error only if a target is then not reached
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in roots]
    while stack:
        t, expanded = stack.pop()
        if expanded:  # its inputs are settled
            if any(isinstance(x, Tensor) and x in leading for x in t._node.inputs):
                leading.add(t)
            continue
        if t in seen:
            continue
        seen.add(t)
        if id(t) in target_ids:
            leading.add(t)
        if t._node is None:
            continue
        inputs = t._node.inputs
        if inputs is None:  # freed: nothing below it can be reached (a target itself needs nothing below)
            freed = freed or t._node
            continue
        stack.append((t, True))
        stack.extend((x, False) for x in inputs if isinstance(x, Tensor) and x not in seen)
    reached = {id(t) for t in leading if id(t) in target_ids}
    if freed is not None and reached != target_ids:
        raise _freed_error(freed)  # a target may lie below the freed part: say so, not "unused"
    return leading


def _needs_towards(inputs: Any, needs: tuple[bool, ...], useful: set[Tensor]) -> tuple[bool, ...] | None:
    """``needs`` narrowed to the inputs that lead to a target, or None when none does (or the node
    was freed, which _leading_to allows only for a target with nothing needed below it)."""
    if inputs is None:
        return None
    narrowed = tuple(needed and x in useful for x, needed in zip(inputs, needs))
    return narrowed if any(narrowed) else None


def _freed_error(node: Any) -> GraphFreedError:
    return GraphFreedError(
        f"backward: the graph through {node.describe()} was already freed by an earlier backward, "
        f"which released its saved values; pass retain_graph=True to the first backward() (or grad()) "
        f"if you need to go through the graph again; or, if it reaches back into an earlier batch's graph "
        f"through a carried recurrent state (truncated backpropagation through time), carry state.detach() instead"
    )
