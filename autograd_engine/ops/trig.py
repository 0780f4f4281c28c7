"""Trigonometric and hyperbolic primitives beyond ``sin``/``cos``/``tanh`` (in ``elementwise``):
tan, the inverse functions, sinh/cosh and their inverses, sinc, degree conversions, and the two-input
arctan2 and hypot.

Each one-input op is one row: its NumPy function and its derivative (see ``ops/unary.py``).  At the
ends of a domain the derivative is what the formula gives (``arcsin'(1) = inf``, ``arccosh'(1) =
inf``, ``arctanh'(1) = inf``), as in PyTorch; outside it the value is NaN.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..declare import op
from ..function import Primitive, apply
from ..operands import value
from . import dispatch
from .unary import Elementwise


class Tan(Elementwise):
    __slots__ = ()
    name, numpy_function = "tan", np.tan

    def derivative(self, x, out):
        return 1 + out * out


@op(method=True)
def tan(x: Any) -> Any:
    """Tangent, elementwise (radians)."""
    return apply(Tan(), x)


class Arcsin(Elementwise):
    __slots__ = ()
    name, numpy_function = "arcsin", np.arcsin

    def derivative(self, x, out):
        return 1 / dispatch.elementwise("sqrt", 1 - x * x)


@op(method=True, aliases=("asin",))
def arcsin(x: Any) -> Any:
    """Inverse sine, elementwise; NaN outside [-1, 1], the gradient at +-1 is inf."""
    return apply(Arcsin(), x)


class Arccos(Elementwise):
    __slots__ = ()
    name, numpy_function = "arccos", np.arccos

    def derivative(self, x, out):
        return -1 / dispatch.elementwise("sqrt", 1 - x * x)


@op(method=True, aliases=("acos",))
def arccos(x: Any) -> Any:
    """Inverse cosine, elementwise; NaN outside [-1, 1], the gradient at +-1 is -inf."""
    return apply(Arccos(), x)


class Arctan(Elementwise):
    __slots__ = ()
    name, numpy_function = "arctan", np.arctan

    def derivative(self, x, out):
        return 1 / (1 + x * x)


@op(method=True, aliases=("atan",))
def arctan(x: Any) -> Any:
    """Inverse tangent, elementwise, in (-pi/2, pi/2)."""
    return apply(Arctan(), x)


class Sinh(Elementwise):
    __slots__ = ()
    name, numpy_function = "sinh", np.sinh

    def derivative(self, x, out):
        return dispatch.elementwise("cosh", x)


@op(method=True)
def sinh(x: Any) -> Any:
    """Hyperbolic sine, elementwise."""
    return apply(Sinh(), x)


class Cosh(Elementwise):
    __slots__ = ()
    name, numpy_function = "cosh", np.cosh

    def derivative(self, x, out):
        return dispatch.elementwise("sinh", x)


@op(method=True)
def cosh(x: Any) -> Any:
    """Hyperbolic cosine, elementwise."""
    return apply(Cosh(), x)


class Arcsinh(Elementwise):
    __slots__ = ()
    name, numpy_function = "arcsinh", np.arcsinh

    def derivative(self, x, out):
        return 1 / dispatch.elementwise("sqrt", x * x + 1)


@op(method=True, aliases=("asinh",))
def arcsinh(x: Any) -> Any:
    """Inverse hyperbolic sine, elementwise."""
    return apply(Arcsinh(), x)


class Arccosh(Elementwise):
    __slots__ = ()
    name, numpy_function = "arccosh", np.arccosh

    def derivative(self, x, out):  # sqrt(x - 1) sqrt(x + 1), not sqrt(x*x - 1): no cancellation near 1
        return 1 / (dispatch.elementwise("sqrt", x - 1) * dispatch.elementwise("sqrt", x + 1))


@op(method=True, aliases=("acosh",))
def arccosh(x: Any) -> Any:
    """Inverse hyperbolic cosine, elementwise; NaN below 1, the gradient at 1 is inf."""
    return apply(Arccosh(), x)


class Arctanh(Elementwise):
    __slots__ = ()
    name, numpy_function = "arctanh", np.arctanh

    def derivative(self, x, out):
        return 1 / (1 - x * x)


@op(method=True, aliases=("atanh",))
def arctanh(x: Any) -> Any:
    """Inverse hyperbolic tangent, elementwise; +-inf at +-1, NaN beyond."""
    return apply(Arctanh(), x)


class Sinc(Elementwise):
    """sin(pi x) / (pi x), 1 at 0 (NumPy's normalised sinc).  Its derivative (cos(pi x) - sinc(x)) / x
    cancels near 0 (0/0 at 0), so for |x| < 1e-3 it is taken from its series -pi^2 x / 3 + pi^4 x^3 / 30,
    which is 0 at 0 and exact to rounding there in the first and second order."""

    __slots__ = ()
    name, numpy_function = "sinc", np.sinc

    def derivative(self, x, out):
        small = np.asarray(np.abs(value(x)) < 1e-3)
        if not small.any():
            return (dispatch.cos(math.pi * x) - out) / x
        series = x * (-(math.pi**2) / 3 + (math.pi**4 / 30) * x * x)
        safe = dispatch.where(small, 1.0, x)
        return dispatch.where(small, series, (dispatch.cos(math.pi * safe) - dispatch.elementwise("sinc", safe)) / safe)


@op(method=True)
def sinc(x: Any) -> Any:
    """NumPy's normalised sinc, sin(pi x) / (pi x), with sinc(0) = 1."""
    return apply(Sinc(), x)


class Deg2rad(Elementwise):
    __slots__ = ()
    name, numpy_function = "deg2rad", np.deg2rad

    def derivative(self, x, out):
        return math.pi / 180


@op(method=True, aliases=("radians",))
def deg2rad(x: Any) -> Any:
    """Degrees to radians: x * pi / 180."""
    return apply(Deg2rad(), x)


class Rad2deg(Elementwise):
    __slots__ = ()
    name, numpy_function = "rad2deg", np.rad2deg

    def derivative(self, x, out):
        return 180 / math.pi


@op(method=True, aliases=("degrees",))
def rad2deg(x: Any) -> Any:
    """Radians to degrees: x * 180 / pi."""
    return apply(Rad2deg(), x)


class Arctan2(Primitive):
    """The angle of the point (x, y): arctan2(y, x) in [-pi, pi].  d/dy = x / (x^2 + y^2),
    d/dx = -y / (x^2 + y^2); at the origin, where the formula is 0/0, both are taken as 0, as in PyTorch."""

    __slots__ = ()
    name = "arctan2"
    broadcasts = True

    def forward(self, y, x):
        return np.arctan2(y, x)

    def backward(self, g, out, y, x):
        need_y, need_x = self.needs_grad
        origin = np.asarray((value(x) == 0) & (value(y) == 0))
        r2 = x * x + y * y
        if origin.any():
            r2 = dispatch.where(origin, 1.0, r2)  # numerators are 0 there, so the gradient is 0
        g_over_r2 = g / r2
        return g_over_r2 * x if need_y else None, -g_over_r2 * y if need_x else None


@op(method=True, aliases=("atan2",))
def arctan2(y: Any, x: Any) -> Any:
    """arctan(y / x) in the right quadrant, in [-pi, pi], with broadcasting; the gradient at the origin is 0."""
    return apply(Arctan2(), y, x)


class Hypot(Primitive):
    """sqrt(a^2 + b^2) without overflow.  d/da = a / out, d/db = b / out; at a = b = 0 both are
    taken as 0 (PyTorch gives NaN there)."""

    __slots__ = ()
    name = "hypot"
    broadcasts = True

    def forward(self, a, b):
        return np.hypot(a, b)

    def backward(self, g, out, a, b):
        need_a, need_b = self.needs_grad
        zero = np.asarray(value(out) == 0)
        if zero.any():
            out = dispatch.where(zero, 1.0, out)  # a and b are 0 there, so the gradient is 0
        g_over_out = g / out
        return g_over_out * a if need_a else None, g_over_out * b if need_b else None


@op(method=True)
def hypot(a: Any, b: Any) -> Any:
    """The hypotenuse sqrt(a^2 + b^2), elementwise with broadcasting, computed without overflow."""
    return apply(Hypot(), a, b)
