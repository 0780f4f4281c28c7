"""The affine map of a fully-connected layer as one primitive: ``linear(x, W, b) = x @ W.T + b``.

It could be composed (transpose, matmul, add), but as one node its rules produce each
gradient directly in its parameter's layout, so nothing is transposed or copied on the
way to ``.grad`` (PyTorch's ``addmm`` does the same):

    dx = g @ W          (..., in)
    dW = g^T @ x        (out, in), summed over all leading axes of x
    db = sum of g over the leading axes

with ``W`` of shape (out, in) as in PyTorch and ``b`` of shape (out,) or absent.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..function import Primitive, apply
from .dispatch import value


class Linear(Primitive):
    __slots__ = ()
    name = "linear"

    def forward(self, x, weight, bias=None):
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(self, g, out, x, weight, bias=None):
        need_x, need_w = self.needs_grad[0], self.needs_grad[1]
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        out_features, in_features = weight.shape
        g2 = g.reshape((-1, out_features)) if g.ndim != 2 else g
        gx = g @ weight if need_x else None
        gw = None
        if need_w:
            x2 = x.reshape((-1, in_features)) if x.ndim != 2 else x
            gw = g2.T @ x2
        gb = g2.sum(axis=0) if need_b else None
        return (gx, gw, gb) if len(self.needs_grad) > 2 else (gx, gw)


def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias`` as one node: ``x`` (..., in), ``weight`` (out, in), ``bias`` (out,) or None."""
    sx, sw = np.shape(value(x)), np.shape(value(weight))
    if len(sw) != 2:
        raise ShapeError(f"linear: weight must be 2-D (out_features, in_features), got shape {sw}")
    if len(sx) < 1 or sx[-1] != sw[1]:
        raise ShapeError(
            f"linear: the input has shape {sx} but the weight {sw} expects {sw[1]} features in the input's last axis; "
            f"flatten the input (nn.Flatten) or fix in_features"
        )
    if bias is None:
        return apply(Linear(), x, weight)
    sb = np.shape(value(bias))
    if sb != (sw[0],):
        raise ShapeError(f"linear: bias must have shape ({sw[0]},) to match the weight {sw}, got {sb}")
    return apply(Linear(), x, weight, bias)
