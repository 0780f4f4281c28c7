"""Smooth activations, as functions and as modules (PyTorch's names and defaults): ``silu``,
``mish``, ``selu``, ``celu``, ``softsign``, ``logsigmoid``, ``tanhshrink``, and the two that act
along an axis, ``softmin`` and ``glu``.

All are compositions of engine primitives.  Where they switch formula (``selu``, ``celu`` at 0)
the negative branch is taken at 0, as PyTorch does, so ``selu'(0) = scale * alpha`` and
``celu'(0) = 1``.  ``mish``, ``silu`` and ``logsigmoid`` go through the overflow-free
``log1p_exp`` and ``sigmoid``, so they are finite for any input.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_int, check_real
from autograd_engine.operands import as_operand, normalize_axis, shape_of, value

from .activation import elu, log1p_exp
from .module import Module

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# ----- functions ------------------------------------------------------------------


def silu(x: Any) -> Any:
    """The sigmoid-weighted linear unit (swish) ``x * sigmoid(x)``."""
    x = as_operand(x, "silu", "input")
    return x * ae.sigmoid(x)


def mish(x: Any) -> Any:
    """``x * tanh(softplus(x))`` (softplus without a threshold, as PyTorch's ``mish``)."""
    x = as_operand(x, "mish", "input")
    return x * ae.tanh(log1p_exp(x))


def selu(x: Any) -> Any:
    """The self-normalising unit ``scale * elu(x, alpha)`` with PyTorch's constants
    (alpha = 1.6733, scale = 1.0507)."""
    return SELU_SCALE * elu(as_operand(x, "selu", "input"), SELU_ALPHA)


def celu(x: Any, alpha: float = 1.0) -> Any:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``; ``alpha`` must not be 0 (it divides)."""
    alpha = check_real(alpha, "alpha", "celu")
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (celu divides by it), got 0")
    x = as_operand(x, "celu", "input")
    negative = alpha * ae.expm1(ae.clip(x, None, 0.0) / alpha)  # clipped: exp never overflows
    return ae.where(np.asarray(value(x)) > 0, x, negative)


def softsign(x: Any) -> Any:
    """``x / (1 + |x|)``."""
    x = as_operand(x, "softsign", "input")
    return x / (1 + ae.abs(x))


def logsigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, finite for any x."""
    x = as_operand(x, "logsigmoid", "input")
    return -log1p_exp(-x)


def tanhshrink(x: Any) -> Any:
    """``x - tanh(x)``."""
    x = as_operand(x, "tanhshrink", "input")
    return x - ae.tanh(x)


def softmin(x: Any, dim: int = -1) -> Any:
    """``softmax(-x)`` along ``dim`` (default the last axis, as this library's ``softmax``)."""
    return ae.softmax(-as_operand(x, "softmin", "input"), axis=check_int(dim, "dim", "softmin"))


def glu(x: Any, dim: int = -1) -> Any:
    """The gated linear unit: ``x`` split in halves ``a, b`` along ``dim``, then ``a * sigmoid(b)``.
    The axis must have an even size; the output has half of it."""
    x = as_operand(x, "glu", "input")
    shape = shape_of(x, "glu")
    if not shape:
        raise ae.ShapeError("glu: the input must have at least one axis to halve, got a 0-d tensor")
    axis = normalize_axis(check_int(dim, "dim", "glu"), len(shape), "glu")
    if shape[axis] % 2:
        raise ae.ShapeError(
            f"glu: the halved axis must have an even size, but dim={dim} of shape {shape} has size {shape[axis]}"
        )
    a, b = ae.split(x, 2, axis=axis)
    return a * ae.sigmoid(b)


# ----- modules ------------------------------------------------------------------


class SiLU(Module):
    """``x * sigmoid(x)``."""

    def forward(self, x: Any) -> Any:
        return silu(x)


class Mish(Module):
    """``x * tanh(softplus(x))``."""

    def forward(self, x: Any) -> Any:
        return mish(x)


class SELU(Module):
    """``scale * elu(x, alpha)`` with the self-normalising constants."""

    def forward(self, x: Any) -> Any:
        return selu(x)


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = check_real(alpha, "alpha", "CELU")
        if self.alpha == 0:
            raise ValueError("CELU: alpha must not be 0 (celu divides by it), got 0")

    def forward(self, x: Any) -> Any:
        return celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softsign(Module):
    """``x / (1 + |x|)``."""

    def forward(self, x: Any) -> Any:
        return softsign(x)


class LogSigmoid(Module):
    """``log(sigmoid(x))``."""

    def forward(self, x: Any) -> Any:
        return logsigmoid(x)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    def forward(self, x: Any) -> Any:
        return tanhshrink(x)


class Softmin(Module):
    """``softmax(-x)`` along ``dim`` (default the last axis)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "Softmin")

    def forward(self, x: Any) -> Any:
        return softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    """``a * sigmoid(b)`` for the halves ``a, b`` of the input along ``dim`` (default the last)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "GLU")

    def forward(self, x: Any) -> Any:
        return glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
