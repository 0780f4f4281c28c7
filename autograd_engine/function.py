"""The primitive: one op of the graph, with its forward and its gradient rule.

Every differentiable operation of the engine is a subclass of :class:`Primitive`
declared once in ``autograd_engine/ops/``: ``forward`` computes the output from
NumPy arrays, ``backward`` returns the vector-Jacobian product for each input.
Subclasses register themselves in :data:`PRIMITIVES` by ``name``; that table is
the spine of the engine (the test suite checks each entry has a property test).

A recorded primitive *is* the graph node: it keeps its inputs (to walk the graph
and to hand their values to ``backward``) and whatever its forward chose to
save.  It never refers to its own output tensor, so the graph has no reference
cycles; ``backward`` receives the output as an argument instead.

Rules are written once for both orders: ``backward(grad, out, *inputs)`` gets
NumPy arrays in an ordinary backward pass and Tensors under
``create_graph=True``, and uses only operators, methods shared by ndarray and
Tensor (``sum``, ``reshape``, ``transpose``, ``swapaxes``, ``astype``,
indexing) and the helpers of :mod:`autograd_engine.ops.dispatch`.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from typing import Any, ClassVar

import numpy as np

from .errors import AnomalyError, EngineError, ShapeError
from .grad_mode import state

PRIMITIVES: dict[str, type[Primitive]] = {}
"""Every registered primitive by name: the table of the engine's calculus."""

_ENGINE_PACKAGE = __name__.rpartition(".")[0]  # "autograd_engine": the built-in primitives live below it


