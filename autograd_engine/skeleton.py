"""What a graph keeps after backward, so that ``ae.draw(loss)`` still draws it (micrograd's habit).

When backward releases a node it sets ``node.skeleton = (operands, grad, outline)``, chosen once per
pass from the graph's size (``keeper``):

- a teaching-size graph (see :data:`DRAW_BUDGET`) keeps its operands themselves and the output's
  gradient (``outline`` None): the drawing shows every value and gradient;
- a larger graph of sizeable tensors keeps no values: for each input, the node that computed it
  (whose own skeleton outlines it), a leaf that requires grad (alive anyway; its ``.grad`` shows), a
  scalar constant, or an outline ``(kind, shape, dtype, name)`` -- kind ``"input"`` (a tensor that
  does not require grad), ``"constant"`` (an array) or ``"unlinked"`` (computed by a node that backward
  did not run); ``grad`` is None and ``outline`` is ``("op", shape, dtype, name)`` of the output;
- a graph of many small ops above the budget keeps nothing (the cost per node would show).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor

DRAW_BUDGET = 1 << 20
"""Bytes a backward pass may keep for drawing with values: a graph whose non-leaf values and
gradients, inputs that do not require grad, and NODE_BYTES per node total at most this keeps them all."""

NODE_BYTES = 512
"""About what a node kept for drawing costs in Python objects (node, tensor, array header, tuples)."""

SKELETON_MIN_BYTES = 16 << 10
"""Above DRAW_BUDGET, a graph keeps its skeleton only when its tensors average at least this many bytes
per node: a skeleton costs a fraction of a microsecond per node, small beside arithmetic on such arrays.
A graph of many small ops keeps nothing: draw it before backward, or backward with retain_graph=True."""


def keeper(nodes: int, values: int, constants: int, for_grad: bool) -> Callable | None:
    """``keep(tensor, inputs, g, needs) -> skeleton`` for a graph of ``nodes`` nodes whose non-leaf values
    take ``values`` bytes and whose constant inputs ``constants``; None when its nodes keep nothing.
    Under ``grad()`` (``for_grad``) values are never kept: the part it did not run must not stay alive."""
    if not for_grad and 2 * values + constants + NODE_BYTES * nodes <= DRAW_BUDGET:
        return _with_values
    if values >= SKELETON_MIN_BYTES * nodes:
        outlines: dict[int, tuple] = {}
        return lambda tensor, inputs, g, needs: _outlined(tensor, inputs, outlines, needs)
    return None


def _with_values(tensor: Tensor, inputs: Any, g: Any, needs: Any) -> tuple:
    return inputs, g, None


def _outlined(tensor: Tensor, inputs: Any, outlines: dict[int, tuple], needs: tuple[bool, ...] | None) -> tuple:
    """A skeleton without values.  ``needs`` (grad()'s narrowed needs) marks the inputs whose nodes were
    not released (outside what grad() differentiates: keeping them would keep their inputs).
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
