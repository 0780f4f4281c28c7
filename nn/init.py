"""Weight initialisation, in place, as ``torch.nn.init`` -- plus the notes' named schemes.

Every function fills a Parameter (or Tensor, or ndarray) in place, keeps its
dtype, returns it, and draws from ``generator`` (a ``numpy.random.Generator``)
or, by default, from ``autograd_engine.random.default_generator()`` so that
``autograd_engine.seed(n)`` makes runs repeat.

Fan-in and fan-out follow PyTorch: for a Linear weight ``(out, in)`` they are
``in`` and ``out``; for a Conv weight ``(out_channels, in_channels, *kernel)``
they are ``in_channels * prod(kernel)`` and ``out_channels * prod(kernel)``.

The notes' recommendation for ReLU networks, He initialisation
``w = randn(n) * sqrt(2 / n)``, is ``kaiming_normal_(w)`` (alias ``he_normal_``).
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from autograd_engine import Tensor
from autograd_engine import random as ae_random
from autograd_engine.checks import check_choice, check_int, check_real
from autograd_engine.operands import value

__all__ = [
    "calculate_gain", "calculate_fan_in_and_fan_out", "zeros_", "ones_", "constant_", "normal_", "uniform_",
    "small_random_", "xavier_uniform_", "xavier_normal_", "glorot_uniform_", "glorot_normal_",
    "kaiming_uniform_", "kaiming_normal_", "he_uniform_", "he_normal_", "orthogonal_", "sparse_",
    "trunc_normal_", "eye_", "dirac_",
]


def _array(tensor: Any, fn: str) -> np.ndarray:
    data = value(tensor)
    if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
        raise TypeError(f"init.{fn}: expected a floating Parameter, Tensor or ndarray, got {type(tensor).__name__}")
    return data


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return ae_random.default_generator() if generator is None else generator


def _fill(tensor: Any, values: Any, fn: str) -> Any:
    data = _array(tensor, fn)
    data[...] = values
    if isinstance(tensor, Tensor):
        tensor.mark_modified()
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity`` (PyTorch's table): 1 for linear/sigmoid/conv,
    5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope ``param``,
    default 0.01), 3/4 for selu."""
    if not isinstance(nonlinearity, str):
        raise TypeError(
            f"calculate_gain: nonlinearity must be a name such as 'relu' or 'tanh', got {nonlinearity!r} "
            f"({type(nonlinearity).__name__})"
        )
    if param is not None:
        param = check_real(param, "param", "calculate_gain")
    if nonlinearity in {"linear", "identity", "sigmoid"} or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; use one of linear, sigmoid, tanh, relu, "
        f"leaky_relu, selu, conv1d/2d/3d"
    )


def calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape ``(out, in, *receptive_field)`` (at least 2-D)."""
    shape = np.shape(value(tensor))
    if len(shape) < 2:
        raise ValueError(
            f"calculate_fan_in_and_fan_out: needs a weight with at least 2 dimensions (out, in, ...), got shape "
            f"{shape}; initialise biases with uniform_/zeros_ instead"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Any, mode: str) -> int:
    check_choice(mode, "mode", "init", ("fan_in", "fan_out"))
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _no_elements(tensor: Any, fn: str) -> bool:
    """True (with a warning, as PyTorch) for a weight with no elements: its fan may be 0, and there is
    nothing to fill, so the fan-based initialisers leave it alone instead of dividing by zero."""
    if _array(tensor, fn).size:
        return False
    warnings.warn(f"init.{fn}: initialising a zero-element tensor of shape {_array(tensor, fn).shape} does nothing",
                  stacklevel=3)
    return True


def zeros_(tensor: Any) -> Any:
    """Fill with 0."""
    return _fill(tensor, 0, "zeros_")


def ones_(tensor: Any) -> Any:
    """Fill with 1."""
    return _fill(tensor, 1, "ones_")


def constant_(tensor: Any, val: float) -> Any:
    """Fill with ``val`` (a finite number)."""
    return _fill(tensor, check_real(val, "val", "init.constant_"), "constant_")


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Draw from U(a, b); ``a <= b``, both finite."""
    a, b = check_real(a, "a", "init.uniform_"), check_real(b, "b", "init.uniform_")
    if a > b:
        raise ValueError(f"init.uniform_: the bounds must satisfy a <= b, got a={a}, b={b}")
    data = _array(tensor, "uniform_")
    return _fill(tensor, _rng(generator).uniform(a, b, size=data.shape), "uniform_")


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Draw from N(mean, std**2); ``std >= 0``, both finite."""
    mean = check_real(mean, "mean", "init.normal_")
    std = check_real(std, "std", "init.normal_", low=0.0)
    data = _array(tensor, "normal_")
    return _fill(tensor, mean + std * _rng(generator).standard_normal(data.shape), "normal_")


def trunc_normal_(
    tensor: Any,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: np.random.Generator | None = None,
) -> Any:
    """Draw from N(mean, std**2) truncated to [a, b] (``a`` and ``b`` are values, not multiples of std).

    Drawn by rejection: draws outside [a, b] are drawn again, so the values follow the truncated
    normal exactly.  As PyTorch, warns when ``mean`` is more than 2 std outside [a, b]; raises when
    [a, b] holds less than 1e-6 of the normal's probability (rejection would not finish).
    """
    data = _array(tensor, "trunc_normal_")
    mean, std = check_real(mean, "mean", "init.trunc_normal_"), check_real(std, "std", "init.trunc_normal_")
    a = check_real(a, "a", "init.trunc_normal_", allow_inf=True)
    b = check_real(b, "b", "init.trunc_normal_", allow_inf=True)
    if not a < b:
        raise ValueError(f"init.trunc_normal_: the bounds must satisfy a < b, got a={a}, b={b}")
    if not std > 0:
        raise ValueError(f"init.trunc_normal_: std must be positive, got {std}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            f"init.trunc_normal_: mean={mean} is more than 2 std (std={std}) from [a, b] = [{a}, {b}]; the values "
            f"crowd at the nearer bound",
            stacklevel=2,
        )

    def cdf(v: float) -> float:
        return 0.5 * math.erfc(-(v - mean) / (std * math.sqrt(2.0)))

    accept = cdf(b) - cdf(a)
    if accept < 1e-6:
        raise ValueError(
            f"init.trunc_normal_: [a, b] = [{a}, {b}] holds only {accept:.2g} of N({mean}, {std}**2); move mean "
            f"into [a, b] or widen the bounds"
        )
    rng = _rng(generator)
    values = np.empty(data.size)
    missing = np.arange(data.size)
    while missing.size:
        draws = mean + std * rng.standard_normal(missing.size)
        good = (draws >= a) & (draws <= b)
        values[missing[good]] = draws[good]
        missing = missing[~good]
    return _fill(tensor, values.reshape(data.shape), "trunc_normal_")


def eye_(tensor: Any) -> Any:
    """Fill a 2-D weight with the identity matrix (ones on the main diagonal, zeros elsewhere;
    a non-square weight gets min(rows, cols) ones), so a Linear layer starts as the identity map
    on the inputs it keeps."""
    data = _array(tensor, "eye_")
    if data.ndim != 2:
        raise ValueError(
            f"init.eye_: only 2-D weights are supported, got shape {data.shape}; for a convolution use dirac_"
        )
    return _fill(tensor, np.eye(*data.shape), "eye_")


def dirac_(tensor: Any, groups: int = 1) -> Any:
    """Fill a 3-, 4- or 5-D convolution weight (out, in, *kernel) with the Dirac delta, so the
    convolution (stride 1, 'same' padding) passes its input channels through unchanged.

    Output channel ``d`` of each of the ``groups`` groups gets a 1 at the kernel's centre
    (index size // 2 on every kernel axis) for input channel ``d``, for d < min(out/groups, in);
    everything else is 0.  ``out`` must be divisible by ``groups`` (PyTorch's semantics).
    """
    data = _array(tensor, "dirac_")
    if data.ndim not in (3, 4, 5):
        raise ValueError(
            f"init.dirac_: only 3-, 4- or 5-D weights (out, in, *kernel) are supported, got shape {data.shape}; "
            f"for a 2-D weight use eye_"
        )
    if not isinstance(groups, (int, np.integer)) or groups < 1 or data.shape[0] % groups:
        raise ValueError(
            f"init.dirac_: groups={groups!r} must be a positive int dividing dim 0 (out channels = {data.shape[0]})"
        )
    per_group = data.shape[0] // groups
    centre = tuple(size // 2 for size in data.shape[2:])
    values = np.zeros(data.shape)
    for group in range(groups):
        for d in range(min(per_group, data.shape[1])):
            values[(group * per_group + d, d, *centre)] = 1
    return _fill(tensor, values, "dirac_")


def small_random_(tensor: Any, scale: float = 0.01, generator: np.random.Generator | None = None) -> Any:
    """The notes' "small random numbers": ``scale * randn`` (0.01 by default)."""
    return normal_(tensor, 0.0, check_real(scale, "scale", "init.small_random_", low=0.0), generator)


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Glorot: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    gain = check_real(gain, "gain", "init.xavier_uniform_", low=0.0)
    if _no_elements(tensor, "xavier_uniform_"):
        return tensor
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Glorot: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    gain = check_real(gain, "gain", "init.xavier_normal_", low=0.0)
    if _no_elements(tensor, "xavier_normal_"):
        return tensor
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Any:
    """He: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    With the defaults (a=0) that is b = sqrt(6 / fan_in).  PyTorch's Linear and Conv
    layers use ``a=sqrt(5)``, i.e. b = 1 / sqrt(fan_in).
    """
    a = check_real(a, "a", "init.kaiming_uniform_")
    if _no_elements(tensor, "kaiming_uniform_"):
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Any:
    """He: N(0, std**2) with std = gain / sqrt(fan).  With the defaults, std = sqrt(2 / fan_in):
    the notes' ``w = np.random.randn(n) * sqrt(2.0 / n)`` for ReLU networks."""
    a = check_real(a, "a", "init.kaiming_normal_")
    if _no_elements(tensor, "kaiming_normal_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def _default_layer_init(weight: Any, bias: Any = None) -> None:
    """PyTorch's default initialisation of Linear and Conv layers, in place: ``weight`` from
    ``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), then ``bias`` (if not
    None) from the same U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in being the weight's."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(calculate_fan_in_and_fan_out(weight)[0])
        uniform_(bias, -bound, bound)


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_


def orthogonal_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """A (semi-)orthogonal matrix times ``gain``: the weight, viewed as ``(shape[0], rest)``, has
    orthonormal rows (if it has fewer rows than columns) or columns (otherwise).  Drawn as the Q
    of a QR decomposition of a Gaussian matrix, with signs fixed so the draw is uniform (Haar)."""
    data = _array(tensor, "orthogonal_")
    gain = check_real(gain, "gain", "init.orthogonal_")
    if data.ndim < 2:
        raise ValueError(f"init.orthogonal_: needs at least 2 dimensions, got shape {data.shape}")
    rows, cols = data.shape[0], data.size // data.shape[0]
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(data.shape), "orthogonal_")


def sparse_(
    tensor: Any,
    sparsity: float | None = None,
    std: float = 0.01,
    k: int | None = None,
    generator: np.random.Generator | None = None,
) -> Any:
    """Sparse initialisation of a 2-D weight ``(out, in)``; non-zero entries are N(0, std**2).

    Give exactly one of:
    ``k`` -- the notes' scheme: every unit (row) is connected to ``k`` random inputs, the
    rest of its weights are zero;
    ``sparsity`` -- PyTorch's ``sparse_``: in every column, ``ceil(sparsity * out)`` random
    entries are zero.
    """
    data = _array(tensor, "sparse_")
    if data.ndim != 2:
        raise ValueError(f"init.sparse_: needs a 2-D weight (out, in), got shape {data.shape}")
    if (sparsity is None) == (k is None):
        raise ValueError("init.sparse_: give exactly one of k (inputs per unit) or sparsity (fraction of zeros per column)")
    std = check_real(std, "std", "init.sparse_", low=0.0)
    rng = _rng(generator)
    rows, cols = data.shape
    values = std * rng.standard_normal((rows, cols))
    keep = np.zeros((rows, cols), dtype=bool)
    if k is not None:
        if not 0 <= check_int(k, "k", "init.sparse_") <= cols:
            raise ValueError(f"init.sparse_: k={k} must be in [0, {cols}] (the number of inputs)")
        for row in range(rows):
            keep[row, rng.choice(cols, size=k, replace=False)] = True
    else:
        if not 0 <= check_real(sparsity, "sparsity", "init.sparse_") <= 1:
            raise ValueError(f"init.sparse_: sparsity={sparsity} must be in [0, 1]")
        zeros = math.ceil(sparsity * rows)
        keep[:] = True
        for col in range(cols):
            keep[rng.choice(rows, size=zeros, replace=False), col] = False
    return _fill(tensor, np.where(keep, values, 0.0), "sparse_")
