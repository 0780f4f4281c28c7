"""Piecewise ops: rounding (floor, ceil, round, trunc), sign, fabs, remainders (mod, fmod), copysign,
the NaN-ignoring fmax/fmin, nan_to_num; and the NaN/inf tests, which are not differentiable.

The rounding family and ``sign`` are constant between their jumps: their gradient is 0 everywhere,
also at the jumps, as in PyTorch.  ``mod(a, b) = a - floor(a / b) b`` has gradient 1 for ``a`` and
``-floor(a / b)`` for ``b``; at a jump (``a / b`` an integer) the value is NumPy's and the gradient
is the formula's, as PyTorch (see ``autograd_engine/EDGE_CASES.md``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_real
from ..declare import op
from ..function import Primitive, apply
from ..operands import value
from ..tensor import Tensor
from .unary import Elementwise, PiecewiseConstant


class Sign(PiecewiseConstant):
    __slots__ = ()
    name, numpy_function = "sign", np.sign


@op(method=True)
def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of x (NaN for NaN); the gradient is 0, also at 0."""
    return apply(Sign(), x)


class Floor(PiecewiseConstant):
    __slots__ = ()
    name, numpy_function = "floor", np.floor


@op(method=True)
def floor(x: Any) -> Any:
    """The largest integer <= x, elementwise; the gradient is 0."""
    return apply(Floor(), x)


class Ceil(PiecewiseConstant):
    __slots__ = ()
    name, numpy_function = "ceil", np.ceil


@op(method=True)
def ceil(x: Any) -> Any:
    """The smallest integer >= x, elementwise; the gradient is 0."""
    return apply(Ceil(), x)


class Trunc(PiecewiseConstant):
    __slots__ = ()
    name, numpy_function = "trunc", np.trunc


@op(method=True, aliases=("fix",))
def trunc(x: Any) -> Any:
    """x rounded toward zero, elementwise; the gradient is 0."""
    return apply(Trunc(), x)


class Round(PiecewiseConstant):
    """NumPy's round: half to even, to ``decimals`` places (negative: tens, hundreds, ...)."""

    __slots__ = ("decimals",)
    name = "round"

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals

    def describe(self) -> str:
        return f"round({self.decimals})" if self.decimals else "round"

    def forward(self, x):
        return np.round(x, self.decimals)


@op(method=True, aliases=("around",))
def round(x: Any, decimals: int = 0) -> Any:  # noqa: A001  (NumPy's name)
    """Round to ``decimals`` places, halves to even (NumPy's and PyTorch's rule); the gradient is 0."""
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an integer, got {decimals!r} ({type(decimals).__name__})")
    return apply(Round(int(decimals)), x)


class Fabs(Elementwise):
    """|x| for real x (NumPy's ``fabs``); the gradient at 0 is 0, as for ``abs``."""

    __slots__ = ()
    name, numpy_function = "fabs", np.fabs

    def branch(self, out, *inputs):
        return np.sign(inputs[0])

    def derivative(self, x, out):
        return np.sign(value(x))


@op()
def fabs(x: Any) -> Any:
    """|x|, elementwise, for real numbers; the gradient at 0 is 0."""
    return apply(Fabs(), x)


