"""Reordering and copying: flip, rot90, roll, tile, repeat, sort, topk, take, take_along_axis,
put_along_axis -- all composed of indexing, joining and shape primitives, so that each gradient is
the one of ``getitem`` (the upstream gradient scattered back to the positions read, repeats adding
up), of ``concatenate`` or of ``broadcast_to``, and differentiates again under ``create_graph``.

Sorting is stable: tied values keep their order (NumPy's ``kind="stable"``, PyTorch's
``stable=True``), so the gradient of each sorted value goes back to the one element it was read
from (see ``autograd_engine/EDGE_CASES.md``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..checks import check_bool, check_int
from ..declare import op
from ..errors import ShapeError
from ..operands import as_operand, normalize_axes, normalize_axis, shape_of, value
from ..tensor import Tensor
from .elementwise import astype, where
from .index import getitem
from .join import concatenate
from .shape import broadcast_to, reshape, transpose


def as_tensor(x: Any, name: str, role: str = "input") -> Tensor:
    """``x`` as a Tensor (an ndarray wrapped without a copy), so that composed ops can use operators."""
    x = as_operand(x, name, role)
    return x if isinstance(x, Tensor) else Tensor(x)


def _reversed_along(axes: Sequence[int], ndim: int) -> tuple[slice, ...]:
    return tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(ndim))


@op(method=True, dim=True)
def flip(m: Any, axis: Any = None, *, dims: Any = None) -> Any:
    """Reverse the order of the elements along ``axis`` (an int, a tuple, or None: every axis; PyTorch's
    ``dims=`` or ``dim=`` too)."""
    axis = _axis_or_dims("flip", axis, dims)
    ndim = len(shape_of(m, "flip"))
    return getitem(m, _reversed_along(normalize_axes(axis, ndim, "flip"), ndim))


@op()
def flipud(m: Any) -> Any:
    """Reverse the rows: ``flip(m, axis=0)``; ``m`` needs at least one dimension."""
    return _flip_one_axis(m, 0, "flipud")


@op()
def fliplr(m: Any) -> Any:
    """Reverse the columns: ``flip(m, axis=1)``; ``m`` needs at least two dimensions."""
    return _flip_one_axis(m, 1, "fliplr")


def _flip_one_axis(m: Any, axis: int, who: str) -> Any:
    shape = shape_of(m, who)
    if len(shape) <= axis:
        raise ShapeError(f"{who}: the input must have at least {axis + 1} dimension{'s' if axis else ''}, "
                         f"got shape {shape}")
    return flip(m, axis)


@op()
def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``, from the first axis towards the
    second (NumPy's ``rot90``; ``torch.rot90(x, k, dims)`` is the same)."""
    k = check_int(k, "k", "rot90") % 4
    ndim = len(shape_of(m, "rot90"))
    if not isinstance(axes, (tuple, list)) or len(axes) != 2:
        raise TypeError(f"rot90: axes must be a pair of axes, got {axes!r}")
    first, second = (normalize_axis(a, ndim, "rot90") if ndim >= 2 else a for a in axes)
    if ndim < 2 or first == second:
        raise ShapeError(f"rot90: axes {tuple(axes)} must be two different axes of the input (shape {shape_of(m)})")
    order = list(range(ndim))
    order[first], order[second] = order[second], order[first]
    if k == 0:
        return getitem(m, ())
    if k == 2:
        return flip(m, (first, second))
    if k == 1:
        return transpose(flip(m, second), order)
    return flip(transpose(m, order), second)


def _int_tuple(v: Any, name: str, owner: str) -> tuple[int, ...]:
    items = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    return tuple(check_int(i, name, owner) for i in items)


