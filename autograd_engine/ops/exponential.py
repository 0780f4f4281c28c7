"""Logarithms and exponentials in other bases, log-sum of two operands, reciprocals.

``log1p``, ``expm1``, ``exp``, ``log`` and ``sqrt`` are in ``elementwise``; these follow the same
edge rules: a logarithm of 0 is -inf and of a negative number NaN, quietly (as PyTorch).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..declare import op
from ..function import Primitive, apply
from . import dispatch
from .elementwise import divide
from .unary import Elementwise


class Log2(Elementwise):
    __slots__ = ()
    name, numpy_function = "log2", np.log2

    def derivative(self, x, out):
        return 1 / (x * math.log(2))


@op(method=True)
def log2(x: Any) -> Any:
    """Base-2 logarithm, elementwise."""
    return apply(Log2(), x)


class Log10(Elementwise):
    __slots__ = ()
    name, numpy_function = "log10", np.log10

    def derivative(self, x, out):
        return 1 / (x * math.log(10))


@op(method=True)
def log10(x: Any) -> Any:
    """Base-10 logarithm, elementwise."""
    return apply(Log10(), x)


class Exp2(Elementwise):
    __slots__ = ()
    name, numpy_function = "exp2", np.exp2

    def derivative(self, x, out):
        return out * math.log(2)


@op(method=True)
def exp2(x: Any) -> Any:
    """2 ** x, elementwise."""
    return apply(Exp2(), x)


class Reciprocal(Elementwise):
    """1 / x; at 0 the value is inf and the gradient -inf, as in PyTorch."""

    __slots__ = ()
    name = "reciprocal"

    @staticmethod
    def numpy_function(x):
        return np.reciprocal(x) if x.dtype.kind in "fc" else 1 / x  # NumPy's reciprocal of an int truncates

    def derivative(self, x, out):
        return -(out * out)


@op(method=True)
def reciprocal(x: Any) -> Any:
    """1 / x, elementwise (for integer input a float result, as PyTorch's ``reciprocal``)."""
    return apply(Reciprocal(), x)


class Rsqrt(Elementwise):
    """1 / sqrt(x); inf at 0 (gradient -inf), NaN below, as in PyTorch."""

    __slots__ = ()
    name = "rsqrt"

    @staticmethod
    def numpy_function(x):
        return 1 / np.sqrt(x)

    def derivative(self, x, out):
        return -0.5 * out * out * out


@op(method=True)
def rsqrt(x: Any) -> Any:
    """1 / sqrt(x), elementwise (PyTorch's ``rsqrt``)."""
    return apply(Rsqrt(), x)


class LogAddExp(Primitive):
    """log(exp(a) + exp(b)) without overflow.  d/da = exp(a - out), d/db = exp(b - out): the softmax
    weights of the two operands (each in [0, 1], so never inf)."""

    __slots__ = ()
    name = "logaddexp"
    broadcasts = True

    def forward(self, a, b):
        return np.logaddexp(a, b)

    def backward(self, g, out, a, b):
        return _log_sum_rule(self.needs_grad, g, out, a, b, dispatch.exp, 1.0)


@op(method=True)
def logaddexp(a: Any, b: Any) -> Any:
    """log(exp(a) + exp(b)), elementwise with broadcasting, stable for large values."""
    return apply(LogAddExp(), a, b)


class LogAddExp2(Primitive):
    """log2(2**a + 2**b) without overflow; d/da = 2**(a - out), d/db = 2**(b - out)."""

    __slots__ = ()
    name = "logaddexp2"
    broadcasts = True

    def forward(self, a, b):
        return np.logaddexp2(a, b)

    def backward(self, g, out, a, b):
        return _log_sum_rule(self.needs_grad, g, out, a, b, dispatch.exp, math.log(2))


@op(method=True)
def logaddexp2(a: Any, b: Any) -> Any:
    """log2(2**a + 2**b), elementwise with broadcasting, stable for large values."""
    return apply(LogAddExp2(), a, b)


def _log_sum_rule(needs, g, out, a, b, exp, scale):
    """The gradients of ``out = log_base(base**a + base**b)``: ``exp(scale * (a - out))`` for a, and the same
    for b, with ``scale = log(base)``.  Where both operands are -inf, a - out is NaN, as in PyTorch."""
    return (
        g * exp(scale * (a - out)) if needs[0] else None,
        g * exp(scale * (b - out)) if needs[1] else None,
    )


@op(method=True)
def true_divide(a: Any, b: Any) -> Any:
    """a / b (NumPy's other name for ``divide``)."""
    return divide(a, b)
