"""Exceptions the engine raises. Each message names the op, the shapes or values, and the fix."""
from __future__ import annotations

import numpy as np


class EngineError(Exception):
    """Base of the engine's own errors (raised already worded for the user)."""


class ShapeError(EngineError, ValueError):
    """Operands whose shapes do not fit the op (broadcasting, matmul, reshape, axis...)."""


class GraphFreedError(EngineError, RuntimeError):
    """A backward pass reached a node whose saved values were released by an earlier backward."""


class AnomalyError(EngineError, FloatingPointError):
    """Raised inside ``detect_anomaly()`` when an op's forward or backward produces NaN or inf."""


class StateDictError(KeyError, ValueError):
    """``load_state_dict``: a well-formed state dict that does not fit the object loading it -- a
    module's keys or shapes, an optimizer's type, parameter groups or state shapes.  Exported as
    ``nn.StateDictError``; defined here, below ``nn`` and ``optim``, because both raise it."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CheckpointError(ValueError):
    """A file is not a valid checkpoint: truncated, corrupt, or not written by this library.

    Raised by ``nn.load`` for every damaged or crafted file (never a zipfile, JSON or NumPy
    error), and by the ``load_state_dict`` of optimizers and of the training history and by
    ``optim.Trainer.load_checkpoint`` for state that is malformed rather than merely
    mismatched (that is a :class:`StateDictError`).  The message names the file when there
    is one.  Exported as ``nn.CheckpointError``; defined here, below ``nn`` and ``optim``,
    because both raise it.
    """


def describe_key(key: object) -> str:
    """An index as written: ``1:, :3, ..., array(5,)``."""

    def one(p: object) -> str:
        if isinstance(p, slice):
            text = ":".join("" if v is None else str(v) for v in (p.start, p.stop))
            return text if p.step is None else f"{text}:{p.step}"
        shape = getattr(p, "shape", None)
        return f"array{shape}" if shape is not None else "..." if p is Ellipsis else str(p)

    return ", ".join(one(p) for p in (key if isinstance(key, tuple) else (key,)))


def forward_error(op: object, arrays: list, error: Exception) -> Exception:
    """NumPy's error from a forward, reworded: the op, the input shapes and, for shapes that do not
    broadcast, the rule and the fix (a ShapeError)."""
    shapes = " and ".join(str(np.shape(a)) for a in arrays)
    if isinstance(error, ValueError) and "broadcast" in str(error):
        return ShapeError(f"{op.describe()}: {str(error).strip()} (input shapes {shapes}); shapes broadcast when, "
                          f"aligned from the right, each pair of axes is equal or one of them is 1 -- reshape, "
                          f"expand_dims or transpose an operand")
    # the nearest builtin class: NumPy's own subclasses (casting errors, ...) take other constructor arguments
    kind = next(k for k in (IndexError, TypeError, ValueError) if isinstance(error, k))
    return kind(f"{op.describe()}: {error} (input shapes: {shapes})")


def forward_output_error(op: object, returned: object) -> TypeError:
    """A forward returned something that is not numbers (None: a forgotten return)."""
    return TypeError(f"{op.describe()}: forward returned {type(returned).__name__} {returned!r:.80}, not an array of "
                     f"numbers; forward must compute the output from the inputs' arrays and return it (a NumPy array)")


def not_a_primitive_error(op: object) -> TypeError:
    """``apply`` given something other than a Primitive instance: most often the class itself."""
    if isinstance(op, type):
        got = f"the class {op.__name__} itself"
        fix = f"; pass an instance: ae.apply({op.__name__}(), ...)" if hasattr(op, "forward") else ""
    else:
        got, fix = f"a {type(op).__name__}", ""
    return TypeError(f"apply: the op must be an instance of an ae.Primitive subclass (with forward and backward), "
                     f"got {got}{fix}; a function that composes ops needs no apply: call the ops")


def complex_output_error(op: object, arrays: list, out: np.ndarray) -> TypeError:
    """A complex output of inputs that require grad: recording nothing would drop their gradient silently."""
    dtypes = " and ".join(str(getattr(a, "dtype", type(a).__name__)) for a in arrays)
    return TypeError(f"{op.describe()}: the output would be {out.dtype} (input dtypes {dtypes}), but an input "
                     f"requires grad and complex tensors carry no gradients here; keep the real and imaginary parts "
                     f"as float tensors, or detach() the input (or run under no_grad()) if no gradient is wanted")


def freed_error(node: object) -> GraphFreedError:
    """A backward pass reached a node an earlier backward released."""
    return GraphFreedError(
        f"backward: the graph through {node.describe()} was already freed by an earlier backward, which released "
        f"its saved values; pass retain_graph=True to the first backward() (or grad()) if you need to go through the "
        f"graph again; or, if it reaches back into an earlier batch's graph through a carried recurrent state "
        f"(truncated backpropagation through time), carry state.detach() instead")


def modified_error(node: object, role: str, shape: tuple) -> RuntimeError:
    """A node's output or input was changed in place after the node used it (PyTorch raises too)."""
    return RuntimeError(
        f"backward: {role} of {node.describe()} (shape {shape}) was modified by an in-place update (+=, -=, *=, /=, "
        f"t[key] = ..., an optimizer step, or through a detach() or a view of it, or of the tensor it views) after "
        f"{node.describe()} used it, so its gradient would be computed from the new values; update a copy instead "
        f"(t = t + 1), or update it after backward")


