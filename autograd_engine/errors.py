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
