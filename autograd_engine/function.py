"""The primitive -- one op of the graph, with its forward and its gradient rule -- and ``apply``,
which runs it and records it.

Every differentiable operation is a subclass of :class:`Primitive` declared once in
``autograd_engine/ops/`` (and exposed there with ``autograd_engine.declare.op``); subclasses register
in :data:`PRIMITIVES`, the table of the engine's calculus.  A recorded primitive *is* the graph node:
it keeps its inputs and what its forward saved, never its own output (so the graph has no reference
cycles; ``backward`` is handed the output instead).
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from . import operands
from .anomaly import check_finite, user_source_line
from .errors import (
    EngineError,
    complex_output_error,
    forward_error,
    forward_output_error,
    name_taken_error,
    not_a_primitive_error,
)
from .grad_mode import this_thread
from .tensor import Tensor, next_tick
from .user_primitives import declared_in_engine, guard_user_primitive

PRIMITIVES: dict[str, type[Primitive]] = {}
"""Every registered primitive by name: the table of the engine's calculus."""

_new_tensor = Tensor._from_op  # bound once, as is ndarray: apply is the hot path
_ndarray = np.ndarray
_NEEDS_OF_ONE = ((False,), (True,))
_NEEDS_OF_TWO = (((False, False), (False, True)), ((True, False), (True, True)))
"""``needs_grad`` of a node of one or two Tensors, indexed by their ``requires_grad`` (a bool: the setter
checks it): shared tuples, as a new one per node would add to the objects the garbage collector keeps
scanning while a graph grows."""


