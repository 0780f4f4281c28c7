"""Inverses and determinants of (stacks of) square matrices, as ``numpy.linalg`` computes them:
``inv``, ``det``, ``slogdet``, ``solve``, and ``matrix_power`` composed from ``matmul`` and ``inv``.

Public as ``autograd_engine.linalg.<name>`` (NumPy keeps them in ``numpy.linalg``), not as
``ae.<name>``.  Every rule is written with ``@``, ``swapaxes`` and these ops themselves, so it is
differentiable again (``create_graph=True``).  The matrices are the last two axes; the leading axes
are a batch, broadcast between the operands of ``solve`` as NumPy broadcasts them.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..checks import check_int
from ..errors import EngineError, ShapeError
from ..function import Primitive, apply
from ..operands import as_operand, shape_of
from ..tensor import Tensor
from .dispatch import sum_to_shape
from .elementwise import where
from .shape import reshape


class LinAlgError(EngineError, np.linalg.LinAlgError):
    """A matrix the op cannot handle (singular, not positive definite); the message names the op and the
    batch element.  A ``numpy.linalg.LinAlgError`` too, so code that catches NumPy's error catches it."""


def transposed(x: Any) -> Any:
    """The last two axes swapped (each matrix of a batch transposed), for arrays and Tensors alike."""
    return x.swapaxes(-1, -2)


def square_shape(a: Any, who: str) -> tuple[int, ...]:
    """The shape of ``a``, which must be a (stack of) square matrices."""
    shape = shape_of(a, who)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ShapeError(f"{who}: expected square matrices, an array of shape (..., n, n), got shape {shape}")
    return shape


def matrix_shape(a: Any, who: str) -> tuple[int, ...]:
    """The shape of ``a``, which must be a (stack of) matrices: at least two axes."""
    shape = shape_of(a, who)
    if len(shape) < 2:
        raise ShapeError(f"{who}: expected matrices, an array of shape (..., m, n), got shape {shape}")
    return shape


def failing_element(function: Any, a: np.ndarray) -> str:
    """Which matrix of the batch ``function`` refuses: "" for a single matrix, else " (batch element (i, j))"."""
    if a.ndim == 2:
        return ""
    for index in np.ndindex(a.shape[:-2]):
        try:
            function(a[index])
        except np.linalg.LinAlgError:
            return f" (batch element {index})"
    return ""


def singular_error(who: str, a: np.ndarray) -> LinAlgError:
    return LinAlgError(f"{who}: the matrix is singular{failing_element(np.linalg.inv, a)}, shape {a.shape[-2:]}; "
                       f"its inverse does not exist -- use linalg.pinv or linalg.lstsq-style least squares, or add a "
                       f"small multiple of the identity")


def inverse(a: Any, who: str = "inv") -> Any:
    """``inv(a)``: the op on Tensors, NumPy's (with the engine's error) on arrays."""
    if isinstance(a, Tensor):
        return inv(a)
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise singular_error(who, a) from None


def solved(a: Any, b: Any) -> Any:
    """``solve(a, b)`` for a matrix ``b``: the op on Tensors, NumPy's on arrays."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return apply(Solve(), a, b)
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise singular_error("solve", np.asarray(a)) from None


class Inv(Primitive):
    """The inverse; d(A^-1) = -A^-1 dA A^-1, so the gradient is -A^-T g A^-T."""

    __slots__ = ()
    name = "inv"

    def forward(self, a):
        return inverse(a)

    def backward(self, g, out, a):
        t = transposed(out)
        return (-(t @ g @ t),)


def inv(a: Any) -> Any:
    """The inverse of each square matrix (``numpy.linalg.inv``); a singular one raises ``LinAlgError``."""
    square_shape(a, "inv")
    return apply(Inv(), a)


class Det(Primitive):
    """The determinant; d det(A) = det(A) tr(A^-1 dA), so the gradient is g det(A) A^-T.  At a
    singular matrix that needs A^-1, so backward raises there (PyTorch computes the adjugate)."""

    __slots__ = ()
    name = "det"

    def forward(self, a):
        return np.linalg.det(a)

    def backward(self, g, out, a):
        scale = (g * out).reshape(out.shape + (1, 1))
        return (scale * transposed(inverse(a, "det (its gradient)")),)


def det(a: Any) -> Any:
    """The determinant of each square matrix (``numpy.linalg.det``); shape ``a.shape[:-2]``."""
    square_shape(a, "det")
    return apply(Det(), a)


class LogAbsDet(Primitive):
    """log |det(A)|, whose gradient is g A^-T; the sign (no gradient) is kept on the node for ``slogdet``."""

    __slots__ = ("sign",)
    name = "slogdet"

    def forward(self, a):
        self.sign, logabsdet = np.linalg.slogdet(a)
        return logabsdet

    def backward(self, g, out, a):
        return (g.reshape(g.shape + (1, 1)) * transposed(inverse(a, "slogdet (its gradient)")),)


class SlogdetResult(NamedTuple):
    """``numpy.linalg.slogdet``'s pair: the sign (+1, -1, or 0 for a singular matrix) and log |det|."""

    sign: Tensor
    logabsdet: Tensor


