"""``@op``: how an op is exposed -- as ``ae.<name>``, and where asked as a Tensor method or operator.

An op is declared once, in its family's module of ``autograd_engine/ops/``: the ``Primitive`` with its
forward and gradient rule, and right below it the function that applies it, decorated with ``@op(...)``.
The decorator enters the function in :data:`OPS` and attaches it to ``Tensor``, so that ``x.exp()``,
``ae.exp(x)`` and, for operators, ``x * y`` are one function.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .keywords import with_keyword_help
from .tensor import Tensor

OPS: dict[str, Callable[..., Any]] = {}
"""Every public op by name (``ae.exp``, ``ae.sum``, ...), filled by the ``@op`` declarations."""

_REFLECTED = {"add", "sub", "mul", "truediv", "pow", "matmul"}


def op(*, method: bool | Callable = False, operator: str | None = None, aliases: tuple[str, ...] = (),
       tensor: dict[str, Any] | None = None, dim: bool = False) -> Callable:
    """Declare a public op: ``@op(...)`` on the function that applies a primitive (or composes ops).

    The function is entered in :data:`OPS` under its name and each of ``aliases``; the engine's own ops
    (declared in ``autograd_engine/ops/`` before the package finishes importing) thereby become
    ``autograd_engine.<name>``, while an op declared later (a user's) is reached by its own name, or as
    ``ae.OPS[name]``.
    ``method=True`` makes it the Tensor method of that name too (``x.exp()`` is ``exp(x)``); a function
    instead is the method (``x.reshape(2, 3)``).  ``operator="add"`` makes it ``x + y`` and, for binary
    operators, ``y + x``.  ``tensor`` adds further Tensor attributes by name (``x.view``, ``x.T``).
    ``dim=True``: PyTorch's ``dim=`` and ``keepdim=`` are accepted for ``axis=`` and ``keepdims=``.
    An unknown keyword is a TypeError naming the op and, for a known NumPy/PyTorch spelling or a typo,
    the keyword to use.
    """

    def declare(function: Callable) -> Callable:
        name = function.__name__
        plain = function  # for the operators, which take no keywords
        function = with_keyword_help(function, name, dim)
        for public in (name, *aliases):
            OPS[public] = function
        if method:
            setattr(Tensor, name, function if method is True else functools.wraps(plain)(with_keyword_help(method, name)))
        if operator is not None:
            setattr(Tensor, f"__{operator}__", plain)
            if operator in _REFLECTED:
                setattr(Tensor, f"__r{operator}__", lambda self, other: plain(other, self))
        for attribute, value in (tensor or {}).items():
            setattr(Tensor, attribute, value)
        return function

    return declare
