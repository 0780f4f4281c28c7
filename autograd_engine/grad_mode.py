"""Grad mode: whether operations record the graph. Thread-local, like PyTorch.

``no_grad()`` and ``enable_grad()`` work as context managers and as decorators.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


class _State(threading.local):
    grad_enabled: bool = True
    anomaly: bool = False
    scope: str = ""  # path of the nn.Module whose forward is running, for graph drawings


state = _State()


def is_grad_enabled() -> bool:
    """True when new operations record the graph (in this thread)."""
    return state.grad_enabled


class _GradModeContext:
    """Sets grad mode for a ``with`` block or a decorated function, then restores it."""

    _mode: bool

    def __enter__(self) -> None:
        self._previous = state.grad_enabled
        state.grad_enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        state.grad_enabled = self._previous

    def __call__(self, function: _F) -> _F:
        mode = self._mode

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = state.grad_enabled
            state.grad_enabled = mode
            try:
                return function(*args, **kwargs)
            finally:
                state.grad_enabled = previous

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Operations inside do not record the graph: outputs never require grad."""

    _mode = False


class enable_grad(_GradModeContext):
    """Operations inside record the graph, even within ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode`` for a block (or, called plainly, from now on)."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._previous = state.grad_enabled
        state.grad_enabled = self._mode

    def __enter__(self) -> None:
        pass  # already set by the constructor; __exit__ restores
