"""Elementwise primitives: arithmetic, transcendental functions, activations.

Binary ops broadcast as NumPy does and say so (``broadcasts = True``): their rules return
gradients in the output's shape, and backward sums each back to its input's shape.  Edge semantics
follow PyTorch (see ``autograd_engine/EDGE_CASES.md``): relu'(0) = 0,
abs'(0) = 0, maximum/minimum split ties 0.5/0.5, a fractional power of a
negative number is NaN.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_real
from ..declare import op
from ..function import Primitive, apply
from ..kernels.threads import MIN_ELEMENTS_FOR_UFUNC_THREADS, parallel_ufunc
from ..operands import as_operand, value
from ..tensor import Tensor
from . import dispatch


class Add(Primitive):
    __slots__ = ()
    name = "add"
    broadcasts = True

    def forward(self, a, b):
        return a + b

    def backward(self, g, out, a, b):
        return g, g


@op(operator="add")
def add(a: Any, b: Any) -> Any:
    """a + b with broadcasting."""
    return apply(Add(), a, b)


class Subtract(Primitive):
    __slots__ = ()
    name = "subtract"
    broadcasts = True

    def forward(self, a, b):
        return a - b

    def backward(self, g, out, a, b):
        return g, -g if self.needs_grad[1] else None


@op(operator="sub")
def subtract(a: Any, b: Any) -> Any:
    """a - b with broadcasting."""
    return apply(Subtract(), a, b)


class Multiply(Primitive):
    __slots__ = ()
    name = "multiply"
    broadcasts = True

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        need_a, need_b = self.needs_grad
        return g * b if need_a else None, g * a if need_b else None


@op(operator="mul")
def multiply(a: Any, b: Any) -> Any:
    """a * b with broadcasting."""
    return apply(Multiply(), a, b)


class Divide(Primitive):
    """a / b; d/db = -a / b**2, written as -out / b so that it needs no square."""

    __slots__ = ()
    name = "divide"
    broadcasts = True

    def forward(self, a, b):
        return a / b

    def backward(self, g, out, a, b):
        g_over_b = g / b
        return g_over_b, -g_over_b * out if self.needs_grad[1] else None


@op(operator="truediv")
def divide(a: Any, b: Any) -> Any:
    """a / b with broadcasting (true division)."""
    return apply(Divide(), a, b)


class Power(Primitive):
    """a ** b.  d/da = b * a**(b-1); d/db = out * log(a), taken as 0 where a == 0 and b >= 0
    (PyTorch's convention) and NaN for a negative base, whose real power has no derivative in b.
    A fractional power of a negative number is NaN, as in NumPy and PyTorch."""

    __slots__ = ()
    name = "power"
    broadcasts = True

    def forward(self, a, b):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.power(a, b)

    def backward(self, g, out, a, b):
        need_a, need_b = self.needs_grad
        ga = gb = None
        a_data = np.asarray(value(a))
        with np.errstate(invalid="ignore", divide="ignore"):
            if need_a:
                # where b == 0 the derivative is exactly 0 (PyTorch), not 0 * a**-1 (NaN at a == 0 or
                # a NaN base, and for tiny a in higher orders): the base is replaced by exactly 1 there,
                # by selection (arithmetic such as a * ~mask + mask would make inf * 0 = NaN at a = +-inf).
                # If b itself is differentiated, only a == 0 and a NaN base are replaced, since
                # d/db (b * a**(b-1)) = 1/a there (and b * a**(b-1) is already 0 at a = +-inf).
                masked = np.asarray(value(b)) == 0
                if need_b:
                    masked = masked & ((a_data == 0) | np.isnan(a_data))
                base = dispatch.where(masked, 1.0, a) if masked.any() else a
                ga = g * b * base ** (b - 1)
            if need_b:
                b_data = np.asarray(value(b))
                zero_base = (a_data == 0) & (b_data >= 0)
                if zero_base.any():  # log(1) = 0 in the masked entries, so that no -inf enters the graph
                    gb = dispatch.where(zero_base, 0.0, g * out * dispatch.log(dispatch.where(zero_base, 1.0, a)))
                else:
                    gb = g * out * dispatch.log(a)
        return ga, gb


@op(operator="pow")
def power(a: Any, b: Any) -> Any:
    """a ** b with broadcasting; differentiable in both the base and the exponent."""
    return apply(Power(), a, b)


class Maximum(Primitive):
    """Elementwise maximum; where a == b the gradient is split 0.5/0.5 (PyTorch's rule).  A NaN
    operand wins (the output is NaN, as in NumPy) and takes the gradient; two NaNs tie."""

    __slots__ = ()
    name = "maximum"
    broadcasts = True

    def forward(self, a, b):
        return np.maximum(a, b)

    def branch(self, out, *inputs):
        a, b = inputs
        return np.sign(np.subtract(a, b))

    def backward(self, g, out, a, b):
        return _split_by_winner(self.needs_grad, g, a, b, a > b, a == b)


@op()
def maximum(a: Any, b: Any) -> Any:
    """Elementwise maximum; ties split the gradient 0.5/0.5."""
    return apply(Maximum(), a, b)


class Minimum(Primitive):
    """Elementwise minimum; where a == b the gradient is split 0.5/0.5 (PyTorch's rule).  A NaN
    operand wins (the output is NaN, as in NumPy) and takes the gradient; two NaNs tie."""

    __slots__ = ()
    name = "minimum"
    broadcasts = True

    def forward(self, a, b):
        return np.minimum(a, b)

    def branch(self, out, *inputs):
        a, b = inputs
        return np.sign(np.subtract(a, b))

    def backward(self, g, out, a, b):
        return _split_by_winner(self.needs_grad, g, a, b, a < b, a == b)


@op()
def minimum(a: Any, b: Any) -> Any:
    """Elementwise minimum; ties split the gradient 0.5/0.5."""
    return apply(Minimum(), a, b)


def _split_by_winner(needs, g, a, b, a_wins, tie):
    """The gradient to the operand whose value the output took: all of g to the winner, half to
    each on a tie.  NaN compares false with everything, so it is handled here: the NaN is what the
    output holds, so it wins (PyTorch hands g to both operands there, 2 g in all)."""
    a_nan, b_nan = np.isnan(np.asarray(value(a))), np.isnan(np.asarray(value(b)))
    if a_nan.any() or b_nan.any():
        a_wins = a_wins | (a_nan & ~b_nan)
        tie = tie | (a_nan & b_nan)
    share_a = np.asarray(a_wins + 0.5 * tie, dtype=g.dtype)
    return g * share_a if needs[0] else None, g * (1 - share_a) if needs[1] else None


class Negative(Primitive):
    __slots__ = ()
    name = "negative"

    def forward(self, x):
        return -x

    def backward(self, g, out, x):
        return (-g,)


@op(operator="neg")
def negative(x: Any) -> Any:
    """-x."""
    return apply(Negative(), x)


class Exp(Primitive):
    __slots__ = ()
    name = "exp"

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, out, x):
        return (g * out,)


@op(method=True)
def exp(x: Any) -> Any:
    """e ** x, elementwise."""
    return apply(Exp(), x)


class Log(Primitive):
    """Natural logarithm; log(0) = -inf and log of a negative number is NaN, as in NumPy."""

    __slots__ = ()
    name = "log"

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, g, out, x):
        with np.errstate(divide="ignore"):  # log'(0) = inf, as in PyTorch
            return (g / x,)


@op(method=True)
def log(x: Any) -> Any:
    """Natural logarithm, elementwise; log(0) = -inf and log of a negative number is NaN."""
    return apply(Log(), x)


class Log1p(Primitive):
    """log(1 + x), accurate for small x."""

    __slots__ = ()
    name = "log1p"

    def forward(self, x):
        return np.log1p(x)

    def backward(self, g, out, x):
        return (g / (x + 1),)


@op(method=True)
def log1p(x: Any) -> Any:
    """log(1 + x), accurate for small x."""
    return apply(Log1p(), x)


class Expm1(Primitive):
    """exp(x) - 1, accurate for small x."""

    __slots__ = ()
    name = "expm1"

    def forward(self, x):
        return np.expm1(x)

    def backward(self, g, out, x):
        return (g * dispatch.exp(x),)  # not out + 1: that loses every digit for very negative x


@op(method=True)
def expm1(x: Any) -> Any:
    """exp(x) - 1, accurate for small x."""
    return apply(Expm1(), x)


class Sqrt(Primitive):
    """Square root; the gradient at 0 is inf, as in PyTorch."""

    __slots__ = ()
    name = "sqrt"

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            return np.sqrt(x)

    def backward(self, g, out, x):
        with np.errstate(divide="ignore"):
            return (g * 0.5 / out,)


@op(method=True)
def sqrt(x: Any) -> Any:
    """Square root, elementwise; the gradient at 0 is inf (PyTorch), negative inputs give NaN."""
    return apply(Sqrt(), x)


class Sin(Primitive):
    __slots__ = ()
    name = "sin"

    def forward(self, x):
        return np.sin(x)

    def backward(self, g, out, x):
        return (g * dispatch.cos(x),)


@op(method=True)
def sin(x: Any) -> Any:
    """Sine, elementwise (radians)."""
    return apply(Sin(), x)


class Cos(Primitive):
    __slots__ = ()
    name = "cos"

    def forward(self, x):
        return np.cos(x)

    def backward(self, g, out, x):
        return (-g * dispatch.sin(x),)


@op(method=True)
def cos(x: Any) -> Any:
    """Cosine, elementwise (radians)."""
    return apply(Cos(), x)


class Abs(Primitive):
    """|x|; abs'(0) = 0 (sign(0) = 0), as in PyTorch."""

    __slots__ = ()
    name = "abs"

    def forward(self, x):
        return np.abs(x)

    def branch(self, out, *inputs):
        return np.sign(inputs[0])

    def backward(self, g, out, x):
        return (g * np.sign(value(x)),)


@op(method=True, operator="abs", aliases=("absolute",))
def abs(x: Any) -> Any:  # noqa: A001  (NumPy's name)
    """|x|; abs'(0) = 0."""
    return apply(Abs(), x)


class Tanh(Primitive):
    __slots__ = ()
    name = "tanh"

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, out, x):
        return (g * (1 - out * out),)


@op(method=True)
def tanh(x: Any) -> Any:
    """Hyperbolic tangent, elementwise; saturates at +-1 without overflow."""
    return apply(Tanh(), x)


class Sigmoid(Primitive):
    """1 / (1 + exp(-x)).  Accurate to full relative precision in both tails: where exp(-x)
    overflows to inf (x < -88 in float32, x < -709 in float64) the result is exactly 0, and the
    true value there is subnormal anyway.  A tenth of the cost of ``exp(-logaddexp(0, -x))``."""

    __slots__ = ()
    name = "sigmoid"

    def forward(self, x):
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-x))

    def backward(self, g, out, x):
        return (g * out * (1 - out),)