def cycle_error(unreached: object) -> RuntimeError:
    """The error for a graph with a cycle.  Only ``x[key] = ...`` closes one: it makes the tensor object
    ``x`` the output of a later node, so a node recorded before that still reads ``x`` now reads its own
    descendant.  Names that node (an input updated after it was recorded) when it is among the tensors
    ``unreached``."""
    for t in unreached:
        node = t._node
        for i, x in enumerate(node.inputs or ()):
            version = getattr(x, "_version", None)
            if version is not None and version[0] > node.tick:
                return modified_error(node, f"input {i}", x.shape)
    return RuntimeError("backward: the graph has a cycle: an op recorded before an assignment t[key] = ... used t, "
                        "which the assignment made the output of a later op; compute that op after the assignment, "
                        "or assign into a copy (t = t.clone())")


def gradient_shape_error(node: object, x: object, gx: object) -> ShapeError:
    """A rule returned a gradient not of its input's shape: whose rule, which input, how to undo broadcasting."""
    if node is None:  # a root's seed (backward() and grad() check the ones users give)
        return ShapeError(f"backward: upstream gradient of shape {gx.shape} for a root of shape {x.shape}")
    name = node.describe()
    index = next((i for i, y in enumerate(node.inputs or ()) if y is x), "?")
    return ShapeError(f"{name}: its gradient rule returned a gradient of shape {gx.shape} for input {index}, which has "
                      f"shape {x.shape}; backward must return each input's gradient in that input's shape -- where the "
                      f"forward broadcast the input, sum the gradient back with "
                      f"autograd_engine.ops.dispatch.sum_to_shape(g, x.shape), or set broadcasts = True on the "
                      f"primitive and backward will (a bug in {name}'s gradient rule)")


def not_differentiable_twice_error(node: object, built_in: bool) -> RuntimeError:
    """create_graph=True through a rule that runs on raw arrays; for a user's primitive, how to opt in."""
    hint = "" if built_in else (
        f" ({type(node).__name__} is declared outside the engine, so differentiable_twice starts False: set "
        f"differentiable_twice = True on the class once its backward uses only g, out and the inputs it is handed "
        f"-- Tensors under create_graph -- with operators and autograd_engine.ops.dispatch helpers, not arrays "
        f"saved in forward)")
    return RuntimeError(f"grad: the gradient rule of {node.describe()} runs on raw arrays only, so create_graph=True "
                        f"cannot differentiate through it{hint}")


def hook_shape_error(hook: object, got: tuple, shape: tuple) -> ShapeError:
    """A tensor hook returned a replacement gradient of another shape than the tensor's."""
    return ShapeError(f"register_hook: hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape {got} "
                      f"for a tensor of shape {shape}; a hook must return None (keep the gradient) or an array of "
                      f"the tensor's shape")


def not_differentiable_error(owner: str, dtype: np.dtype) -> TypeError:
    """A tensor of ``dtype`` asked to require grad: only floating dtypes carry gradients."""
    hint = ("complex tensors carry no gradients here (ops would record nothing); keep the real and imaginary parts "
            "as two float tensors" if dtype.kind == "c" else "pass dtype=np.float32 (or float64) or convert with "
            ".astype(np.float32)")
    return TypeError(f"{owner}: only floating tensors can require gradients, got dtype {dtype}; {hint}")


def list_of_tensors_error(kind: str) -> TypeError:
    """``Tensor([x, y])`` of tensors that require grad: it copies values, which would lose their gradients."""
    return TypeError(
        f"Tensor: the {kind} holds a Tensor that requires grad; Tensor(...) copies values "
        f"and would cut it from the graph. Use ae.stack([...]) to join tensors with their gradients (ops given "
        f"such a list stack it themselves), or .detach() them to copy values"
    )


def item_assignment_error(key: object, shape: tuple) -> TypeError:
    """``t[key] = v``: tensors are immutable in the graph; what to do instead."""
    return TypeError(
        f"t[{describe_key(key)}] = ...: item assignment into a tensor (shape {shape}) is not supported; tensors are "
        f"immutable in the graph (an op that saved this one for its gradient would use the changed values). "
        f"Build a new tensor instead: ae.where(mask, new_values, t), t + ae.scatter_add(delta, key, t.shape), "
        f"or ae.concatenate of the pieces; or, for a leaf outside the graph, change its array inside "
        f"`with ae.no_grad():` via `t.data[key] = value` and then call t.mark_modified() (as an optimizer "
        f"step does), so that a graph that used the old value is not differentiated again"
    )


def name_taken_error(cls: type, taken: type) -> RuntimeError:
    """A new primitive class declares a name another class has in the PRIMITIVES table."""
    return RuntimeError(f"primitive name {cls.name!r} of {cls.__module__}.{cls.__qualname__} is already taken by "
                        f"{taken.__module__}.{taken.__qualname__}; give the new primitive another name (or name = '' "
                        f"to leave it out of the PRIMITIVES table)")
