"""``detect_anomaly()``: stop at the first op whose forward or backward produces NaN or inf.

Inside the block every op records the user's source line that created it, and
both its forward output and the gradients its rule returns are checked; the
error names the op and that line.  It slows every op down: use it to debug.
"""
from __future__ import annotations

from .grad_mode import state


class detect_anomaly:
    """Context manager (and decorator-free switch) for anomaly detection in this thread."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def __enter__(self) -> detect_anomaly:
        state.saved_anomaly_modes.append(state.anomaly)
        state.anomaly = self.enabled
        return self

    def __exit__(self, *exc_info: object) -> None:
        state.anomaly = state.saved_anomaly_modes.pop()


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` (in this thread)."""
    return state.anomaly
