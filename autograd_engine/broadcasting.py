"""Undoing broadcasting in the backward pass: a gradient in the shape an input was broadcast to is
summed back to the input's own shape (and every gradient a rule returns is checked against its input).

Backward does it for every primitive that declares ``broadcasts = True`` (as PyTorch's engine does
for every op), so that such a rule returns its gradients in the output's shape; a rule may also call
:func:`sum_to_shape` itself.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import gradient_shape_error


def sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` (an array or Tensor) over the axes that broadcasting added or stretched to give ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if not stretched:  # only leading axes were added (a bias): the sum is a new array, not a view,
        return grad.sum(axis=tuple(range(lead)))  # so a leaf's .grad can keep it without a copy
    return grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


def broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """True when an array of ``shape`` broadcasts to ``target`` (so that a gradient of ``target``'s shape sums back)."""
    lead = len(target) - len(shape)
    return lead >= 0 and all(n == 1 or n == m for n, m in zip(shape, target[lead:]))


def conformed_gradient(node: Any, x: Any, gx: Any, create_graph: bool) -> Any:
    """``gx`` as the gradient of ``x``: an array (a Tensor under ``create_graph``) of its shape and dtype.
    A gradient in the shape ``x`` was broadcast to is summed back when ``node`` broadcasts its inputs;
    any other shape is the rule's bug (or, for a root, the seed's: ``node`` None)."""
    if not create_graph and type(gx) is not np.ndarray:
        gx = np.asarray(gx)  # 0-d arithmetic gives NumPy scalars, which cannot be added into in place
    if gx.shape != x.shape:
        if node is None or not node.broadcasts or not broadcasts_to(x.shape, gx.shape):
            raise gradient_shape_error(node, x, gx)
        gx = sum_to_shape(gx, x.shape)
        if not create_graph:
            gx = np.asarray(gx)  # a sum to 0-d gives a NumPy scalar
    if gx.dtype != x.dtype:
        gx = gx.astype(x.dtype)
    return gx
