"""``detect_anomaly()``: stop at the first op whose forward or backward produces NaN or inf.

Inside the block every op records the user's source line that created it, and
both its forward output and the gradients its rule returns are checked; the
error names the op and that line.  It slows every op down: use it to debug.
``detect_anomaly`` is a context manager and a decorator (``@detect_anomaly()`` or
``@detect_anomaly``); the mode is per thread.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .checks import check_bool
from .errors import AnomalyError
from .grad_mode import this_thread
from .operands import value


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
        mode = this_thread.mode
        mode.saved_anomaly_modes.append(mode.anomaly)
        mode.anomaly = self.enabled
        return self

    def __exit__(self, *exc_info: object) -> None:
        mode = this_thread.mode
        mode.anomaly = mode.saved_anomaly_modes.pop()

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
    return this_thread.mode.anomaly


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


def check_finite(array: Any, op: Any, what: str) -> None:
    """Raise AnomalyError naming ``op`` (and the line that created it) if ``array`` holds NaN or inf."""
    data = value(array)
    if isinstance(data, np.ndarray) and data.dtype.kind in "fc" and not np.isfinite(data).all():
        kind = "NaN" if np.isnan(data).any() else "inf"
        where = getattr(op, "created_at", None)
        origin = (f"the op was created at {where}" if where
                  else "the op was created outside detect_anomaly(); run the forward pass inside it to see where")
        raise AnomalyError(f"detect_anomaly: {op.describe()} produced {kind} in its {what} of shape {data.shape}; {origin}")


def anomaly_in_rule(node: Any, error: AnomalyError) -> AnomalyError:
    """Under create_graph the gradient rule runs as recorded ops: name the node whose rule failed."""
    where = getattr(node, "created_at", None) or "a line outside detect_anomaly()"
    return AnomalyError(f"detect_anomaly: the gradient of {node.describe()} (created at {where}) is not finite under "
                        f"create_graph=True -- inside its rule, {str(error).removeprefix('detect_anomaly: ')}")
