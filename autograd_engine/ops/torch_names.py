"""PyTorch's spellings, where NumPy has no conflicting meaning: methods and functions a PyTorch user
types first (``x.float()``, ``x.to("cpu")``, ``x.clamp_min(0)``, ``x.mm(w)``, ``x.chunk(2)``,
``x.zero_()``, ...), each composed of the engine's NumPy-named ops.

Where the two libraries conflict, NumPy's meaning stays and the PyTorch reading fails loudly
(``x.size()``, ``x.transpose(0, 1)``: see ``autograd_engine/EDGE_CASES.md``).  ``clone`` is the one
primitive here: a copy, whose gradient is the upstream gradient.
"""
from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..checks import check_device, is_device
from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..grad_mode import is_grad_enabled
from ..operands import as_operand, normalize_axis, shape_of, value
from ..tensor import Tensor
from .elementwise import add, astype, clip, multiply, power, subtract
from .linalg import matmul
from .shape import broadcast_to, reshape, swapaxes


class Clone(Primitive):
    """A copy of the input, in the graph (PyTorch's ``clone``): the gradient passes through unchanged."""

    __slots__ = ()
    name = "clone"

    def forward(self, x):
        return np.array(x, copy=True)

    def backward(self, g, out, x):
        return (g,)


@op(method=True)
def clone(x: Any) -> Any:
    """A copy of ``x`` that takes part in the graph (its gradient flows back to ``x``)."""
    return apply(Clone(), x)


@op(method=True)
def clamp_min(x: Any, min: Any) -> Any:  # noqa: A002  (PyTorch's name)
    """Values below ``min`` raised to it (``clip(x, min, None)``)."""
    return clip(x, min, None)


@op(method=True)
def clamp_max(x: Any, max: Any) -> Any:  # noqa: A002  (PyTorch's name)
    """Values above ``max`` lowered to it (``clip(x, None, max)``)."""
    return clip(x, None, max)


@op(method=True)
def pow(x: Any, exponent: Any) -> Any:  # noqa: A001  (PyTorch's and NumPy 2's name)
    """``x ** exponent`` (``power``)."""
    return power(x, exponent)


@op(method=True)
def mm(a: Any, b: Any) -> Any:
    """The product of two matrices (PyTorch's ``mm``: both 2-d, no broadcasting)."""
    _check_ndim("mm", (a, b), 2, "matrices (2-d)", "matmul for vectors and batches")
    return matmul(a, b)


@op(method=True)
def bmm(a: Any, b: Any) -> Any:
    """Batched matrix products of two 3-d tensors with the same batch size (PyTorch's ``bmm``)."""
    _check_ndim("bmm", (a, b), 3, "batches of matrices (3-d)", "matmul, which broadcasts the batch axes")
    if shape_of(a)[0] != shape_of(b)[0]:
        raise ShapeError(f"bmm: the batch sizes differ, shapes {shape_of(a)} and {shape_of(b)}; bmm does not broadcast "
                         f"-- use matmul, which does")
    return matmul(a, b)


def _check_ndim(name: str, operands: tuple[Any, Any], ndim: int, what: str, instead: str) -> None:
    shapes = [shape_of(x, name) for x in operands]
    if any(len(s) != ndim for s in shapes):
        raise ShapeError(f"{name}: takes two {what}, got shapes {shapes[0]} and {shapes[1]}; use {instead}")


@op(method=True)
def lerp(start: Any, end: Any, weight: Any) -> Any:
    """Linear interpolation ``start + weight * (end - start)``, with broadcasting (PyTorch's ``lerp``);
    differentiable in all three."""
    start = as_operand(start, "lerp", "start")  # once: it is used twice
    return add(start, multiply(weight, subtract(end, start)))


def _along(x: Any, axis: int, part: slice | int) -> Any:
    return x[(slice(None),) * axis + (part,)]


def _axis_of(x: Any, dim: Any, name: str) -> int:
    shape = shape_of(x, name)
    if not shape:
        raise ShapeError(f"{name}: a 0-d tensor has no axis; give at least a 1-d tensor")
    return normalize_axis(dim, len(shape), name)


@op(method=True, dim=True)
def chunk(x: Any, chunks: int, axis: int = 0) -> tuple[Any, ...]:
    """PyTorch's ``chunk``: pieces of ``ceil(n / chunks)`` along ``axis`` (the last may be smaller, and there may be
    fewer than ``chunks``).  NumPy's ``array_split``, by contrast, always makes ``chunks`` pieces."""
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
        raise (TypeError if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool) else ValueError)(
            f"chunk: chunks must be a positive integer, got {chunks!r}")
    x = as_operand(x, "chunk", "input")
    axis = _axis_of(x, axis, "chunk")
    n = shape_of(x)[axis]
    size = max(math.ceil(n / chunks), 1)
    return tuple(_along(x, axis, slice(start, start + size)) for start in range(0, n, size)) or (x,)


@op(method=True, dim=True)
def narrow(x: Any, axis: int, start: int, length: int) -> Any:
    """The slice ``start:start + length`` along ``axis`` (PyTorch's ``narrow``; a negative start counts from the end)."""
    x = as_operand(x, "narrow", "input")
    axis = _axis_of(x, axis, "narrow")
    n = shape_of(x)[axis]
    start, length = operator.index(start), operator.index(length)
    first = start + n if start < 0 else start
    if not (0 <= first <= n) or length < 0 or first + length > n:
        raise IndexError(f"narrow: start {start} and length {length} do not fit in axis {axis} of length {n} "
                         f"(shape {shape_of(x)})")
    return _along(x, axis, slice(first, first + length))


