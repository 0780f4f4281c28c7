"""Matrix product: 1-D, 2-D and batched operands with NumPy's broadcasting of the batch axes; and
``dot``, NumPy's other product, composed from it.

The rule is the notes' dimension analysis: for out = a @ b, da = g @ b^T and
db = a^T @ g, with 1-D operands treated as a row (a) or a column (b) and the
broadcast batch axes summed away.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..kernels.threads import blas_for_product
from ..operands import shape_of
from .dispatch import sum_to_shape
from .elementwise import multiply
from .shape import moveaxis, reshape


class MatMul(Primitive):
    __slots__ = ()
    name = "matmul"

    def forward(self, a, b):
        with blas_for_product(np.size(a) * np.shape(b)[-1]):
            return np.matmul(a, b)

    def backward(self, g, out, a, b):
        with blas_for_product(np.size(a) * np.shape(b)[-1]):
            return self._gradients(g, a, b)

    def _gradients(self, g, a, b):
        need_a, need_b = self.needs_grad
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        if a.ndim == 1:
            g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if b.ndim > 1 else g.reshape((1,) + g.shape)
        if b.ndim == 1:
            g = g.reshape(g.shape + (1,))
        ga = gb = None
        if need_a:
            ga = sum_to_shape(g @ b2.swapaxes(-1, -2), a2.shape)
            if a.ndim == 1:  # only then: a reshaped view would cost a weight's .grad a copy
                ga = ga.reshape(a.shape)
        if need_b:
            gb = sum_to_shape(a2.swapaxes(-1, -2) @ g, b2.shape)
            if b.ndim == 1:
                gb = gb.reshape(b.shape)
        return ga, gb


@op(method=True, operator="matmul")
def matmul(a: Any, b: Any) -> Any:
    """Matrix product ``a @ b`` as ``numpy.matmul`` (no 0-d operands)."""
    sa, sb = shape_of(a, "matmul"), shape_of(b, "matmul")
    if not sa or not sb:
        raise ShapeError(f"matmul: operands must have at least one dimension, got shapes {sa} and {sb}; use * for scalars")
    inner_a = sa[-1]
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul: shapes {sa} @ {sb} do not fit: the last axis of the left operand ({inner_a}) must equal "
            f"the {'only' if len(sb) == 1 else 'second-to-last'} axis of the right one ({inner_b}); "
            f"transpose an operand (.T) or check the layer sizes"
        )
    return apply(MatMul(), a, b)


@op(method=True)
def dot(a: Any, b: Any) -> Any:
    """``numpy.dot``: the sum product over the last axis of ``a`` and the second-to-last of ``b``.

    - a 0-d operand: ``a * b`` (NumPy multiplies);
    - ``b`` 1-d: the sum product over the last axes of both (an inner product for two vectors),
      shape ``a.shape[:-1]``;
    - otherwise ``dot(a, b)[i, ..., j, ..., k] = sum(a[i, ..., :] * b[j, ..., :, k])``, shape
      ``a.shape[:-1] + b.shape[:-2] + b.shape[-1:]``.  For 2-d operands that is the matrix product;
      for N-d ones it is *not* ``matmul``'s batched product: every row of ``a`` meets every matrix
      of ``b`` (composed here from ``reshape``, ``transpose`` and ``matmul``, so it is
      differentiable, twice too).
    """
    sa, sb = shape_of(a, "dot"), shape_of(b, "dot")
    if not sa or not sb:
        return multiply(a, b)
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != inner_b:
        raise ShapeError(
            f"dot: shapes {sa} and {sb} are not aligned: the last axis of the first operand ({sa[-1]}) must equal "
            f"the {'only' if len(sb) == 1 else 'second-to-last'} axis of the second ({inner_b}); transpose an "
            f"operand (.T), or use matmul for a batched product"
        )
    if len(sa) <= 2 and len(sb) <= 2 or len(sa) == 1 or len(sb) == 1:
        return matmul(a, b)  # numpy.dot and numpy.matmul agree here
    rows = reshape(a, (math.prod(sa[:-1]), sa[-1]))  # (M, K): every row of a
    columns = reshape(moveaxis(b, -2, 0), (sb[-2], math.prod(sb[:-2]) * sb[-1]))  # (K, B N): every column of b's matrices
    return reshape(matmul(rows, columns), sa[:-1] + sb[:-2] + sb[-1:])