class Primitive:
    """Base class of every primitive op; an instance applied to inputs is a graph node.

    Attributes set when the node is recorded:
    ``inputs`` -- the operands (Tensors, arrays or Python scalars), ``None`` once released;
    ``needs_grad`` -- for each input, whether backward must produce its gradient;
    ``saved`` -- values the forward kept for backward (released with the graph);
    ``scope`` -- the module path active when the op ran (for graph drawings);
    ``created_at`` -- the user's source line, recorded under ``detect_anomaly()``;
    ``recorded_after`` -- how many in-place updates had run when it was recorded (backward
    refuses to run the node's rule on an input or output changed in place since).

    Set when backward releases the node (see :meth:`release`), unless the graph was too large:
    ``skeleton`` -- what the node keeps so that the graph can be drawn after ``backward()``
    (``ae.draw(loss)``), a triple ``(operands, grad, outline)``.  For a small graph (see
    ``backward.DRAW_BUDGET``) ``operands`` are the inputs themselves and ``grad`` the output's
    gradient, and ``outline`` is None.  For a larger one nothing that holds values: ``operands``
    has, for each input, the node that computed it (whose own skeleton outlines it), a leaf tensor
    that requires grad (or one that called ``retain_grad()``), a scalar constant, or an outline
    ``(kind, shape, dtype, name)`` -- kind ``"input"`` (a tensor that does not require grad),
    ``"constant"`` (an array) or ``"unlinked"`` (computed by a node backward did not run); ``grad``
    is None and ``outline`` is ``("op", shape, dtype, name)`` of the output.  The node itself then
    outlives the pass: see :meth:`release`.
    """

    __slots__ = ("inputs", "needs_grad", "saved", "scope", "created_at", "recorded_after", "skeleton")
    name: ClassVar[str] = ""
    differentiable_twice: ClassVar[bool] = True
    """False for rules that run on raw arrays only (Numba kernels): they refuse ``create_graph``.

    A primitive declared outside the engine (and not derived from a built-in one) starts False
    unless it (or a base class of its own) says True: its rule may well compute with arrays it
    saved in ``forward``, which ``create_graph`` would treat as constants -- a silently wrong
    second derivative.  Set it True once the rule uses only ``g``, ``out`` and the inputs it is
    handed (Tensors under ``create_graph``) with operators and the helpers of
    ``autograd_engine.ops.dispatch``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        bases = [c for c in cls.__mro__ if c is not Primitive and issubclass(c, Primitive)]
        declared = any("differentiable_twice" in c.__dict__ for c in bases)
        from_engine = any(declared_in_engine(c) for c in bases)  # inherits a built-in's
        if not declared and not from_engine:
            cls.differentiable_twice = False
        if not declared_in_engine(cls):
            if "backward" in cls.__dict__:
                cls.backward = _one_gradient_per_input(cls.__dict__["backward"])
            if cls.__dictoffset__ and "release" not in cls.__dict__:  # instances have a __dict__
                cls.release = _release_with_own_arrays(cls.release)
        if cls.name:
            existing = PRIMITIVES.get(cls.name)
            if existing is not None and (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
                raise RuntimeError(
                    f"primitive name {cls.name!r} of {cls.__module__}.{cls.__qualname__} is already taken by "
                    f"{existing.__module__}.{existing.__qualname__}; give the new primitive another name "
                    f"(or name = '' to leave it out of the PRIMITIVES table)"
                )
            PRIMITIVES[cls.name] = cls  # the same class declared again (a re-run notebook cell) replaces it

    def forward(self, *arrays: Any) -> np.ndarray:
        """Compute the output from the inputs' arrays (or Python scalars)."""
        raise NotImplementedError

    def backward(self, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        """Return a tuple with one gradient per input, each of that input's shape (``None`` where
        ``needs_grad`` is False).

        ``grad`` has the output's shape.  Where the forward broadcast an input (``x + b`` with
        ``b`` of shape ``(3,)`` and ``x`` of shape ``(2, 3)``), the gradient computed from ``grad``
        has the broadcast shape: reduce it with ``autograd_engine.ops.dispatch.sum_to_shape(gb,
        b.shape)``, the one helper that undoes broadcasting.  A gradient of another shape is
        refused with a ShapeError naming this primitive and the input.
        """
        raise NotImplementedError

    def branch(self, out: Any, *inputs: Any) -> Any:
        """Which side of its kinks this op took (an array), or None for smooth ops.

        Ops that are not differentiable everywhere (relu, abs, max, clip, ...) return
        e.g. the sign pattern of their input; ``gradcheck`` compares it between f(x+h)
        and f(x-h) to tell a kink from a wrong gradient.
        """
        return None

    def describe(self) -> str:
        """Short label of this node: its name and parameters (for repr and drawings)."""
        return self.name

    def release(self) -> None:
        """Drop the inputs and saved values: this node can no longer run backward.

        The node itself may stay referenced after backward, as part of the graph's ``skeleton``
        for drawing, for as long as the graph's output lives: a subclass that keeps other arrays
        on the node (in slots of its own) drops them here too.  For primitives declared outside
        the engine, arrays and containers of arrays in the instance's ``__dict__`` (the notes'
        ``self.cache``) are dropped automatically.
        """
        self.inputs = None
        self.saved = None


def _one_gradient_per_input(rule: Any) -> Any:
    """Wrap a gradient rule declared outside the engine: it must return a tuple (or list) with one
    entry per input, else the inputs beyond it would silently get no gradient.  (The engine's own
    rules are not wrapped: their arity is tested, and the check would cost on every node.)"""

    @functools.wraps(rule)
    def backward(self: Primitive, grad: Any, out: Any, *inputs: Any) -> Any:
        grads = rule(self, grad, out, *inputs)
        if not isinstance(grads, tuple | list) or len(grads) != len(inputs):
            got = f"{len(grads)} gradients" if isinstance(grads, tuple | list) else f"a value of type {type(grads).__name__}"
            name = self.describe() or type(self).__name__
            raise TypeError(
                f"{name}: its gradient rule returned {got} for {len(inputs)} input{'s' * (len(inputs) != 1)}; "
                f"backward must return a tuple with one gradient per input, in order (None for an input "
                f"that needs none), e.g. `return (g * 2,)` for a single input"
            )
        return grads

    return backward


def _release_with_own_arrays(release: Any) -> Any:
    """``release`` that also drops what a primitive declared outside the engine keeps in its
    ``__dict__`` and holds arrays -- an array, a Tensor, or a tuple, list or dict holding one -- so
    that a node kept after backward (for drawing) does not keep them alive."""

    def holds_arrays(value: Any) -> bool:
        if isinstance(value, np.ndarray | Tensor):
            return True
        items = value.values() if isinstance(value, dict) else value if isinstance(value, tuple | list) else ()
        return any(isinstance(v, np.ndarray | Tensor) for v in items)

    @functools.wraps(release)
    def release_with_own_arrays(self: Primitive) -> None:
        release(self)
        state = self.__dict__
        for key in [k for k, v in state.items() if holds_arrays(v)]:
            del state[key]

    return release_with_own_arrays


def declared_in_engine(cls: type) -> bool:
    """True for the engine's own primitives (declared in a module below ``autograd_engine``)."""
    return cls.__module__.startswith(_ENGINE_PACKAGE + ".")


def apply(op: Primitive, *inputs: Any) -> Any:
    """Run ``op`` on ``inputs`` and return its output Tensor, recording the node if needed.

    The output requires grad when grad mode is on, its dtype is floating and any
    input Tensor requires grad; a complex output of such inputs is refused (TypeError),
    since it would carry no gradient.  NumPy's own errors from the forward are
    re-raised naming the op and the input shapes.
    """
    arrays = []
    needs = []
    any_needs = False
    plain = 0  # operands that are neither Tensors nor ndarrays (Python numbers, mostly)
    for x in inputs:  # one plain loop: cheaper than two comprehensions for an op's one or two inputs
        if isinstance(x, Tensor):
            arrays.append(x.data)
            needed = x.requires_grad
            needs.append(needed)
            any_needs = any_needs or needed
        else:
            kind = type(x)
            if kind is not np.ndarray:
                if kind is list or kind is tuple:
                    return apply(op, *_converted_operands(op, inputs))
                plain += 1
            arrays.append(x)
            needs.append(False)
    if plain and plain == len(inputs):
        return apply(op, *_converted_operands(op, inputs))
    try:
        out = op.forward(*arrays)
    except EngineError:
        raise
    except (ValueError, IndexError, TypeError) as error:
        raise _forward_error(op, arrays, error) from error
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    mode = state  # the thread-local grad mode: one global lookup per op, read once
    if mode.anomaly:
        op.created_at = user_source_line()
        _check_finite(out, op, "forward output")
    if any_needs and mode.grad_enabled and out.dtype.kind == "f":
        op.inputs = inputs
        op.needs_grad = tuple(needs)
        op.scope = mode.scope
        op.recorded_after = Tensor._in_place_updates
        result = Tensor._from_op(out, op)
    else:
        if any_needs and mode.grad_enabled and out.dtype.kind == "c":  # only non-float outputs get this far
            raise _complex_output_error(op, arrays, out)
        result = Tensor._from_op(out, None)
    base = out.base
    if base is not None:  # a view (reshape, slicing, transpose, ...): it shares its input's version
        _share_version(result, out, base, inputs)
    else:
        for a in arrays:  # a forward that returned an input's array itself (a custom identity op)
            if a is out:
                _share_version(result, out, out, inputs)
                break
    return result


def _converted_operands(op: Primitive, inputs: tuple[Any, ...]) -> list[Any]:
    """The inputs with every list and tuple converted by ``as_operand`` (a list holding Tensors is
    stacked with their gradients, never detached); when no operand is an array or Tensor, every
    operand, so that ``ae.mean(2.0)`` computes as ``ae.mean(Tensor(2.0))`` (and ``ae.exp(None)`` is
    refused by name).  Beside a Tensor or array, numbers stay Python numbers, which NumPy's promotion
    treats as weak (a float32 tensor times 2.0 stays float32).  Returns only Tensors and arrays in
    place of what it converts, so ``apply`` calls it at most once per op."""
    alone = not any(isinstance(x, (Tensor, np.ndarray, list, tuple)) for x in inputs)
    name = op.describe() or type(op).__name__
    return [
        as_operand(x, name, f"operand {i + 1}") if alone or isinstance(x, (list, tuple)) else x
        for i, x in enumerate(inputs)
    ]


def _share_version(view: Tensor, out: np.ndarray, base: np.ndarray, inputs: tuple[Any, ...]) -> None:
    """Give ``view`` the in-place version cell of the input Tensor whose memory it views, so that an
    update through either counts for both (as ``detach()`` does; PyTorch's views share a version too).
    ``base`` is the array that owns the view's memory (NumPy collapses chains of views to it); of the
    inputs over that memory, the one the view overlaps is chosen (two inputs may slice one array)."""
    for x in inputs:
        if isinstance(x, Tensor):
            data = x.data
            if (data is base or data.base is base) and np.may_share_memory(out, data):
                view._version = x._version_cell()
                return


def _complex_output_error(op: Primitive, arrays: list, out: np.ndarray) -> TypeError:
    """A complex output of inputs that require grad: recording nothing would drop their gradient silently."""
    dtypes = " and ".join(str(getattr(a, "dtype", type(a).__name__)) for a in arrays)
    return TypeError(
        f"{op.describe()}: the output would be {out.dtype} (input dtypes {dtypes}), but an input requires grad "
        f"and complex tensors carry no gradients here; keep the real and imaginary parts as float tensors, or "
        f"detach() the input (or run under no_grad()) if no gradient is wanted"
    )


def _forward_error(op: Primitive, arrays: list, error: Exception) -> Exception:
    """NumPy's error from a forward, reworded: the op, the input shapes and, for shapes that do not
    broadcast, the rule and the fix (a ShapeError)."""
    shapes = " and ".join(str(np.shape(a)) for a in arrays)
    if isinstance(error, ValueError) and "broadcast" in str(error):
        return ShapeError(
            f"{op.describe()}: {str(error).strip()} (input shapes {shapes}); shapes broadcast when, aligned "
            f"from the right, each pair of axes is equal or one of them is 1 -- reshape, expand_dims or "
            f"transpose an operand"
        )
    # the nearest builtin class: NumPy's own subclasses (casting errors, ...) take other constructor arguments
    kind = next(k for k in (IndexError, TypeError, ValueError) if isinstance(error, k))
    return kind(f"{op.describe()}: {error} (input shapes: {shapes})")


def user_source_line() -> str:
    """``file:line`` of the innermost frame outside the engine, nn and optim packages."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_LIBRARY_DIRS) and filename not in _LIBRARY_FILES:
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


# The directories of this package and of its siblings nn and optim (not any path that merely
# contains "autograd_engine" or "/nn/": a clone of the repository is itself named autograd_engine),
# plus the standard-library files that context managers and decorators run through.
_PACKAGES_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(os.path.join(_PACKAGES_ROOT, name) + os.sep for name in ("autograd_engine", "nn", "optim"))
_LIBRARY_FILES = frozenset({contextlib.__file__, functools.__file__})


def _check_finite(array: Any, op: Primitive, what: str) -> None:
    data = array.data if isinstance(array, Tensor) else array
    if isinstance(data, np.ndarray) and data.dtype.kind in "fc" and not np.isfinite(data).all():
        kind = "NaN" if np.isnan(data).any() else "inf"
        where = getattr(op, "created_at", None)
        origin = (
            f"the op was created at {where}" if where
            else "the op was created outside detect_anomaly(); run the forward pass inside it to see where"
        )
        raise AnomalyError(f"detect_anomaly: {op.describe()} produced {kind} in its {what} of shape {data.shape}; {origin}")


def _anomaly_in_rule(node: Primitive, error: AnomalyError) -> AnomalyError:
    """Under create_graph the gradient rule runs as recorded ops: name the node whose rule failed."""
    where = getattr(node, "created_at", None) or "a line outside detect_anomaly()"
    return AnomalyError(
        f"detect_anomaly: the gradient of {node.describe()} (created at {where}) is not finite under "
        f"create_graph=True -- inside its rule, {str(error).removeprefix('detect_anomaly: ')}"
    )


from .tensor import Tensor, as_operand  # noqa: E402  (Tensor's methods call back into the ops)
