"""Reductions over an axis (int, tuple or None) with ``keepdims``.

max and min split the gradient evenly among tied maxima (minima), as PyTorch's
``amax``/``amin`` do; a NaN wins (the result is NaN, as in NumPy) and takes the gradient,
split evenly among several NaNs, as PyTorch's ``x.max()`` does.  logsumexp subtracts the
maximum first, so it never overflows.
"""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from ..checks import check_bool
from ..declare import op
from ..function import Primitive, apply
from ..operands import as_operand, normalize_axes, shape_of, value
from . import dispatch
from .dispatch import expand_reduced
from .elementwise import sqrt, where


def _reduce(cls: type[_Reduction], x: Any, axis: Any, keepdims: bool) -> Any:
    if keepdims is not False and keepdims is not True:  # bool("no") would keep them: refuse, as PyTorch
        keepdims = check_bool(keepdims, "keepdims", cls.name)
    return apply(cls(normalize_axes(axis, len(shape_of(x, cls.name)), cls.name), keepdims), x)


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


@op(method=True, dim=True)
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Sum over ``axis`` (None: all axes)."""
    return _reduce(Sum, x, axis, keepdims)


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


@op(method=True, dim=True)
def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over ``axis`` (None: all axes)."""
    return _reduce(Mean, x, axis, keepdims)


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


@op(method=True)
def max(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> Any:  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally, a NaN wins and takes it."""
    _refuse_values_and_indices("max", dim, keepdim)
    return _reduce(Max, x, axis, keepdims)


class Min(_Extremum):
    __slots__ = ()
    name = "min"
    _reduce = staticmethod(np.min)


@op(method=True)
def min(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> Any:  # noqa: A001
    """Minimum over ``axis``; tied minima share the gradient equally, a NaN wins and takes it."""
    _refuse_values_and_indices("min", dim, keepdim)
    return _reduce(Min, x, axis, keepdims)


@op(method=True, dim=True)
def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum values over ``axis`` (NumPy's ``amax``; PyTorch's, whose ``dim=`` gives values only)."""
    return _reduce(Max, x, axis, keepdims)


@op(method=True, dim=True)
def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum values over ``axis`` (NumPy's ``amin``; PyTorch's, whose ``dim=`` gives values only)."""
    return _reduce(Min, x, axis, keepdims)


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


@op(method=True, dim=True)
def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x), axis)), stable for large values."""
    return _reduce(LogSumExp, x, axis, keepdims)


@op(method=True)
def var(x: Any, axis: Any = None, ddof: int | None = None, keepdims: bool = False, *, dim: Any = None,
        keepdim: bool | None = None, correction: int | None = None, unbiased: bool | None = None) -> Any:
    """Variance over ``axis`` with NumPy's ``ddof`` (default 0: population variance), composed of
    mean, subtract and multiply.

    Called in PyTorch's spelling (``dim=``, ``keepdim=``, ``correction=`` or ``unbiased=``) without
    ``ddof=``, it follows PyTorch's default instead: ``correction=1``, the unbiased variance
    (``x.var(dim=1)`` means what it means in PyTorch; ``x.var(axis=1)`` what it means in NumPy).

    The divisor is ``max(n - ddof, 0)`` for ``n`` reduced elements, as in NumPy and PyTorch: with
    ``ddof >= n`` the variance is inf (NaN where all values are equal: 0/0), quietly, like the
    mean of nothing (NumPy and PyTorch warn).  Its gradient there is the formula
    ``2 (x - mean) g / 0``: +-inf, NaN where ``x == mean``.  To give it, the mean is taken as a
    constant in that case -- exact for the first derivative, since d var / d mean =
    -2 sum(x - mean) / divisor = 0, whereas differentiating through the mean would add
    inf * 0 = NaN to every element (second derivatives are not meaningful there anyway).
    """
    axis, ddof, keepdims = _numpy_or_torch_variance("var", axis, ddof, keepdims, dim, keepdim, correction, unbiased)
    keepdims = check_bool(keepdims, "keepdims", "var")
    x = as_operand(x, "var", "input")  # once: x is used several times, and beside an array below
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


@op(method=True)
def std(x: Any, axis: Any = None, ddof: int | None = None, keepdims: bool = False, *, dim: Any = None,
        keepdim: bool | None = None, correction: int | None = None, unbiased: bool | None = None) -> Any:
    """Standard deviation: sqrt(var), with var's ``ddof`` (NumPy's default 0, or PyTorch's default
    ``correction=1`` when called in PyTorch's spelling without ``ddof=``).  Where the variance is 0 the
    gradient is 0, as in PyTorch (sqrt'(0) = inf times var's zero gradient would give NaN)."""
    axis, ddof, keepdims = _numpy_or_torch_variance("std", axis, ddof, keepdims, dim, keepdim, correction, unbiased)
    v = var(x, axis, ddof=ddof, keepdims=check_bool(keepdims, "keepdims", "std"))
    zero = np.asarray(value(v) == 0)
    if not zero.any():
        return sqrt(v)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


@op(method=True, dim=True)
def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the maximum (not differentiable; returns a NumPy integer array)."""
    return np.argmax(value(x), axis=axis, keepdims=keepdims)


@op(method=True, dim=True)
def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the minimum (not differentiable; returns a NumPy integer array)."""
    return np.argmin(value(x), axis=axis, keepdims=keepdims)


def _numpy_or_torch_variance(name: str, axis: Any, ddof: Any, keepdims: Any, dim: Any, keepdim: Any,
                            correction: Any, unbiased: Any, torch_default: bool = False) -> tuple[Any, int, Any]:
    """``(axis, ddof, keepdims)`` of a variance from NumPy's or PyTorch's arguments.  NumPy's ``ddof``
    defaults to 0 and PyTorch's ``correction`` to 1: without any of ``ddof``, ``correction``,
    ``unbiased``, the divisor follows PyTorch's (n - 1) when the call is in PyTorch's spelling (``dim=``,
    ``keepdim=``) or ``torch_default`` (a PyTorch-only name such as ``var_mean``), else NumPy's (n)."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{name}: got both axis= and PyTorch's dim=; pass one")
        axis = dim
    if keepdim is not None:
        if keepdims is not False:
            raise TypeError(f"{name}: got both keepdims= and PyTorch's keepdim=; pass one")
        keepdims = keepdim
    given = [k for k, v in (("ddof", ddof), ("correction", correction), ("unbiased", unbiased)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{name}: got both {given[0]}= and {given[1]}=; pass one (ddof=0 / correction=0 / "
                        f"unbiased=False divide by n, NumPy's default; ddof=1 / correction=1 / unbiased=True by n - 1, "
                        f"PyTorch's)")
    if unbiased is not None:
        return axis, int(check_bool(unbiased, "unbiased", name)), keepdims
    chosen = ddof if ddof is not None else correction
    if chosen is None:
        chosen = 1 if torch_default or dim is not None or keepdim is not None else 0
    return axis, chosen, keepdims


def _refuse_values_and_indices(name: str, dim: Any, keepdim: Any) -> None:
    """``x.max(dim=1)`` is PyTorch's values *and* indices; NumPy's ``axis=`` gives the values only, so the
    PyTorch spelling is refused rather than silently read the NumPy way."""
    if dim is not None or keepdim is not None:
        raise TypeError(f"{name}(dim=...): in PyTorch this returns values and indices; here {name} follows NumPy -- "
                        f"use {name}(x, axis=..., keepdims=...) for the values and ae.arg{name}(x, axis=...) for "
                        f"the indices")
