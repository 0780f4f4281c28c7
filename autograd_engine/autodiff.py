"""The user's entry points to the backward pass: ``x.backward()`` and ``ae.grad()``.

They check their arguments (roots, upstream gradients, the tensors to differentiate for) and hand
the pass to :func:`autograd_engine.backward.run_backward`.  When only some tensors' gradients are
wanted (``grad(outputs, inputs)``, ``backward(inputs=...)``), only the part of the graph from which
one of them can be reached runs: :func:`_leading_to` finds it.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .backward import add_to_grad, run_backward
from .errors import ShapeError, cycle_error, freed_error
from .tensor import Tensor


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
    found = _run_towards([tensor], [seed], retain_graph, False, inputs)
    for t in dict.fromkeys(inputs):  # a tensor listed twice gets its gradient once
        if id(t) in found:
            add_to_grad(t, found[id(t)], owned=False)


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
    found = _run_towards(outputs, seeds, create_graph if retain_graph is None else retain_graph, create_graph, inputs)
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


def _run_towards(roots: Sequence[Tensor], seeds: Sequence[Any], retain_graph: bool, create_graph: bool,
                 targets: Sequence[Tensor]) -> dict[int, Any]:
    """``run_backward`` over the part of the graph that leads to ``targets``: ``{id(target): gradient}``."""
    target_ids = {id(t) for t in targets}
    return run_backward(roots, seeds, retain_graph, create_graph, target_ids, _leading_to(roots, target_ids))


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
                raise cycle_error([t, *(s for s, on_path in stack if on_path)])
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