def slogdet(a: Any) -> SlogdetResult:
    """The sign and the natural log of the absolute determinant (``numpy.linalg.slogdet``): accurate where
    ``det`` over- or underflows.  ``logabsdet`` carries the gradient ``A^-T``; ``sign`` carries none."""
    square_shape(a, "slogdet")
    node = LogAbsDet()
    logabsdet = apply(node, a)
    return SlogdetResult(Tensor(np.asarray(node.sign)), logabsdet)


class Solve(Primitive):
    """x = A^-1 B for stacks of matrices B (batch axes broadcast).  Gradients: gB = A^-T g, gA = -gB x^T."""

    __slots__ = ()
    name = "solve"

    def forward(self, a, b):
        return solved(a, b)

    def backward(self, g, out, a, b):
        need_a, need_b = self.needs_grad
        gb = solved(transposed(a), g)
        ga = sum_to_shape(-(gb @ transposed(out)), a.shape) if need_a else None
        return ga, sum_to_shape(gb, b.shape) if need_b else None


def solve(a: Any, b: Any) -> Any:
    """The solution ``x`` of ``a @ x = b`` (``numpy.linalg.solve``): ``a`` of shape (..., M, M); ``b`` a
    vector (M,) -- only when it is 1-d, as in NumPy 2 -- or a stack of matrices (..., M, K) whose
    batch axes broadcast with a's.  A singular ``a`` raises ``LinAlgError`` naming the batch element."""
    shape_a, shape_b = square_shape(a, "solve"), shape_of(b, "solve")
    vector = len(shape_b) == 1
    rows = shape_b[0] if vector else shape_b[-2] if len(shape_b) >= 2 else None
    if rows != shape_a[-1]:
        raise ShapeError(f"solve: a of shape {shape_a} and b of shape {shape_b} do not fit: b must be a vector of "
                         f"length {shape_a[-1]} or a stack of matrices with {shape_a[-1]} rows, (..., {shape_a[-1]}, K)")
    if vector:
        x = apply(Solve(), a, reshape(b, (rows, 1)))
        return reshape(x, x.shape[:-1])
    return apply(Solve(), a, b)


def matrix_power(a: Any, n: int) -> Any:
    """``a`` multiplied by itself ``n`` times (``numpy.linalg.matrix_power``), by repeated squaring;
    ``n < 0`` powers the inverse; ``n = 0`` gives identities (whose gradient is 0)."""
    n = check_int(n, "n", "matrix_power")
    shape = square_shape(a, "matrix_power")
    if not isinstance(a, Tensor):
        a = as_operand(a, "matrix_power") if isinstance(a, (list, tuple)) else Tensor(np.asarray(a))
    if n == 0:
        identity = np.broadcast_to(np.eye(shape[-1], dtype=a.dtype), shape)
        return where(np.zeros(shape, dtype=bool), a, identity)  # in the graph, with gradient 0
    if n < 0:
        a, n = inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else result @ a
        n >>= 1
        if n:
            a = a @ a
    return result
