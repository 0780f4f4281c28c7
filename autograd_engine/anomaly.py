"""``detect_anomaly()``: stop at the first op whose forward or backward produces NaN or inf.

Inside the block every op records the user's source line that created it, and
both its forward output and the gradients its rule returns are checked; the
error names the op and that line.  It slows every op down: use it to debug.
``detect_anomaly`` is a context manager and a decorator (``@detect_anomaly()`` or
``@detect_anomaly``); the mode is per thread.
"""
from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

from .checks import check_bool
from .grad_mode import state


class detect_anomaly(contextlib.ContextDecorator):
    """Context manager and decorator for anomaly detection in this thread.

    One object may be entered again, nested, or from several threads at once: the mode to
    restore on exit is kept on a per-thread stack, not on the object.
    """

    def __new__(cls, enabled: Any = True) -> Any:
        if callable(enabled):  # @detect_anomaly without parentheses
            return cls()(enabled)
        return super().__new__(cls)

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = check_bool(enabled, "enabled", "detect_anomaly")

    def __enter__(self) -> detect_anomaly:
        state.saved_anomaly_modes.append(state.anomaly)
        state.anomaly = self.enabled
        return self

    def __exit__(self, *exc_info: object) -> None:
        state.anomaly = state.saved_anomaly_modes.pop()

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(function) or inspect.iscoroutinefunction(function):
            raise TypeError(
                f"detect_anomaly: cannot decorate {function.__qualname__}: it is a generator (or coroutine) "
                f"function, whose body runs after the call returns, outside the mode; use "
                f"`with ae.detect_anomaly():` inside its body instead"
            )
        return super().__call__(function)


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` (in this thread)."""
    return state.anomaly
