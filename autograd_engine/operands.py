"""What ops take: the one conversion of operands, and the checks of the arguments ops share.

Every op (and ``nn``, and a user's own op) goes through these helpers, so that an array-like
means the same everywhere:

- :func:`as_operand` (:func:`as_operands` for all of an op's inputs): a Tensor or ndarray
  unchanged; a (nested) list or tuple holding Tensors stacked with their gradients, as ``ae.stack``
  (PyTorch's ``torch.stack``); anything else an array, as ``Tensor(...)`` makes it (Python numbers
  become the default dtype);
- :func:`value` and :func:`shape_of`: the array inside a Tensor, and the shape of any operand;
- :func:`normalize_axes`, :func:`normalize_axis`, :func:`pair`, :func:`is_basic_index`: the
  ``axis=`` of reductions, the sizes of windows and strides, the kind of an index.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from .conversions import as_array
from .errors import ShapeError
from .tensor import Tensor

__all__ = ["as_array", "as_operand", "as_operands", "value", "shape_of", "normalize_axes", "normalize_axis", "pair",
           "is_basic_index"]

stack: Callable[[list], Tensor] | None = None
"""``ae.stack``, which ``as_operand`` uses for lists holding Tensors; the op sits a layer above this
module (``ops.join``), which sets it here when it is declared."""


def value(x: Any) -> Any:
    """The NumPy value of ``x``: a Tensor's array, anything else unchanged."""
    return x.data if isinstance(x, Tensor) else x


def shape_of(x: Any, op: str = "") -> tuple[int, ...]:
    """The shape of a Tensor, ndarray, Python number or nested list; a ragged list is refused naming ``op``."""
    if isinstance(x, Tensor):
        return x.data.shape
    try:
        return np.shape(x)
    except ValueError:  # a ragged list: as_operand says what is wrong with it
        return as_operand(x, op or "shape_of").shape


def arrays_and_needs(inputs: tuple[Any, ...]) -> tuple[tuple | None, tuple[bool, ...]]:
    """``apply``'s reading of an op's inputs: their arrays and, for each, whether it requires grad;
    (None, ()) when an input is a list or tuple, or every input is a Python number (they need
    :func:`as_operands` first)."""
    arrays = []
    needs = []
    plain = 0  # operands that are neither Tensors nor arrays (Python numbers, mostly)
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x.data)
            needs.append(x._requires_grad)
        else:
            kind = type(x)
            if kind is not np.ndarray:
                if kind is list or kind is tuple:
                    return None, ()
                plain += 1
            arrays.append(x)
            needs.append(False)
    if plain and plain == len(inputs):
        return None, ()
    return tuple(arrays), tuple(needs)


def as_operand(x: Any, op: str, role: str = "operand") -> Any:
    """``x`` as an operand of the op ``op`` (see the module's docstring); errors name ``op`` and ``role``."""
    if isinstance(x, (Tensor, np.ndarray)):
        return x
    if isinstance(x, (list, tuple)) and _holds_tensor(x):
        return _stacked(x, op, role)
    try:
        array = as_array(x)
    except (ValueError, TypeError) as error:  # ragged lists, unparsable values
        raise type(error)(
            f"{op}: cannot make an array of numbers from the {role} ({type(x).__name__}): {error}; nested lists "
            f"must be rectangular (the lists at each level of one length) and hold numbers"
        ) from error
    if array.dtype.kind not in "biufc":
        raise TypeError(f"{op}: the {role} must be numbers, got dtype {array.dtype} from a {type(x).__name__}")
    return array


def as_operands(inputs: tuple[Any, ...], op: str) -> list[Any]:
    """An op's ``inputs`` with every list and tuple converted by ``as_operand``; when no operand is an
    array or Tensor, every operand (``ae.mean(2.0)`` computes as ``ae.mean(Tensor(2.0))``).  Beside a
    Tensor or array, numbers stay Python numbers, which NumPy treats as weak (float32 * 2.0 stays float32)."""
    alone = not any(isinstance(x, (Tensor, np.ndarray, list, tuple)) for x in inputs)
    return [as_operand(x, op, f"operand {i + 1}") if alone or isinstance(x, (list, tuple)) else x
            for i, x in enumerate(inputs)]


def _holds_tensor(sequence: list | tuple) -> bool:
    """True when a Tensor sits anywhere inside the (nested) list or tuple."""
    kinds = set(map(type, sequence))  # one C-speed pass per level: lists of numbers cost little
    if any(issubclass(kind, Tensor) for kind in kinds):
        return True
    return (list in kinds or tuple in kinds) and any(_holds_tensor(v) for v in sequence if type(v) in (list, tuple))


def _stacked(sequence: list | tuple, op: str, role: str) -> Tensor:
    """A (nested) list holding Tensors as one Tensor, stacked level by level (recorded, so differentiable)."""
    items = [
        _stacked(item, op, role) if isinstance(item, (list, tuple)) and _holds_tensor(item)
        else item if isinstance(item, Tensor) else as_operand(item, op, role)
        for item in sequence
    ]
    shapes = [item.shape for item in items]
    if any(shape != shapes[0] for shape in shapes):
        raise ShapeError(
            f"{op}: the {role} is a list holding Tensors, which is stacked (as ae.stack) so that their gradients "
            f"flow; its elements must then have one shape, got shapes {shapes}"
        )
    return stack(items)


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``axis`` (None, an int, or a tuple or list of ints) as a sorted tuple of non-negative axes.

    Anything else -- a float, a string, a bool, a tuple holding one -- is a TypeError naming ``op``;
    an axis out of range or repeated a ShapeError.  A 0-d tensor accepts 0 and -1, as in PyTorch.
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = axis
    else:
        raise _axis_type_error(axis, op)
    result = []
    for a in axes:
        if type(a) is not int and (isinstance(a, bool) or not isinstance(a, np.integer)):  # plain ints: one test
            raise _axis_type_error(axis, op)
        if not (a in (0, -1) if ndim == 0 else -ndim <= a < ndim):
            raise ShapeError(f"{op}: axis {a} is out of bounds for a tensor with {ndim} dimension(s)")
        result.append(int(a) % builtins.max(ndim, 1))
    if len(set(result)) != len(result):
        raise ShapeError(f"{op}: axis {axis} repeats an axis")
    return tuple(sorted(result)) if ndim else ()


def _axis_type_error(axis: Any, op: str) -> TypeError:
    return TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r} ({type(axis).__name__})")


def normalize_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis of a tensor with ``ndim >= 1`` dimensions, as a non-negative int, for the ops that work
    along a single axis: ``None`` or a tuple is an error here, never silently the first of several axes."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be one integer, got {axis!r}")
    return normalize_axes(axis, ndim, op)[0]


def pair(v: Any, name: str, op: str, minimum: int) -> tuple[int, int]:
    """``v`` (an int or a pair of ints; not bools) as a pair, each at least ``minimum``."""
    values = (v, v) if isinstance(v, (int, np.integer)) else tuple(v) if isinstance(v, (tuple, list)) else None
    if values is None or len(values) != 2 or not all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in values
    ):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints (height, width), got {v!r}")
    if any(a < minimum for a in values):
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {v!r}")
    return int(values[0]), int(values[1])


def is_basic_index(key: Any) -> bool:
    """True when ``key`` uses only ints, slices, Ellipsis and None (no arrays): it never repeats a position."""
    for p in key if isinstance(key, tuple) else (key,):  # a plain loop: all() over a generator costs more
        if not (p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))):
            return False
    return True

