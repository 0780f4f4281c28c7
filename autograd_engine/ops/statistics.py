"""Summaries composed of reductions: ``var_mean``/``std_mean`` (PyTorch's pairs) and ``ptp``
(NumPy's peak to peak).  No primitive of their own: their gradients are those of the parts."""
from __future__ import annotations

from typing import Any

from ..declare import op
from ..operands import as_operand
from .reduce import max, mean, min, std, var  # noqa: A004  (the engine's reductions)


@op(dim=True)
def var_mean(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> tuple[Any, Any]:
    """``(var(x), mean(x))`` over ``axis`` in one call, PyTorch's order; ``ddof`` as in ``var``."""
    x = as_operand(x, "var_mean", "input")
    return var(x, axis, ddof=ddof, keepdims=keepdims), mean(x, axis, keepdims=keepdims)


@op(dim=True)
def std_mean(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> tuple[Any, Any]:
    """``(std(x), mean(x))`` over ``axis`` in one call, PyTorch's order; ``ddof`` as in ``std``."""
    x = as_operand(x, "std_mean", "input")
    return std(x, axis, ddof=ddof, keepdims=keepdims), mean(x, axis, keepdims=keepdims)


@op(method=True, dim=True)
def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Peak to peak: ``max - min`` over ``axis``; ties share each end's gradient, as in ``max``/``min``."""
    x = as_operand(x, "ptp", "input")
    return max(x, axis, keepdims) - min(x, axis, keepdims)
