"""Guards for primitives declared outside the engine -- a user's own ops, as in the README's
"Your own primitive".  The engine's own rules are tested to need none of them.

- A user's ``backward`` must return one gradient per input: otherwise the inputs beyond those it
  returned would silently get none.
- Its ``release`` also drops the arrays the primitive keeps in its ``__dict__`` (the notes'
  ``self.cache``), so that a node kept for drawing after backward does not keep them alive.
- ``differentiable_twice`` starts False: a rule may compute with arrays saved in ``forward``, which
  ``create_graph=True`` would treat as constants; the class opts in by setting it True.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor

_ENGINE_PACKAGE = __name__.rpartition(".")[0]


def declared_in_engine(cls: type) -> bool:
    """True for the engine's own primitives (declared in a module below ``autograd_engine``)."""
    return cls.__module__.startswith(_ENGINE_PACKAGE + ".")


def guard_user_primitive(cls: type, base: type) -> None:
    """Apply the guards above to ``cls``, a subclass of ``base`` (``Primitive``) declared outside the engine."""
    own = [c for c in cls.__mro__ if issubclass(c, base) and c is not base]
    if not any("differentiable_twice" in c.__dict__ or declared_in_engine(c) for c in own):
        cls.differentiable_twice = False
    if "backward" in cls.__dict__:
        cls.backward = _one_gradient_per_input(cls.__dict__["backward"])
    if cls.__dictoffset__ and "release" not in cls.__dict__:
        cls.release = _release_own_arrays(cls.release)


def _one_gradient_per_input(rule: Callable) -> Callable:
    @functools.wraps(rule)
    def backward(self: Any, grad: Any, out: Any, *inputs: Any) -> Any:
        grads = rule(self, grad, out, *inputs)
        if not isinstance(grads, tuple | list) or len(grads) != len(inputs):
            got = f"{len(grads)} gradients" if isinstance(grads, tuple | list) else f"a value of type {type(grads).__name__}"
            raise TypeError(f"{self.describe()}: its gradient rule returned {got} for "
                            f"{len(inputs)} input{'s' * (len(inputs) != 1)}; backward must return a tuple with one "
                            f"gradient per input, in order (None for an input that needs none), e.g. `return (g * 2,)` "
                            f"for a single input")
        return grads

    return backward


def _release_own_arrays(release: Callable) -> Callable:
    def holds_arrays(v: Any) -> bool:
        items = v.values() if isinstance(v, dict) else v if isinstance(v, tuple | list) else (v,)
        return any(isinstance(item, np.ndarray | Tensor) for item in items)

    @functools.wraps(release)
    def release_own_arrays(self: Any) -> None:
        release(self)
        for key in [k for k, v in self.__dict__.items() if holds_arrays(v)]:
            del self.__dict__[key]

    return release_own_arrays
