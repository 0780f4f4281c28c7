"""Piecewise-linear activations, as functions and as modules (PyTorch's names and defaults):
``hardtanh``, ``relu6``, ``hardsigmoid`` and ``hardswish``.

Each is a ``where`` between the pieces, so the gradient at a breakpoint is the one PyTorch
returns: ``hardtanh``, ``relu6`` and ``hardsigmoid`` pass the gradient only strictly inside
their linear piece (0 on the bounds, where ``clip`` would pass it); ``hardswish`` takes its
curved middle piece on the open interval (-3, 3), so its derivative is 0 at -3 and 1 at 3.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_real
from autograd_engine.operands import as_operand, value

from .module import Module


def _check_bounds(min_val: Any, max_val: Any, owner: str) -> tuple[float, float]:
    min_val, max_val = check_real(min_val, "min_val", owner), check_real(max_val, "max_val", owner)
    if min_val > max_val:
        raise ValueError(f"{owner}: min_val ({min_val}) must not exceed max_val ({max_val})")
    return min_val, max_val


# ----- functions ------------------------------------------------------------------


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Any:
    """``x`` clipped to [min_val, max_val]; the gradient is 1 strictly inside, 0 on the bounds
    and outside (PyTorch's; ``clip`` passes it on the bounds)."""
    min_val, max_val = _check_bounds(min_val, max_val, "hardtanh")
    x = as_operand(x, "hardtanh", "input")
    data = np.asarray(value(x))
    inside = (data > min_val) & (data < max_val)
    return ae.where(inside, x, np.clip(data, min_val, max_val).astype(data.dtype, copy=False))


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``: :func:`hardtanh` on [0, 6] (gradient 0 at 0 and at 6)."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, ``x / 6 + 1/2`` between (gradient 1/6 strictly
    between, 0 at -3 and 3)."""
    x = as_operand(x, "hardsigmoid", "input")
    data = np.asarray(value(x))
    inside = (data > -3) & (data < 3)
    outside = (data >= 3).astype(data.dtype if data.dtype.kind == "f" else ae.get_default_dtype())
    return ae.where(inside, x / 6 + 0.5, outside)


def hardswish(x: Any) -> Any:
    """``x * relu6(x + 3) / 6``: 0 up to -3, ``x`` from 3, ``x (x + 3) / 6`` between (derivative
    ``x / 3 + 1/2`` strictly between; 0 at -3 and 1 at 3, the outer pieces', as PyTorch)."""
    x = as_operand(x, "hardswish", "input")
    data = np.asarray(value(x))
    outer = ae.where(data >= 3, x, 0 * x)
    return ae.where((data > -3) & (data < 3), x * (x + 3) / 6, outer)


# ----- modules ------------------------------------------------------------------


class Hardtanh(Module):
    """``x`` clipped to [min_val, max_val] (default [-1, 1])."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        super().__init__()
        self.min_val, self.max_val = _check_bounds(min_val, max_val, type(self).__name__)

    def forward(self, x: Any) -> Any:
        return hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``."""

    def __init__(self) -> None:
        super().__init__(0.0, 6.0)


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6``, a piecewise-linear sigmoid."""

    def forward(self, x: Any) -> Any:
        return hardsigmoid(x)


class Hardswish(Module):
    """``x * relu6(x + 3) / 6`` (MobileNetV3's activation)."""

    def forward(self, x: Any) -> Any:
        return hardswish(x)
