"""Normalisation layers: BatchNorm1d/2d, LayerNorm, GroupNorm (PyTorch's names and defaults).

All normalise with the *biased* variance, ``(x - mean) / sqrt(var + eps)``, then apply a
per-channel (or per-feature) affine map ``weight * x_hat + bias`` (the notes' gamma, beta).
They differ in the axes the statistics run over:

- batch norm: per channel, over the batch and spatial axes (all axes but 1); in training
  the batch statistics are used and folded into running averages, in evaluation the
  running averages are used;
- layer norm: per example, over the trailing ``normalized_shape`` axes;
- group norm: per example and group of ``C // G`` consecutive channels, over the group's
  channels and spatial axes.

Running statistics follow PyTorch: ``running = (1 - momentum) * running + momentum * batch``
with ``momentum=0.1`` (the CS231n assignments write the same rule with ``0.9`` on the old
value), ``running_var`` tracks the *unbiased* batch variance unless
``unbiased_running_var=False`` (the assignments' rule), and ``momentum=None`` gives a
cumulative average over all batches seen.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype
from autograd_engine.checks import check_bool, check_int, check_real
from autograd_engine.operands import as_operand, value

from .module import Module, Parameter


def _check_eps(eps: Any, owner: str) -> float:
    """``eps`` is added to the variance before the square root: it must be positive (0 divides by zero
    on a constant input, a negative value gives NaN)."""
    return check_real(eps, "eps", owner, low=0.0, low_open=True)


def _check_normalized_shape(normalized_shape: Any, owner: str) -> tuple[int, ...]:
    """LayerNorm's ``normalized_shape`` (an int or a sequence of positive ints) as a non-empty tuple."""
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(
            f"{owner}: normalized_shape must be an int or a tuple of ints (the sizes of the trailing axes to "
            f"normalise), got {normalized_shape!r} ({type(normalized_shape).__name__})"
        )
    if not normalized_shape:
        raise ValueError(f"{owner}: normalized_shape must name at least one axis, got {normalized_shape!r}")
    return tuple(check_int(n, "normalized_shape", owner, low=1) for n in normalized_shape)


def _channel_shape(ndim: int, channels: int) -> tuple[int, ...]:
    return (1, channels) + (1,) * (ndim - 2)


def _normalize(x: Any, axes: tuple[int, ...], eps: float) -> tuple[Any, Any, Any]:
    """(x_hat, mean, biased var) with the statistics over ``axes`` (kept as size-1 axes)."""
    mean = ae.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    var = ae.mean(centred * centred, axis=axes, keepdims=True)
    return centred / ae.sqrt(var + eps), mean, var


def _affine(x_hat: Any, weight: Any, bias: Any, shape: tuple[int, ...]) -> Any:
    out = x_hat
    if weight is not None:
        out = out * ae.reshape(weight, shape)
    if bias is not None:
        out = out + ae.reshape(bias, shape)
    return out


def batch_norm(
    x: Any,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
    unbiased_running_var: bool = True,
    num_batches_tracked: np.ndarray | None = None,
) -> Any:
    """Batch normalisation of ``x`` (N, C) or (N, C, *spatial) per channel C.

    ``training=True``: normalise with the batch statistics over all axes but 1 and, if
    ``running_mean``/``running_var`` are given, update them **in place** (see the module
    docstring for the rule).  ``training=False``: normalise with the running statistics.
    ``weight``/``bias`` are the (C,) scale and shift, or None.
    """
    eps = _check_eps(eps, "batch_norm")
    training = check_bool(training, "training", "batch_norm")
    if momentum is not None:
        momentum = check_real(momentum, "momentum", "batch_norm", low=0.0, high=1.0)
    x = as_operand(x, "batch_norm", "input")
    data = np.asarray(value(x))
    if data.ndim < 2:
        raise ae.ShapeError(f"batch_norm: expected an input (N, C) or (N, C, ...), got shape {data.shape}")
    channels = data.shape[1]
    shape = _channel_shape(data.ndim, channels)
    axes = (0,) + tuple(range(2, data.ndim))
    if training:
        count = data.size // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: training needs more than one value per channel to compute a variance, got input shape "
                f"{data.shape}; use a larger batch, or eval() mode"
            )
        x_hat, mean, var = _normalize(x, axes, eps)
        if running_mean is not None and running_var is not None:
            if momentum is None:
                if num_batches_tracked is None:
                    raise ValueError("batch_norm: momentum=None (cumulative average) needs num_batches_tracked")
                factor = 1.0 / float(num_batches_tracked + 1)
            else:
                factor = momentum
            batch_var = np.asarray(value(var)).reshape(channels)
            if unbiased_running_var:
                batch_var = batch_var * (count / (count - 1))
            running_mean *= 1 - factor
            running_mean += factor * np.asarray(value(mean)).reshape(channels)
            running_var *= 1 - factor
            running_var += factor * batch_var
        if num_batches_tracked is not None:
            num_batches_tracked += 1
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running_mean and running_var (or pass training=True)")
        scale = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean.reshape(shape).astype(data.dtype, copy=False)) * scale.reshape(shape).astype(
            data.dtype, copy=False
        )
    return _affine(x_hat, weight, bias, shape)


