"""Exceptions the engine raises. Each message names the op, the shapes or values, and the fix."""
from __future__ import annotations


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
