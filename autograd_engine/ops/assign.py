"""Assignment: ``x[key] = values`` in a recorded graph, and its out-of-place forms ``index_put``,
``masked_fill``, ``scatter`` and ``scatter_add`` (PyTorch's).

One primitive, ``index_put``: ``x`` with ``values`` written (or, with ``accumulate=True``, added) at
``key``.  Its rule: ``x`` gets ``g`` with zeros where its values were overwritten, ``values`` get
``g[key]``, summed over the axes they were broadcast along.  ``x[key] = values`` on a Tensor records
that primitive and makes ``x`` its output: the tensor object stays the same, its node is replaced and
its version bumped, so that ops that used ``x`` before the assignment refuse to run backward with
the new values (as for ``+=`` under ``no_grad``).  See EDGE_CASES.md for where the semantics differ
from PyTorch's.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..broadcasting import broadcasts_to
from ..checks import check_bool, check_int
from ..declare import op
from ..errors import ShapeError, describe_key
from ..function import Primitive, apply
from ..grad_mode import is_grad_enabled
from ..operands import as_operand, shape_of, value
from ..tensor import Tensor
from .dispatch import sum_to_shape
from .elementwise import where
from .index import _plain_key, scatter_into_zeros
from .shape import broadcast_to, reshape


class IndexPut(Primitive):
    """``x`` with ``values`` written at ``key`` (NumPy's assignment: ``values`` broadcast to the shape
    of ``x[key]`` and cast to x's dtype), or added there with ``accumulate`` (repeated indices add up).

    Without ``accumulate``, where an integer index repeats NumPy keeps one of the writes, but every
    repeat gets the gradient of its position (PyTorch's rule).  ``in_place`` (used by ``x[key] = v``
    only) writes into x's array instead of a copy: safe when no recorded rule reads that array."""

    __slots__ = ("key", "accumulate", "in_place")
    name = "index_put"

    def __init__(self, key: Any, accumulate: bool = False, in_place: bool = False) -> None:
        self.key, self.accumulate, self.in_place = key, accumulate, in_place

    def describe(self) -> str:
        return f"index_put[{describe_key(self.key)}]" + ("(accumulate)" if self.accumulate else "")

    def forward(self, x, values):
        out = x if self.in_place else np.array(x, copy=True)
        if self.accumulate:
            np.add.at(out, self.key, values)
        else:
            out[self.key] = values
        return out

    def backward(self, g, out, x, values):
        need_x, need_values = self.needs_grad
        gx = gv = None
        if need_x:
            gx = g if self.accumulate else _zeros_at(g, self.key)
        if need_values:
            gv = _reduced_to(g[self.key], np.shape(values))
        return gx, gv


def _zeros_at(g: Any, key: Any) -> Any:
    """``g`` with zeros at ``key``: the gradient of the values that were overwritten."""
    if isinstance(g, Tensor):
        return index_put(g, key, 0.0)
    zeroed = np.array(g, copy=True)
    zeroed[key] = 0
    return zeroed


def _reduced_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Undo the broadcasting of values of ``shape`` to ``g``'s shape; NumPy's assignment also drops
    leading size-1 axes of the values, which come back by a reshape."""
    extra = len(shape) - g.ndim
    if extra > 0:
        return sum_to_shape(g, shape[extra:]).reshape(shape)
    return sum_to_shape(g, shape)


def _indexed_shape(shape: tuple[int, ...], key: Any, who: str) -> tuple[int, ...]:
    """The shape of ``x[key]`` for an ``x`` of ``shape``, without copying x."""
    try:
        return np.broadcast_to(np.empty((), dtype=bool), shape)[key].shape
    except IndexError as error:
        raise IndexError(f"{who}: {error} (key {describe_key(key)} into a tensor of shape {shape})") from None


def _values_for(values: Any, target: tuple[int, ...], who: str) -> Any:
    """``values`` broadcast to ``target``, the shape of ``x[key]`` (recorded, so their gradient is summed back)."""
    shape = shape_of(values, who)
    if shape == target:
        return values
    extra = len(shape) - len(target)
    if extra > 0 and all(n == 1 for n in shape[:extra]):
        values, shape = reshape(values, shape[extra:]), shape[extra:]
    try:
        np.broadcast_shapes(shape, target)
    except ValueError:
        raise ShapeError(f"{who}: values of shape {shape} do not broadcast to the indexed shape {target}; give "
                         f"values of that shape, or one that broadcasts to it") from None
    return broadcast_to(values, target)


def setitem(x: Tensor, key: Any, values: Any) -> None:
    """``x[key] = values``, as PyTorch and MyGrad give it.

    Outside a recorded graph (grad mode off, or neither ``x`` nor ``values`` requires grad) the values
    are written into x's array, and x's version is bumped.  Otherwise ``x`` becomes the output of an
    ``index_put`` of its previous value: the gradient reaches ``values`` through ``key`` and x's
    previous value everywhere else.  Refused on a leaf that requires grad (PyTorch too), unless under
    ``no_grad()``.  Ops that used ``x`` before the assignment refuse to run backward afterwards.
    """
    key = _plain_key(key)
    if isinstance(values, (list, tuple)):
        values = as_operand(values, f"t[{describe_key(key)}] = ...", "values")
    values_need_grad = isinstance(values, Tensor) and values.requires_grad
    if not (is_grad_enabled() and (x.requires_grad or values_need_grad)):
        _write(x, key, value(values))
        x.mark_modified()
        return
    statement = f"t[{describe_key(key)}] = ..."
    if x._node is None and x.requires_grad:
        raise RuntimeError(
            f"{statement}: in-place assignment into a leaf tensor that requires grad (shape {x.shape}); do it inside "
            f"`with ae.no_grad():` (an initialisation), or assign into a copy (y = x * 1; y[key] = v), or use "
            f"ae.index_put(x, key, v), which keeps x's gradient"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{statement}: values that require grad cannot be written into a {x.dtype} tensor, which "
                        f"carries no gradient; make the tensor floating (x.astype(np.float32)) or detach() the values")
    previous = Tensor._from_op(x.data, x._node)  # x's value until now, with the node that computed it
    values_read_x = values is x or _reads_from(values, x, previous)
    if values is x:
        values = previous
    # Writing into x's own array is safe when no recorded rule reads it: x is a constant, or the output
    # of an earlier assignment (whose rule reads no values), and the values were not computed from x.
    # Otherwise x gets a new array, and the previous one stays with the nodes that read it.
    in_place = (x._node is None or isinstance(x._node, IndexPut)) and x.data.flags.writeable and not values_read_x
    if not in_place:
        previous._version = x._version  # views taken from x before share the previous array's version
    result = apply(IndexPut(key, in_place=in_place), previous, values)
    if not in_place:
        x._version = None  # a new array: views of the previous one keep their values and their version
    x.mark_modified()
    x.data, x._node, x._requires_grad = result.data, result._node, True
    x._node.tick = x._version[0]  # the assignment itself is not a later update: the node takes its tick


def _reads_from(values: Any, x: Tensor, previous: Tensor) -> bool:
    """Make the nodes that computed ``values`` from ``x`` read ``previous`` instead; True if one did, or
    read a view of x's array (then x must get a new array, so that the view keeps its values).

    ``x[key] = values`` rebinds the tensor object ``x`` to the assignment's output, and the graph's
    edges are tensor objects: a node of ``values`` that read ``x`` (``x[0] = x[1] * 2``, or
    ``h[t] = tanh(h[t - 1] @ w)``) would otherwise point at the new ``x`` -- a cycle.  Only nodes
    recorded since x's own node can hold the current ``x``, so the walk stops at older ones; an older
    node that still reads ``x`` read an earlier value of it, and backward refuses it (its input's
    version is newer than the node)."""
    if not isinstance(values, Tensor) or values._node is None:
        return False
    since = x._node.tick if x._node is not None else -1
    found = False
    cell = x._version
    seen: set[int] = set()
    stack = [values._node]
    while stack:
        node = stack.pop()
        inputs = node.inputs
        if inputs is None or node.tick < since or id(node) in seen:
            continue
        seen.add(id(node))
        if any(t is x for t in inputs):
            node.inputs = tuple(previous if t is x else t for t in inputs)
            found = True
        elif cell is not None and any(isinstance(t, Tensor) and t._version is cell for t in inputs):
            found = True  # a view of x's array (x[i] of a constant x): x must get a new array
        stack.extend(t._node for t in inputs if isinstance(t, Tensor) and t is not x and t._node is not None)
    return found


@op(tensor={"__setitem__": setitem})
def index_put(x: Any, indices: Any, values: Any, accumulate: bool = False) -> Any:
    """A copy of ``x`` with ``values`` written at ``indices`` (``out[indices] = values``), or added there
    with ``accumulate=True`` (repeated indices add up, as ``numpy.add.at``).

    ``indices`` is any NumPy key -- PyTorch's tuple of index tensors, but also ints, slices, Ellipsis
    and boolean masks; ``values`` broadcast to the shape of ``x[indices]`` and are cast to x's dtype.
    Gradient: ``x`` gets ``g`` (with zeros at ``indices`` unless ``accumulate``), ``values`` get
    ``g[indices]`` summed over their broadcast axes.
    """
    accumulate = check_bool(accumulate, "accumulate", "index_put")
    key = _plain_key(indices)
    if accumulate:
        target = _indexed_shape(shape_of(x, "index_put"), key, "index_put")
        values = _values_for(values, target, "index_put")
    return apply(IndexPut(key, accumulate), x, values)


def _write(x: Tensor, key: Any, values: Any) -> None:
    """``x.data[key] = values``, NumPy's errors reworded."""
    try:
        x.data[key] = values
    except (IndexError, ValueError, TypeError) as error:
        kind = next(k for k in (IndexError, TypeError, ValueError) if isinstance(error, k))
        hint = "; the tensor is a read-only view (of broadcast_to?): assign into a copy" if not x.data.flags.writeable else ""
        raise kind(f"t[{describe_key(key)}] = ...: {error} (tensor shape {x.shape}, values shape "
                   f"{np.shape(values)}){hint}") from None


@op(method=True)
def masked_fill(x: Any, mask: Any, value: Any) -> Any:
    """``x`` with ``value`` where ``mask`` is true (PyTorch's ``masked_fill``): ``mask`` must broadcast to
    x's shape; ``value`` is a number or a 0-d tensor (which gets the sum of the gradient where the mask
    is true); the result keeps x's shape and dtype."""
    shape = shape_of(x, "masked_fill")
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.dtype != bool:
        raise TypeError(f"masked_fill: mask must be boolean, got dtype {mask.dtype}; compare first (x > 0)")
    if not broadcasts_to(mask.shape, shape):
        raise ShapeError(f"masked_fill: mask of shape {mask.shape} does not broadcast to the tensor's shape {shape}")
    if shape_of(value, "masked_fill") != ():
        raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {np.shape(value)}; for "
                         f"values of the tensor's shape use ae.where(mask, values, x)")
    out = where(mask, value, x)
    dtype = x.dtype if isinstance(x, (Tensor, np.ndarray)) else out.dtype
    return out if out.dtype == dtype else out.astype(dtype)


