"""Reductions over an axis (int, tuple or None) with ``keepdims``, and the softmax family.

max and min split the gradient evenly among tied maxima (minima), as PyTorch's
``amax``/``amin`` do; a NaN wins (the result is NaN, as in NumPy) and takes the gradient,
split evenly among several NaNs, as PyTorch's ``x.max()`` does.  logsumexp, softmax and
log_softmax subtract the maximum first, so they never overflow.
"""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..function import Primitive, apply
from . import dispatch
from .dispatch import array_operand, expand_reduced, shape_of, value


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """Turn ``axis`` (None, int or tuple) into a sorted tuple of non-negative axes.

    Anything else -- a float, a string, a bool, a tuple holding one -- is a TypeError naming ``op``.
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = axis
    else:
        raise _axis_type_error(axis, op)
    result = []
    for a in axes:
        if type(a) is not int and (isinstance(a, bool) or not isinstance(a, np.integer)):  # plain ints: one test
            raise _axis_type_error(axis, op)
        valid = a in (0, -1) if ndim == 0 else -ndim <= a < ndim  # a 0-d tensor accepts 0 and -1, as in PyTorch
        if not valid:
            raise ShapeError(f"{op}: axis {a} is out of bounds for a tensor with {ndim} dimension(s)")
        result.append(int(a) % builtins.max(ndim, 1))
    if len(set(result)) != len(result):
        raise ShapeError(f"{op}: axis {axis} repeats an axis")
    return tuple(sorted(result)) if ndim else ()


def _axis_type_error(axis: Any, op: str) -> TypeError:
    return TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r} ({type(axis).__name__})")


def normalize_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis of a tensor with ``ndim >= 1`` dimensions, as a non-negative int.

    For the ops that work along a single axis: ``None`` or a tuple is an error here, never
    silently the first of several axes.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be one integer, got {axis!r}")
    return normalize_axes(axis, ndim, op)[0]


class _Reduction(Primitive):
    __slots__ = ("axes", "keepdims")

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def describe(self) -> str:
        return f"{self.name}(axis={self.axes})" if self.axes else self.name


class Sum(_Reduction):
    __slots__ = ()
    name = "sum"

    def forward(self, x):
        return np.sum(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, out, x):
        return (expand_reduced(g, x.shape, self.axes, self.keepdims),)


class Mean(_Reduction):
    """Arithmetic mean; the mean over zero elements is NaN, as in NumPy."""

    __slots__ = ()
    name = "mean"

    def forward(self, x):
        if x.size == 0:  # sum / count: NaN where count is 0, without NumPy's "Mean of empty slice" warning
            total = np.sum(x, axis=self.axes, keepdims=self.keepdims)
            with np.errstate(invalid="ignore", divide="ignore"):
                return total / math.prod(x.shape[a] for a in self.axes)
        return np.mean(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, out, x):
        count = math.prod(x.shape[a] for a in self.axes)
        return (expand_reduced(g / builtins.max(count, 1), x.shape, self.axes, self.keepdims),)


class _Extremum(_Reduction):
    """max/min: the gradient goes to the winners, split evenly among ties.

    A slice holding NaN reduces to NaN, and its NaNs are the winners (NaN == NaN is false, so
    they are found by ``isnan``; a slice without NaN has none to find).  PyTorch's ``x.max()``
    does the same; its ``amax`` gives NaN gradients to the whole slice instead.
    """

    __slots__ = ()

    def forward(self, x):
        return self._reduce(x, axis=self.axes, keepdims=self.keepdims)

    def branch(self, out, x):
        return self._winners(x, out)

    def _winners(self, x_data: np.ndarray, out_data: np.ndarray) -> np.ndarray:
        winners = x_data == expand_reduced(out_data, x_data.shape, self.axes, self.keepdims)
        if x_data.dtype.kind in "fc":
            winners |= np.isnan(x_data)
        return winners

    def backward(self, g, out, x):
        x_data, out_data = value(x), value(out)
        winners = self._winners(x_data, out_data)
        share = (winners / winners.sum(axis=self.axes, keepdims=True)).astype(x_data.dtype)
        return (expand_reduced(g, x_data.shape, self.axes, self.keepdims) * share,)


class Max(_Extremum):
    __slots__ = ()
    name = "max"
    _reduce = staticmethod(np.max)


class Min(_Extremum):
    __slots__ = ()
    name = "min"
    _reduce = staticmethod(np.min)


class LogSumExp(_Reduction):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m the maximum."""

    __slots__ = ()
    name = "logsumexp"

    def forward(self, x):
        shift = np.max(x, axis=self.axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        shift = np.where(np.isfinite(shift), shift, 0)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - shift), axis=self.axes, keepdims=True)) + shift
        return out if self.keepdims else out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in self.axes))

    def backward(self, g, out, x):
        out_kept = expand_reduced(out, x.shape, self.axes, self.keepdims)
        return (expand_reduced(g, x.shape, self.axes, self.keepdims) * dispatch.exp(x - out_kept),)