class _BatchNorm(Module):
    _expected_dims: tuple[int, ...] = ()
    optional_state = ("num_batches_tracked",)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        unbiased_running_var: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = num_features = check_int(num_features, "num_features", name, low=1)
        self.eps = _check_eps(eps, name)
        # momentum=None: a cumulative average over all batches seen (PyTorch's meaning)
        self.momentum = None if momentum is None else check_real(momentum, "momentum", name, low=0.0, high=1.0)
        self.affine = check_bool(affine, "affine", name)
        self.track_running_stats = check_bool(track_running_stats, "track_running_stats", name)
        self.unbiased_running_var = check_bool(unbiased_running_var, "unbiased_running_var", name)
        dtype = np.dtype(dtype or get_default_dtype())
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def forward(self, x: Any) -> Any:
        shape = np.shape(np.asarray(value(x)))
        if len(shape) not in self._expected_dims or shape[1] != self.num_features:
            dims = " or ".join(f"{d}-D" for d in self._expected_dims)
            raise ae.ShapeError(
                f"{type(self).__name__}({self.num_features}): expected a {dims} input with {self.num_features} "
                f"channels in axis 1, got shape {shape}"
            )
        use_batch_stats = self.training or not self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if self.training or self.track_running_stats else None,
            self.running_var if self.training or self.track_running_stats else None,
            self.weight,
            self.bias,
            training=use_batch_stats,
            momentum=self.momentum,
            eps=self.eps,
            unbiased_running_var=self.unbiased_running_var,
            num_batches_tracked=self.num_batches_tracked if self.training else None,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs, per feature/channel C."""

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Spatial batch norm of (N, C, H, W) images, per channel over (N, H, W)."""

    _expected_dims = (4,)


def layer_norm(x: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Any:
    """Normalise each example over its trailing ``normalized_shape`` axes; ``weight``/``bias``
    have shape ``normalized_shape``."""
    normalized_shape = _check_normalized_shape(normalized_shape, "layer_norm")
    eps = _check_eps(eps, "layer_norm")
    x = as_operand(x, "layer_norm", "input")
    shape = np.shape(np.asarray(value(x)))
    k = len(normalized_shape)
    if shape[len(shape) - k :] != normalized_shape or k == 0:
        raise ae.ShapeError(
            f"layer_norm: the input's trailing axes {shape[len(shape) - k:]} must equal normalized_shape "
            f"{normalized_shape} (input shape {shape})"
        )
    x_hat, _, _ = _normalize(x, tuple(range(len(shape) - k, len(shape))), eps)
    out = x_hat
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` axes, with an elementwise affine map."""

    def __init__(
        self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        self.normalized_shape = _check_normalized_shape(normalized_shape, "LayerNorm")
        self.eps = _check_eps(eps, "LayerNorm")
        self.elementwise_affine = check_bool(elementwise_affine, "elementwise_affine", "LayerNorm")
        bias = check_bool(bias, "bias", "LayerNorm")
        dtype = np.dtype(dtype or get_default_dtype())
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Any:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


def group_norm(x: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Any:
    """Group normalisation of ``x`` (N, C, *): statistics per example over each group of
    ``C // num_groups`` consecutive channels and the spatial axes; ``weight``/``bias`` are (C,)."""
    num_groups = check_int(num_groups, "num_groups", "group_norm", low=1)
    eps = _check_eps(eps, "group_norm")
    x = as_operand(x, "group_norm", "input")
    shape = np.shape(np.asarray(value(x)))
    if len(shape) < 2 or shape[1] % num_groups:
        raise ae.ShapeError(
            f"group_norm: the input (N, C, ...) needs C divisible by num_groups={num_groups}, got shape {shape}"
        )
    n, channels = shape[0], shape[1]
    grouped = ae.reshape(x, (n, num_groups, math.prod(shape[1:]) // num_groups))
    x_hat, _, _ = _normalize(grouped, (2,), eps)
    return _affine(ae.reshape(x_hat, shape), weight, bias, _channel_shape(len(shape), channels))


class GroupNorm(Module):
    """Group normalisation (Wu & He, 2018): ``num_groups`` groups of channels; affine per channel."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, dtype: Any = None) -> None:
        super().__init__()
        num_groups = check_int(num_groups, "num_groups", "GroupNorm", low=1)
        num_channels = check_int(num_channels, "num_channels", "GroupNorm", low=1)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = _check_eps(eps, "GroupNorm"), check_bool(affine, "affine", "GroupNorm")
        dtype = np.dtype(dtype or get_default_dtype())
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dtype))
            self.bias = Parameter(np.zeros(num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Any:
        shape = np.shape(np.asarray(value(x)))
        if len(shape) < 2 or shape[1] != self.num_channels:
            raise ae.ShapeError(f"GroupNorm: expected {self.num_channels} channels in axis 1, got input shape {shape}")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
