"""Activation functions, as functions and as modules (PyTorch's names and defaults).

All are compositions of engine primitives.  Edge semantics follow PyTorch:
relu'(0) = 0, leaky_relu'(0) = prelu'(0) = the negative slope, elu'(0) = alpha,
softplus is linear above ``threshold``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype
from autograd_engine.checks import check_choice, check_int, check_real
from autograd_engine.operands import as_operand, value

from . import init
from .module import Module, Parameter


def _check_softplus(beta: Any, threshold: Any, owner: str) -> tuple[float, float]:
    beta = check_real(beta, "beta", owner)
    if beta == 0:
        raise ValueError(f"{owner}: beta must not be 0 (softplus divides by it), got {beta!r}")
    return beta, check_real(threshold, "threshold", owner)


# ----- functions ------------------------------------------------------------------


def relu(x: Any) -> Any:
    """max(x, 0); the gradient at 0 is 0."""
    return ae.relu(x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x for x > 0, ``negative_slope * x`` otherwise."""
    return ae.leaky_relu(x, check_real(negative_slope, "negative_slope", "leaky_relu"))


def prelu(x: Any, weight: Any) -> Any:
    """Leaky ReLU with a learned slope: x for x > 0, ``weight * x`` otherwise.

    ``weight`` has 1 entry (shared) or one per channel (axis 1 of ``x``).
    """
    x, weight = as_operand(x, "prelu", "input"), as_operand(weight, "prelu", "weight")
    data = np.asarray(value(x))
    w_shape = np.shape(np.asarray(value(weight)))
    if w_shape not in {(1,), ()} and (data.ndim < 2 or w_shape != (data.shape[1],)):
        raise ae.ShapeError(
            f"prelu: weight of shape {w_shape} needs one slope, or one per channel (axis 1) of the input {data.shape}"
        )
    if data.ndim >= 2 and w_shape not in {(1,), ()}:
        weight = ae.reshape(weight, (1, w_shape[0]) + (1,) * (data.ndim - 2))
    return ae.where(data > 0, x, x * weight)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise (the exponential never overflows)."""
    alpha = check_real(alpha, "alpha", "elu")
    x = as_operand(x, "elu", "input")
    negative = alpha * ae.expm1(ae.clip(x, None, 0.0))
    return ae.where(np.asarray(value(x)) > 0, x, negative)


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), stable for large |x|."""
    return ae.sigmoid(x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent, elementwise."""
    return ae.tanh(x)


def log1p_exp(x: Any) -> Any:
    """``log(1 + exp(x))`` exactly and without overflow for every x, with the exact gradient
    sigmoid(x) everywhere (including 0): ``x + log1p(exp(-x))`` for x > 0, ``log1p(exp(x))`` otherwise,
    each branch fed a clipped input so the branch not taken never overflows."""
    x = as_operand(x, "log1p_exp", "input")
    positive = np.asarray(value(x)) > 0
    upper = ae.clip(x, 0.0, None)
    lower = ae.clip(x, None, 0.0)
    return ae.where(positive, upper + ae.log1p(ae.exp(-upper)), ae.log1p(ae.exp(lower)))


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """``log(1 + exp(beta * x)) / beta``, and x itself where ``beta * x > threshold`` (PyTorch).
    ``beta`` must not be 0 (it divides)."""
    beta, threshold = _check_softplus(beta, threshold, "softplus")
    x = as_operand(x, "softplus", "input")
    scaled = x * beta if beta != 1.0 else x
    smooth = log1p_exp(scaled)
    if beta != 1.0:
        smooth = smooth / beta
    return ae.where(np.asarray(value(scaled)) > threshold, x, smooth)


def gelu(x: Any, approximate: str = "none") -> Any:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (both as PyTorch)."""
    check_choice(approximate, "approximate", "gelu", ("none", "tanh"))
    x = as_operand(x, "gelu", "input")
    if approximate == "none":
        return 0.5 * x * (1.0 + ae.erf(x * (1 / math.sqrt(2.0))))
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
    return 0.5 * x * (1.0 + ae.tanh(inner))


def softmax(x: Any, dim: int = -1) -> Any:
    """Softmax along ``dim`` (PyTorch's argument name), stable for large values."""
    return ae.softmax(x, axis=dim)


def log_softmax(x: Any, dim: int = -1) -> Any:
    """log(softmax(x)) along ``dim``, computed without forming softmax (stable)."""
    return ae.log_softmax(x, axis=dim)


def maxout(x: Any, pieces: int) -> Any:
    """Maximum over groups of ``pieces`` consecutive features: (N, F * k) -> (N, F).

    The notes' Maxout neuron max(w1.x + b1, w2.x + b2) is this applied to a Linear layer with
    ``k`` times the outputs.  Tied maxima share the gradient equally.
    """
    pieces = check_int(pieces, "pieces", "maxout", low=1)
    shape = np.shape(np.asarray(value(x)))
    if not shape or shape[-1] % pieces:
        raise ae.ShapeError(f"maxout: the last axis of shape {shape} must be a multiple of pieces={pieces}")
    grouped = ae.reshape(x, shape[:-1] + (shape[-1] // pieces, pieces))
    return ae.max(grouped, axis=-1)


# ----- modules ------------------------------------------------------------------


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Any) -> Any:
        return ae.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else ``negative_slope * x`` (default 0.01)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_real(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x: Any) -> Any:
        return ae.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU whose slope is a parameter: ``num_parameters`` slopes (1, or one per channel),
    initialised to ``init`` (0.25, as PyTorch)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = check_int(num_parameters, "num_parameters", "PReLU", low=1)
        init = check_real(init, "init", "PReLU")
        self.weight = Parameter(np.full(self.num_parameters, init, dtype=np.dtype(dtype or get_default_dtype())))

    def forward(self, x: Any) -> Any:
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x if x > 0 else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = check_real(alpha, "alpha", "ELU")

    def forward(self, x: Any) -> Any:
        return elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Sigmoid(Module):
    """The logistic function 1 / (1 + exp(-x)), elementwise."""

    def forward(self, x: Any) -> Any:
        return ae.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent, elementwise."""

    def forward(self, x: Any) -> Any:
        return ae.tanh(x)


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = _check_softplus(beta, threshold, "Softplus")

    def forward(self, x: Any) -> Any:
        return softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """x * Phi(x) (``approximate='none'``, through erf) or its tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = check_choice(approximate, "approximate", "GELU", ("none", "tanh"))

    def forward(self, x: Any) -> Any:
        return gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Softmax along ``dim`` (default the last axis)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "Softmax")

    def forward(self, x: Any) -> Any:
        return ae.softmax(x, axis=self.dim)


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim`` (default the last axis), stable."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "LogSoftmax")

    def forward(self, x: Any) -> Any:
        return ae.log_softmax(x, axis=self.dim)


class Maxout(Module):
    """The notes' Maxout unit: ``max_k (x @ W_k.T + b_k)`` over ``pieces`` affine maps.

    One Linear layer with ``out_features * pieces`` outputs (PyTorch's initialisation), grouped
    into ``pieces`` consecutive outputs per unit: (N, in_features) -> (N, out_features).
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 2, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features = check_int(in_features, "in_features", "Maxout", low=1)
        self.out_features = out_features = check_int(out_features, "out_features", "Maxout", low=1)
        self.pieces = pieces = check_int(pieces, "pieces", "Maxout", low=1)
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.empty((out_features * pieces, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features * pieces, dtype=dtype))
        init._default_layer_init(self.weight, self.bias)

    def forward(self, x: Any) -> Any:
        return maxout(ae.linear(x, self.weight, self.bias), self.pieces)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"