class Mod(Primitive):
    """a - floor(a / b) * b: the remainder with the sign of b (Python's ``%``, NumPy's ``mod``,
    PyTorch's ``remainder``).  d/da = 1, d/db = -floor(a / b)."""

    __slots__ = ()
    name = "mod"
    broadcasts = True

    def forward(self, a, b):
        return np.remainder(a, b)

    def branch(self, out, *inputs):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(*inputs)

    def backward(self, g, out, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = np.floor_divide(value(a), value(b))
        return _remainder_gradients(self.needs_grad, g, a, b, quotient)


@op(method=True, operator="mod", aliases=("remainder",),
    tensor={"__rmod__": lambda x, other: mod(other, x), "remainder": lambda x, other: mod(x, other)})
def mod(a: Any, b: Any) -> Any:
    """The remainder of a / b with the sign of b (``a % b``), with broadcasting; b = 0 gives NaN."""
    return apply(Mod(), a, b)


class Fmod(Primitive):
    """a - trunc(a / b) * b: the remainder with the sign of a (C's ``fmod``, PyTorch's ``fmod``).
    d/da = 1, d/db = -trunc(a / b)."""

    __slots__ = ()
    name = "fmod"
    broadcasts = True

    def forward(self, a, b):
        return np.fmod(a, b)

    def branch(self, out, *inputs):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(np.true_divide(*inputs))

    def backward(self, g, out, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = np.trunc(np.true_divide(value(a), value(b)))
        return _remainder_gradients(self.needs_grad, g, a, b, quotient)


@op(method=True)
def fmod(a: Any, b: Any) -> Any:
    """The remainder of a / b with the sign of a, with broadcasting; b = 0 gives NaN."""
    return apply(Fmod(), a, b)


def _remainder_gradients(needs, g, a, b, quotient):
    """``r = a - q b`` with the integer ``q`` constant between jumps: dr/da = 1, dr/db = -q."""
    return g, -g * quotient.astype(g.dtype, copy=False) if needs[1] else None


class Copysign(Primitive):
    """|a| with the sign of b.  d/da = sign(a) times b's sign (0 at a = 0, as PyTorch); d/db = 0."""

    __slots__ = ()
    name = "copysign"
    broadcasts = True

    def forward(self, a, b):
        return np.copysign(a, b)

    def branch(self, out, *inputs):
        return np.sign(inputs[0]) * np.where(np.signbit(inputs[1]), -1, 1)

    def backward(self, g, out, a, b):
        need_a, need_b = self.needs_grad
        slope = np.sign(value(a)) * np.where(np.signbit(value(b)), -1, 1)
        return g * slope.astype(g.dtype, copy=False) if need_a else None, g * 0 if need_b else None


@op(method=True)
def copysign(a: Any, b: Any) -> Any:
    """|a| with the sign of b (-0.0 counts as negative), with broadcasting."""
    return apply(Copysign(), a, b)


class _NanIgnoringExtremum(Primitive):
    """fmax/fmin: NumPy's NaN-ignoring maximum/minimum.  The gradient goes to the operand whose value
    the output took: to ``a`` on a tie and where ``b`` is NaN, as PyTorch (``maximum`` instead splits
    ties 0.5/0.5)."""

    __slots__ = ()
    broadcasts = True

    def branch(self, out, *inputs):
        a, b = inputs
        return np.sign(np.subtract(a, b))

    def backward(self, g, out, a, b):
        a_data, b_data = value(a), value(b)
        takes_a = np.asarray(self._a_wins(a_data, b_data) | np.isnan(b_data))
        takes_a = np.broadcast_to(takes_a, np.shape(value(out)))
        need_a, need_b = self.needs_grad
        return g * takes_a if need_a else None, g * ~takes_a if need_b else None


class Fmax(_NanIgnoringExtremum):
    __slots__ = ()
    name = "fmax"
    _a_wins = staticmethod(np.greater_equal)

    def forward(self, a, b):
        return np.fmax(a, b)


@op(method=True)
def fmax(a: Any, b: Any) -> Any:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); a tie's gradient goes to ``a``."""
    return apply(Fmax(), a, b)


class Fmin(_NanIgnoringExtremum):
    __slots__ = ()
    name = "fmin"
    _a_wins = staticmethod(np.less_equal)

    def forward(self, a, b):
        return np.fmin(a, b)


@op(method=True)
def fmin(a: Any, b: Any) -> Any:
    """Elementwise minimum that ignores NaN (NaN only where both are NaN); a tie's gradient goes to ``a``."""
    return apply(Fmin(), a, b)


class NanToNum(Elementwise):
    """NaN, inf and -inf replaced by finite numbers; the gradient is g where x is finite, 0 where it
    was replaced (PyTorch's rule)."""

    __slots__ = ("nan", "posinf", "neginf")
    name = "nan_to_num"

    def __init__(self, nan: float, posinf: float | None, neginf: float | None) -> None:
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x):
        return np.nan_to_num(x, copy=True, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def derivative(self, x, out):
        return np.isfinite(value(x))


@op(method=True)
def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
    """Replace NaN by ``nan``, inf by ``posinf`` and -inf by ``neginf`` (default: the dtype's largest and
    smallest finite numbers), as NumPy; the replaced entries get no gradient."""
    nan = check_real(nan, "nan", "nan_to_num")
    posinf = None if posinf is None else float(posinf)
    neginf = None if neginf is None else float(neginf)
    return apply(NanToNum(nan, posinf, neginf), x)


@op(method=True)
def isnan(x: Any) -> Tensor:
    """True where x is NaN: a bool Tensor, outside the graph (not differentiable)."""
    return Tensor(np.isnan(value(x)))


@op(method=True)
def isinf(x: Any) -> Tensor:
    """True where x is +inf or -inf: a bool Tensor, outside the graph (not differentiable)."""
    return Tensor(np.isinf(value(x)))


@op(method=True)
def isfinite(x: Any) -> Tensor:
    """True where x is neither NaN nor infinite: a bool Tensor, outside the graph (not differentiable)."""
    return Tensor(np.isfinite(value(x)))
