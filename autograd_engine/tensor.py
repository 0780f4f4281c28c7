"""The Tensor: an ndarray plus what autograd needs (grad, requires_grad, the node that made it).

This module stays thin: the operations themselves live in ``autograd_engine/ops``;
the methods here only forward to them so that ``x.exp()`` and ``ae.exp(x)`` are
the same call.
"""
from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import check_bool
from .dtypes import get_default_dtype, is_differentiable_dtype
from .errors import ShapeError
from .grad_mode import state as _grad_mode

if TYPE_CHECKING:
    from .function import Primitive

Axis = "int | tuple[int, ...] | None"

_GRAD_LOCKS = tuple(threading.Lock() for _ in range(64))


def grad_lock(tensor: Tensor) -> threading.Lock:
    """The lock that makes a change of ``tensor.grad`` atomic: backward's read-add-write of an
    accumulation, the setter, ``zero_grad``.  Threads that run backward on graphs sharing a
    parameter would otherwise both read its old gradient and one contribution would be lost
    (NumPy releases the GIL inside large additions).  The locks are striped by identity: a lock
    per tensor without a slot per tensor; two tensors rarely share one, and then only wait.
    """
    return _GRAD_LOCKS[(id(tensor) >> 4) & 63]


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert ``data`` to an ndarray: Python numbers become the default float dtype,
    NumPy arrays and scalars keep theirs (no copy when none is needed)."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray | np.generic):
        return np.asarray(data, dtype=dtype)
    array = np.asarray(data, dtype=dtype)
    if dtype is None and array.dtype.kind in "iuf":
        array = array.astype(get_default_dtype())
    return array


def as_operand(x: Any, op: str, role: str = "operand") -> Any:
    """``x`` as an operand of the op ``op``: the one conversion of array-likes that every op goes through.

    - a Tensor or ndarray: unchanged;
    - a list or tuple that holds Tensors (at any depth): **stacked with their gradients** into one
      Tensor, level by level, as ``ae.stack`` (PyTorch's ``torch.stack``, HIPS autograd's lists),
      so ``ae.sum([x, x + 2])`` gives ``x`` the gradient 2.  Numbers and lists of numbers among
      them become arrays as ``Tensor(...)`` makes them; the elements of a level must have one shape;
    - anything else (nested lists of numbers, Python numbers): an array, as ``Tensor(...)`` makes it
      (Python numbers become the default dtype), refused with an error naming ``op`` and ``role``
      if it is not numbers.
    """
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


def _holds_tensor(sequence: list | tuple) -> bool:
    """True when a Tensor sits anywhere inside the (nested) list or tuple."""
    kinds = set(map(type, sequence))  # one C-speed pass per level: lists of numbers cost little
    if any(issubclass(kind, Tensor) for kind in kinds):
        return True
    if list in kinds or tuple in kinds:
        return any(_holds_tensor(item) for item in sequence if type(item) in (list, tuple))
    return False


