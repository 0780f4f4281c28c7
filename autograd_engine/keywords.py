"""The error for a keyword an op does not take: it names the op, the keyword, and the spelling to use
-- NumPy's for PyTorch's and back, the positional place of PyTorch's ``input=``/``other=``, or the
closest parameter name.  ``@op`` (``declare.py``) wraps every op with :func:`with_keyword_help`, which
looks for it only when a call has already failed; ``nn.functional`` wraps its functions the same way."""
from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable
from typing import Any

_OTHER_SPELLINGS = {
    "dim": ("axis",), "dims": ("axis", "dim"), "axes": ("axis", "dim"), "axis": ("dim",), "keepdim": ("keepdims",), "keepdims": ("keepdim",),
    "correction": ("ddof",), "start_dim": ("start_axis",), "end_dim": ("end_axis",),
    "min": ("a_min",), "max": ("a_max",), "a_min": ("min",), "a_max": ("max",), "exponent": ("b",), "p": ("ord",),
}


def unknown_keyword_error(function: Callable, name: str, kwargs: dict[str, Any], dim: bool) -> TypeError | None:
    """The error for the first keyword of ``kwargs`` that ``function`` does not take (None if it takes them
    all): the op, the keyword, and the spelling to use -- NumPy's for PyTorch's and back, the positional
    place of PyTorch's ``input=``/``other=``, or the closest parameter name."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return None
    named = [p for p, info in parameters.items() if info.kind is not inspect.Parameter.POSITIONAL_ONLY
             and info.kind is not inspect.Parameter.VAR_POSITIONAL]
    accepted = set(named) | {torch for torch, numpy in (("dim", "axis"), ("keepdim", "keepdims")) if dim and numpy in named}
    unknown = [k for k in kwargs if k not in accepted]
    if not unknown:
        return None
    keyword = unknown[0]
    positional = [p for p, info in parameters.items() if info.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                                       inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    alternatives = [a for a in _OTHER_SPELLINGS.get(keyword, ()) if a in accepted]
    if alternatives:
        hint = f"use {alternatives[0]}= (the same argument)"
    elif keyword in ("input", "other", "self") and positional:
        place = 0 if keyword != "other" else 1
        hint = (f"pass it as argument {place + 1} ({positional[place]}), by position" if place < len(positional)
                else f"{name} takes no such operand")
    elif keyword == "unbiased" and "ddof" in accepted:
        hint = "use ddof=1 for unbiased=True, ddof=0 for unbiased=False"
    elif keyword == "out":
        hint = "out= is not supported: ops return a new Tensor; assign the result"
    elif keyword == "dtype":
        hint = "dtype= is not taken here: cast the input or the result with .astype(dtype)"
    elif keyword in ("dim", "keepdim", "axis", "keepdims"):
        hint = f"{name} has no such argument (neither NumPy's axis=/keepdims= nor PyTorch's dim=/keepdim=)"
    else:
        close = difflib.get_close_matches(keyword, named, n=1)
        hint = f"did you mean {close[0]}=" if close else "it is not one of its arguments"
    return TypeError(f"{name}: unknown keyword argument {keyword}=; {hint} ({name} takes: {', '.join(named)})")


def with_keyword_help(function: Callable, name: str, torch_axis_names: bool = False) -> Callable:
    """``function``, whose TypeError for an unknown keyword names the op and the keyword to use instead
    (the check runs only when the call fails); with ``torch_axis_names`` it also accepts PyTorch's ``dim=``
    for ``axis=`` and ``keepdim=`` for ``keepdims=``."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if torch_axis_names and kwargs:
            for torch_name, numpy_name in (("dim", "axis"), ("keepdim", "keepdims")):
                if torch_name in kwargs:
                    if numpy_name in kwargs:
                        raise TypeError(f"{name}: got both {numpy_name}= and PyTorch's {torch_name}=; pass one")
                    kwargs[numpy_name] = kwargs.pop(torch_name)
        try:
            return function(*args, **kwargs)
        except TypeError as error:
            unknown = unknown_keyword_error(function, name, kwargs, torch_axis_names) if kwargs else None
            if unknown is None:
                raise
            raise unknown from error

    return call
