"""Grad mode: whether operations record the graph, per thread, like PyTorch's.

``this_thread.mode`` is the calling thread's :class:`GradMode`, which every op reads when it runs:
``grad_enabled``, ``anomaly`` (``detect_anomaly``) and ``scope`` (the module path new nodes record).
(One thread-local lookup gives the whole mode; its fields are then plain attributes, which an op reads
faster than the thread-local's own.)  The context managers and decorators that set it -- ``no_grad``,
``enable_grad``, ``set_grad_enabled`` -- are in :mod:`autograd_engine.grad_contexts`,
``detect_anomaly`` in :mod:`autograd_engine.anomaly`.
"""
from __future__ import annotations

import threading


class GradMode:
    """One thread's mode, and the modes to restore when its innermost ``with`` blocks exit (per thread,
    so that one context object can be entered again, nested, or from several threads)."""

    __slots__ = ("grad_enabled", "anomaly", "scope", "saved_grad_modes", "saved_anomaly_modes")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.scope = ""  # path of the nn.Module whose forward is running, for graph drawings
        self.saved_grad_modes: list[bool] = []
        self.saved_anomaly_modes: list[bool] = []


class _ThisThread(threading.local):
    def __init__(self) -> None:
        self.mode = GradMode()


this_thread = _ThisThread()


def set_scope(path: str) -> str:
    """Set the module path that new nodes record (their cluster in graph drawings) in this thread;
    returns the previous one.  ``nn.Module`` sets it around each forward."""
    mode = this_thread.mode
    previous = mode.scope
    mode.scope = path
    return previous


def is_grad_enabled() -> bool:
    """True when new operations record the graph (in this thread)."""
    return this_thread.mode.grad_enabled
