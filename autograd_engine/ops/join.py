"""Joining and splitting: concatenate (the primitive), stack and split (composed), pad."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import operands
from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..operands import as_operand, normalize_axis, shape_of
from ..tensor import Tensor
from .index import getitem
from .shape import expand_dims, reshape


class Concatenate(Primitive):
    """Join along an existing axis; each input's gradient is its slice of the upstream one."""

    __slots__ = ("axis",)
    name = "concatenate"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def describe(self) -> str:
        return f"concatenate(axis={self.axis})"

    def forward(self, *arrays):
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, g, out, *inputs):
        grads, start = [], 0
        lead = (slice(None),) * self.axis
        for x, needed in zip(inputs, self.needs_grad):
            stop = start + x.shape[self.axis]
            grads.append(g[lead + (slice(start, stop),)] if needed else None)
            start = stop
        return tuple(grads)


@op(dim=True)
def concatenate(arrays: Sequence[Any], axis: int | None = 0) -> Any:
    """Join tensors along an existing ``axis``; all other axes must match.  ``axis=None``
    joins them flattened, as NumPy does."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("concatenate: need at least one tensor")
    if axis is None:
        arrays, axis = [reshape(a, (-1,)) for a in arrays], 0
    shapes = [shape_of(a, "concatenate") for a in arrays]
    ndim = len(shapes[0])
    if ndim == 0 or any(len(s) != ndim for s in shapes):
        raise ShapeError(f"concatenate: all inputs need the same number (>= 1) of dimensions, got shapes {shapes}")
    axis = normalize_axis(axis, ndim, "concatenate")
    if any(s[:axis] + s[axis + 1 :] != shapes[0][:axis] + shapes[0][axis + 1 :] for s in shapes):
        raise ShapeError(f"concatenate: shapes {shapes} differ outside axis {axis}")
    return apply(Concatenate(axis), *arrays)


class Pad(Primitive):
    """Constant padding; the gradient is the upstream gradient with the padding cut away."""

    __slots__ = ("pad_width", "constant_values")
    name = "pad"

    def __init__(self, pad_width: tuple[tuple[int, int], ...], constant_values: float) -> None:
        self.pad_width, self.constant_values = pad_width, constant_values

    def describe(self) -> str:
        return f"pad{self.pad_width}"

    def forward(self, x):
        if not self.pad_width:  # a 0-d tensor: nothing to pad (np.pad rejects an empty width tuple)
            return x.copy()
        return np.pad(x, self.pad_width, mode="constant", constant_values=self.constant_values)

    def backward(self, g, out, x):
        return (g[tuple(slice(before, before + n) for (before, _), n in zip(self.pad_width, x.shape))],)


@op()
def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0) -> Any:
    """Pad with a constant (NumPy's ``pad`` with ``mode='constant'``).

    ``pad_width`` is an int, a ``(before, after)`` pair, or one pair per axis.  ``constant_values``
    is a number (or NumPy's per-axis pairs), or a 0-d Tensor, which then gets its gradient: the sum
    of the upstream gradient over the padding.
    """
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    shape = shape_of(x, "pad")
    widths = _pad_widths(pad_width, shape)
    ndim = len(shape)
    if isinstance(constant_values, (Tensor, list, tuple)):
        constant = as_operand(constant_values, "pad", "constant_values")
        if isinstance(constant, Tensor):  # in the graph: pad with 0, then add constant * (1 in the padding)
            if constant.ndim:
                raise ShapeError(
                    f"pad: constant_values as a Tensor must be 0-d (one value for all the padding), got shape "
                    f"{constant.shape}; pass per-axis values as numbers"
                )
            x = as_operand(x, "pad", "input")
            padded = apply(Pad(widths, 0), x)
            in_padding = np.pad(np.zeros(shape, padded.dtype), widths, mode="constant", constant_values=1) if ndim else 0
            return padded + constant * in_padding
    return apply(Pad(widths, constant_values), x)


@op()
def cat(tensors: Sequence[Any], dim: int | None = 0, *, axis: int | None = None) -> Any:
    """PyTorch's name for ``concatenate``: join tensors along the existing axis ``dim`` (or NumPy's ``axis=``)."""
    if axis is not None:
        if dim != 0:
            raise TypeError("cat: got both dim= and NumPy's axis=; pass one")
        dim = axis
    return concatenate(tensors, axis=dim)


@op(dim=True)
def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors of one shape along a new ``axis``."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("stack: need at least one tensor")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"stack: axis must be one integer, got {axis!r} ({type(axis).__name__})")
    shapes = {shape_of(a, "stack") for a in arrays}
    if len(shapes) != 1:
        raise ShapeError(f"stack: all inputs must have the same shape, got {sorted(shapes)}")
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis)


@op()
def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0, *, dim: int | None = None) -> list[Any]:
    """Split into pieces along ``axis``: ``n`` equal sections, or at the given indices
    (NumPy's ``split``; equal sections must divide the axis).

    With PyTorch's ``dim=`` instead of ``axis=``, the second argument means what it means in PyTorch's
    ``split``: an int is the size of each piece (the last may be shorter), a sequence the sizes of the
    pieces (summing to the axis' length)."""
    shape = shape_of(x, "split")
    if not shape:
        raise ShapeError("split: a 0-d tensor has no axis to split; reshape it to 1-d first")
    if dim is not None:
        if axis != 0:
            raise TypeError("split: got both axis= and PyTorch's dim=; pass one")
        axis = normalize_axis(dim, len(shape), "split")
        return split(x, _split_points(indices_or_sections, shape[axis], axis), axis)
    axis = normalize_axis(axis, len(shape), "split")
    length = shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections <= 0 or length % indices_or_sections:
            raise ShapeError(f"split: axis {axis} of length {length} does not divide into {indices_or_sections} equal sections")
        step = length // indices_or_sections
        bounds = list(range(0, length + 1, step)) if step else [0] * (indices_or_sections + 1)
    elif isinstance(indices_or_sections, (tuple, list, np.ndarray)) and all(
            isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in indices_or_sections):
        bounds = [0, *indices_or_sections, length]
    else:
        raise TypeError(f"split: indices_or_sections must be an int (that many equal sections) or a sequence of ints "
                        f"(the split points), got {indices_or_sections!r} ({type(indices_or_sections).__name__})")
    lead = (slice(None),) * axis
    return [getitem(x, lead + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


def _split_points(sizes: Any, length: int, axis: int) -> list[int]:
    """PyTorch's ``split_size_or_sections`` -- a piece size, or the sizes of the pieces -- as NumPy's split points."""
    if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
        if sizes <= 0:
            raise ValueError(f"split: the piece size must be positive, got {sizes}")
        return list(range(int(sizes), length, int(sizes)))
    if isinstance(sizes, (tuple, list)) and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
                                                 for n in sizes):
        if sum(sizes) != length:
            raise ShapeError(f"split(dim={axis}): the sizes {list(sizes)} sum to {sum(sizes)}, but the axis has length "
                             f"{length}; with PyTorch's dim= the sizes of the pieces are given (NumPy's axis= takes "
                             f"split points)")
        return [int(n) for n in np.cumsum(sizes)[:-1]]
    raise TypeError(f"split: with dim=, the second argument is PyTorch's split_size_or_sections: an int (the size of "
                    f"each piece) or a sequence of non-negative ints (their sizes), got {sizes!r}")


operands.stack = stack  # lists holding Tensors are stacked with their gradients wherever an op takes an operand


def _pad_widths(pad_width: Any, shape: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """``pad``'s ``pad_width`` as one ``(before, after)`` pair of non-negative ints per axis of ``shape``.
    Integers only, as in NumPy (a float would be truncated: 1.5 padding by 1)."""
    try:
        widths = np.asarray(pad_width)
    except ValueError:  # a ragged nesting
        widths = np.asarray(None)
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be an int, a (before, after) pair of ints, or one such pair per axis, "
                        f"got {pad_width!r}")
    if not shape:
        return ()
    try:
        widths = np.broadcast_to(widths, (len(shape), 2))
    except ValueError:
        raise ShapeError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape {shape}: give an int, a "
                         f"(before, after) pair, or {len(shape)} such pairs (one per axis)") from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width}")
    return tuple((int(a), int(b)) for a, b in widths)
