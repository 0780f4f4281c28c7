"""Creating tensors: zeros, ones, full, empty, eye, arange, linspace, the ``*_like`` forms, rand,
randn, randint and from_numpy -- with NumPy's names and arguments, plus PyTorch's ``dtype=`` and
``requires_grad=`` on each.

These make leaves, not ops: nothing is recorded and nothing flows back into their arguments (a
Tensor given as ``fill_value`` is read as a constant).  Floating results default to the library's
default dtype (float32, see ``set_default_dtype``), as PyTorch's do, where NumPy would give float64;
integer ones are int64.  The shape may be given as one tuple or as separate sizes: ``zeros((2, 3))``
and ``zeros(2, 3)``.  ``rand``, ``randn`` and ``randint`` draw from the library's generator
(``ae.seed`` / ``ae.manual_seed`` make them repeat), or from ``generator=`` if given.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .checks import check_bool, check_int, check_real
from .dtypes import get_default_dtype
from .random import default_generator
from .tensor import Tensor, as_array

__all__ = ["zeros", "ones", "full", "empty", "eye", "arange", "linspace", "zeros_like", "ones_like", "full_like",
           "empty_like", "rand", "randn", "rand_like", "randn_like", "randint", "from_numpy"]


def _shape(sizes: tuple[Any, ...], name: str) -> tuple[int, ...]:
    """``zeros((2, 3))`` and ``zeros(2, 3)`` alike: the sizes as non-negative ints."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, np.ndarray)):
        sizes = tuple(sizes[0])
    return tuple(check_int(n, "each size", name, low=0) for n in sizes)


def _dtype(dtype: Any, name: str, default: Any = None) -> np.dtype:
    if dtype is None:
        return np.dtype(default if default is not None else get_default_dtype())
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name}: dtype must be a NumPy dtype such as np.float32 or 'float64', got {dtype!r}") from None


def _leaf(array: np.ndarray, requires_grad: Any, name: str) -> Tensor:
    """The new array as a leaf Tensor; only a floating one may require grad."""
    if check_bool(requires_grad, "requires_grad", name) and array.dtype.kind != "f":
        raise TypeError(f"{name}: only floating tensors can require gradients, got dtype {array.dtype}; "
                        f"pass dtype=np.float32 (or float64)")
    return Tensor(array, requires_grad=requires_grad)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of ``shape``."""
    return _leaf(np.zeros(_shape(shape, "zeros"), _dtype(dtype, "zeros")), requires_grad, "zeros")


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of ``shape``."""
    return _leaf(np.ones(_shape(shape, "ones"), _dtype(dtype, "ones")), requires_grad, "ones")


