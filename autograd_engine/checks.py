"""Argument checks shared by the public constructors and functions of ``autograd_engine``, ``nn`` and ``optim``.

Each check takes the value, the argument's name and its ``owner`` (the function, layer or
optimizer the message names), returns the value in its plain Python type, and raises

- ``TypeError`` when the value has the wrong type: a float or a string where a count is
  wanted, a string where a number is wanted, a truthy object where a flag is wanted, a
  number where a function is wanted;
- ``ValueError`` when the type is right but the value is not allowed: a zero or negative
  count, NaN or inf, a probability outside [0, 1], a name that is not one of the choices.

The messages name the owner, the argument, the value and what is allowed, e.g.
``Linear: in_features must be a positive integer, got 3.5 (float)``.  NumPy integers and
floats count as integers and real numbers; booleans count as neither (``True`` as a size or
a rate is a mistake, not a 1).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ShapeError

__all__ = ["check_bool", "check_int", "check_real", "check_choice", "check_callable", "check_gradient"]


def _got(value: Any) -> str:
    return f"got {value!r} ({type(value).__name__})"


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_bool(value: Any, name: str, owner: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (or a NumPy bool); a string such as ``"no"`` or
    any other truthy object is a TypeError, as in PyTorch."""
    if not _is_bool(value):
        raise TypeError(f"{owner}: {name} must be True or False, {_got(value)}")
    return bool(value)


def check_int(value: Any, name: str, owner: str, low: int | None = None) -> int:
    """``value`` as an int, which must be at least ``low`` (if given).

    A float (even ``3.0``), a string or a bool is a TypeError; an integer below ``low`` a ValueError.
    """
    if low == 1:
        allowed = "a positive integer"
    elif low == 0:
        allowed = "a non-negative integer"
    else:
        allowed = "an integer" if low is None else f"an integer >= {low}"
    if _is_bool(value) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be {allowed}, {_got(value)}")
    if low is not None and value < low:
        raise ValueError(f"{owner}: {name} must be {allowed}, got {value!r}")
    return int(value)


def check_real(
    value: Any,
    name: str,
    owner: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """``value`` as a float in the interval from ``low`` to ``high`` (closed unless ``low_open`` /
    ``high_open``; no bound where None).

    A string, a bool or any non-number is a TypeError; NaN, inf (unless ``allow_inf``) or a
    value outside the interval is a ValueError.
    """
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a {'' if allow_inf else 'finite '}real number, {_got(value)}")
    number = float(value)
    if math.isnan(number) or (math.isinf(number) and not allow_inf):
        raise ValueError(
            f"{owner}: {name} must be a {'real number, not NaN' if allow_inf else 'finite real number'}, got {value!r}"
        )
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if below or above:
        interval = (
            f"{'(' if low_open else '['}{low if low is not None else '-inf'}, "
            f"{high if high is not None else 'inf'}{')' if high_open else ']'}"
        )
        raise ValueError(f"{owner}: {name} must lie in {interval}, got {value!r}")
    return number


DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "xla", "hip", "ipu", "vulkan", "mkldnn")
"""PyTorch's device types, so that ``to("cuda:0")`` is read as a device (and refused), not as a dtype."""


def is_device(value: Any) -> bool:
    """True for a device name as PyTorch spells it: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ..."""
    return isinstance(value, str) and value.split(":")[0] in DEVICE_TYPES


def check_device(device: Any, owner: str) -> None:
    """Refuse any device but the CPU: the engine computes with NumPy."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise ValueError(f"{owner}({device!r}): this engine computes on the CPU with NumPy; the only device is 'cpu'")


def check_choice(value: Any, name: str, owner: str, choices: Sequence[Any]) -> Any:
    """``value`` if it is one of ``choices`` (strings, or None); otherwise a ValueError listing them
    (a TypeError if ``value`` is not even a string)."""
    if any(value is choice or (isinstance(value, str) and value == choice) for choice in choices):
        return value
    allowed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{owner}: {name} must be one of {allowed}, {_got(value)}")
    raise ValueError(f"{owner}: {name} must be one of {allowed}, got {value!r}")


def check_callable(value: Any, name: str, owner: str, signature: str = "") -> Callable[..., Any]:
    """``value`` if it can be called; otherwise a TypeError (``signature`` describes the expected
    function, e.g. ``"epoch -> factor"``)."""
    if not callable(value):
        wanted = f"a function ({signature})" if signature else "a function"
        raise TypeError(f"{owner}: {name} must be {wanted}, {_got(value)}")
    return value


def check_gradient(value: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``value`` (an array, array-like or Tensor) as the gradient of a tensor of ``shape`` and ``dtype``,
    as assigning ``.grad`` wants it: exactly that shape (else ShapeError), numbers that cast to ``dtype``
    (a copy in it; booleans, complex for a real tensor, floats for integers: TypeError)."""
    array = np.asarray(value)
    if array.shape != shape:
        raise ShapeError(f"grad: assigned a gradient of shape {array.shape} to a tensor of shape {shape}; a "
                         f"gradient must have exactly the tensor's shape -- reshape (or sum) it to {shape}, "
                         f"or assign None to clear it")
    if array.dtype != dtype:
        if array.dtype.kind not in "iufc" or not np.can_cast(array.dtype, dtype, casting="same_kind"):
            raise TypeError(f"grad: assigned a gradient of dtype {array.dtype} to a tensor of dtype {dtype}; a "
                            f"gradient must hold numbers that cast to {dtype} (integers or floats; not booleans, "
                            f"not complex numbers for a real tensor) -- pass e.g. an array of dtype {dtype}")
        array = array.astype(dtype)
    return array