@op(method=True)
def sigmoid(x: Any) -> Any:
    """The logistic function, stable for large |x|."""
    return apply(Sigmoid(), x)


class Relu(Primitive):
    """max(x, 0); relu'(0) = 0, as in PyTorch."""

    __slots__ = ()
    name = "relu"

    def forward(self, x):
        if _large_float_array(x):
            return parallel_ufunc(_relu, np.empty_like(x), x)  # a large activation on all threads
        return np.maximum(x, 0)

    def branch(self, out, *inputs):
        return inputs[0] > 0

    def backward(self, g, out, x):
        if _large_float_array(g) and g.dtype == out.dtype:
            return (parallel_ufunc(_relu_gradient, np.empty_like(g), g, out),)
        return (g * (value(out) > 0),)


@op(method=True)
def relu(x: Any) -> Any:
    """max(x, 0); relu'(0) = 0."""
    return apply(Relu(), x)


def _large_float_array(x: Any) -> bool:
    """Worth splitting over the threads (smaller arrays take the plain expression, which is faster)."""
    return type(x) is np.ndarray and x.size >= MIN_ELEMENTS_FOR_UFUNC_THREADS and x.dtype.kind == "f"


def _relu(x: np.ndarray, out: np.ndarray) -> None:
    np.maximum(x, 0, out=out)


