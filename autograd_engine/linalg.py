"""Linear algebra with NumPy's names and semantics (``numpy.linalg``), batched over leading axes, each
op with its gradient: ``autograd_engine.linalg.inv(a)``, ``linalg.svd(a, full_matrices=False)``, ...

The primitives and their rules live in ``ops/inverse.py`` (inv, det, slogdet, solve, matrix_power)
and ``ops/decompositions.py`` (cholesky, eigh, svd, qr, pinv), ``norm`` in ``ops/norm.py``; this module is
their public namespace.
"""
from typing import Any

from .operands import as_operand, normalize_axes, shape_of
from .ops.decompositions import EighResult, QRResult, SVDResult, cholesky, eigh, pinv, qr, svd
from .ops.inverse import LinAlgError, SlogdetResult, det, inv, matrix_power, slogdet, solve
from .ops.linalg import matmul
from .ops.norm import norm
from .ops.shape import moveaxis, reshape

__all__ = [
    "inv", "det", "slogdet", "solve", "matrix_power", "cholesky", "eigh", "svd", "qr", "pinv", "matmul", "norm", "vector_norm", "matrix_norm",
    "LinAlgError", "SlogdetResult", "EighResult", "SVDResult", "QRResult",
]


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
    """PyTorch's ``linalg.vector_norm``: the ``ord``-norm of the elements over ``dim`` (all of them when
    None, several axes taken as one vector), never a matrix norm."""
    x = as_operand(x, "vector_norm", "x")
    shape = shape_of(x)
    axes = normalize_axes(dim, len(shape), "vector_norm")
    if not shape:
        return norm(x, ord)
    moved = moveaxis(x, axes, tuple(range(-len(axes), 0)))
    flat = reshape(moved, shape_of(moved)[: len(shape) - len(axes)] + (-1,))
    result = norm(flat, ord, axis=-1)
    return reshape(result, tuple(1 if i in axes else n for i, n in enumerate(shape))) if keepdim else result


def matrix_norm(A: Any, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False) -> Any:  # noqa: A002
    """PyTorch's ``linalg.matrix_norm``: the ``ord`` matrix norm over the two axes ``dim``."""
    return norm(A, ord, axis=tuple(dim), keepdims=keepdim)
