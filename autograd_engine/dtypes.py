"""The default floating dtype, used for Python numbers and module parameters."""
from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype: np.typing.DTypeLike) -> None:
    """Make ``dtype`` (float16, float32 or float64) the dtype of Python numbers."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(
            f"set_default_dtype: expected a floating dtype (float16, float32, float64), got {dtype}"
        )
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype given to Python numbers and new parameters (float32 unless changed)."""
    return _default_dtype


def is_differentiable_dtype(dtype: np.dtype) -> bool:
    """Only floating tensors can carry gradients (ops record a node only for a floating output;
    complex values are refused where they would enter a graph)."""
    return dtype.kind == "f"


# NumPy's scalar types under PyTorch's names, so that ``x.to(ae.float32)`` and ``dtype=ae.int64`` read as
# they do with torch; they are NumPy's own (a Tensor's dtype is a NumPy dtype).
float16, float32, float64, int32, int64, bool_ = np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_
