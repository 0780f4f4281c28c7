"""The Tensor: an ndarray plus what autograd needs -- its gradient, whether it requires one, the
node that made it, and a version that counts in-place updates.

This module knows no operation.  Arithmetic (``x + y``, ``x @ w``, ``x[i]``) and methods named
after ops (``x.exp()``, ``x.sum(axis)``, ``x.T``) are attached by the ops that declare them
(``autograd_engine/ops/``, with ``declare.op``), so that ``x.exp()`` and ``ae.exp(x)`` are one
function; ``x.backward()`` by ``autodiff.py``, ``x += y`` and its kin by ``in_place.py``.
"""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import numpy as np

from .checks import check_bool, check_gradient
from .conversions import Conversions, ElementCount, as_array
from .errors import list_of_tensors_error, not_differentiable_error
from .grad_mode import is_grad_enabled

_allocate = object.__new__

next_tick = itertools.count(1).__next__
"""The engine's clock: every recorded node and every in-place update takes the next tick.  A node's
tick is later than those of its inputs' nodes (a copied or unpickled node takes a new one), so backward
runs nodes in descending tick order; an operand whose version (the tick of its last in-place update)
is later than a node's tick changed after the node used it."""

_GRAD_LOCKS = tuple(threading.Lock() for _ in range(64))


def grad_lock(tensor: Tensor) -> threading.Lock:
    """The lock that makes a change of ``tensor.grad`` atomic (backward's read-add-write, the setter,
    ``zero_grad``): threads running backward into one parameter would otherwise lose an update, as
    NumPy releases the GIL inside large additions.  Striped by identity: a lock per tensor, no slot."""
    return _GRAD_LOCKS[(id(tensor) >> 4) & 63]


