"""``norm``: NumPy's ``linalg.norm`` -- vector norms along one axis, matrix norms over two -- composed
of the engine's reductions, plus the one primitive it needs, the singular values of a matrix.

At a zero vector (matrix) the 2-norm, the p-norms and the Frobenius norm are 0 with gradient **0**,
as in PyTorch (the formula ``x / norm`` is 0/0 there).  The max/min norms split a tie's gradient
evenly, as the ``max``/``min`` reductions do.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import check_bool
from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..operands import as_operand, normalize_axis, shape_of, value
from ..tensor import Tensor
from .elementwise import abs, power, sqrt, where  # noqa: A004  (the engine's abs)
from .reduce import max, min, sum  # noqa: A004  (the engine's reductions)
from .shape import moveaxis, reshape


class SingularValues(Primitive):
    """The singular values of the matrices in the last two axes, descending (NumPy's
    ``svd(compute_uv=False)``).  Their gradient is ``U diag(g) V^T`` with the singular vectors of
    the forward; it is the derivative where the singular values are distinct and nonzero, and a
    valid choice (PyTorch's) where they repeat.  The rule computes with the saved singular vectors,
    so ``create_graph=True`` through it is refused."""

    __slots__ = ()
    name = "singular_values"
    differentiable_twice = False

    def forward(self, x):
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        self.saved = (u, vh)
        return s

    def backward(self, g, out, x):
        u, vh = self.saved
        return ((u * g[..., None, :]) @ vh,)


def _singular_values(x: Any, axes: tuple[int, int], keepdims: bool) -> tuple[Any, tuple[int, ...]]:
    """The singular values of the matrices over ``axes`` (moved last), and the shape of one norm per matrix."""
    moved = moveaxis(x, axes, (-2, -1))
    return apply(SingularValues(), moved), _kept_shape(shape_of(x), axes, keepdims)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape)) if keepdims else tuple(
        n for i, n in enumerate(shape) if i not in axes)


def _root_of_sum(powers: Any, p: float, axis: Any, keepdims: bool) -> Any:
    """``sum(powers) ** (1/p)``, 0 with gradient 0 where the sum is 0 (a zero vector)."""
    total = sum(powers, axis, keepdims)
    zero = np.asarray(value(total) == 0)
    root = sqrt if p == 2 else (lambda t: power(t, 1 / p))
    if not zero.any():
        return root(total)
    return where(zero, 0.0, root(where(zero, 1.0, total)))


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:  # noqa: A002
    if ord is None or ord == 2:
        return _root_of_sum(x * x, 2, axis, keepdims)
    if ord == math.inf:
        return max(abs(x), axis, keepdims)
    if ord == -math.inf:
        return min(abs(x), axis, keepdims)
    if ord == 0:
        count = np.sum(value(x) != 0, axis=axis, keepdims=keepdims)
        return Tensor(count.astype(np.result_type(value(x).dtype, np.float16)))  # a count: no gradient
    if ord == 1:
        return sum(abs(x), axis, keepdims)
    magnitude = abs(x)
    zero = np.sum(value(x) != 0, axis=axis, keepdims=True) == 0
    if not zero.any():
        return _root_of_sum(power(magnitude, ord), ord, axis, keepdims)
    # a zero vector: |x|**p may have an infinite slope at 0 (p < 1), so it is computed at ones instead
    total = _root_of_sum(power(where(np.broadcast_to(zero, shape_of(x)), 1.0, magnitude), ord), ord, axis, keepdims)
    return where(zero if keepdims else np.squeeze(zero, axis), 0.0, total)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:  # noqa: A002
    rows, cols = axes
    if ord is None or ord == "fro":
        return _root_of_sum(x * x, 2, axes, keepdims)
    if ord in (1, -1, math.inf, -math.inf):
        summed, reduced = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = sum(abs(x), summed, keepdims=True)
        extreme = max if ord > 0 else min
        result = extreme(sums, reduced, keepdims=True)
        return result if keepdims else reshape(result, _kept_shape(shape_of(x), axes, False))
    if ord in (2, -2, "nuc"):
        values, shape = _singular_values(x, axes, keepdims)
        if ord == "nuc":
            result = sum(values, -1)
        else:
            result = (max if ord == 2 else min)(values, -1)
        return reshape(result, shape)
    raise ValueError(f"norm: ord {ord!r} is not a matrix norm; use None or 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")


@op(method=False, dim=True)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """NumPy's ``linalg.norm``.  ``axis`` an int: the vector norm of order ``ord`` (None or 2, 1, inf,
    -inf, 0 -- the count of nonzeros, without gradient -- or any other p) along it; a pair of axes: the
    matrix norm ('fro' by default, 'nuc', 1, -1, 2, -2, inf, -inf) over them; None: the 2-norm of all
    elements when ``ord`` is None, else the vector or matrix norm of a 1-d or 2-d ``x``.

    At 0 the norms are 0 with gradient 0 (PyTorch's choice where the derivative is undefined)."""
    keepdims = check_bool(keepdims, "keepdims", "norm")
    x = as_operand(x, "norm", "input")
    shape = shape_of(x, "norm")
    if value(x).dtype.kind not in "fc":
        x = x.astype(np.float64)  # integers: a float norm, as NumPy's
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(f"norm: ord {ord!r} is not a norm; use None, a number, inf, -inf, 'fro' or 'nuc'")
    if axis is None:
        if ord is None:
            return _root_of_sum(x * x, 2, None, keepdims)
        if len(shape) == 1:
            return _vector_norm(x, ord, 0, keepdims)
        if len(shape) == 2:
            return _matrix_norm(x, ord, (0, 1), keepdims)
        raise ShapeError(f"norm: ord={ord!r} without axis needs a 1-d or 2-d tensor, got shape {shape}; give axis= "
                         f"(one axis: a vector norm, two: a matrix norm)")
    if isinstance(axis, (tuple, list)):
        if len(axis) == 1:
            axis = axis[0]
        elif len(axis) == 2:
            axes = (normalize_axis(axis[0], len(shape), "norm"), normalize_axis(axis[1], len(shape), "norm"))
            if axes[0] == axes[1]:
                raise ShapeError(f"norm: the two axes {tuple(axis)} of a matrix norm must differ")
            return _matrix_norm(x, ord, axes, keepdims)
        else:
            raise ShapeError(f"norm: axis must be one axis (a vector norm) or two (a matrix norm), got {axis!r}")
    if isinstance(ord, str):
        raise ValueError(f"norm: ord {ord!r} is a matrix norm; give two axes for it")
    return _vector_norm(x, ord, normalize_axis(axis, len(shape), "norm"), keepdims)
