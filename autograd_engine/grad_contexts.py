"""``no_grad``, ``enable_grad`` and ``set_grad_enabled``: set grad mode for a block or a function.

They work as context managers and as decorators, with or without parentheses (``@no_grad`` and
``@no_grad()``), as in PyTorch 2.x; a decorated generator runs its body in the mode.
``set_grad_enabled(mode)`` also works as a plain call; like PyTorch's, it sets the mode when created
*and* each time its ``with`` block is entered, so one object can be entered again.  The mode itself
is ``autograd_engine.grad_mode.this_thread.mode``, per thread.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from .checks import check_bool
from .grad_mode import this_thread

_F = TypeVar("_F", bound=Callable[..., Any])


class _GradModeContext:
    """Sets grad mode for a ``with`` block or a decorated function, then restores it."""

    _mode: bool

    def __enter__(self) -> None:
        mode = this_thread.mode
        mode.saved_grad_modes.append(mode.grad_enabled)
        mode.grad_enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        mode = this_thread.mode
        mode.grad_enabled = mode.saved_grad_modes.pop()

    def __call__(self, function: _F) -> _F:
        mode = self._mode
        if inspect.isgeneratorfunction(function):
            return _generator_in_mode(function, mode)  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return _call_in_mode(mode, function, *args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _call_in_mode(mode: bool, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    thread_mode = this_thread.mode
    previous = thread_mode.grad_enabled
    thread_mode.grad_enabled = mode
    try:
        return function(*args, **kwargs)
    finally:
        thread_mode.grad_enabled = previous


def _generator_in_mode(function: Callable[..., Any], mode: bool) -> Callable[..., Any]:
    """A decorated generator runs its body in ``mode`` at every step, and its caller's code between
    the steps in the caller's mode (a plain wrapper would restore the mode before the body runs)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        generator = function(*args, **kwargs)
        try:
            value = _call_in_mode(mode, next, generator)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    _call_in_mode(mode, generator.close)
                    raise
                except BaseException as error:  # thrown in by the caller: pass it on
                    value = _call_in_mode(mode, generator.throw, error)
                else:
                    value = _call_in_mode(mode, generator.send, sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class _ContextWithoutArguments(_GradModeContext):
    """A mode context that takes no arguments, so it also decorates without parentheses:
    ``@no_grad`` is ``no_grad()(function)``, as in PyTorch 2.x."""

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        if function is None:
            return super().__new__(cls)
        if not callable(function):
            raise TypeError(f"{cls.__name__}() takes no arguments (got {function!r}); use `with ae.{cls.__name__}():` "
                            f"or decorate a function with @ae.{cls.__name__}")
        return cls()(function)

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        pass  # __new__ handled the decorator form


class no_grad(_ContextWithoutArguments):
    """Operations inside do not record the graph: outputs never require grad."""

    _mode = False


class enable_grad(_ContextWithoutArguments):
    """Operations inside record the graph, even within ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode`` for a block or a decorated function (or, called plainly, from now on).

    As in PyTorch, the mode is set when the object is created (the plain call's effect) and
    again each time its ``with`` block is entered, and leaving the block restores the mode that
    was on when the object was created.
    """

    def __init__(self, mode: bool) -> None:
        self._mode = check_bool(mode, "mode", "set_grad_enabled")  # "no" is truthy: refuse it, as PyTorch
        self._previous = this_thread.mode.grad_enabled
        this_thread.mode.grad_enabled = self._mode  # the plain call's effect

    def __enter__(self) -> None:
        mode = this_thread.mode
        mode.saved_grad_modes.append(self._previous)
        mode.grad_enabled = self._mode  # again: the object may be entered later, or a second time

    def __call__(self, function: _F) -> _F:
        this_thread.mode.grad_enabled = self._previous  # as a decorator it acts only while the function runs
        return super().__call__(function)


inference_mode = no_grad
"""PyTorch's ``inference_mode``: here the same as ``no_grad`` (no graph is recorded inside it)."""
