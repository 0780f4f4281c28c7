"""Finite differences of a tensor along an axis: NumPy's ``diff`` and ``gradient``.

Both are composed of slicing, subtraction and concatenation, so they need no primitive: the
gradient of each flows back through the slices.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..checks import check_real
from ..declare import op
from ..errors import ShapeError
from ..operands import as_operand, normalize_axis, shape_of
from ..tensor import Tensor
from .join import concatenate
from .shape import broadcast_to


def _along(axis: int, part: slice | int) -> tuple:
    """The index that takes ``part`` of ``axis`` and everything of the other axes."""
    return (slice(None),) * axis + (part,)


@op(method=True, dim=True)
def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The ``n``-th difference along ``axis``, ``x[1:] - x[:-1]`` applied ``n`` times (NumPy's ``diff``);
    ``prepend``/``append`` are joined to ``x`` along ``axis`` first (a number is broadcast to one slice);
    ``n=0`` returns ``x``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise (ValueError if isinstance(n, (int, np.integer)) and not isinstance(n, bool) else TypeError)(
            f"diff: n must be a non-negative integer, got {n!r}"
        )
    x = as_operand(x, "diff", "input")
    shape = shape_of(x, "diff")
    if not shape:
        raise ShapeError("diff: a 0-d tensor has no axis to difference along; give at least a 1-d tensor")
    axis = normalize_axis(axis, len(shape), "diff")
    if n == 0:
        return x  # as NumPy: prepend and append are not joined either
    pieces = []
    for extra in (prepend, x, append):
        if extra is None:
            continue
        if extra is not x and not isinstance(extra, Tensor):
            extra = np.asarray(extra)  # NumPy's dtype for a Python number (float64), as np.diff
        if extra is not x and not shape_of(extra, "diff"):  # a number: one slice of it
            extra = broadcast_to(extra, shape[:axis] + (1,) + shape[axis + 1 :])
        pieces.append(extra)
    if len(pieces) > 1:
        x = concatenate(pieces, axis=axis)
    for _ in range(n):
        x = x[_along(axis, slice(1, None))] - x[_along(axis, slice(None, -1))]
    return x


@op(method=False)
def gradient(f: Any, *spacing: Any, axis: Any = None, edge_order: int = 1, dim: Any = None) -> Any:
    """NumPy's ``gradient``: central differences inside, one-sided ones (of ``edge_order`` 1 or 2) at the
    ends, along each axis in ``axis`` (None: all).  ``spacing`` is the sample distance: none (1), one
    number for every axis, or one per axis; coordinate arrays are not supported.  Returns a Tensor for one
    axis, else a tuple of Tensors, one per axis.  With PyTorch's ``dim=`` for ``axis=``, a tuple always,
    as PyTorch's ``gradient`` (``ae.gradient(f, dim=0)[0]`` is then the derivative, not its first row)."""
    if dim is not None:
        if axis is not None:
            raise TypeError("gradient: got both axis= and PyTorch's dim=; pass one")
        result = gradient(f, *spacing, axis=dim, edge_order=edge_order)
        return result if isinstance(result, tuple) else (result,)
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    f = as_operand(f, "gradient", "input")
    shape = shape_of(f, "gradient")
    if axis is None:
        axes: tuple[int, ...] = tuple(range(len(shape)))
    elif isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, len(shape), "gradient") for a in axis)  # in the order given, as NumPy
    else:
        axes = (normalize_axis(axis, len(shape), "gradient"),)
    if len(spacing) not in (0, 1, len(axes)):
        raise TypeError(f"gradient: give no spacing, one for every axis, or one per axis ({len(axes)}); got {len(spacing)}")
    steps = [_step(s) for s in spacing] if spacing else [1.0]
    if len(steps) == 1:
        steps = steps * len(axes)
    results = tuple(_gradient_along(f, a, h, edge_order, shape) for a, h in zip(axes, steps))
    return results[0] if len(results) == 1 else results


def _step(spacing: Any) -> float:
    if np.ndim(spacing) != 0:
        raise TypeError("gradient: spacing must be numbers (one per axis); coordinate arrays are not supported here")
    return check_real(operator.index(spacing) if isinstance(spacing, np.integer) else spacing, "spacing", "gradient")


def _gradient_along(f: Any, axis: int, h: float, edge_order: int, shape: tuple[int, ...]) -> Any:
    if shape[axis] < edge_order + 1:
        raise ShapeError(f"gradient: axis {axis} of shape {shape} has {shape[axis]} elements; at least "
                         f"edge_order + 1 = {edge_order + 1} are needed")

    def at(i: int | slice) -> Any:
        return f[_along(axis, slice(i, (i + 1) or None) if isinstance(i, int) else i)]

    inside = (at(slice(2, None)) - at(slice(None, -2))) / (2 * h)
    if edge_order == 1:
        first = (at(1) - at(0)) / h
        last = (at(-1) - at(-2)) / h
    else:
        first = (-3 * at(0) + 4 * at(1) - at(2)) / (2 * h)
        last = (3 * at(-1) - 4 * at(-2) + at(-3)) / (2 * h)
    return concatenate([first, inside, last], axis=axis)