class Tensor(Conversions):
    """An n-dimensional array that records the operations applied to it.

    ``Tensor(data, requires_grad=False, dtype=None)`` accepts Python numbers, nested lists, NumPy
    arrays and Tensors.  Python numbers become the default dtype (float32; ``set_default_dtype``);
    NumPy arrays keep their dtype and are not copied.  Only floating tensors may require grad.  A
    list holding a Tensor that requires grad is refused: ``ae.stack`` joins tensors with their
    gradients (ops given such a list stack it themselves).

    ``.grad`` is a NumPy array of the tensor's shape and dtype, filled by ``backward()`` and
    accumulated across calls until cleared.  ``t[i] = v`` is attached by ``ops/assign.py``.
    """

    __slots__ = ("data", "_grad", "_requires_grad", "_node", "_hooks", "_retain_grad", "name", "_version", "__weakref__")
    _last_update = 0
    """The tick (:data:`next_tick`) of the latest in-place update in this process.  A tensor keeps the
    tick of its own last update in ``_version`` -- a one-element list shared with its ``detach()``es and
    views, None until needed -- so that backward can refuse a node whose operands changed after it
    used them (a node records its own tick when it is made)."""
    __array_ufunc__ = None  # `ndarray + Tensor` calls Tensor.__radd__
    __array_priority__ = 1000
    __hash__ = object.__hash__  # by identity, although __eq__ is elementwise: backward keys dicts by tensors

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, (list, tuple)) and is_grad_enabled() and requires_grad_inside(data):
            raise list_of_tensors_error(type(data).__name__)  # Tensor(...) copies values: the gradient would be lost
        try:
            array = as_array(data, dtype)
        except (ValueError, TypeError) as error:  # ragged lists, unparsable values
            raise type(error)(f"Tensor: cannot make an array of numbers from this {type(data).__name__}: {error}") from error
        if array.dtype.kind not in "biufc":
            raise TypeError(f"Tensor: data must be numbers or booleans, got dtype {array.dtype} from a {type(data).__name__}")
        requires_grad = check_bool(requires_grad, "requires_grad", "Tensor")
        if requires_grad and array.dtype.kind != "f":
            raise not_differentiable_error("Tensor", array.dtype)
        self.data: np.ndarray = array
        self._grad: np.ndarray | None = None
        self._version = data._version_cell() if isinstance(data, Tensor) and array is data.data else None
        self._requires_grad: bool = requires_grad
        self._node: Any = None
        self._hooks: list[Callable[[Any], Any]] | None = None
        self._retain_grad = False
        self.name: str | None = None

    @classmethod
    def _from_op(cls, data: np.ndarray, node: Any) -> Tensor:
        """The constructor of op outputs: no conversions; it requires grad when a node recorded it."""
        t = _allocate(Tensor)
        t.data = data
        t._grad = None
        t._version = None
        t._requires_grad = node is not None
        t._node = node
        t._hooks = None
        t._retain_grad = False
        t.name = None
        return t

    @property
    def grad(self) -> np.ndarray | None:
        """The accumulated gradient: an array of this tensor's shape and dtype, or None.

        Assigning checks the value, as PyTorch does: None clears it; an array, array-like or Tensor
        must have exactly the tensor's shape (else ShapeError) and hold numbers that cast to its dtype
        (a copy in that dtype; booleans, complex for a real tensor, floats for integers: TypeError).
        """
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        data = self.data
        if value is not None and not (type(value) is np.ndarray and value.shape == data.shape and value.dtype == data.dtype):
            value = check_gradient(value, data.shape, data.dtype)
        with grad_lock(self):  # not in the middle of a backward's accumulation
            self._grad = value

    requires_grad = property(
        attrgetter("_requires_grad"), lambda self, value: self.requires_grad_(value),
        doc="Whether backward computes a gradient for this tensor.  Assigning goes through requires_grad_ (a bool, "
            "on a leaf of a floating dtype), as PyTorch checks it.")
    shape = property(lambda self: self.data.shape, doc="The size of each axis (a tuple).")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype of ``data``.")
    ndim = property(lambda self: self.data.ndim, doc="The number of axes.")
    size = property(lambda self: ElementCount(self.data.size),
                    doc="The number of elements, an int (NumPy's ``size``; PyTorch's ``size()`` is ``shape``).")
    is_leaf = property(lambda self: self._node is None, doc="True for tensors not computed by a recorded op.")
    grad_fn = property(lambda self: self._node, doc="The node that computed this tensor (None for leaves).")

    def numel(self) -> int:
        """The number of elements (PyTorch's name for ``size``)."""
        return self.data.size

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph; an in-place update of either counts for both."""
        t = Tensor._from_op(self.data, None)
        t._version = self._version_cell()
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf (for non-leaves the graph decides)."""
        requires_grad = check_bool(requires_grad, "requires_grad", "requires_grad_")
        if self._node is not None:
            if requires_grad:
                return self  # it requires grad already, being computed from one that does (PyTorch: a no-op too)
            raise RuntimeError("requires_grad_(False): can only change requires_grad of a leaf tensor; use .detach() "
                               "to get a leaf that does not require grad")
        if requires_grad and self.dtype.kind != "f":
            raise not_differentiable_error("requires_grad_", self.dtype)
        self._requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradient (``.grad = None``, PyTorch's default), or with ``set_to_none=False`` write
        zeros into it in place, so that code holding the array sees them."""
        with grad_lock(self):
            grad = self._grad
            if set_to_none or grad is None:
                self._grad = None
            elif grad.flags.writeable:
                grad.fill(0)
            else:
                self._grad = np.zeros_like(grad)

    def register_hook(self, hook: Callable[[Any], Any]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is complete during backward; it may return a
        replacement.  The handle's ``remove()`` undoes it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so no gradient will reach it")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retain_grad = True

    def mark_modified(self) -> None:
        """Record that this tensor's array was changed in place, so that backward refuses graphs that used
        the old values.  The in-place operators call it; so do the optimizers after changing ``.data``."""
        Tensor._last_update = tick = next_tick()
        self._version_cell()[0] = tick

    def _version_cell(self) -> list[int]:
        """This tensor's version cell, made on first need, to share with a tensor over the same array."""
        if self._version is None:
            self._version = [0]
        return self._version

    def __pos__(self) -> Tensor:
        return self

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=200, precision=4)
        extras = [f"dtype={self.dtype}"] if self.dtype != np.float32 or self.ndim == 0 else []
        if self._node is not None:
            extras.append(f"op={self._node.describe()}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook away."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def requires_grad_inside(sequence: list | tuple) -> bool:
    """True when a Tensor that requires grad sits anywhere inside the (nested) list or tuple."""
    return any(requires_grad_inside(v) if isinstance(v, (list, tuple)) else isinstance(v, Tensor) and v.requires_grad
               for v in sequence)

