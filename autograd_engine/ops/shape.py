"""Shape primitives: reshape, transpose, broadcast_to -- and what composes from them (squeeze,
expand_dims, flatten, ravel, swapaxes, moveaxis).

Each rule is the inverse movement of the gradient: reshape back, transpose by the inverse
permutation, sum the broadcast axes away.  The Tensor methods take NumPy's and PyTorch's forms:
``x.reshape(2, 3)`` or ``x.reshape((2, 3))``, ``x.transpose()``, ``x.permute(1, 0)``, ``x.T``.
"""
from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..operands import normalize_axes, normalize_axis, shape_of
from ..tensor import Tensor
from .dispatch import sum_to_shape


def _one_or_many(args: tuple) -> Any:
    """A method's ``*args`` as NumPy's single argument: ``x.reshape(2, 3)`` is ``x.reshape((2, 3))``."""
    return args[0] if len(args) == 1 and (args[0] is None or isinstance(args[0], Sequence)) else args


def _reshape_method(x: Any, *shape: Any) -> Any:
    return reshape(x, shape[0] if len(shape) == 1 else shape)


def _transpose_method(x: Any, *axes: Any) -> Any:
    """``x.transpose(...)``, NumPy's permutation of all axes.  Two separate ints read like PyTorch's
    ``transpose(dim0, dim1)``, which swaps two axes: on a 2-d tensor NumPy's ``(0, 1)`` leaves it unchanged
    (a warning says so), on others it is no permutation (the error points to ``swapaxes``)."""
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        ndim = len(shape_of(x, "transpose"))
        if ndim != 2:
            raise ShapeError(f"transpose{axes}: NumPy's transpose takes a permutation of all {ndim} axes; to swap "
                             f"two axes, as PyTorch's transpose(dim0, dim1) does, use swapaxes{axes}")
        if [a % 2 for a in axes] == [0, 1] and -2 <= min(axes) and max(axes) <= 1:
            warnings.warn(f"transpose{axes} on a 2-d tensor is NumPy's identity permutation and leaves it unchanged; "
                          f"PyTorch's transpose{axes} swaps the axes -- for that use .T or swapaxes{axes} (pass "
                          f"transpose(({axes[0]}, {axes[1]})) to keep the identity without this warning)", stacklevel=2)
    return transpose(x, _one_or_many(axes) or None)


def _expand_method(x: Any, *shape: Any) -> Any:
    """PyTorch's name for ``broadcast_to``."""
    return broadcast_to(x, _one_or_many(shape))


class Reshape(Primitive):
    __slots__ = ("shape",)
    name = "reshape"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def describe(self) -> str:
        return f"reshape{self.shape}"

    def forward(self, x):
        return np.reshape(x, self.shape)

    def backward(self, g, out, x):
        return (g.reshape(x.shape),)


@op(method=_reshape_method, tensor={"view": _reshape_method})
def reshape(x: Any, shape: Any) -> Any:
    """Give ``x`` a new shape with the same number of elements (one entry may be -1)."""
    new = _resolve_shape(shape_of(x, "reshape"), _as_shape(shape, "reshape"))
    if isinstance(x, Tensor) and new == x.shape:
        return x
    return apply(Reshape(new), x)


class Transpose(Primitive):
    __slots__ = ("axes",)
    name = "transpose"

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def describe(self) -> str:
        return f"transpose{self.axes}"

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, g, out, x):
        return (g.transpose(tuple(np.argsort(self.axes))),)


@op(method=_transpose_method, aliases=("permute",),
    tensor={"permute": _transpose_method, "T": property(lambda x: transpose(x), doc="All axes reversed, as NumPy's .T.")})
def transpose(x: Any, axes: Sequence[int] | None = None) -> Any:
    """Permute the axes (default: reverse them), as ``numpy.transpose``."""
    ndim = len(shape_of(x, "transpose"))
    if axes is None:
        axes = tuple(range(ndim))[::-1]
    else:
        given = tuple(axes)
        if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in given):
            raise TypeError(f"transpose: axes must be integers, got {given!r}")
        axes = tuple(int(a) % ndim if -ndim <= a < ndim else -1 for a in given)  # -1 marks out of range
        if sorted(axes) != list(range(ndim)):
            raise ShapeError(
                f"transpose: axes {given} are not a permutation of the {ndim} axes of shape {shape_of(x)} "
                f"(each of 0..{ndim - 1}, or its negative, exactly once)"
            )
    return apply(Transpose(axes), x)


@op(method=True)
def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Exchange two axes."""
    axes = list(range(len(shape_of(x, "swapaxes"))))
    a1, a2 = normalize_axis(axis1, len(axes), "swapaxes"), normalize_axis(axis2, len(axes), "swapaxes")
    axes[a1], axes[a2] = axes[a2], axes[a1]
    return apply(Transpose(tuple(axes)), x)


@op(method=True)
def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """Move axes to new positions, keeping the order of the others (``numpy.moveaxis``:
    ``source`` and ``destination`` are one axis each, or sequences of the same length)."""
    ndim = len(shape_of(x, "moveaxis"))
    sources, destinations = _axis_list(source, ndim), _axis_list(destination, ndim)
    if len(sources) != len(destinations):
        raise ShapeError(
            f"moveaxis: source {source!r} and destination {destination!r} must name as many axes as each other"
        )
    order = [a for a in range(ndim) if a not in sources]
    for dst, src in sorted(zip(destinations, sources)):
        order.insert(dst, src)
    return apply(Transpose(tuple(order)), x)


def _axis_list(axes: int | Sequence[int], ndim: int) -> list[int]:
    """moveaxis's axes: each in range, none twice."""
    many = isinstance(axes, (tuple, list, np.ndarray))
    result = [normalize_axis(a, ndim, "moveaxis") for a in (tuple(axes) if many else (axes,))]
    if len(set(result)) != len(result):
        raise ShapeError(f"moveaxis: axes {axes!r} repeat an axis")
    return result


