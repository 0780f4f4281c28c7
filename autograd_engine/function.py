"""The primitive (one op of the graph, with its forward and its gradient rule), ``apply``, and ``op``,
which declares how an op is exposed.

Every differentiable operation is a subclass of :class:`Primitive` declared once in
``autograd_engine/ops/``, beside the public function that applies it: ``forward`` computes the
output from NumPy arrays, ``backward`` returns the vector-Jacobian product for each input, and
``@op(...)`` on the function makes it ``ae.<name>`` and, where asked, a Tensor method or operator.
Subclasses register in :data:`PRIMITIVES`, the table of the engine's calculus.

A recorded primitive *is* the graph node: it keeps its inputs and what its forward saved, never
its own output (the graph has no reference cycles; ``backward`` is handed the output instead).
Rules are written once for both orders: ``backward(grad, out, *inputs)`` gets arrays in an ordinary
backward pass and Tensors under ``create_graph=True``, and uses only operators, methods shared by
ndarray and Tensor, and the helpers of :mod:`autograd_engine.ops.dispatch`.
"""
from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from . import operands
from .anomaly import check_finite, user_source_line
from .errors import EngineError, complex_output_error, forward_error, forward_output_error, not_a_primitive_error
from .grad_mode import state
from .tensor import Tensor

PRIMITIVES: dict[str, type[Primitive]] = {}
"""Every registered primitive by name: the table of the engine's calculus."""

OPS: dict[str, Callable[..., Any]] = {}
"""Every public op by name (``ae.exp``, ``ae.sum``, ...), filled by the ``@op`` declarations."""

_ENGINE_PACKAGE = __name__.rpartition(".")[0]