def _scatter_key(x: Any, dim: Any, index: Any, src: Any, who: str) -> tuple[tuple[Any, ...], Any]:
    """PyTorch's scatter addressing as a NumPy key: ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``
    (and so on); also ``src`` cut to index's shape (a number stays a number)."""
    shape = shape_of(x, who)
    index = np.asarray(index.data if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{who}: index must hold integers, got dtype {index.dtype}")
    ndim = max(len(shape), 1)
    dim = check_int(dim, "dim", who)
    if not -ndim <= dim < ndim:
        raise ValueError(f"{who}: dim must be an int in [-{ndim}, {ndim}) for a tensor of shape {shape}, got {dim}")
    if index.ndim != len(shape):
        raise ShapeError(f"{who}: index must have as many dimensions as the tensor: index shape {index.shape}, "
                         f"tensor shape {shape}")
    if not shape:
        return (), src
    dim = int(dim) % len(shape)
    src_shape = shape_of(src, who)
    small = any(n > m for d, (n, m) in enumerate(zip(index.shape, shape)) if d != dim)
    if small or (src_shape and any(n > m for n, m in zip(index.shape, src_shape))) or (src_shape and len(src_shape) != len(shape)):
        raise ShapeError(f"{who}: index of shape {index.shape} must be no larger than src (shape {src_shape}) in every "
                         f"dimension, and no larger than the tensor (shape {shape}) outside dim={dim}")
    if index.size and (index.min() < 0 or index.max() >= shape[dim]):
        bad = index[(index < 0) | (index >= shape[dim])].ravel()[0]
        raise IndexError(f"{who}: index {bad} is out of bounds for dim {dim} of size {shape[dim]} (tensor shape {shape})")
    positions = np.indices(index.shape, sparse=True)
    key = tuple(index if d == dim else positions[d] for d in range(len(shape)))
    if src_shape and src_shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)] if isinstance(src, Tensor) else np.asarray(src)[
            tuple(slice(0, n) for n in index.shape)]
    return key, src


