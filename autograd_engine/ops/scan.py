"""Scans: running sums, products, log-sum-exps, maxima and minima along one axis.

``axis=None`` scans the flattened tensor, as NumPy does; PyTorch's ``dim=`` is accepted.  The rules
run the scan backwards: the gradient of a running sum is the reversed running sum of ``g``.
``cumprod`` is exact with zeros in the input (its rule never divides by an input that is 0), and
``cummax``/``cummin`` return PyTorch's values and indices, routing each gradient to the index that
holds the running extremum (the latest one on a tie, as PyTorch).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..declare import op
from ..function import Primitive, apply
from ..operands import as_operand, normalize_axes, normalize_axis, shape_of, value
from ..tensor import Tensor
from . import dispatch
from .shape import reshape


class _Scan(Primitive):
    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def describe(self) -> str:
        return f"{self.name}(axis={self.axis})"


def _scan(cls: type[_Scan], x: Any, axis: Any) -> Any:
    """Apply the scan ``cls`` along ``axis`` (None: over the flattened tensor; a 0-d tensor, as PyTorch,
    scans its one element along axis 0 or -1 and stays 0-d)."""
    x = as_operand(x, cls.name, "input")
    shape = shape_of(x, cls.name)
    if axis is None or not shape:
        if axis is not None:
            normalize_axes(axis, 0, cls.name)  # 0 and -1 only
        scanned = apply(cls(0), reshape(x, (-1,)))
        return scanned if axis is None else reshape(scanned, shape)
    return apply(cls(normalize_axis(axis, len(shape), cls.name)), x)


class Cumsum(_Scan):
    __slots__ = ()
    name = "cumsum"

    def forward(self, x):
        return np.cumsum(x, axis=self.axis)

    def backward(self, g, out, x):
        return (dispatch.reverse_cumsum(g, self.axis),)


@op(method=True, dim=True)
def cumsum(x: Any, axis: int | None = None) -> Any:
    """Running sum along ``axis`` (None: over the flattened tensor)."""
    return _scan(Cumsum, x, axis)


class Cumprod(_Scan):
    """Running product.  With no zero in the input the rule is ``revcumsum(g * out) / x``; with zeros
    (or inputs so small that ``g * out`` underflows) it runs the recurrence ``s[i] = g[i] + x[i+1] s[i+1]``, ``grad[i] = out[i-1] s[i]``, which never
    divides, so that every zero (one or several) gets its exact gradient."""

    __slots__ = ()
    name = "cumprod"

    def forward(self, x):
        return np.cumprod(x, axis=self.axis)

    def backward(self, g, out, x):
        if dispatch.divides_exactly(x):
            return (dispatch.reverse_cumsum(g * out, self.axis) / x,)
        n, axis = value(x).shape[self.axis], self.axis

        def at(i: int) -> tuple:
            return (slice(None),) * axis + (i,)

        pieces: list[Any] = [None] * n
        running = g[at(n - 1)]
        for i in range(n - 1, -1, -1):
            if i < n - 1:
                running = g[at(i)] + x[at(i + 1)] * running
            pieces[i] = running if i == 0 else out[at(i - 1)] * running
        return (dispatch.stack(pieces, axis),)


@op(method=True, dim=True)
def cumprod(x: Any, axis: int | None = None) -> Any:
    """Running product along ``axis`` (None: over the flattened tensor); exact gradients with zeros."""
    return _scan(Cumprod, x, axis)


class LogCumSumExp(_Scan):
    """``out[k] = log(sum(exp(x[:k+1])))`` (NumPy's ``logaddexp.accumulate``, never overflowing).

    The gradient ``grad[i] = sum_{k >= i} g[k] exp(x[i] - out[k])`` is taken in log space, the
    positive and negative parts of ``g`` apart, so that no exponential overflows.  Under
    ``create_graph=True`` it is taken as ``exp(x - c) revcumsum(g exp(c - out))`` with ``c`` the slice's
    total, which is linear in ``g`` (so differentiable at g = 0) and overflows only where a slice's
    running log-sum spans more than the dtype's exponent range (about 700 in float64)."""

    __slots__ = ()
    name = "logcumsumexp"

    def forward(self, x):
        if x.dtype.kind != "f":
            x = x.astype(np.result_type(x, 1.0))
        return np.logaddexp.accumulate(x, axis=self.axis)

    def backward(self, g, out, x):
        if isinstance(g, Tensor):  # create_graph: a form linear in g (the log-space one is not differentiable at g = 0)
            last = value(out)[(slice(None),) * self.axis + (slice(-1, None),)]
            shift = np.where(np.isfinite(last), last, 0.0)  # any constant works: it cancels
            return (dispatch.exp(x - shift) * dispatch.reverse_cumsum(g * dispatch.exp(shift - out), self.axis),)
        total = np.zeros_like(x)
        for sign in (1.0, -1.0):
            part = g * sign > 0
            if part.any():
                with np.errstate(divide="ignore"):
                    log_part = np.where(part, np.log(np.where(part, sign * g, 1.0)), -math.inf) - out
                total += sign * np.exp(x + _reverse_logcumsumexp(log_part, self.axis))
        return (total,)


def _reverse_logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    """``out[i] = log(sum(exp(x[i:])))`` along ``axis``."""
    flip = (slice(None),) * axis + (slice(None, None, -1),)
    with np.errstate(invalid="ignore"):
        return np.logaddexp.accumulate(x[flip], axis=axis)[flip]


@op(method=True, dim=True)
def logcumsumexp(x: Any, axis: int | None = None) -> Any:
    """Running log-sum-exp along ``axis`` (PyTorch's ``logcumsumexp``), stable for large values."""
    return _scan(LogCumSumExp, x, axis)


class ValuesIndices(NamedTuple):
    """What ``cummax``/``cummin`` return, as PyTorch: the running extrema and where they are."""

    values: Tensor
    indices: np.ndarray


class _RunningExtremum(_Scan):
    """The running maximum (minimum) as a pick along ``axis`` at ``indices``; the gradient of each
    output goes to the input it picked (``scatter_add``), so a running extremum held for k steps
    collects k gradients.  On a tie the later index is picked (PyTorch's rule)."""

    __slots__ = ("indices",)

    def forward(self, x):
        running = self._accumulate(x, axis=self.axis)
        positions = np.arange(x.shape[self.axis]).reshape((-1,) + (1,) * (x.ndim - self.axis - 1))
        holds = (x == running) | (np.isnan(x) if x.dtype.kind == "f" else False)
        self.indices = np.maximum.accumulate(np.where(holds, positions, 0), axis=self.axis)
        return running

    def _key(self, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        grid = list(np.indices(shape, sparse=True))
        grid[self.axis] = self.indices
        return tuple(grid)

    def backward(self, g, out, x):
        shape = value(x).shape
        return (dispatch.scatter_add(g, self._key(shape), shape, value(g).dtype),)

    def release(self) -> None:
        super().release()
        self.indices = None


class Cummax(_RunningExtremum):
    __slots__ = ()
    name = "cummax"
    _accumulate = staticmethod(np.maximum.accumulate)


class Cummin(_RunningExtremum):
    __slots__ = ()
    name = "cummin"
    _accumulate = staticmethod(np.minimum.accumulate)


def _running_extremum(cls: type[_RunningExtremum], x: Any, axis: Any) -> ValuesIndices:
    if axis is None:
        raise TypeError(f"{cls.name}: give the axis to scan along (dim= or axis=), as PyTorch requires")
    x = as_operand(x, cls.name, "input")
    shape = shape_of(x, cls.name)
    if not shape:
        normalize_axes(axis, 0, cls.name)  # 0 and -1 only
        values, indices = _running_extremum(cls, reshape(x, (1,)), 0)
        return ValuesIndices(reshape(values, ()), indices.reshape(()))
    node = cls(normalize_axis(axis, len(shape), cls.name))
    values = apply(node, x)
    return ValuesIndices(values, node.indices)


@op(method=True, dim=True)
def cummax(x: Any, axis: int) -> ValuesIndices:
    """Running maximum along ``axis`` and its indices (PyTorch's ``cummax``): ``(values, indices)``,
    the indices a NumPy int array (as ``argmax``); a tie picks the later index."""
    return _running_extremum(Cummax, x, axis)


@op(method=True, dim=True)
def cummin(x: Any, axis: int) -> ValuesIndices:
    """Running minimum along ``axis`` and its indices (PyTorch's ``cummin``): ``(values, indices)``,
    the indices a NumPy int array (as ``argmin``); a tie picks the later index."""
    return _running_extremum(Cummin, x, axis)