class Primitive:
    """Base class of every primitive op; an instance applied to inputs is a graph node.

    Set when the node is recorded: ``inputs`` (the operands; None once released), ``input_arrays``
    (their arrays as the forward got them, which the rule gets), ``needs_grad`` (for each input,
    whether backward must produce its gradient), ``saved`` (what the forward kept for backward),
    ``scope`` (the module path, for drawings), ``created_at`` (the user's line, under
    ``detect_anomaly()``), ``tick`` (when it was recorded, see ``tensor.next_tick``; the node of
    ``x[key] = v`` takes its update's).  ``skeleton`` is set when backward releases the node: what
    drawing the graph afterwards needs (see ``skeleton.py``).
    These names are the engine's: a subclass keeps its own state under other names (``saved`` is
    for it).
    """

    __slots__ = ("inputs", "input_arrays", "needs_grad", "saved", "scope", "created_at", "tick", "skeleton")
    name: ClassVar[str] = ""
    differentiable_twice: ClassVar[bool] = True
    """False for rules that run on raw arrays only (Numba kernels): they refuse ``create_graph``.  (A
    primitive declared outside the engine starts False: see :mod:`autograd_engine.user_primitives`.)"""
    broadcasts: ClassVar[bool] = False
    """True for an op that broadcasts its inputs against each other (``a + b``): its rule may return each
    input's gradient in the output's shape, and backward sums it back to the input's shape."""
    adds_into_input: ClassVar[bool] = False
    """True for a rule that adds its gradient into its first input's pending gradient in place
    (:meth:`add_gradient_into`) instead of returning it: ``x[key]`` adds at ``key``, with no dense copy."""
    releases_more: ClassVar[bool] = False
    """Set when the class is made: True when it overrides :meth:`release`, which backward then calls;
    for the others backward drops the engine's fields itself, without a call."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not declared_in_engine(cls):
            guard_user_primitive(cls, Primitive)
        cls.releases_more = cls.release is not Primitive.release
        if cls.name:
            taken = PRIMITIVES.get(cls.name)
            if taken is not None and (taken.__module__, taken.__qualname__) != (cls.__module__, cls.__qualname__):
                raise name_taken_error(cls, taken)
            PRIMITIVES[cls.name] = cls  # the same class declared again (a re-run notebook cell) replaces it

    def forward(self, *arrays: Any) -> np.ndarray:
        """Compute the output from the inputs' arrays (or Python scalars)."""
        raise NotImplementedError(f"{self.describe()} defines no forward(self, *arrays): a primitive computes "
                                  f"its output there, from NumPy arrays")

    def backward(self, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        """Return a tuple with one gradient per input, each of that input's shape (None where
        ``needs_grad`` is False; a gradient for such an input is ignored).  A primitive with
        ``broadcasts = True`` may return a gradient of any shape its input broadcasts to (the
        output's), which backward sums back (else reduce it with
        ``autograd_engine.ops.dispatch.sum_to_shape(g, x.shape)``); any other shape is refused with
        a ShapeError naming this primitive and the input."""
        raise NotImplementedError(f"{self.describe()} defines no backward(self, grad, out, *inputs): a primitive "
                                  f"returns there one gradient per input")

    def add_gradient_into(self, grad: np.ndarray, target: np.ndarray) -> None:
        """For ``adds_into_input``: add the first input's gradient into ``target`` in place."""
        raise NotImplementedError

    def branch(self, out: Any, *inputs: Any) -> Any:
        """Which side of its kinks this op took (e.g. the sign pattern of relu's input), or None for a
        smooth op: ``gradcheck`` compares it between f(x+h) and f(x-h) to tell a kink from a bug."""
        return None

    def describe(self) -> str:
        """Short label of this node: its name and parameters (for repr, drawings and error messages);
        the class name for a primitive left out of the table (``name = ""``)."""
        return self.name or type(self).__name__

    def __setstate__(self, state: Any) -> None:
        """A copied or unpickled node takes a new tick: ticks order the nodes of one process (``copy``
        and ``pickle`` restore a node's inputs, with their nodes, before the node)."""
        fields, slots = state if isinstance(state, tuple) else (state, None)
        for name, value in (*(fields or {}).items(), *(slots or {}).items()):
            setattr(self, name, value)
        if slots and "tick" in slots:
            self.tick = next_tick()

    def release(self) -> None:
        """Drop the inputs and saved values: this node can no longer run backward.  A subclass that
        keeps other arrays on the node overrides this to drop them too (the node may outlive backward
        in the graph's skeleton for drawing); backward calls it only then (``releases_more``)."""
        self.inputs = self.input_arrays = self.saved = None


def apply(op: Primitive, *inputs: Any) -> Tensor:
    """Run ``op`` on ``inputs`` and return its output Tensor, recording the node if needed.

    The output requires grad when grad mode is on, its dtype is floating and an input Tensor requires
    grad; a complex output of such inputs is refused.  Lists and tuples are converted by
    ``operands.as_operand`` (Tensors inside them stacked with their gradients).  NumPy's errors from
    the forward are re-raised naming the op and the input shapes.
    """
    count = len(inputs)  # one or two Tensors, the common case, unpacked by hand: apply is the hot path
    if count == 2 and isinstance(a := inputs[0], Tensor) and isinstance(b := inputs[1], Tensor):
        arrays = (a.data, b.data)
        needs = _NEEDS_OF_TWO[a._requires_grad][b._requires_grad]
    elif count == 1 and isinstance(a := inputs[0], Tensor):
        arrays = (a.data,)
        needs = _NEEDS_OF_ONE[a._requires_grad]
    else:
        arrays, needs = operands.arrays_and_needs(inputs)
        if arrays is None:
            return apply(op, *_converted(op, inputs))
    try:  # one or two arrays passed by hand: a call with *arrays costs more than the arithmetic
        out = op.forward(arrays[0], arrays[1]) if count == 2 else op.forward(arrays[0]) if count == 1 else op.forward(*arrays)
    except EngineError:
        raise
    except Exception as error:
        if not isinstance(op, Primitive):  # checked only here: apply is the hot path
            raise not_a_primitive_error(op) from None
        if isinstance(error, (ValueError, IndexError, TypeError)):
            raise forward_error(op, arrays, error) from error
        raise
    if type(out) is not _ndarray:  # a NumPy scalar (0-d arithmetic), or a user's list or Tensor
        returned, out = out, np.asarray(out)
        if out.dtype.kind not in "biufc":
            raise forward_output_error(op, returned)
    mode = this_thread.mode  # one thread-local lookup
    if mode.anomaly:
        op.created_at = user_source_line()
        check_finite(out, op, "forward output")
    node = None
    if True in needs and mode.grad_enabled:
        kind = out.dtype.kind
        if kind == "f":
            op.inputs = inputs
            op.input_arrays = arrays
            op.needs_grad = needs
            op.scope = mode.scope
            op.tick = next_tick()
            node = op
        elif kind == "c":
            raise complex_output_error(op, arrays, out)
    result = _new_tensor(out, node)
    if out.base is not None:  # a view (reshape, slicing, transpose, ...): it shares its input's version
        _share_version(result, out, inputs)
    else:
        for x in arrays:  # a forward that returned an input's array itself (a user's identity op)
            if x is out:
                _share_version(result, out, inputs)
                break
    return result


def _converted(op: Primitive, inputs: tuple[Any, ...]) -> list[Any]:
    if not isinstance(op, Primitive):
        raise not_a_primitive_error(op)
    return operands.as_operands(inputs, op.describe())


def _share_version(view: Tensor, out: np.ndarray, inputs: tuple[Any, ...]) -> None:
    """Give ``view`` the in-place version of the input Tensor whose memory it views (NumPy collapses
    chains of views to the owner of the memory; of two inputs slicing one array, the one it overlaps)."""
    base = out if out.base is None else out.base
    for x in inputs:
        if isinstance(x, Tensor):
            data = x.data
            if (data is base or data.base is base) and np.may_share_memory(out, data):
                view._version = x._version_cell()
                return
