"""Special functions: ``erf`` (the Gauss error function, for the exact GELU).

erf'(x) = 2 / sqrt(pi) * exp(-x**2).  The forward uses SciPy's ``erf`` when SciPy is
installed and ``math.erf`` elementwise otherwise (slower, same values).  The output has the
input's float dtype (float16 is computed in float32 and rounded back: SciPy has no float16
loop and would return float64).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..declare import op
from ..dtypes import get_default_dtype
from ..function import Primitive, apply
from . import dispatch

_erf_implementation = None


def _erf_array(x: np.ndarray) -> np.ndarray:
    """erf of an array: SciPy's ufunc if SciPy is installed, else ``math.erf`` per element.

    SciPy is looked up on the first call, not at import: importing it costs ~0.3 s."""
    global _erf_implementation
    if _erf_implementation is None:
        try:
            from scipy.special import erf as scipy_erf

            _erf_implementation = scipy_erf
        except ImportError:  # SciPy is optional
            vectorized = np.vectorize(math.erf, otypes=[np.float64])
            _erf_implementation = lambda a: vectorized(a).astype(a.dtype, copy=False)  # noqa: E731
    return _erf_implementation(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Erf(Primitive):
    """The error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt."""

    __slots__ = ()
    name = "erf"

    def forward(self, x):
        x = np.asarray(x)
        if x.dtype.kind != "f":
            x = x.astype(get_default_dtype())
        if x.dtype == np.float16:
            return _erf_array(x.astype(np.float32)).astype(np.float16)
        return _erf_array(x)

    def backward(self, g, out, x):
        return (g * (_TWO_OVER_SQRT_PI * dispatch.exp(-(x * x))),)


@op(method=True)
def erf(x: Any) -> Any:
    """The Gauss error function, elementwise (integers are computed in the default float dtype)."""
    return apply(Erf(), x)
