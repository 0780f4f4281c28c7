"""Indexing: ``x[key]`` and its adjoint, scatter-add; plus ``one_hot``.

``key`` may hold ints, slices, Ellipsis, None, integer arrays and boolean masks,
as in NumPy.  Where an integer array repeats an index, the gradients of the
repeated picks add up (``np.add.at``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..declare import op
from ..dtypes import get_default_dtype
from ..errors import describe_key
from ..function import Primitive, apply
from ..operands import is_basic_index, value
from ..tensor import Tensor
from .dispatch import scatter_add as scatter_add_rule
from .dispatch import scatter_add_array


def _plain_key(key: Any) -> Any:
    """Replace Tensors and lists in an index by NumPy arrays (indices carry no gradient)."""
    if isinstance(key, tuple):
        return key if is_basic_index(key) else tuple(_plain_key(k) for k in key)
    if isinstance(key, Tensor):
        return key.data
    if isinstance(key, list):
        return np.asarray(key)
    return key


class GetItem(Primitive):
    """``x[key]``.  Its gradient is ``g`` scattered into zeros of x's shape; in an ordinary backward
    pass it is added into x's pending gradient at ``key`` instead, so that slicing a tensor T times
    (an RNN's time loop) costs T slices, not T dense copies."""

    __slots__ = ("key",)
    name = "getitem"
    adds_into_input = True

    def __init__(self, key: Any) -> None:
        self.key = key

    def describe(self) -> str:
        return f"getitem[{describe_key(self.key)}]"

    def forward(self, x):
        return x[self.key]

    def backward(self, g, out, x):
        return (scatter_add_rule(g, self.key, x.shape, x.dtype),)

    def add_gradient_into(self, g, target):
        if is_basic_index(self.key):
            target[self.key] += g  # a basic index never repeats a position
        else:
            np.add.at(target, self.key, g)


@op(operator="getitem")
def getitem(x: Any, key: Any) -> Any:
    """``x[key]`` with NumPy's basic and advanced indexing."""
    return apply(GetItem(_plain_key(key)), x)  # apply's IndexError names the op and the tensor's shape


class ScatterAdd(Primitive):
    """zeros(shape) with ``values`` added at ``key``: the adjoint of ``getitem`` (its rule is getitem)."""

    __slots__ = ("key", "shape")
    name = "scatter_add"

    def __init__(self, key: Any, shape: tuple[int, ...]) -> None:
        self.key, self.shape = key, shape

    def describe(self) -> str:
        return f"scatter_add[{describe_key(self.key)}]"

    def forward(self, values):
        return scatter_add_array(values, self.key, self.shape, np.result_type(values))

    def backward(self, g, out, values):
        return (g[self.key],)


def scatter_into_zeros(values: Any, key: Any, shape: tuple[int, ...]) -> Any:
    """A zero tensor of ``shape`` with ``values`` added at positions ``key`` (repeats accumulate).  Public
    as ``ae.scatter_add(values, key, shape)``, declared in ``assign`` beside PyTorch's ``scatter_add``."""
    return apply(ScatterAdd(_plain_key(key), tuple(shape)), values)


@op()
def one_hot(labels: Any, num_classes: int, dtype: Any = None) -> Tensor:
    """Rows of the identity: ``result[..., k] = 1`` where ``labels == k`` (not differentiable).

    Labels must be integers in ``[0, num_classes)``.
    """
    labels = np.asarray(value(labels))
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)].ravel()[0]
        raise ValueError(f"one_hot: label {bad} is outside [0, {num_classes}) for num_classes={num_classes}")
    result = np.zeros(labels.shape + (num_classes,), dtype=dtype or get_default_dtype())
    np.put_along_axis(result, labels[..., None], 1, axis=-1)
    return Tensor(result)