class _AlongAxis(Primitive):
    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def describe(self) -> str:
        return f"{self.name}(axis={self.axis})"


class Softmax(_AlongAxis):
    """exp(x) / sum(exp(x)) along ``axis``, with the maximum subtracted first."""

    __slots__ = ()
    name = "softmax"

    def forward(self, x):
        if x.size == 0:  # nothing to normalise (np.max would refuse an empty axis)
            return np.exp(x)
        e = np.exp(x - np.max(x, axis=self.axis, keepdims=True))
        e /= np.sum(e, axis=self.axis, keepdims=True)
        return e

    def backward(self, g, out, x):
        return (out * (g - (g * out).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(_AlongAxis):
    """x - logsumexp(x) along ``axis``."""

    __slots__ = ()
    name = "log_softmax"

    def forward(self, x):
        if x.size == 0:  # nothing to normalise (np.max would refuse an empty axis)
            return np.exp(x)
        shifted = x - np.max(x, axis=self.axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))  # ints give float64

    def backward(self, g, out, x):
        return (g - dispatch.exp(out) * g.sum(axis=self.axis, keepdims=True),)


# ----- public functions -------------------------------------------------------



def _reduce(cls: type[_Reduction], x: Any, axis: Any, keepdims: bool) -> Any:
    return apply(cls(normalize_axes(axis, len(shape_of(x, cls.name)), cls.name), bool(keepdims)), x)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Sum over ``axis`` (None: all axes)."""
    return _reduce(Sum, x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over ``axis`` (None: all axes)."""
    return _reduce(Mean, x, axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally, a NaN wins and takes it."""
    return _reduce(Max, x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Minimum over ``axis``; tied minima share the gradient equally, a NaN wins and takes it."""
    return _reduce(Min, x, axis, keepdims)


amax, amin = max, min


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x), axis)), stable for large values."""
    return _reduce(LogSumExp, x, axis, keepdims)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance over ``axis`` with NumPy's ``ddof`` (0: population variance), composed of
    mean, subtract and multiply.

    The divisor is ``max(n - ddof, 0)`` for ``n`` reduced elements, as in NumPy and PyTorch: with
    ``ddof >= n`` the variance is inf (NaN where all values are equal: 0/0), quietly, like the
    mean of nothing (NumPy and PyTorch warn).  Its gradient there is the formula
    ``2 (x - mean) g / 0``: +-inf, NaN where ``x == mean``.  To give it, the mean is taken as a
    constant in that case -- exact for the first derivative, since d var / d mean =
    -2 sum(x - mean) / divisor = 0, whereas differentiating through the mean would add
    inf * 0 = NaN to every element (second derivatives are not meaningful there anyway).
    """
    x = array_operand(x, "var", "input")  # once: x is used several times, and beside an array below
    shape = shape_of(x, "var")
    axes = normalize_axes(axis, len(shape), "var")
    count = math.prod(shape[a] for a in axes)
    divisor = builtins.max(count - ddof, 0)
    if divisor > 0:
        centred = x - mean(x, axis, keepdims=True)
        return sum(centred * centred, axis, keepdims) / divisor
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = x - np.sum(np.asarray(value(x)), axis=axes, keepdims=True) / count  # NaN if count == 0
        # times inf rather than / 0: the gradient is then g * inf, without a division-by-zero warning
        return sum(centred * centred, axis, keepdims) * math.inf


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation: sqrt(var).  Where the variance is 0 the gradient is 0, as in
    PyTorch (sqrt'(0) = inf times var's zero gradient would give NaN)."""
    from .elementwise import sqrt, where

    v = var(x, axis, ddof=ddof, keepdims=keepdims)
    zero = np.asarray(value(v) == 0)
    if not zero.any():
        return sqrt(v)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


def _one_axis(x: Any, axis: int, op: str) -> int | None:
    ndim = len(shape_of(x, op))
    if ndim == 0 and axis is not None and not isinstance(axis, tuple):
        normalize_axes(axis, 0, op)  # a 0-d tensor accepts 0 and -1, as in PyTorch
        return None  # it has no axis: normalise over "all" of it
    if axis is None or isinstance(axis, tuple):
        raise TypeError(
            f"{op}: axis must be one integer, got {axis!r}; for a {op} over several axes, "
            f"reshape them into one first"
        )
    return normalize_axis(axis, ndim, op)


def softmax(x: Any, axis: int = -1) -> Any:
    """Softmax along ``axis`` (default the last), stable for large values."""
    return apply(Softmax(_one_axis(x, axis, "softmax")), x)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """log(softmax(x)) along ``axis``, computed without forming softmax (stable)."""
    return apply(LogSoftmax(_one_axis(x, axis, "log_softmax")), x)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the maximum (not differentiable; returns a NumPy integer array)."""
    return np.argmax(value(x), axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the minimum (not differentiable; returns a NumPy integer array)."""
    return np.argmin(value(x), axis=axis, keepdims=keepdims)