def empty(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` whose values are whatever the memory held (fill it before reading)."""
    return _leaf(np.empty(_shape(shape, "empty"), _dtype(dtype, "empty")), requires_grad, "empty")


def _fill_dtype(fill_value: Any, name: str) -> np.dtype:
    """The dtype a fill value implies: bool, int64 for a Python int, the default float dtype for a
    Python float; a NumPy scalar or array (or Tensor) keeps its own."""
    if isinstance(fill_value, bool):
        return np.dtype(bool)
    if isinstance(fill_value, int):
        return np.dtype(np.int64)
    if isinstance(fill_value, float):
        return get_default_dtype()
    fill = as_array(fill_value)
    if fill.ndim or fill.dtype.kind not in "biufc":
        raise TypeError(f"{name}: fill_value must be one number, got {fill_value!r}")
    return fill.dtype


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` (an int or a tuple) filled with ``fill_value`` (its dtype by default:
    bool, int64, or the default float dtype for a Python float)."""
    dtype = _dtype(dtype, "full", _fill_dtype(fill_value, "full"))
    return _leaf(np.full(_shape((shape,), "full"), as_array(fill_value), dtype), requires_grad, "full")


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: N803
    """An ``N`` x ``M`` (default square) matrix with ones on the ``k``-th diagonal."""
    rows = check_int(N, "N", "eye", low=0)
    cols = rows if M is None else check_int(M, "M", "eye", low=0)
    return _leaf(np.eye(rows, cols, check_int(k, "k", "eye"), _dtype(dtype, "eye")), requires_grad, "eye")


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` (one argument: ``[0, start)``), as NumPy's
    ``arange``: int64 when every argument is an int, else the default float dtype."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0")
    values = np.arange(*(check_real(v, name, "arange") for v, name in ((start, "start"), (stop, "stop"), (step, "step"))))
    integral = all(isinstance(v, (int, np.integer)) for v in (start, stop, step) if v is not None)
    default = np.int64 if integral else get_default_dtype()
    return _leaf(values.astype(_dtype(dtype, "arange", default)), requires_grad, "arange")


def linspace(start: float, stop: float, num: int = 50, endpoint: bool = True, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` (included unless ``endpoint=False``)."""
    start, stop = check_real(start, "start", "linspace"), check_real(stop, "stop", "linspace")
    num = check_int(num, "num", "linspace", low=0)
    values = np.linspace(start, stop, num, endpoint=check_bool(endpoint, "endpoint", "linspace"))
    return _leaf(values.astype(_dtype(dtype, "linspace")), requires_grad, "linspace")


def _template(a: Any, dtype: Any, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype of ``a`` (a Tensor, array, number or list), or the ``dtype`` given."""
    array = as_array(a)
    return array.shape, _dtype(dtype, name, array.dtype)


def zeros_like(a: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``a``'s shape and dtype (or ``dtype``)."""
    shape, dtype = _template(a, dtype, "zeros_like")
    return _leaf(np.zeros(shape, dtype), requires_grad, "zeros_like")


def ones_like(a: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``a``'s shape and dtype (or ``dtype``)."""
    shape, dtype = _template(a, dtype, "ones_like")
    return _leaf(np.ones(shape, dtype), requires_grad, "ones_like")


def empty_like(a: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An unfilled tensor of ``a``'s shape and dtype (or ``dtype``)."""
    shape, dtype = _template(a, dtype, "empty_like")
    return _leaf(np.empty(shape, dtype), requires_grad, "empty_like")


def full_like(a: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``a``'s shape and dtype (or ``dtype``), as NumPy's ``full_like``."""
    shape, dtype = _template(a, dtype, "full_like")
    _fill_dtype(fill_value, "full_like")  # one number
    return _leaf(np.full(shape, as_array(fill_value), dtype), requires_grad, "full_like")


def _generator(generator: np.random.Generator | None, name: str) -> np.random.Generator:
    if generator is None:
        return default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{name}: generator must be a numpy.random.Generator, got {type(generator).__name__}")
    return generator


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False,
         generator: np.random.Generator | None = None) -> Tensor:
    """Uniform samples from [0, 1) of ``shape``, from the library's generator (or ``generator``)."""
    values = _generator(generator, "rand").random(_shape(shape, "rand"))
    return _leaf(values.astype(_dtype(dtype, "rand")), requires_grad, "rand")


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False,
          generator: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples of ``shape``, from the library's generator (or ``generator``)."""
    values = _generator(generator, "randn").standard_normal(_shape(shape, "randn"))
    return _leaf(values.astype(_dtype(dtype, "randn")), requires_grad, "randn")


def rand_like(a: Any, dtype: Any = None, requires_grad: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """``rand`` of ``a``'s shape, in ``a``'s floating dtype unless ``dtype`` says otherwise."""
    shape, dtype = _random_template(a, dtype, "rand_like")
    return rand(*shape, dtype=dtype, requires_grad=requires_grad, generator=generator)


def randn_like(a: Any, dtype: Any = None, requires_grad: bool = False,
               generator: np.random.Generator | None = None) -> Tensor:
    """``randn`` of ``a``'s shape, in ``a``'s floating dtype unless ``dtype`` says otherwise."""
    shape, dtype = _random_template(a, dtype, "randn_like")
    return randn(*shape, dtype=dtype, requires_grad=requires_grad, generator=generator)


def _random_template(a: Any, dtype: Any, name: str) -> tuple[tuple[int, ...], Any]:
    """``a``'s shape, and ``dtype`` or else ``a``'s dtype when floating (random floats of an integer
    array take the default float dtype)."""
    shape, own = _template(a, None, name)
    return shape, dtype if dtype is not None else (own if np.dtype(own).kind == "f" else None)


def randint(low: int, high: Any = None, size: Any = (), dtype: Any = np.int64, requires_grad: bool = False,
            generator: np.random.Generator | None = None) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` (one bound: ``[0, low)``), as NumPy's ``randint``;
    PyTorch's ``randint(high, size)`` works too.  int64 unless ``dtype`` says otherwise."""
    if isinstance(high, (tuple, list)):  # PyTorch's randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    low, high = check_int(low, "low", "randint"), check_int(high, "high", "randint")
    if high <= low:
        raise ValueError(f"randint: the range [low, high) = [{low}, {high}) is empty; give high > low")
    shape = () if size is None else _shape((size,), "randint")
    values = _generator(generator, "randint").integers(low, high, size=shape)
    return _leaf(values.astype(_dtype(dtype, "randint")), requires_grad, "randint")


def from_numpy(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A Tensor sharing ``array``'s memory (no copy; a change to one shows in the other), as
    PyTorch's ``from_numpy``.  The dtype is the array's."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}; use ae.tensor(data) "
                        f"for other data")
    return _leaf(array, requires_grad, "from_numpy")

