"""How a Tensor turns into Python and NumPy values: ``item()``, ``tolist()``, ``numpy()``,
``float(t)``, ``int(t)``, ``bool(t)``, ``len(t)``, iteration, ``f"{t:.4f}"`` and ``np.asarray(t)``;
and how data becomes a Tensor's array (:func:`as_array`).

A base class of :class:`autograd_engine.Tensor` with no state of its own: it reads only ``data``.
None of these records anything in the graph (iterating gives ``t[0], t[1], ...``, which do).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .dtypes import get_default_dtype


class Conversions:
    """The value conversions of a Tensor (see the module)."""

    __slots__ = ()
    data: np.ndarray

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python number, got shape {self.data.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied).  For a tensor that requires grad it is a read-only
        view: a write through it would change values a recorded graph uses without backward knowing (PyTorch
        refuses ``numpy()`` there); write to ``x.data`` under ``no_grad()``, or take ``x.detach().numpy()``."""
        if not self.requires_grad:
            return self.data
        view = self.data.view()
        view.flags.writeable = False
        return view

    def tolist(self) -> Any:
        """The values as nested Python lists (a number for a 0-d tensor)."""
        return self.data.tolist()

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]  # type: ignore[index]  (the getitem op, attached to Tensor)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a 0-d tensor's value, as NumPy does for 0-d arrays."""
        return format(self.data.item() if self.data.ndim == 0 else self.data, spec) if spec else str(self)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.array(self.data, dtype=dtype, copy=True) if copy else np.asarray(self.data, dtype=dtype)


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """``data`` as an ndarray: Python numbers become the default float dtype, NumPy arrays and scalars
    keep theirs (no copy when none is needed)."""
    if isinstance(data, Conversions):  # a Tensor
        data = data.data
    if isinstance(data, np.ndarray | np.generic):
        return np.asarray(data, dtype=dtype)
    array = np.asarray(data, dtype=dtype)
    if dtype is None and array.dtype.kind in "iuf":
        array = array.astype(get_default_dtype())
    return array


class ElementCount(int):
    """``x.size``: NumPy's number of elements, an int.  Calling it as PyTorch's ``x.size()`` would
    silently mean something else, so it raises, naming ``.shape`` and ``numel()``."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"size is NumPy's number of elements here, the int {int(self)}, not PyTorch's size() method: "
                        f"use .shape for the sizes of the axes (.shape[dim] for one) or numel() for the count")