class BroadcastTo(Primitive):
    __slots__ = ("shape",)
    name = "broadcast_to"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def describe(self) -> str:
        return f"broadcast_to{self.shape}"

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g, out, x):
        return (sum_to_shape(g, x.shape),)


@op(method=True, aliases=("expand",), tensor={"expand": _expand_method})
def broadcast_to(x: Any, shape: Any) -> Any:
    """Repeat ``x`` along size-1 (or new leading) axes to ``shape``; the gradient sums them back."""
    shape = _as_shape(shape, "broadcast_to")
    try:
        fits = np.broadcast_shapes(shape_of(x, "broadcast_to"), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {shape_of(x)} to {shape}")
    return apply(BroadcastTo(shape), x)


@op(method=True, dim=True)
def squeeze(x: Any, axis: Any = None) -> Any:
    """Remove size-1 axes (all of them, or those in ``axis``, which must have size 1)."""
    shape = shape_of(x, "squeeze")
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = normalize_axes(axis, len(shape), "squeeze")
        for a in axes:
            if shape[a] != 1:
                raise ShapeError(f"squeeze: axis {a} of shape {shape} has size {shape[a]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


@op(method=True, aliases=("unsqueeze",), dim=True, tensor={"unsqueeze": lambda x, *args, **kwargs: expand_dims(x, *args, **kwargs)})
def expand_dims(x: Any, axis: Any) -> Any:
    """Insert size-1 axes at ``axis`` (an int or tuple, positions in the result)."""
    shape = shape_of(x, "expand_dims")
    if not isinstance(axis, (int, np.integer, tuple, list)) or isinstance(axis, bool):
        raise TypeError(f"expand_dims: axis must be an int or a tuple of ints, got {axis!r} ({type(axis).__name__})")
    ndim = len(shape) + (1 if isinstance(axis, (int, np.integer)) else len(axis))
    axes = normalize_axes(axis, ndim, "expand_dims")
    rest = iter(shape)
    return reshape(x, tuple(1 if i in axes else next(rest) for i in range(ndim)))


@op(method=True)
def flatten(x: Any, start_axis: int = 0, end_axis: int = -1, *, start_dim: Any = None, end_dim: Any = None) -> Any:
    """Merge axes ``start_axis..end_axis`` into one (PyTorch's ``flatten``, whose ``start_dim=``/``end_dim=``
    are accepted too; all axes by default)."""
    if start_dim is not None:
        start_axis = start_dim
    if end_dim is not None:
        end_axis = end_dim
    shape = shape_of(x, "flatten")
    if not shape:
        return reshape(x, (1,))
    start = normalize_axis(start_axis, len(shape), "flatten")
    end = normalize_axis(end_axis, len(shape), "flatten")
    if start > end:
        raise ShapeError(
            f"flatten: start_axis {start_axis} comes after end_axis {end_axis} for shape {shape}; "
            f"merge axes start_axis..end_axis with start_axis <= end_axis"
        )
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(x, shape[:start] + (merged,) + shape[end + 1 :])


@op(method=True)
def ravel(x: Any) -> Any:
    """The elements as a 1-D tensor (a reshape to (-1,))."""
    return reshape(x, (-1,))


def _as_shape(shape: Any, op: str) -> tuple[int, ...]:
    """``shape`` (an int, or a sequence or 1-d array of ints) as a tuple of ints.  A float or a string in it
    is a TypeError naming ``op``, as in NumPy (``int()`` would truncate 2.7 to 2 and parse "6")."""
    try:
        if isinstance(shape, (int, np.integer)):
            return (operator.index(shape),)
        if isinstance(shape, (tuple, list)) or (isinstance(shape, np.ndarray) and shape.ndim == 1):
            return tuple(map(operator.index, shape))
    except TypeError:
        pass
    raise TypeError(f"{op}: the shape must be an int or a sequence of ints, got {shape!r}")


def _resolve_shape(old: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its -1 entry filled in; raises when the sizes do not agree."""
    size = math.prod(old)  # (math.prod: np.prod on a tuple costs microseconds, a third of a reshape)
    unknown = [i for i, n in enumerate(shape) if n == -1]
    known = math.prod(n for n in shape if n != -1)
    if len(unknown) <= 1 and all(n >= -1 for n in shape):
        if not unknown and known == size:
            return shape
        if unknown and known and size % known == 0:
            return shape[: unknown[0]] + (size // known,) + shape[unknown[0] + 1 :]
    raise ShapeError(f"reshape: cannot reshape a tensor of shape {old} ({size} elements) into shape {shape}")
