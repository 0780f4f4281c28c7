"""The affine map of a fully-connected layer as one primitive: ``linear(x, W, b) = x @ W.T + b``.

It could be composed (transpose, matmul, add), but as one node its rules produce each
gradient directly in its parameter's layout, so nothing is transposed or copied on the
way to ``.grad`` (PyTorch's ``addmm`` does the same):

    dx = g @ W          (..., in)
    dW = g^T @ x        (out, in), summed over all leading axes of x
    db = sum of g over the leading axes

with ``W`` of shape (out, in) as in PyTorch and ``b`` of shape (out,) or absent.  As in
PyTorch's ``addmm``, ``b`` may also be any array that broadcasts to the output, e.g. one
(N, out) row per example: an RNN step adds its precomputed input projection this way,
one node instead of a product and an add, and ``db`` is ``g`` summed to ``b``'s shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..kernels.threads import blas_for_product
from ..operands import as_operand
from .dispatch import sum_to_shape


class Linear(Primitive):
    __slots__ = ()
    name = "linear"

    def forward(self, x, weight, bias=None):
        with blas_for_product(x.size * weight.shape[0]):
            out = x @ weight.T
        if bias is None:
            return out
        if np.result_type(out, bias) == out.dtype:
            out += bias  # in place: the product is a fresh array
            return out
        return out + bias  # promotes, as x @ W.T + b would

    def backward(self, g, out, x, weight, bias=None):
        with blas_for_product(x.size * weight.shape[0]):
            return self._gradients(g, x, weight, bias)

    def _gradients(self, g, x, weight, bias):
        need_x, need_w = self.needs_grad[0], self.needs_grad[1]
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        out_features, in_features = weight.shape
        g2 = g.reshape((-1, out_features)) if g.ndim != 2 else g
        gx = g @ weight if need_x else None
        gw = None
        if need_w:
            x2 = x.reshape((-1, in_features)) if x.ndim != 2 else x
            gw = g2.T @ x2
        gb = sum_to_shape(g, bias.shape) if need_b else None
        return (gx, gw, gb) if len(self.needs_grad) > 2 else (gx, gw)


@op()
def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias`` as one node: ``x`` (..., in), ``weight`` (out, in), ``bias`` (out,),
    None, or any shape that broadcasts to the output (..., out) (like PyTorch's ``addmm``).

    Operands may be Tensors, NumPy arrays or array-likes (nested lists, numbers).  Array-likes
    are converted as ``Tensor(...)`` converts them: Python numbers become the default dtype
    (float32, see ``set_default_dtype``), so ``nn.Linear(2, 2)([1.0, 2.0])`` is float32 like the
    layer; NumPy arrays keep their dtype and promote as in NumPy (a float64 array through a
    float32 layer gives float64).
    """
    x, weight = as_operand(x, "linear", "input"), as_operand(weight, "linear", "weight")
    sx, sw = x.shape, weight.shape
    if len(sw) != 2:
        raise ShapeError(f"linear: weight must be 2-D (out_features, in_features), got shape {sw}")
    if len(sx) < 1 or sx[-1] != sw[1]:
        raise ShapeError(
            f"linear: the input has shape {sx} but the weight {sw} expects {sw[1]} features in the input's last axis; "
            f"flatten the input (nn.Flatten) or fix in_features"
        )
    if bias is None:
        return apply(Linear(), x, weight)
    bias = as_operand(bias, "linear", "bias")
    sb = bias.shape
    out_shape = (*sx[:-1], sw[0])
    if sb != (sw[0],) and sb != out_shape and _broadcast(sb, out_shape) != out_shape:
        raise ShapeError(
            f"linear: bias must have shape ({sw[0]},) to match the weight {sw}, or broadcast to the output "
            f"shape {out_shape}; got {sb}"
        )
    return apply(Linear(), x, weight, bias)


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None
