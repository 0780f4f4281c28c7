"""Grad mode: whether operations record the graph, per thread, like PyTorch's.

:data:`state` is the thread-local mode every op reads when it runs: ``grad_enabled``, ``anomaly``
(``detect_anomaly``) and ``scope`` (the module path new nodes record).  The context managers and
decorators that set it -- ``no_grad``, ``enable_grad``, ``set_grad_enabled`` -- are in
:mod:`autograd_engine.grad_contexts`, ``detect_anomaly`` in :mod:`autograd_engine.anomaly`.
"""
from __future__ import annotations

import threading


class _State(threading.local):
    grad_enabled: bool = True
    anomaly: bool = False
    scope: str = ""  # path of the nn.Module whose forward is running, for graph drawings

    def __init__(self) -> None:
        # the modes to restore when the innermost ``with`` blocks exit (per thread, so that one
        # context object can be entered again, nested, or from several threads)
        self.saved_grad_modes: list[bool] = []
        self.saved_anomaly_modes: list[bool] = []


state = _State()


def set_scope(path: str) -> str:
    """Set the module path that new nodes record (their cluster in graph drawings) in this thread;
    returns the previous one.  ``nn.Module`` sets it around each forward."""
    previous = state.scope
    state.scope = path
    return previous


def is_grad_enabled() -> bool:
    """True when new operations record the graph (in this thread)."""
    return state.grad_enabled