def _relu_gradient(g: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
    np.multiply(g, y > 0, out=out)


class LeakyRelu(Primitive):
    """x if x > 0 else negative_slope * x; the slope at 0 is negative_slope, as in PyTorch."""

    __slots__ = ("negative_slope",)
    name = "leaky_relu"

    def __init__(self, negative_slope: float) -> None:
        self.negative_slope = negative_slope

    def describe(self) -> str:
        return f"leaky_relu({self.negative_slope})"

    def forward(self, x):
        return np.where(x > 0, x, x * self.negative_slope)

    def branch(self, out, *inputs):
        return inputs[0] > 0

    def backward(self, g, out, x):
        x_data = value(x)
        return (g * np.where(x_data > 0, 1, self.negative_slope).astype(x_data.dtype),)


@op(method=True)
def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x where x > 0, else negative_slope * x; the gradient at 0 is negative_slope (PyTorch).

    ``negative_slope`` is a constant number; a learnt slope is ``nn.functional.prelu``."""
    if isinstance(negative_slope, Tensor) and negative_slope.requires_grad:
        raise TypeError(
            "leaky_relu: negative_slope is a constant number, but a Tensor that requires grad was given (its "
            "gradient would be lost); for a learnt slope use nn.functional.prelu(x, weight) or nn.PReLU"
        )
    slope = float(negative_slope) if isinstance(negative_slope, Tensor) else check_real(negative_slope, "negative_slope", "leaky_relu")
    return apply(LeakyRelu(slope), x)


class Clip(Primitive):
    """Limit values to [a_min, a_max]; the gradient is 1 inside and on the bounds, 0 outside
    (PyTorch's ``clamp``)."""

    __slots__ = ("a_min", "a_max")
    name = "clip"

    def __init__(self, a_min: Any, a_max: Any) -> None:
        self.a_min, self.a_max = a_min, a_max

    def describe(self) -> str:
        return f"clip({self.a_min}, {self.a_max})"

    def forward(self, x):
        return np.clip(x, self.a_min, self.a_max)

    def branch(self, out, *inputs):
        x = inputs[0]
        return (x < self.a_min if self.a_min is not None else 0) + 2 * (x > self.a_max if self.a_max is not None else 0)

    def backward(self, g, out, x):
        x_data = value(x)
        inside = np.ones(x_data.shape, dtype=bool)
        if self.a_min is not None:
            inside &= x_data >= self.a_min
        if self.a_max is not None:
            inside &= x_data <= self.a_max
        return (g * inside,)


@op(method=True)
def clip(x: Any, a_min: Any = None, a_max: Any = None) -> Any:
    """Limit values to [a_min, a_max] (either may be None; numbers or arrays that broadcast against
    ``x``); the gradient to ``x`` is 1 inside and on the bounds, 0 outside.

    Bounds that are Tensors take part in the graph (PyTorch's ``clamp`` with Tensor bounds): the
    output is selected with ``where``, so ``a_min`` gets the gradient where ``x < a_min`` and
    ``a_max`` where ``x > a_max``.  ``a_min > a_max`` is refused (NumPy returns ``a_max`` there)."""
    if a_min is None and a_max is None:
        raise ValueError("clip: give at least one of a_min and a_max")
    if a_min is not None and a_max is not None and np.any(np.asarray(a_min) > np.asarray(a_max)):
        raise ValueError(f"clip: a_min ({a_min}) is greater than a_max ({a_max})")
    lo, hi = _clip_bound(a_min, "a_min"), _clip_bound(a_max, "a_max")
    if not isinstance(lo, Tensor) and not isinstance(hi, Tensor):
        return apply(Clip(lo, hi), x)
    x = as_operand(x, "clip", "input")
    x_data, out = value(x), x
    if lo is not None:
        out = where(x_data < value(lo), lo, out)
    if hi is not None:
        out = where(x_data > value(hi), hi, out)
    return out


class Where(Primitive):
    """where(condition, a, b); the condition is a constant boolean array."""

    __slots__ = ("condition",)
    name = "where"
    broadcasts = True

    def __init__(self, condition: np.ndarray) -> None:
        self.condition = condition

    def forward(self, a, b):
        return np.where(self.condition, a, b)

    def backward(self, g, out, a, b):
        need_a, need_b = self.needs_grad
        return g * self.condition if need_a else None, g * ~self.condition if need_b else None

    def release(self) -> None:
        super().release()
        self.condition = None  # a mask of the output's size: not needed to draw the node


@op()
def where(condition: Any, a: Any, b: Any) -> Any:
    """Choose from ``a`` where ``condition`` is true, else from ``b`` (all three broadcast)."""
    condition = np.asarray(value(condition), dtype=bool)
    return apply(Where(condition), a, b)


class Astype(Primitive):
    """Change dtype; the gradient is cast back to the input's dtype.  A cast to an integer
    or boolean dtype gives a tensor that does not require grad."""

    __slots__ = ("dtype",)
    name = "astype"

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def describe(self) -> str:
        return f"astype({self.dtype})"

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g, out, x):
        return (g.astype(x.dtype),)


@op(method=True)
def astype(x: Any, dtype: Any) -> Any:
    """Cast to ``dtype``; a cast to the same dtype returns ``x`` itself."""
    dtype = np.dtype(dtype)

    if isinstance(x, Tensor) and x.dtype == dtype:
        return x
    return apply(Astype(dtype), x)


@op(method=True)
def square(x: Any) -> Any:
    """x ** 2 (as multiply, so the rule is 2 * x * g)."""
    return multiply(x, x)


@op(method=True)
def clamp(x: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002  (PyTorch's names)
    """PyTorch's name for ``clip``: values limited to [min, max]."""
    return clip(x, min, max)


def _clip_bound(bound: Any, role: str) -> Any:
    """A bound of ``clip``: a list holding Tensors stacked into one; anything else unchanged."""
    if isinstance(bound, (list, tuple)):
        converted = as_operand(bound, "clip", role)
        return converted if isinstance(converted, Tensor) else bound
    return bound