@op(method=True, dim=True)
def roll(a: Any, shift: int | Sequence[int] | None = None, axis: Any = None, *, shifts: Any = None,
         dims: Any = None) -> Any:
    """Shift the elements along ``axis`` by ``shift``, those pushed off one end coming back at the
    other (NumPy's ``roll``; ``axis=None`` rolls the flattened tensor and restores the shape).
    ``shift`` and ``axis`` may be tuples, applied pairwise (one shift broadcasts to all axes).
    PyTorch's ``shifts=`` and ``dims=`` are accepted for ``shift`` and ``axis``."""
    if shifts is not None:
        if shift is not None:
            raise TypeError("roll: got both shift and PyTorch's shifts=; pass one")
        shift = shifts
    if shift is None:
        raise TypeError("roll: missing the shift (roll(a, shift, axis), or PyTorch's shifts=)")
    axis = _axis_or_dims("roll", axis, dims)
    shape = shape_of(a, "roll")
    shifts = _int_tuple(shift, "shift", "roll")
    if axis is None:
        return reshape(roll(reshape(a, (-1,)), sum(shifts), 0), shape)
    axes = _int_tuple(axis, "axis", "roll")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ShapeError(f"roll: shift {shift!r} and axis {axis!r} must have the same length (or one of them one)")
    total = dict.fromkeys(range(len(shape)), 0)
    for s, ax in zip(shifts, axes):
        total[normalize_axis(ax, len(shape), "roll")] += s
    result = a
    for ax, s in total.items():
        n = shape[ax]
        if n and s % n:
            lead = (slice(None),) * ax
            cut = n - s % n
            result = concatenate([getitem(result, lead + (slice(cut, None),)), getitem(result, lead + (slice(None, cut),))], ax)
    return getitem(result, ()) if result is a else result


@op()
def tile(A: Any, reps: int | Sequence[int]) -> Any:  # noqa: N803  (NumPy's argument name)
    """Repeat the whole of ``A`` ``reps`` times along each axis (NumPy's ``tile``; PyTorch's
    ``x.repeat(*sizes)``).  Composed of reshape and broadcast_to: the gradient sums the copies."""
    shape = shape_of(A, "tile")
    reps = _int_tuple(reps, "reps", "tile")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    spread = reshape(A, tuple(n for side in shape for n in (1, side)))
    copies = broadcast_to(spread, tuple(n for r, side in zip(reps, shape) for n in (r, side)))
    return reshape(copies, tuple(r * side for r, side in zip(reps, shape)))


@op(method=True, dim=True, aliases=("repeat_interleave",))
def repeat(a: Any, repeats: int | Sequence[int], axis: int | None = None) -> Any:
    """Repeat each element ``repeats`` times along ``axis`` (NumPy's ``repeat``, PyTorch's
    ``repeat_interleave``; ``axis=None`` works on the flattened tensor).  ``repeats`` is one count or
    one count per element along the axis.  PyTorch's ``x.repeat(*sizes)`` is ``tile`` here."""
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    shape = shape_of(a, "repeat")
    axis = normalize_axis(axis, len(shape), "repeat")
    counts = np.asarray(value(repeats))
    if counts.size == 0:
        counts = counts.astype(np.int64)  # [] for an empty axis: NumPy's empty list is float64
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
        raise TypeError(f"repeat: repeats must be a non-negative int or a 1-D sequence of them, got {repeats!r}")
    if counts.ndim == 0:
        n = int(counts)
        wide = broadcast_to(reshape(a, shape[: axis + 1] + (1,) + shape[axis + 1 :]),
                            shape[: axis + 1] + (n,) + shape[axis + 1 :])
        return reshape(wide, shape[:axis] + (shape[axis] * n,) + shape[axis + 1 :])
    if len(counts) not in (1, shape[axis]):
        raise ShapeError(f"repeat: {len(counts)} repeats for axis {axis} of length {shape[axis]} (shape {shape}); "
                         f"give one count, or one per element")
    picks = np.repeat(np.arange(shape[axis]), np.broadcast_to(counts, (shape[axis],)))
    return getitem(a, (slice(None),) * axis + (picks,))


def _sort_order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sorting permutation along ``axis``; descending keeps tied values in their order
    too (NaN sorts as the largest value, as in NumPy and PyTorch)."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")  # ties: later elements first ...
    return data.shape[axis] - 1 - np.flip(order, axis)  # ... so reversed, they come in their order


def _flat_or_axis(a: Any, axis: int | None, name: str) -> tuple[Any, int]:
    """``a`` and the axis to work along: the flattened tensor's for ``axis=None``; 0-d counts as 1-d."""
    if axis is None or not shape_of(a, name):
        return reshape(a, (-1,)), 0
    return a, normalize_axis(axis, len(shape_of(a, name)), name)


