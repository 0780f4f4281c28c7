"""Summaries composed of reductions: ``var_mean``/``std_mean`` (PyTorch's pairs, with PyTorch's
unbiased default) and ``ptp`` (NumPy's peak to peak).  No primitive of their own: their gradients are those of the parts."""
from __future__ import annotations

from typing import Any

from ..declare import op
from ..operands import as_operand
from .reduce import _numpy_or_torch_variance, max, mean, min, std, var  # noqa: A004  (the engine's reductions)


@op()
def var_mean(x: Any, axis: Any = None, ddof: int | None = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None, correction: int | None = None, unbiased: bool | None = None
             ) -> tuple[Any, Any]:
    """``(var(x), mean(x))`` over ``axis`` (or ``dim``) in one call, PyTorch's order and PyTorch's
    default divisor: n - 1 (``correction=1``) unless ``correction=``, ``unbiased=`` or ``ddof=`` say
    otherwise (``ddof=0`` for NumPy's population variance)."""
    axis, ddof, keepdims = _numpy_or_torch_variance("var_mean", axis, ddof, keepdims, dim, keepdim, correction,
                                                    unbiased, torch_default=True)
    x = as_operand(x, "var_mean", "input")
    return var(x, axis, ddof=ddof, keepdims=keepdims), mean(x, axis, keepdims=keepdims)


@op()
def std_mean(x: Any, axis: Any = None, ddof: int | None = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None, correction: int | None = None, unbiased: bool | None = None
             ) -> tuple[Any, Any]:
    """``(std(x), mean(x))`` over ``axis`` (or ``dim``) in one call, PyTorch's order and PyTorch's
    default divisor: n - 1 (``correction=1``) unless ``correction=``, ``unbiased=`` or ``ddof=`` say
    otherwise (``ddof=0`` for NumPy's population standard deviation)."""
    axis, ddof, keepdims = _numpy_or_torch_variance("std_mean", axis, ddof, keepdims, dim, keepdim, correction,
                                                    unbiased, torch_default=True)
    x = as_operand(x, "std_mean", "input")
    return std(x, axis, ddof=ddof, keepdims=keepdims), mean(x, axis, keepdims=keepdims)


@op(method=True, dim=True)
def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Peak to peak: ``max - min`` over ``axis``; ties share each end's gradient, as in ``max``/``min``."""
    x = as_operand(x, "ptp", "input")
    return max(x, axis, keepdims) - min(x, axis, keepdims)
