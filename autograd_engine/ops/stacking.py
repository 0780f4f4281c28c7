"""NumPy's joining and splitting helpers, and axis bookkeeping, composed of ``concatenate``,
``split``'s slicing, ``reshape`` and ``transpose``: hstack, vstack (row_stack), dstack,
column_stack, append; array_split, hsplit, vsplit, dsplit; atleast_1d/2d/3d, rollaxis, unflatten.
Each gradient is that of the primitives they are made of."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import check_int
from ..declare import op
from ..errors import ShapeError
from ..operands import normalize_axis, shape_of
from .index import getitem
from .join import concatenate, split
from .reorder import as_tensor
from .shape import reshape, transpose


def _one_or_list(results: list[Any]) -> Any:
    """NumPy's atleast_*d: one array for one argument, a list for several."""
    return results[0] if len(results) == 1 else results


def _with_leading_and_trailing_ones(x: Any, name: str, ndim: int) -> Any:
    shape = shape_of(x, name)
    if len(shape) >= ndim:
        return as_tensor(x, name)
    if ndim == 3 and len(shape) == 2:
        return reshape(x, shape + (1,))  # NumPy puts a matrix at the front of the 3-d block
    if ndim == 3:
        return reshape(x, (1,) + (shape or (1,)) + (1,))
    return reshape(x, (1,) * (ndim - len(shape)) + shape)


@op()
def atleast_1d(*arys: Any) -> Any:
    """Each input with at least one dimension (a 0-d tensor becomes shape (1,))."""
    return _one_or_list([_with_leading_and_trailing_ones(a, "atleast_1d", 1) for a in arys])


@op()
def atleast_2d(*arys: Any) -> Any:
    """Each input with at least two dimensions: leading size-1 axes added ((n,) becomes (1, n))."""
    return _one_or_list([_with_leading_and_trailing_ones(a, "atleast_2d", 2) for a in arys])


@op()
def atleast_3d(*arys: Any) -> Any:
    """Each input with at least three dimensions, as NumPy: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)."""
    return _one_or_list([_with_leading_and_trailing_ones(a, "atleast_3d", 3) for a in arys])


def _sequence(tup: Any, name: str) -> list[Any]:
    if not isinstance(tup, (list, tuple)) or not tup:
        raise TypeError(f"{name}: expected a non-empty list or tuple of tensors, got {type(tup).__name__}")
    return list(tup)


@op()
def hstack(tup: Sequence[Any]) -> Any:
    """Join along the second axis (the first for 1-D inputs), as NumPy's ``hstack``."""
    arrays = [atleast_1d(a) for a in _sequence(tup, "hstack")]
    return concatenate(arrays, axis=0 if len(shape_of(arrays[0])) == 1 else 1)


@op(aliases=("row_stack",))
def vstack(tup: Sequence[Any]) -> Any:
    """Join along the first axis, 1-D inputs becoming rows (NumPy's ``vstack``, alias ``row_stack``)."""
    return concatenate([atleast_2d(a) for a in _sequence(tup, "vstack")], axis=0)


@op()
def dstack(tup: Sequence[Any]) -> Any:
    """Join along the third axis, inputs made 3-d first as ``atleast_3d`` does (NumPy's ``dstack``)."""
    return concatenate([atleast_3d(a) for a in _sequence(tup, "dstack")], axis=2)


@op()
def column_stack(tup: Sequence[Any]) -> Any:
    """1-D inputs as columns of a matrix, 2-D ones joined along their second axis (NumPy's ``column_stack``)."""
    columns = []
    for a in _sequence(tup, "column_stack"):
        shape = shape_of(a, "column_stack")
        columns.append(reshape(a, (-1, 1)) if len(shape) < 2 else a)
    return concatenate(columns, axis=1)