@op(method=True, dim=True)
def argsort(a: Any, axis: int | None = -1, descending: bool = False, *, stable: bool | None = None) -> np.ndarray:
    """The indices that sort ``a`` along ``axis`` (None: flattened), stably: tied values keep their
    order (``stable=`` is accepted, as PyTorch's, and changes nothing).  ``descending=True`` as in
    PyTorch.  Not differentiable: a NumPy integer array, as ``argmax``."""
    descending = check_bool(descending, "descending", "argsort")
    if stable is not None:
        check_bool(stable, "stable", "argsort")
    a, axis = _flat_or_axis(a, axis, "argsort")
    return _sort_order(np.asarray(value(a)), axis, descending)


def _axis_or_dims(name: str, axis: Any, dims: Any) -> Any:
    """``axis``, or PyTorch's ``dims=`` given for it (both: a TypeError)."""
    if dims is None:
        return axis
    if axis is not None:
        raise TypeError(f"{name}: got both axis= and PyTorch's dims=; pass one")
    return dims


def _sort_method(x: Tensor, *args: Any, **kwargs: Any) -> Any:
    raise TypeError("Tensor.sort: NumPy's x.sort() sorts in place and PyTorch's returns (values, indices); "
                    "use ae.sort(x, axis) for the sorted values (with their gradient), ae.argsort(x, axis) for the "
                    "indices, or x.topk(k, dim) for both")


@op(tensor={"sort": _sort_method})
def sort(a: Any, axis: int | None = -1, descending: bool = False, *, stable: bool | None = None,
         dim: Any = None) -> Any:
    """``a`` sorted along ``axis`` (None: flattened), stably (``stable=`` is accepted, as PyTorch's, and
    changes nothing); each sorted value's gradient goes to the element it came from.  Returns the values
    only, as NumPy (``argsort`` gives the indices; ``topk`` values and indices).  ``descending=True`` as
    in PyTorch.  PyTorch's ``dim=`` is refused: there it returns ``(values, indices)``, which unpacked
    from the values alone would silently split their rows."""
    if dim is not None:
        raise TypeError("sort(dim=...): in PyTorch this returns (values, indices); here sort follows NumPy and "
                        "returns the values only -- use ae.sort(x, axis=...) for the values, ae.argsort(x, axis=...) "
                        "(or dim=) for the indices, or x.topk(k, dim) for both")
    descending = check_bool(descending, "descending", "sort")
    if stable is not None:
        check_bool(stable, "stable", "sort")
    if not shape_of(a, "sort"):  # one value: itself (PyTorch; NumPy refuses axis=-1 on 0-d)
        return getitem(a, ())
    a, axis = _flat_or_axis(a, axis, "sort")
    return take_along_axis(a, _sort_order(np.asarray(value(a)), axis, descending), axis)


class TopK(NamedTuple):
    """``topk``'s result: the values (a Tensor) and their indices along the axis (a NumPy int array)."""

    values: Any
    indices: np.ndarray