def _refuse_tensors_that_require_grad(sequence: list | tuple) -> None:
    """``Tensor([x, y])`` copies values: refused if a Tensor inside requires grad (its gradient would be lost)."""
    for item in sequence:
        if isinstance(item, (list, tuple)):
            _refuse_tensors_that_require_grad(item)
        elif isinstance(item, Tensor) and item.requires_grad:
            raise TypeError(
                f"Tensor: the {type(sequence).__name__} holds a Tensor that requires grad (shape {item.shape}); "
                f"Tensor(...) copies values and would cut it from the graph. Use ae.stack([...]) to join tensors "
                f"with their gradients (ops given such a list stack it themselves), or .detach() them to copy values"
            )


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
    return _ops.stack(items)


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    ``Tensor(data, requires_grad=False, dtype=None)`` accepts Python numbers,
    nested lists, NumPy arrays and Tensors.  Python numbers (int or float) become
    the default dtype (float32; see ``set_default_dtype``); NumPy arrays keep
    their dtype and are not copied.  Only floating tensors may require grad (``requires_grad``
    must be True or False; integer, boolean and complex tensors carry no gradient).  A list
    holding a Tensor that requires grad is refused (its values would be copied without
    the graph): ``ae.stack`` joins tensors with their gradients, and ops given such a
    list stack it themselves.

    ``.grad`` is a NumPy array of the tensor's shape and dtype, filled by
    ``backward()`` and accumulated across calls until cleared.  Tensors are
    immutable in the graph: ``t[i] = v`` is refused (see ``__setitem__``).
    """

    # The gradient lives in the slot ``_grad``; ``grad`` is a property whose setter checks what
    # the user assigns.  Op outputs (``_from_op``) set the slot directly.
    __slots__ = ("data", "_grad", "requires_grad", "_node", "_hooks", "_retain_grad", "name", "_version", "__weakref__")
    _in_place_updates = 0
    """How many in-place updates (``+=``, ``-=``, ..., :meth:`mark_modified`) have run in this process:
    each recorded node notes the count, and each tensor the count at its last in-place update, so
    that backward can tell when a value a node used was changed after the node was recorded.  The
    tensor keeps that count in ``_version``, a one-element list shared with its ``detach()``es and
    with the views ops made of it (they share the array), or None while it has never been updated,
    detached nor viewed."""
    __array_ufunc__ = None  # make `ndarray + Tensor` call Tensor.__radd__
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, (list, tuple)) and _holds_tensor(data) and _grad_mode.grad_enabled:
            _refuse_tensors_that_require_grad(data)
        try:
            array = as_array(data, dtype)
        except (ValueError, TypeError) as error:  # ragged lists, unparsable values
            raise type(error)(f"Tensor: cannot make an array of numbers from this {type(data).__name__}: {error}") from error
        if array.dtype.kind not in "biufc":
            raise TypeError(
                f"Tensor: data must be numbers or booleans, got dtype {array.dtype} from a {type(data).__name__}"
            )
        if type(requires_grad) is not bool:
            requires_grad = check_bool(requires_grad, "requires_grad", "Tensor")
        if requires_grad and not is_differentiable_dtype(array.dtype):
            raise _not_differentiable("Tensor", array.dtype)
        self.data: np.ndarray = array
        self._grad: np.ndarray | None = None
        self._version: list[int] | None = None
        if isinstance(data, Tensor) and array is data.data:  # Tensor(t) shares t's array, so its version too
            self._version = data._version_cell()
        self.requires_grad: bool = bool(requires_grad)
        self._node: Primitive | None = None
        self._hooks: list[Callable[[Any], Any]] | None = None
        self._retain_grad = False
        self.name: str | None = None

    @classmethod
    def _from_op(cls, data: np.ndarray, node: Primitive | None) -> Tensor:
        """Fast constructor for op outputs (skips the conversions of ``__init__``)."""
        t = object.__new__(Tensor)
        t.data = data
        t._grad = None
        t._version = None
        t.requires_grad = node is not None
        t._node = node
        t._hooks = None
        t._retain_grad = False
        t.name = None
        return t

    # ----- plain properties -------------------------------------------------
    @property
    def grad(self) -> np.ndarray | None:
        """The accumulated gradient: a NumPy array of this tensor's shape and dtype, or None.

        Assigning checks the value, as PyTorch does ("assigned grad has data of a different
        size"), so that a wrong gradient fails here and not later inside an optimizer step:
        None clears it; an array, array-like or Tensor (stored as its array, not copied when
        it already has the right dtype) must have exactly the tensor's shape, else ShapeError.
        Another numeric dtype is cast to the tensor's (a copy): ``p.grad = np.zeros(p.shape)``
        (float64) on a float32 parameter stores float32, keeping ``.grad`` in the tensor's dtype
        as the backward pass does (PyTorch refuses a different dtype; NumPy code mixes them too
        routinely for that to help).  Booleans, complex values for a real tensor and floats for
        an integer tensor are refused (TypeError).
        """
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        data = self.data
        if value is not None and not (
            type(value) is np.ndarray and value.shape == data.shape and value.dtype == data.dtype
        ):  # what backward delivers passes with no conversion, two comparisons
            value = _checked_grad(self, value)
        with grad_lock(self):  # not in the middle of a backward's accumulation
            self._grad = value

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each axis (a tuple)."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of ``data``."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements (an int, as NumPy's ``size``; PyTorch's ``size()`` is ``shape``)."""
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (and outputs of ops that did not record)."""
        return self._node is None

    @property
    def grad_fn(self) -> Primitive | None:
        """The node that produced this tensor (None for leaves)."""
        return self._node

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed), as NumPy's ``.T``."""
        return _ops.transpose(self)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python number, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        """The values as nested Python lists (a number for a 0-d tensor)."""
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph.  An in-place update of either
        counts for both (they share the array), as in PyTorch."""
        t = Tensor._from_op(self.data, None)
        t._version = self._version_cell()
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf (for non-leaves the graph decides)."""
        requires_grad = check_bool(requires_grad, "requires_grad", "requires_grad_")
        if not self.is_leaf:
            if requires_grad:
                return self  # it requires grad already, being computed from one that does (PyTorch: a no-op too)
            raise RuntimeError(
                "requires_grad_(False): can only change requires_grad of a leaf tensor; use .detach() to get a "
                "leaf that does not require grad"
            )
        if requires_grad and not is_differentiable_dtype(self.dtype):
            raise _not_differentiable("requires_grad_", self.dtype)
        self.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the accumulated gradient: forget it (``.grad = None``, PyTorch's default), or with
        ``set_to_none=False`` write zeros into the gradient array in place, so that code holding
        it sees the zeros (a read-only array is replaced by fresh zeros).  No gradient stays None."""
        with grad_lock(self):  # not in the middle of a backward's accumulation
            grad = self._grad
            if set_to_none or grad is None:
                self._grad = None
            elif grad.flags.writeable:
                grad.fill(0)
            else:
                self._grad = np.zeros_like(grad)

    # ----- autograd ---------------------------------------------------------
    def backward(
        self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False, inputs: Any = None
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad`` is the upstream gradient; it may be omitted for one-element
        tensors (seed 1).  The graph's saved values are released afterwards
        unless ``retain_graph=True``.  ``inputs``: only these tensors' ``.grad``
        (PyTorch's keyword).  ``create_graph=True`` is refused: use ``ae.grad``.
        """
        from .backward import backward

        backward(self, grad, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def register_hook(self, hook: Callable[[Any], Any]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is complete during backward.

        The hook sees the gradient (an ndarray; a Tensor under ``create_graph``)
        and may return a replacement.  Returns a handle whose ``remove()`` undoes it.
        """
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

    def draw(self, **kwargs: Any) -> Any:
        """Draw the graph that produced this tensor (see ``autograd_engine.draw``)."""
        from . import viz

        return viz.draw(self, **kwargs)

    # ----- display ----------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=200, precision=4)
        extras = [f"dtype={self.dtype}"] if self.dtype != np.float32 or self.ndim == 0 else []
        if self._node is not None:
            extras.append(f"op={self._node.describe()}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        return bool(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a 0-d tensor's value, as NumPy does for 0-d arrays."""
        if not spec:
            return str(self)
        return format(self.data.item() if self.data.ndim == 0 else self.data, spec)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return np.asarray(self.data, dtype=dtype)

    # Hash by identity although __eq__ is elementwise: the backward pass keys its dicts by tensors
    # (a subclass that overrides __eq__ must keep this __hash__).
    __hash__ = object.__hash__

    # ----- operators --------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.multiply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.divide(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.power(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    # In-place arithmetic, as in PyTorch: `w -= lr * w.grad` inside `no_grad()` updates w's array.
    # With grad mode on, an in-place change of a leaf that requires grad is refused (it would
    # silently turn the parameter into a graph node), and other tensors that take part in the
    # graph get the out-of-place result, as plain Python would give them.
    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place(other, np.add, operator.add, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place(other, np.subtract, operator.sub, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place(other, np.multiply, operator.mul, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place(other, np.true_divide, operator.truediv, "/=")

    def _in_place(self, other: Any, ufunc: np.ufunc, out_of_place: Callable[[Any, Any], Any], symbol: str) -> Tensor:
        if isinstance(other, (list, tuple)):  # a list holding Tensors is stacked, so that it is seen to require grad
            other = as_operand(other, symbol, "right operand")
        other_requires_grad = isinstance(other, Tensor) and other.requires_grad
        if _grad_mode.grad_enabled and (self.requires_grad or other_requires_grad):
            if self._node is None and self.requires_grad:
                raise RuntimeError(
                    f"{symbol}: in-place update of a leaf tensor that requires grad (shape {self.shape}); "
                    f"do the update inside `with ae.no_grad():` or on `.data` (as an optimizer step does)"
                )
            return out_of_place(self, other)
        ufunc(self.data, _data(other), out=self.data, casting="same_kind")
        self.mark_modified()
        return self

    def mark_modified(self) -> None:
        """Record that this tensor's array was changed in place, so that backward refuses graphs
        recorded before the change (they would differentiate with the new values).  The in-place
        operators call it; call it after changing ``.data`` in place yourself, as the optimizers do."""
        Tensor._in_place_updates += 1
        self._version_cell()[0] = Tensor._in_place_updates

    def _version_cell(self) -> list[int]:
        """This tensor's version cell, made on first need; share it with a tensor over the same array."""
        if self._version is None:
            self._version = [0]
        return self._version

    def __neg__(self) -> Tensor:
        return _ops.negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __getitem__(self, key: Any) -> Tensor:
        return _ops.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        """Refused: a tensor is immutable in the graph.  An op that saved it for its gradient would
        silently differentiate with the new values, so build a new tensor instead."""
        from .ops.index import _describe_key

        raise TypeError(
            f"t[{_describe_key(key)}] = ...: item assignment into a tensor (shape {self.shape}) is not supported; "
            f"tensors are immutable in the graph (an op that saved this one for its gradient would use the "
            f"changed values). Build a new tensor instead: ae.where(mask, new_values, t), "
            f"t + ae.scatter_add(delta, key, t.shape), or ae.concatenate of the pieces; or, for a leaf "
            f"outside the graph, change its array inside `with ae.no_grad():` via `t.data[key] = value` and "
            f"then call t.mark_modified() (as an optimizer step does), so that a graph that used the old "
            f"value is not differentiated again"
        )

    # Comparisons are not differentiable: they return NumPy bool arrays.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _data(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _data(other)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data == _data(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data != _data(other)

    # ----- methods mirroring NumPy's (and a few of PyTorch's) ---------------
    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def log1p(self) -> Tensor:
        return _ops.log1p(self)

    def expm1(self) -> Tensor:
        return _ops.expm1(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return _ops.leaky_relu(self, negative_slope)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def square(self) -> Tensor:
        return _ops.square(self)

    def erf(self) -> Tensor:
        return _ops.erf(self)

    def clip(self, a_min: Any = None, a_max: Any = None) -> Tensor:
        return _ops.clip(self, a_min, a_max)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.min(self, axis, keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        return _ops.var(self, axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        return _ops.std(self, axis, ddof=ddof, keepdims=keepdims)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return _ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return _ops.log_softmax(self, axis)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        return _ops.argmax(self, axis, keepdims=keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        return _ops.argmin(self, axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for ``reshape``."""
        return self.reshape(*shape)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], Sequence)):
            axes = axes[0]
        return _ops.transpose(self, axes or None)

    def permute(self, *axes: Any) -> Tensor:
        """PyTorch's name for ``transpose(axes)``."""
        return self.transpose(*axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return _ops.swapaxes(self, axis1, axis2)

    def moveaxis(self, source: int, destination: int) -> Tensor:
        return _ops.moveaxis(self, source, destination)

    def ravel(self) -> Tensor:
        """The elements as a 1-D tensor (NumPy's ``ravel``)."""
        return _ops.ravel(self)

    def squeeze(self, axis: Any = None) -> Tensor:
        return _ops.squeeze(self, axis)

    def expand_dims(self, axis: Any) -> Tensor:
        return _ops.expand_dims(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        """PyTorch's name for ``expand_dims``."""
        return _ops.expand_dims(self, axis)

    def flatten(self, start_axis: int = 0, end_axis: int = -1) -> Tensor:
        return _ops.flatten(self, start_axis, end_axis)

    def broadcast_to(self, shape: Any) -> Tensor:
        return _ops.broadcast_to(self, shape)

    def expand(self, *shape: Any) -> Tensor:
        """PyTorch's name for ``broadcast_to``."""
        return _ops.broadcast_to(self, shape[0] if len(shape) == 1 and isinstance(shape[0], Sequence) else shape)

    def astype(self, dtype: Any) -> Tensor:
        return _ops.astype(self, dtype)

    def dot(self, other: Any) -> Tensor:
        return _ops.dot(self, other)

    def matmul(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook away."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _not_differentiable(owner: str, dtype: np.dtype) -> TypeError:
    """The error for a tensor of ``dtype`` asked to require grad: only floating dtypes carry gradients."""
    hint = (
        "complex tensors carry no gradients here (ops would record nothing); keep the real and imaginary "
        "parts as two float tensors"
        if dtype.kind == "c"
        else "pass dtype=np.float32 (or float64) or convert with .astype(np.float32)"
    )
    return TypeError(f"{owner}: only floating tensors can require gradients, got dtype {dtype}; {hint}")


def _checked_grad(tensor: Tensor, value: Any) -> np.ndarray:
    """``value`` as a gradient of ``tensor``: an ndarray of its shape and dtype (the setter's slow path)."""
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.shape != tensor.shape:
        raise ShapeError(
            f"grad: assigned a gradient of shape {array.shape} to a tensor of shape {tensor.shape}; "
            f"a gradient must have exactly the tensor's shape -- reshape (or sum) it to {tensor.shape}, "
            f"or assign None to clear it"
        )
    if array.dtype != tensor.dtype:
        if array.dtype.kind not in "iufc" or not np.can_cast(array.dtype, tensor.dtype, casting="same_kind"):
            raise TypeError(
                f"grad: assigned a gradient of dtype {array.dtype} to a tensor of dtype {tensor.dtype}; "
                f"a gradient must hold numbers that cast to {tensor.dtype} (integers or floats; not booleans, "
                f"not complex numbers for a real tensor) -- pass e.g. an array of dtype {tensor.dtype}"
            )
        array = array.astype(tensor.dtype)
    return array


from . import ops as _ops  # noqa: E402  (the ops import Tensor from this module)


def _borrow_docstrings() -> None:
    """Methods that forward to a free function of the same name show that function's docstring."""
    for name, method in list(vars(Tensor).items()):
        function = getattr(_ops, name, None)
        if callable(method) and not name.startswith("_") and method.__doc__ is None and function is not None:
            method.__doc__ = f"Method form of ``autograd_engine.{name}(x, ...)``.\n\n{function.__doc__ or ''}"


_borrow_docstrings()