@op(method=True)
def scatter(x: Any, dim: int, index: Any, src: Any) -> Any:
    """PyTorch's ``scatter``: a copy of ``x`` with ``out[index[i][j][k]][j][k] = src[i][j][k]`` for
    ``dim=0`` (likewise for the other dims).  ``index`` has x's number of dimensions and is no larger
    than ``src`` anywhere nor than ``x`` outside ``dim``; ``src`` may be a number.  Where an index
    repeats, one write is kept (PyTorch leaves which undefined); the gradient follows ``index_put``."""
    key, src = _scatter_key(x, dim, index, src, "scatter")
    return index_put(x, key, src)


@op(method=True)
def scatter_add(x: Any, dim: Any = None, index: Any = None, src: Any = None, *, key: Any = None,
                shape: tuple[int, ...] | None = None) -> Any:
    """PyTorch's ``scatter_add``: a copy of ``x`` with ``src[i][j][k]`` added at
    ``out[index[i][j][k]][j][k]`` for ``dim=0`` (likewise for the other dims); repeats add up.

    Also, with three arguments, ``scatter_add(values, key, shape)`` (positional or by those names): zeros of ``shape`` with ``values``
    added at the NumPy key ``key`` (the adjoint of ``x[key]``; equal to
    ``index_put(zeros(shape), key, values, accumulate=True)``).
    """
    if src is None:  # the three-argument form: x holds the values
        return scatter_into_zeros(x, dim if key is None else key, index if shape is None else shape)
    key, src = _scatter_key(x, dim, index, src, "scatter_add")
    return index_put(x, key, src, accumulate=True)
