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


def complex_output_error(op: object, arrays: list, out: np.ndarray) -> TypeError:
    """A complex output of inputs that require grad: recording nothing would drop their gradient silently."""
    dtypes = " and ".join(str(getattr(a, "dtype", type(a).__name__)) for a in arrays)
    return TypeError(f"{op.describe()}: the output would be {out.dtype} (input dtypes {dtypes}), but an input "
                     f"requires grad and complex tensors carry no gradients here; keep the real and imaginary parts "
                     f"as float tensors, or detach() the input (or run under no_grad()) if no gradient is wanted")