@op()
def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` joined after ``arr`` along ``axis`` (None: both flattened), as NumPy's ``append``."""
    if axis is None:
        return concatenate([reshape(arr, (-1,)), reshape(values, (-1,))], axis=0)
    return concatenate([arr, values], axis=axis)


@op()
def array_split(ary: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Any]:
    """Split into ``n`` sections of nearly equal length (the first ``length % n`` one longer), or at the
    given indices: NumPy's ``array_split``, which unlike ``split`` allows an uneven division."""
    shape = shape_of(ary, "array_split")
    if not shape:
        raise ShapeError("array_split: a 0-d tensor has no axis to split; reshape it to 1-d first")
    axis = normalize_axis(axis, len(shape), "array_split")
    if not isinstance(indices_or_sections, (int, np.integer)):
        return split(ary, indices_or_sections, axis)
    sections = check_int(indices_or_sections, "indices_or_sections", "array_split", low=1)
    each, extra = divmod(shape[axis], sections)
    bounds = np.cumsum([0] + [each + 1] * extra + [each] * (sections - extra))
    lead = (slice(None),) * axis
    return [getitem(ary, lead + (slice(int(a), int(b)),)) for a, b in zip(bounds[:-1], bounds[1:])]


def _split_along(ary: Any, indices_or_sections: Any, name: str, min_ndim: int, axis: int) -> list[Any]:
    shape = shape_of(ary, name)
    if len(shape) < min_ndim:
        raise ShapeError(f"{name}: the input must have at least {min_ndim} dimension(s), got shape {shape}")
    return split(ary, indices_or_sections, axis)


@op()
def hsplit(ary: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """``split`` along the second axis (the first for 1-D input), as NumPy's ``hsplit``."""
    return _split_along(ary, indices_or_sections, "hsplit", 1, 1 if len(shape_of(ary, "hsplit")) > 1 else 0)


@op()
def vsplit(ary: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """``split`` along the first axis of an input with at least 2 dimensions (NumPy's ``vsplit``)."""
    return _split_along(ary, indices_or_sections, "vsplit", 2, 0)


@op()
def dsplit(ary: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """``split`` along the third axis of an input with at least 3 dimensions (NumPy's ``dsplit``)."""
    return _split_along(ary, indices_or_sections, "dsplit", 3, 2)


@op()
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Move ``axis`` to just before position ``start`` (NumPy's ``rollaxis``; ``moveaxis`` is clearer)."""
    ndim = len(shape_of(a, "rollaxis"))
    axis = normalize_axis(axis, ndim, "rollaxis")
    start = check_int(start, "start", "rollaxis")
    if not -ndim <= start <= ndim:
        raise ShapeError(f"rollaxis: start={start} must lie in [{-ndim}, {ndim}] for a tensor with {ndim} dimension(s)")
    if start < 0:
        start += ndim
    if axis < start:
        start -= 1
    order = [d for d in range(ndim) if d != axis]
    order.insert(start, axis)
    return transpose(a, order)


@op(method=True, dim=True)
def unflatten(x: Any, axis: int, sizes: Sequence[int]) -> Any:
    """Split ``axis`` into several of ``sizes`` (their product its length; one may be -1), as
    PyTorch's ``unflatten(dim, sizes)``: the inverse of ``flatten``."""
    shape = shape_of(x, "unflatten")
    axis = normalize_axis(axis, len(shape), "unflatten")
    if not isinstance(sizes, (tuple, list)) or not sizes:
        raise TypeError(f"unflatten: sizes must be a non-empty tuple of ints, got {sizes!r}")
    sizes = tuple(check_int(n, "sizes", "unflatten", low=-1) for n in sizes)
    known = int(np.prod([n for n in sizes if n != -1]))
    if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[axis]) or (-1 in sizes and (not known or shape[axis] % known)):
        raise ShapeError(f"unflatten: sizes {sizes} do not divide axis {axis} of length {shape[axis]} (shape {shape})")
    return reshape(x, shape[:axis] + sizes + shape[axis + 1 :])
