"""The activations that normalise along an axis: softmax and log_softmax (the last axis by default),
with the maximum subtracted first so that they never overflow.  The elementwise activations (relu,
leaky_relu, sigmoid, tanh) are in ``elementwise``."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..declare import op
from ..function import Primitive, apply
from ..operands import normalize_axes, normalize_axis, shape_of
from . import dispatch


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


@op(method=True, dim=True)
def softmax(x: Any, axis: int = -1) -> Any:
    """Softmax along ``axis`` (default the last), stable for large values."""
    return apply(Softmax(_one_axis(x, axis, "softmax")), x)


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


@op(method=True, dim=True)
def log_softmax(x: Any, axis: int = -1) -> Any:
    """log(softmax(x)) along ``axis``, computed without forming softmax (stable)."""
    return apply(LogSoftmax(_one_axis(x, axis, "log_softmax")), x)
