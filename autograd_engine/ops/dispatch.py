"""Helpers that gradient rules use on NumPy arrays and on Tensors alike.

In an ordinary backward pass the rules receive ndarrays and these helpers call
NumPy; under ``create_graph=True`` they receive Tensors and these helpers call
the engine's ops, so the backward pass is itself recorded.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..broadcasting import sum_to_shape  # noqa: F401  (for rules)
from ..declare import OPS
from ..operands import is_basic_index, shape_of, value  # noqa: F401  (for rules: the operand helpers)
from ..tensor import Tensor


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(x, Tensor):
        return x.broadcast_to(shape)
    return np.broadcast_to(x, shape)


def expand_reduced(grad: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Broadcast the gradient of a reduction over ``axes`` back to the input ``shape``."""
    if not keepdims:
        grad = grad.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return broadcast_to(grad, shape)


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, Tensor) else np.log(x)


def sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Tensor) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Tensor) else np.cos(x)


def where(condition: np.ndarray, a: Any, b: Any) -> Any:
    """``a`` where ``condition``, else ``b``: NumPy's on arrays, the ``where`` op on Tensors (so that
    ``create_graph=True`` records it).  Selection, unlike ``a * mask + b * ~mask``, never computes
    inf * 0 in the branch it drops."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return OPS["where"](condition, a, b)  # the op, declared in elementwise (which imports this module)
    return np.where(condition, a, b)


def scatter_add(grad: Any, key: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """A zero array of ``shape`` with ``grad`` added at ``key`` (repeated indices accumulate)."""
    if isinstance(grad, Tensor):
        return OPS["scatter_add"](grad, key, shape)  # the op, declared in index (which imports this module)
    return scatter_add_array(grad, key, shape, dtype)


def scatter_add_array(values: np.ndarray, key: Any, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    result = np.zeros(shape, dtype=dtype)
    if is_basic_index(key):
        result[key] = values  # a basic index never repeats a position
    else:
        np.add.at(result, key, values)
    return result


def einsum(subscripts: str, *operands: Any) -> Any:
    """NumPy's ``einsum`` on arrays; the ``einsum`` op when an operand is a Tensor (declared in
    ``contract``, which imports this module)."""
    if any(isinstance(x, Tensor) for x in operands):
        return OPS["einsum"](subscripts, *operands)
    return np.einsum(subscripts, *operands, optimize=len(operands) > 2)


def elementwise(name: str, x: Any) -> Any:
    """``numpy.<name>(x)`` on an array, the engine's op ``ae.<name>`` on a Tensor (``sinh``, ``cosh``,
    ``sqrt``, ``sign``, ...: ops whose NumPy and engine names agree)."""
    return OPS[name](x) if isinstance(x, Tensor) else getattr(np, name)(x)


def zeros_like(x: Any) -> Any:
    """Zeros of ``x``'s shape and dtype: the gradient of a piecewise-constant op.  A constant, also
    under ``create_graph=True`` (its derivative is zero as well)."""
    return np.zeros(np.shape(value(x)), dtype=value(x).dtype)


def cumsum(x: Any, axis: int) -> Any:
    """Running sum along ``axis``: NumPy's on arrays, the ``cumsum`` op on Tensors."""
    return OPS["cumsum"](x, axis) if isinstance(x, Tensor) else np.cumsum(x, axis=axis)


def reverse_cumsum(x: Any, axis: int) -> Any:
    """``out[i] = sum(x[i:])`` along ``axis``: the adjoint of a running sum."""
    flip = (slice(None),) * (axis % x.ndim) + (slice(None, None, -1),)
    return cumsum(x[flip], axis)[flip]


def stack(pieces: list[Any], axis: int) -> Any:
    """``numpy.stack`` on arrays, the ``stack`` op when a piece is a Tensor."""
    if any(isinstance(p, Tensor) for p in pieces):
        return OPS["stack"](pieces, axis)
    return np.stack(pieces, axis=axis)


def divides_exactly(x: Any) -> bool:
    """True when dividing by ``x`` is safe for a rule such as ``out / x``: no element is 0 or so small that
    a product with it underflows (below the square root of the dtype's smallest normal number)."""
    data = np.asarray(value(x))
    if data.dtype.kind != "f":
        return not np.any(data == 0)
    return not np.any(np.abs(data) < np.sqrt(np.finfo(data.dtype).tiny))
