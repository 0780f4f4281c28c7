"""Comparisons, elementwise with broadcasting: ``x < y`` is ``less(x, y)``, and so on.  They are not
differentiable, so they are no primitives: each returns a NumPy bool array (a mask for ``where``,
indexing or counting), as NumPy's comparison functions of the same names do."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..declare import op
from ..operands import value


def _compared(ufunc: np.ufunc, a: Any, b: Any) -> np.ndarray:
    return ufunc(value(a), value(b))  # NumPy's own rules for any operand, as ndarray's operators


@op(operator="lt")
def less(a: Any, b: Any) -> np.ndarray:
    """``a < b`` elementwise (a bool array)."""
    return _compared(np.less, a, b)


@op(operator="le")
def less_equal(a: Any, b: Any) -> np.ndarray:
    """``a <= b`` elementwise (a bool array)."""
    return _compared(np.less_equal, a, b)


@op(operator="gt")
def greater(a: Any, b: Any) -> np.ndarray:
    """``a > b`` elementwise (a bool array)."""
    return _compared(np.greater, a, b)


@op(operator="ge")
def greater_equal(a: Any, b: Any) -> np.ndarray:
    """``a >= b`` elementwise (a bool array)."""
    return _compared(np.greater_equal, a, b)


@op(operator="eq")
def equal(a: Any, b: Any) -> np.ndarray:
    """``a == b`` elementwise (a bool array); Tensors still hash by identity."""
    return _compared(np.equal, a, b)


@op(operator="ne")
def not_equal(a: Any, b: Any) -> np.ndarray:
    """``a != b`` elementwise (a bool array)."""
    return _compared(np.not_equal, a, b)
