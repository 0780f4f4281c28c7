"""The product reduction, exact where inputs are zero.

``prod``'s gradient for ``x[i]`` is the product of the other reduced elements.  Without zeros that
is ``out / x[i]``; with zeros the division would give 0/0, so the products of the others are
formed from running products before and after each element, which never divide: one zero in a
slice gets the product of the rest, and with two zeros every gradient of the slice is 0.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..declare import op
from ..operands import value
from ..tensor import Tensor
from . import dispatch
from .dispatch import expand_reduced
from .join import concatenate
from .reduce import _reduce, _Reduction
from .scan import cumprod


class Prod(_Reduction):
    __slots__ = ()
    name = "prod"

    def forward(self, x):
        return np.prod(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, out, x):
        g = expand_reduced(g, value(x).shape, self.axes, self.keepdims)
        if dispatch.divides_exactly(x):
            return (g * expand_reduced(out, value(x).shape, self.axes, self.keepdims) / x,)
        return (g * _product_of_the_others(x, self.axes),)


def _product_of_the_others(x: Any, axes: tuple[int, ...]) -> Any:
    """For each element, the product of the other elements of its reduced slice (arrays or Tensors).

    The reduced axes are moved last and merged into one; there ``before[i] = x[0] ... x[i-1]`` and
    ``after[i] = x[i+1] ... x[n-1]`` are running products, and their product is the answer."""
    ndim = value(x).ndim
    order = [a for a in range(ndim) if a not in axes] + list(axes)
    moved = x.transpose(tuple(order))
    lead = moved.shape[: ndim - len(axes)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=value(x).dtype)
    before = _concatenate([ones, _cumprod(flat[..., :-1])])
    after = _concatenate([_cumprod(flat[..., :0:-1])[..., ::-1], ones])
    others = (before * after).reshape(moved.shape)
    return others.transpose(tuple(np.argsort(order)))


def _cumprod(x: Any) -> Any:
    return cumprod(x, -1) if isinstance(x, Tensor) else np.cumprod(x, axis=-1)


def _concatenate(pieces: list[Any]) -> Any:
    if any(isinstance(p, Tensor) for p in pieces):
        return concatenate(pieces, axis=-1)
    return np.concatenate(pieces, axis=-1)


@op(method=True, dim=True)
def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product over ``axis`` (None: all axes); the product of nothing is 1.  Exact gradients with zeros."""
    return _reduce(Prod, x, axis, keepdims)