@op(method=True)
def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopK:  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim``, as PyTorch's ``topk``:
    ``(values, indices)``.  Values come sorted (largest first), also with ``sorted=False``; among tied
    values the earlier element comes first.  The gradient of each value goes to the element it came from."""
    shape = shape_of(input, "topk")
    largest = check_bool(largest, "largest", "topk")
    check_bool(sorted, "sorted", "topk")
    a, axis = (reshape(input, (1,)), 0) if not shape else (input, normalize_axis(dim, len(shape), "topk"))
    length = shape_of(a)[axis]
    k = check_int(k, "k", "topk", low=0)
    if k > length:
        raise ValueError(f"topk: k={k} is larger than the {length} elements along dim {dim} (shape {shape})")
    order = _sort_order(np.asarray(value(a)), axis, largest)
    indices = order[(slice(None),) * axis + (slice(0, k),)]
    values = take_along_axis(a, indices, axis)
    if not shape:
        values, indices = reshape(values, ()), indices.reshape(())
    return TopK(values, indices)


def _along_axis_key(shape: tuple[int, ...], indices: Any, axis: int, name: str) -> tuple[np.ndarray, ...]:
    """The index ``x[key]`` that reads ``x[..., indices[...], ...]`` along ``axis``, as NumPy's
    ``take_along_axis``: ``indices`` has the input's number of dimensions, and its other axes
    broadcast against the input's."""
    indices = np.asarray(value(indices))
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be integers, got dtype {indices.dtype}")
    if indices.ndim != len(shape):
        raise ShapeError(f"{name}: indices of shape {indices.shape} need as many dimensions as the input of shape "
                         f"{shape}; add size-1 axes (expand_dims) where they should broadcast")
    key = []
    for d, n in enumerate(shape):
        if d == axis:
            key.append(indices)
        else:
            key.append(np.arange(n).reshape((1,) * d + (-1,) + (1,) * (len(shape) - d - 1)))
    try:
        np.broadcast_shapes(*(k.shape for k in key))
    except ValueError:
        raise ShapeError(f"{name}: indices of shape {indices.shape} do not broadcast against the input of shape "
                         f"{shape} outside axis {axis}") from None
    return tuple(key)


@op(dim=True)
def take_along_axis(arr: Any, indices: Any, axis: int | None) -> Any:
    """``arr`` read at ``indices`` along ``axis`` (NumPy's ``take_along_axis``; ``axis=None`` reads the
    flattened array with 1-D indices).  Gradient: scattered back to the positions read (repeats add)."""
    if axis is None:
        arr, axis = reshape(arr, (-1,)), 0
    shape = shape_of(arr, "take_along_axis")
    axis = normalize_axis(axis, len(shape), "take_along_axis")
    return getitem(arr, _along_axis_key(shape, indices, axis, "take_along_axis"))


@op(dim=True)
def put_along_axis(arr: Any, indices: Any, values: Any, axis: int | None) -> Any:
    """A copy of ``arr`` with ``values`` written at ``indices`` along ``axis`` (NumPy's
    ``put_along_axis``, out of place: it returns the result instead of changing ``arr``).
    ``values`` broadcasts to the shape of ``indices``; where an index repeats, the last write wins.
    Gradient: to ``arr`` where it was kept, to each value where it was written (and kept)."""
    shape = shape_of(arr, "put_along_axis")
    if axis is None:
        flat = put_along_axis(reshape(arr, (-1,)), indices, values, 0)
        return reshape(flat, shape)
    axis = normalize_axis(axis, len(shape), "put_along_axis")
    arr = as_tensor(arr, "put_along_axis")
    key = _along_axis_key(shape, indices, axis, "put_along_axis")
    written_shape = np.broadcast_shapes(*(k.shape for k in key))
    values = as_tensor(values, "put_along_axis", "values")
    if values.dtype != arr.dtype:
        values = astype(values, arr.dtype)  # NumPy writes into arr, so its dtype stays
    try:
        values = reshape(broadcast_to(values, written_shape), (-1,))
    except ShapeError:
        raise ShapeError(f"put_along_axis: values of shape {values.shape} do not broadcast to the shape "
                         f"{written_shape} of the positions written") from None
    source = np.zeros(shape, dtype=np.intp)  # which of the values lands at each position (the last write)
    source[key] = np.arange(math.prod(written_shape)).reshape(written_shape)
    written = np.zeros(shape, dtype=bool)
    written[key] = True
    return where(written, getitem(values, source), arr)


@op(method=True)
def take(a: Any, indices: Any, axis: int | None = None) -> Any:
    """Elements of ``a`` at ``indices`` along ``axis`` (NumPy's ``take``; ``axis=None`` indexes the
    flattened tensor, as ``torch.take``).  Negative indices count from the end; repeats add up in the gradient."""
    picks = np.asarray(value(indices))
    if picks.dtype.kind not in "iu":
        raise TypeError(f"take: indices must be integers, got dtype {picks.dtype}")
    if axis is None:
        return getitem(reshape(a, (-1,)), picks)
    axis = normalize_axis(axis, len(shape_of(a, "take")), "take")
    return getitem(a, (slice(None),) * axis + (picks,))