class Primitive:
    """Base class of every primitive op; an instance applied to inputs is a graph node.

    Set when the node is recorded: ``inputs`` (the operands; None once released), ``needs_grad``
    (for each input, whether backward must produce its gradient), ``saved`` (what the forward kept
    for backward), ``scope`` (the module path, for drawings), ``created_at`` (the user's line, under
    ``detect_anomaly()``), ``recorded_after`` (the in-place update count then).  ``skeleton`` is set
    when backward releases the node: what drawing the graph afterwards needs (see ``backward.py``).
    """

    __slots__ = ("inputs", "needs_grad", "saved", "scope", "created_at", "recorded_after", "skeleton")
    name: ClassVar[str] = ""
    differentiable_twice: ClassVar[bool] = True
    """False for rules that run on raw arrays only (Numba kernels): they refuse ``create_graph``.  A
    primitive declared outside the engine starts False unless it says True: its rule may compute with
    arrays saved in ``forward``, which ``create_graph`` would treat as constants."""
    adds_into_input: ClassVar[bool] = False
    """True for a rule that adds its gradient into its first input's pending gradient in place
    (:meth:`add_gradient_into`) instead of returning it: ``x[key]`` adds at ``key``, with no dense copy."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = [c for c in cls.__mro__ if issubclass(c, Primitive) and c is not Primitive]
        if not any("differentiable_twice" in c.__dict__ or declared_in_engine(c) for c in own):
            cls.differentiable_twice = False
        if not declared_in_engine(cls):  # guard a user's rule: one gradient per input; no arrays kept by release
            if "backward" in cls.__dict__:
                cls.backward = _one_gradient_per_input(cls.__dict__["backward"])
            if cls.__dictoffset__ and "release" not in cls.__dict__:
                cls.release = _release_own_arrays(cls.release)
        if cls.name:
            taken = PRIMITIVES.get(cls.name)
            if taken is not None and (taken.__module__, taken.__qualname__) != (cls.__module__, cls.__qualname__):
                raise RuntimeError(f"primitive name {cls.name!r} of {cls.__module__}.{cls.__qualname__} is already "
                                   f"taken by {taken.__module__}.{taken.__qualname__}; give the new primitive "
                                   f"another name (or name = '' to leave it out of the PRIMITIVES table)")
            PRIMITIVES[cls.name] = cls  # the same class declared again (a re-run notebook cell) replaces it

    def forward(self, *arrays: Any) -> np.ndarray:
        """Compute the output from the inputs' arrays (or Python scalars)."""
        raise NotImplementedError(f"{self.describe()} defines no forward(self, *arrays): a primitive computes "
                                  f"its output there, from NumPy arrays")

    def backward(self, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        """Return a tuple with one gradient per input, each of that input's shape (None where
        ``needs_grad`` is False).  Where the forward broadcast an input, reduce its gradient with
        ``autograd_engine.ops.dispatch.sum_to_shape(g, x.shape)``; any other shape is refused with
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

    def release(self) -> None:
        """Drop the inputs and saved values: this node can no longer run backward.  A subclass that
        keeps other arrays on the node drops them here too (the node may outlive backward in the
        graph's skeleton for drawing)."""
        self.inputs = None
        self.saved = None


def declared_in_engine(cls: type) -> bool:
    """True for the engine's own primitives (declared in a module below ``autograd_engine``)."""
    return cls.__module__.startswith(_ENGINE_PACKAGE + ".")


def _one_gradient_per_input(rule: Callable) -> Callable:
    """A user's rule must return one gradient per input, else the inputs beyond it silently get none."""

    @functools.wraps(rule)
    def backward(self: Primitive, grad: Any, out: Any, *inputs: Any) -> Any:
        grads = rule(self, grad, out, *inputs)
        if not isinstance(grads, tuple | list) or len(grads) != len(inputs):
            got = f"{len(grads)} gradients" if isinstance(grads, tuple | list) else f"a value of type {type(grads).__name__}"
            raise TypeError(f"{self.describe()}: its gradient rule returned {got} for "
                            f"{len(inputs)} input{'s' * (len(inputs) != 1)}; backward must return a tuple with one "
                            f"gradient per input, in order (None for an input that needs none), e.g. `return (g * 2,)` "
                            f"for a single input")
        return grads

    return backward


def _release_own_arrays(release: Callable) -> Callable:
    """``release`` that also drops the arrays (or containers of arrays) a user's primitive keeps in its
    ``__dict__`` (the notes' ``self.cache``), so that a node kept for drawing does not keep them alive."""

    def holds_arrays(v: Any) -> bool:
        items = v.values() if isinstance(v, dict) else v if isinstance(v, tuple | list) else (v,)
        return any(isinstance(item, np.ndarray | Tensor) for item in items)

    @functools.wraps(release)
    def release_own_arrays(self: Primitive) -> None:
        release(self)
        for key in [k for k, v in self.__dict__.items() if holds_arrays(v)]:
            del self.__dict__[key]

    return release_own_arrays


def apply(op: Primitive, *inputs: Any) -> Tensor:
    """Run ``op`` on ``inputs`` and return its output Tensor, recording the node if needed.

    The output requires grad when grad mode is on, its dtype is floating and an input Tensor requires
    grad; a complex output of such inputs is refused.  Lists and tuples are converted by
    ``operands.as_operand`` (Tensors inside them stacked with their gradients).  NumPy's errors from
    the forward are re-raised naming the op and the input shapes.
    """
    arrays = []
    needs = []
    any_needs = False
    plain = 0  # operands that are neither Tensors nor arrays (Python numbers, mostly)
    for x in inputs:  # one plain loop: cheaper than comprehensions for an op's one or two inputs
        if isinstance(x, Tensor):
            arrays.append(x.data)
            needed = x.requires_grad
            needs.append(needed)
            any_needs = any_needs or needed
        else:
            kind = type(x)
            if kind is not np.ndarray:
                if kind is list or kind is tuple:
                    return apply(op, *_converted(op, inputs))
                plain += 1
            arrays.append(x)
            needs.append(False)
    if plain and plain == len(inputs):
        return apply(op, *_converted(op, inputs))
    try:
        out = op.forward(*arrays)
    except EngineError:
        raise
    except Exception as error:
        if not isinstance(op, Primitive):  # checked only here: apply is the hot path
            raise not_a_primitive_error(op) from None
        if isinstance(error, (ValueError, IndexError, TypeError)):
            raise forward_error(op, arrays, error) from error
        raise
    if type(out) is not np.ndarray:  # a NumPy scalar (0-d arithmetic), or a user's list or Tensor
        returned, out = out, np.asarray(out)
        if out.dtype.kind not in "biufc":
            raise forward_output_error(op, returned)
    mode = state  # the thread-local grad mode, looked up once
    if mode.anomaly:
        op.created_at = user_source_line()
        check_finite(out, op, "forward output")
    if any_needs and mode.grad_enabled and out.dtype.kind == "f":
        op.inputs = inputs
        op.needs_grad = tuple(needs)
        op.scope = mode.scope
        op.recorded_after = Tensor._in_place_updates
        result = Tensor._from_op(out, op)
    else:
        if any_needs and mode.grad_enabled and out.dtype.kind == "c":
            raise complex_output_error(op, arrays, out)
        result = Tensor._from_op(out, None)
    if out.base is not None:  # a view (reshape, slicing, transpose, ...): it shares its input's version
        _share_version(result, out, inputs)
    else:
        for a in arrays:  # a forward that returned an input's array itself (a user's identity op)
            if a is out:
                _share_version(result, out, inputs)
                break
    return result


def _converted(op: Primitive, inputs: tuple[Any, ...]) -> list[Any]:
    """The inputs with every list and tuple converted by ``as_operand``; when no operand is an array or
    Tensor, every operand (``ae.mean(2.0)`` computes as ``ae.mean(Tensor(2.0))``).  Beside a Tensor or
    array, numbers stay Python numbers, which NumPy treats as weak (float32 * 2.0 stays float32)."""
    if not isinstance(op, Primitive):
        raise not_a_primitive_error(op)
    alone = not any(isinstance(x, (Tensor, np.ndarray, list, tuple)) for x in inputs)
    name = op.describe()
    return [operands.as_operand(x, name, f"operand {i + 1}") if alone or isinstance(x, (list, tuple)) else x
            for i, x in enumerate(inputs)]


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


_REFLECTED = {"add", "sub", "mul", "truediv", "pow", "matmul"}


def op(*, method: bool | Callable = False, operator: str | None = None, aliases: tuple[str, ...] = (),
       tensor: dict[str, Any] | None = None, dim: bool = False) -> Callable:
    """Declare a public op: ``@op(...)`` on the function that applies a primitive (or composes ops).

    The function is entered in :data:`OPS` under its name and each of ``aliases``; the engine's own ops
    (declared in ``autograd_engine/ops/`` before the package finishes importing) thereby become
    ``autograd_engine.<name>``, while an op declared later (a user's) is reached by its own name, or as
    ``ae.OPS[name]``.
    ``method=True`` makes it the Tensor method of that name too (``x.exp()`` is ``exp(x)``); a function
    instead is the method (``x.reshape(2, 3)``).  ``operator="add"`` makes it ``x + y`` and, for binary
    operators, ``y + x``.  ``tensor`` adds further Tensor attributes by name (``x.view``, ``x.T``).
    ``dim=True``: PyTorch's ``dim=`` and ``keepdim=`` are accepted for ``axis=`` and ``keepdims=``.
    An unknown keyword is a TypeError naming the op and, for a known NumPy/PyTorch spelling or a typo,
    the keyword to use.
    """

    def declare(function: Callable) -> Callable:
        name = function.__name__
        plain = function  # for the operators, which take no keywords
        function = _with_keyword_help(function, name, dim)
        for public in (name, *aliases):
            OPS[public] = function
        if method:
            setattr(Tensor, name, function if method is True else functools.wraps(plain)(_with_keyword_help(method, name)))
        if operator is not None:
            setattr(Tensor, f"__{operator}__", plain)
            if operator in _REFLECTED:
                setattr(Tensor, f"__r{operator}__", lambda self, other: plain(other, self))
        for attribute, value in (tensor or {}).items():
            setattr(Tensor, attribute, value)
        return function

    return declare


def _with_keyword_help(function: Callable, name: str, torch_axis_names: bool = False) -> Callable:
    """``function``, whose TypeError for an unknown keyword names the op and the keyword to use instead
    (the check runs only when the call fails); with ``torch_axis_names`` it also accepts PyTorch's ``dim=``
    for ``axis=`` and ``keepdim=`` for ``keepdims=``."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if torch_axis_names and kwargs:
            for torch_name, numpy_name in (("dim", "axis"), ("keepdim", "keepdims")):
                if torch_name in kwargs:
                    if numpy_name in kwargs:
                        raise TypeError(f"{name}: got both {numpy_name}= and PyTorch's {torch_name}=; pass one")
                    kwargs[numpy_name] = kwargs.pop(torch_name)
        try:
            return function(*args, **kwargs)
        except TypeError as error:
            unknown = _unknown_keyword_error(function, name, kwargs, torch_axis_names) if kwargs else None
            if unknown is None:
                raise
            raise unknown from error

    return call


_OTHER_SPELLINGS = {
    "dim": ("axis",), "dims": ("axis",), "axes": ("axis",), "axis": ("dim",), "keepdim": ("keepdims",), "keepdims": ("keepdim",),
    "correction": ("ddof",), "start_dim": ("start_axis",), "end_dim": ("end_axis",),
    "min": ("a_min",), "max": ("a_max",), "a_min": ("min",), "a_max": ("max",), "exponent": ("b",), "p": ("ord",),
}


def _unknown_keyword_error(function: Callable, name: str, kwargs: dict[str, Any], dim: bool) -> TypeError | None:
    """The error for the first keyword of ``kwargs`` that ``function`` does not take (None if it takes them
    all): the op, the keyword, and the spelling to use -- NumPy's for PyTorch's and back, the positional
    place of PyTorch's ``input=``/``other=``, or the closest parameter name."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return None
    named = [p for p, info in parameters.items() if info.kind is not inspect.Parameter.POSITIONAL_ONLY
             and info.kind is not inspect.Parameter.VAR_POSITIONAL]
    accepted = set(named) | {torch for torch, numpy in (("dim", "axis"), ("keepdim", "keepdims")) if dim and numpy in named}
    unknown = [k for k in kwargs if k not in accepted]
    if not unknown:
        return None
    keyword = unknown[0]
    positional = [p for p, info in parameters.items() if info.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                                       inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    alternatives = [a for a in _OTHER_SPELLINGS.get(keyword, ()) if a in accepted]
    if alternatives:
        hint = f"use {alternatives[0]}= (the same argument)"
    elif keyword in ("input", "other", "self") and positional:
        place = 0 if keyword != "other" else 1
        hint = (f"pass it as argument {place + 1} ({positional[place]}), by position" if place < len(positional)
                else f"{name} takes no such operand")
    elif keyword == "unbiased" and "ddof" in accepted:
        hint = "use ddof=1 for unbiased=True, ddof=0 for unbiased=False"
    elif keyword == "out":
        hint = "out= is not supported: ops return a new Tensor; assign the result"
    elif keyword == "dtype":
        hint = "dtype= is not taken here: cast the input or the result with .astype(dtype)"
    elif keyword in ("dim", "keepdim", "axis", "keepdims"):
        hint = f"{name} has no such argument (neither NumPy's axis=/keepdims= nor PyTorch's dim=/keepdim=)"
    else:
        close = difflib.get_close_matches(keyword, named, n=1)
        hint = f"did you mean {close[0]}=" if close else "it is not one of its arguments"
    return TypeError(f"{name}: unknown keyword argument {keyword}=; {hint} ({name} takes: {', '.join(named)})")
