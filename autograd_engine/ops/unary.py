"""The shape shared by the one-input elementwise primitives of ``trig``, ``exponential`` and
``rounding``: a NumPy function for the forward and the derivative for the rule.

A primitive of this family is one row, as in HIPS autograd's VJP table::

    class Tan(Elementwise):
        name, numpy_function = "tan", np.tan

        def derivative(self, x, out):
            return 1 + out * out

``derivative`` gets arrays in an ordinary backward pass and Tensors under ``create_graph=True``;
it uses operators and the helpers of :mod:`autograd_engine.ops.dispatch`, so gradients of any
order follow.  A piecewise-constant op (``floor``, ``sign``, ...) derives from
:class:`PiecewiseConstant`, whose gradient is zero.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ..function import Primitive
from . import dispatch


class Elementwise(Primitive):
    """One input, one output of its shape: ``numpy_function(x)`` forward, ``g * derivative`` back.

    Values outside the domain give NumPy's NaN or inf, without NumPy's warning (as ``log`` and
    ``sqrt`` do, and PyTorch)."""

    __slots__ = ()
    numpy_function: ClassVar[Callable[[np.ndarray], np.ndarray]]

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return type(self).numpy_function(x)

    def derivative(self, x: Any, out: Any) -> Any:
        """d out / d x at ``x`` (``out`` is the forward's value there)."""
        raise NotImplementedError

    def backward(self, g, out, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g * self.derivative(x, out),)


class PiecewiseConstant(Elementwise):
    """An op that is constant between its jumps (floor, sign, ...): the gradient is 0 everywhere,
    also at the jumps, as in PyTorch.  ``branch`` reports the output so that ``gradcheck`` tells a
    jump straddled by its finite difference from a wrong rule."""

    __slots__ = ()

    def branch(self, out, *inputs):
        return out

    def backward(self, g, out, x):
        return (dispatch.zeros_like(x),)
