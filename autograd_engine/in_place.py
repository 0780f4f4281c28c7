"""In-place arithmetic on tensors, as in PyTorch: ``w -= lr * w.grad`` inside ``no_grad()`` updates
``w``'s array and counts as an in-place update (``Tensor.mark_modified``), so that backward refuses a
graph that used the old values.

With grad mode on, an in-place change of a leaf that requires grad is refused (it would silently turn
the parameter into a graph node), and tensors in the graph get the out-of-place result, as in Python.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import is_grad_enabled
from .operands import value
from .tensor import Tensor, requires_grad_inside


def _in_place(ufunc: np.ufunc, out_of_place: Callable[[Any, Any], Any], symbol: str) -> Callable[[Tensor, Any], Tensor]:
    """The method behind ``symbol`` (``+=`` ...): ``ufunc`` into the tensor's array, or ``out_of_place``."""

    def update(self: Tensor, other: Any) -> Tensor:
        if isinstance(other, (list, tuple)):
            other_requires_grad = requires_grad_inside(other)
        else:
            other_requires_grad = isinstance(other, Tensor) and other.requires_grad
        if is_grad_enabled() and (self.requires_grad or other_requires_grad):
            if self._node is None and self.requires_grad:
                raise RuntimeError(
                    f"{symbol}: in-place update of a leaf tensor that requires grad (shape {self.shape}); "
                    f"do the update inside `with ae.no_grad():` or on `.data` (as an optimizer step does)"
                )
            return out_of_place(self, other)
        ufunc(self.data, value(other), out=self.data, casting="same_kind")
        self.mark_modified()
        return self

    update.__name__ = update.__qualname__ = f"__i{out_of_place.__name__}__"
    update.__doc__ = f"``self {symbol} other``: in place outside the graph, else out of place (see the module)."
    return update


Tensor.__iadd__ = _in_place(np.add, operator.add, "+=")
Tensor.__isub__ = _in_place(np.subtract, operator.sub, "-=")
Tensor.__imul__ = _in_place(np.multiply, operator.mul, "*=")
Tensor.__itruediv__ = _in_place(np.true_divide, operator.truediv, "/=")
