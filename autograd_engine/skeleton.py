"""What a graph keeps after backward, so that ``ae.draw(loss)`` still draws it (micrograd's habit).

When backward releases a node it hands it to the pass's keeper, which sets ``node.skeleton =
(operands, grad, outline)``:

- a teaching-size graph keeps its operands themselves and the output's gradient (``outline`` None):
  the drawing shows every value and gradient.  Backward sets these itself (inline: its hot path),
  while what they hold -- the values and gradients of the tensors computed so far, the inputs that do
  not require grad, and :data:`NODE_BYTES` per node -- stays within :data:`DRAW_BUDGET`;
- once a graph goes past the budget, the nodes kept with values so far are converted to what the
  others will keep.  A graph of sizeable tensors keeps no values: for each input, the
  node that computed it (whose own skeleton outlines it), a leaf that requires grad (alive anyway;
  its ``.grad`` shows), a scalar constant, or an outline ``(kind, shape, dtype, name)`` -- kind
  ``"input"`` (a tensor that does not require grad), ``"constant"`` (an array) or ``"unlinked"``
  (computed by a node that backward did not run); ``grad`` is None and ``outline`` is ``("op",
  shape, dtype, name)`` of the output;
- a graph of many small ops keeps nothing (the cost per node would show).

``grad()`` keeps no values (the part it did not run must not stay alive): outlines, or nothing for a
graph of small ops.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .tensor import Tensor

DRAW_BUDGET = 1 << 20
"""Bytes a backward pass may keep for drawing with values (see the module)."""

NODE_BYTES = 512
"""About what a node kept for drawing costs in Python objects (node, tensor, array header, tuples)."""

SKELETON_MIN_BYTES = 16 << 10
"""Past DRAW_BUDGET, a graph keeps its skeleton only when its tensors average at least this many bytes
per node: a skeleton costs a fraction of a microsecond per node, small beside arithmetic on such arrays.
A graph of many small ops keeps nothing: draw it before backward, or backward with retain_graph=True."""

Keeper = Callable[[Any, Tensor, Any, Any], None]
"""``keep(node, tensor, inputs, needs)`` sets what the released ``node`` (the node of ``tensor``) keeps
without values."""


def outliner(useful: set[Tensor]) -> Keeper | None:
    """The keeper of a grad() pass over ``useful`` (the part of the graph it differentiates): outlines,
    or None (nothing) for a graph of small tensors."""
    computed = [t for t in useful if t._node is not None]
    return _outliner({}) if _sizeable(sum(t.data.nbytes for t in computed), len(computed)) else None


def _sizeable(values: int, nodes: int) -> bool:
    """Whether a graph past the budget whose ``nodes`` computed tensors hold ``values`` bytes keeps
    outlines (its tensors average at least SKELETON_MIN_BYTES), rather than nothing."""
    return values >= SKELETON_MIN_BYTES * nodes


def past_budget(roots: Iterable[Tensor]) -> Keeper | None:
    """The keeper once a pass from ``roots`` has spent the budget: the nodes kept with values so far
    become outlines, as the next ones will be, or (None) keep nothing, as the next ones will -- as
    the whole graph's tensors average at least SKELETON_MIN_BYTES per node, or not."""
    kept, nodes, values = _graph_so_far(roots)
    if not _sizeable(values, nodes):
        for t in kept:
            t._node.skeleton = None
        return None
    outlines: dict[int, tuple] = {}
    for t in kept:
        t._node.skeleton = _outlined(t, t._node.skeleton[0], outlines, None)
    return _outliner(outlines)


def _graph_so_far(roots: Iterable[Tensor]) -> tuple[list[Tensor], int, int]:
    """The tensors whose released nodes kept their values, and the number and bytes of every computed
    tensor of the graph from ``roots``: reached through the inputs of the nodes yet to run and the
    operands kept by those that ran."""
    kept: list[Tensor] = []
    nodes = values = 0
    seen: set[Tensor] = set()  # tensors hash by identity
    stack = [t for t in roots if t._node is not None]
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        nodes += 1
        values += t.data.nbytes
        node = t._node
        operands = node.inputs
        if operands is None:  # released: what it kept, if it kept its values in this pass
            skeleton = getattr(node, "skeleton", None)
            if skeleton is None or skeleton[2] is not None:
                continue
            kept.append(t)
            operands = skeleton[0]
        for x in operands:
            if isinstance(x, Tensor) and x._node is not None and x not in seen:
                stack.append(x)
    return kept, nodes, values


def _outliner(outlines: dict[int, tuple]) -> Keeper:
    def keep_outline(node: Any, tensor: Tensor, inputs: Any, needs: Any) -> None:
        node.skeleton = _outlined(tensor, inputs, outlines, needs)

    return keep_outline


def _outlined(tensor: Tensor, inputs: Any, outlines: dict[int, tuple], needs: tuple[bool, ...] | None) -> tuple:
    """A skeleton without values.  ``needs`` marks the computed inputs whose nodes were not released
    (grad() narrows it to what it differentiates: keeping those would keep their inputs).
    ``outlines`` (by id, so as to keep nothing alive) gives an input or constant used by several nodes
    one outline, hence one box in the drawing."""
    operands: list[Any] = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if x._node is not None:
                if needs is not None and not needs[i]:
                    operands.append(("unlinked", x.shape, x.dtype, x.name))
                else:
                    operands.append(x if x._retain_grad else x._node)  # asked to keep its gradient: and its value
                continue
            if x.requires_grad:
                operands.append(x)
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
    data = tensor.data
    return operands, None, ("op", data.shape, data.dtype, tensor.name)