@op(method=True, dim=True)
def select(x: Any, axis: int, index: int) -> Any:
    """The slice at ``index`` along ``axis``, that axis removed (PyTorch's ``select``: ``x[:, index]`` for axis 1)."""
    x = as_operand(x, "select", "input")
    axis = _axis_of(x, axis, "select")
    n = shape_of(x)[axis]
    index = operator.index(index)
    if not -n <= index < n:
        raise IndexError(f"select: index {index} is out of range for axis {axis} of length {n} (shape {shape_of(x)})")
    return _along(x, axis, index)


# ----- methods only (no free function): dtypes, devices, shapes of another tensor, in-place fills -----


def _type_as(x: Tensor, other: Any) -> Any:
    """``x`` cast to ``other``'s dtype."""
    return astype(x, value(other).dtype if isinstance(other, (Tensor, np.ndarray)) else np.result_type(other))


def _to(x: Tensor, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False) -> Any:
    """PyTorch's ``to``: ``to(dtype)``, ``to(other)`` (its dtype), ``to("cpu")``; any other device is refused,
    as the engine computes on the CPU with NumPy."""
    for arg in args:
        if device is None and is_device(arg):
            device = arg
        elif isinstance(arg, Tensor) and dtype is None:
            dtype = arg.dtype
        elif dtype is None:
            dtype = arg
        else:
            raise TypeError(f"to: give a dtype, a device ('cpu') or a tensor, got {args!r}")
    check_device(device, "to")
    result = x if dtype is None else astype(x, _numpy_dtype(dtype))
    return clone(result) if copy and result is x else result


def _numpy_dtype(dtype: Any) -> np.dtype:
    """A NumPy dtype from a NumPy dtype or type, a name, or a PyTorch dtype (``torch.float64``, by its name)."""
    name = str(dtype)
    if name.startswith("torch."):
        dtype = {"torch.float": "float32", "torch.double": "float64", "torch.half": "float16", "torch.long": "int64",
                 "torch.int": "int32", "torch.bool": "bool"}.get(name, name[len("torch."):])
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"to: {dtype!r} is not a dtype NumPy has; use e.g. np.float32, np.float64 or np.int64") from None


def _t(x: Tensor) -> Any:
    """PyTorch's ``t()``: a matrix transposed; a vector or a scalar as it is; more axes refused."""
    if x.ndim > 2:
        raise ShapeError(f"t: expects a tensor of at most 2 dimensions, got shape {x.shape}; use swapaxes(x, -1, -2) "
                         f"or x.mT for the last two axes")
    return swapaxes(x, 0, 1) if x.ndim == 2 else x


def _fill_(x: Tensor, fill_value: Any) -> Tensor:
    """Set every element to ``fill_value`` in place (PyTorch's ``fill_``), on a tensor outside the graph or
    inside ``no_grad()``; counted as an in-place update, so a graph that used the old values refuses backward."""
    fill_value = value(fill_value)
    if np.ndim(fill_value) != 0:
        raise ShapeError(f"fill_: the value must be a number or a 0-d tensor, got shape {np.shape(fill_value)}")
    if is_grad_enabled() and x.requires_grad:
        where = "a leaf tensor that requires grad" if x.is_leaf else f"a tensor in the graph (made by {x.grad_fn.describe()})"
        raise RuntimeError(f"fill_: in-place update of {where} (shape {x.shape}); do it inside `with ae.no_grad():` "
                           f"(as an initialiser does), or build a new tensor (ae.where, x * 0 + value)")
    if not x.data.flags.writeable:
        raise RuntimeError(f"fill_: the tensor's array (shape {x.shape}) is read-only (a broadcast view); fill a copy, "
                           f"x.clone(), instead")
    x.data[...] = fill_value
    x.mark_modified()
    return x


_METHODS = {
    "float": lambda x: astype(x, np.float32),
    "double": lambda x: astype(x, np.float64),
    "half": lambda x: astype(x, np.float16),
    "long": lambda x: astype(x, np.int64),
    "int": lambda x: astype(x, np.int32),
    "type_as": _type_as,
    "to": _to,
    "expand_as": lambda x, other: broadcast_to(x, shape_of(other, "expand_as")),
    "view_as": lambda x, other: reshape(x, shape_of(other, "view_as")),
    "reshape_as": lambda x, other: reshape(x, shape_of(other, "reshape_as")),
    "fill_": _fill_,
    "zero_": lambda x: _fill_(x, 0),
    "dim": lambda x: x.ndim,
    "t": lambda x: _t(x),
    "contiguous": lambda x: x,
    "cpu": lambda x: x,
    "cuda": lambda x, *args, **kwargs: _to(x, "cuda"),
    "device": property(lambda x: "cpu", doc="Always 'cpu': the engine computes with NumPy on the CPU."),
    "mT": property(lambda x: swapaxes(x, -1, -2), doc="The last two axes exchanged (PyTorch's batched transpose)."),
}
for _name, _method in _METHODS.items():  # methods of PyTorch's Tensor that have no free function here
    setattr(Tensor, _name, _method)
