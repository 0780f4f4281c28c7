"""One-dimensional convolution and pooling over (N, C, L) sequences: ``conv1d`` (``Conv1d``),
``max_pool1d`` (``MaxPool1d``) and ``avg_pool1d`` (``AvgPool1d``), PyTorch's names and arguments.

Each is its 2-D counterpart on a (N, C, 1, L) view of the sequence, with a 1 x K kernel (the
engine's ``conv2d``/``max_pool2d``/``avg_pool2d`` primitives and their Numba kernels), so sizes,
ties and padding rules are those of the 2-D layers along the one axis:
``L_out = (L + 2P - D*(K-1) - 1) // S + 1``.
"""
from __future__ import annotations

from typing import Any

import autograd_engine as ae
from autograd_engine.checks import check_bool, check_int
from autograd_engine.errors import ShapeError
from autograd_engine.operands import shape_of

from . import init
from .conv import PADDING_STRINGS, _check_padding_mode, check_channels, conv2d, conv_extra_repr, pad
from .linear import add_weight_and_bias
from .module import Module


def _single(v: Any, name: str, op: str, minimum: int) -> int:
    """An int argument of a 1-D layer (a 1-tuple, as PyTorch allows, counts)."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    value = check_int(v, name, op)
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {v!r}")
    return value


def _as_images(x: Any, op: str) -> Any:
    """(N, C, L) as (N, C, 1, L)."""
    shape = shape_of(x, op)
    if len(shape) != 3:
        hint = "; add a batch axis (x[None]) for a single sequence" if len(shape) == 2 else ""
        raise ShapeError(f"{op}: expected x of shape (N, C, L), got shape {shape}{hint}")
    return ae.expand_dims(x, 2)


def _as_sequences(out: Any) -> Any:
    if isinstance(out, tuple):  # (values, indices)
        return tuple(_as_sequences(o) for o in out)
    return ae.squeeze(out, axis=2)


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Any:
    """1-D convolution (cross-correlation) of ``input`` (N, C, L) with ``weight`` (F, C/groups, K) and
    ``bias`` (F,): (N, F, L_out).  ``padding`` is an int, 'valid' or 'same' (stride 1)."""
    op = "conv1d"
    w_shape = shape_of(weight, op)
    if len(w_shape) != 3:
        raise ShapeError(f"{op}: expected weights of shape (F, C/groups, K), got shape {w_shape}")
    images = _as_images(input, op)
    stride_, dilation_ = _single(stride, "stride", op, 1), _single(dilation, "dilation", op, 1)
    padding_ = padding if isinstance(padding, str) else (0, _single(padding, "padding", op, 0))
    out = conv2d(images, ae.expand_dims(weight, 2), bias, stride=(1, stride_), padding=padding_,
                 dilation=(1, dilation_), groups=groups)
    return _as_sequences(out)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over windows of ``kernel_size`` along L (stride defaults to the kernel size); with
    ``return_indices`` also each winner's position along L.  A tie goes to the first maximum."""
    op = "max_pool1d"
    kernel = _single(kernel_size, "kernel_size", op, 1)
    step = kernel if stride is None else _single(stride, "stride", op, 1)
    out = ae.max_pool2d(_as_images(input, op), (1, kernel), (1, step), (0, _single(padding, "padding", op, 0)),
                        (1, _single(dilation, "dilation", op, 1)), ceil_mode, return_indices)
    return _as_sequences(out)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Any:
    """Mean over windows of ``kernel_size`` along L (stride defaults to the kernel size)."""
    op = "avg_pool1d"
    kernel = _single(kernel_size, "kernel_size", op, 1)
    step = kernel if stride is None else _single(stride, "stride", op, 1)
    out = ae.avg_pool2d(_as_images(input, op), (1, kernel), (1, step), (0, _single(padding, "padding", op, 0)),
                        ceil_mode, count_include_pad)
    return _as_sequences(out)


class Conv1d(Module):
    """1-D convolution of (N, in_channels, L) sequences, as PyTorch's ``nn.Conv1d``: ``weight``
    (out_channels, in_channels/groups, kernel_size), ``bias`` (out_channels,), PyTorch's
    initialisation; ``padding`` an int, 'valid' or 'same'; ``padding_mode`` 'zeros', 'reflect',
    'replicate' or 'circular'."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros", dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "Conv1d"
        self.in_channels, self.out_channels, self.groups = check_channels(in_channels, out_channels, groups, owner)
        self.kernel_size = _single(kernel_size, "kernel_size", owner, 1)
        self.stride = _single(stride, "stride", owner, 1)
        self.dilation = _single(dilation, "dilation", owner, 1)
        if isinstance(padding, str):
            if padding not in PADDING_STRINGS:
                raise ValueError(f"{owner}: invalid padding string {padding!r}, should be one of {PADDING_STRINGS}")
            if padding == "same" and self.stride != 1:
                raise ValueError(f"{owner}: padding='same' is not supported for strided convolutions (stride={self.stride})")
            self.padding = padding
        else:
            self.padding = _single(padding, "padding", owner, 0)
        self.padding_mode = _check_padding_mode(padding_mode, owner)
        if self.padding_mode != "zeros" and isinstance(self.padding, str):
            raise ValueError(f"{owner}: padding_mode={padding_mode!r} needs a numeric padding, got {padding!r}")
        add_weight_and_bias(self, (self.out_channels, self.in_channels // self.groups, self.kernel_size),
                            check_bool(bias, "bias", owner), dtype)

    def reset_parameters(self) -> None:
        """Draw fresh weights (PyTorch's default initialisation)."""
        init._default_layer_init(self.weight, self.bias)

    def forward(self, x: Any) -> Any:
        padding = self.padding
        if self.padding_mode != "zeros" and padding:
            x = pad(x, (padding, padding), mode=self.padding_mode)
            padding = 0
        return conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        padding = self.padding if isinstance(self.padding, str) else (self.padding,)
        return conv_extra_repr(self, (self.kernel_size,), (self.stride,), padding, (self.dilation,),
                               padding_mode=self.padding_mode)


class MaxPool1d(Module):
    """Max over windows along L, as PyTorch's ``nn.MaxPool1d`` (same argument order)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        owner = "MaxPool1d"
        self.kernel_size = _single(kernel_size, "kernel_size", owner, 1)
        self.stride = self.kernel_size if stride is None else _single(stride, "stride", owner, 1)
        self.padding, self.dilation = _single(padding, "padding", owner, 0), _single(dilation, "dilation", owner, 1)
        self.return_indices = check_bool(return_indices, "return_indices", owner)
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode", owner)

    def forward(self, x: Any) -> Any:
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}"


class AvgPool1d(Module):
    """Mean over windows along L, as PyTorch's ``nn.AvgPool1d`` (same argument order)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        owner = "AvgPool1d"
        self.kernel_size = _single(kernel_size, "kernel_size", owner, 1)
        self.stride = self.kernel_size if stride is None else _single(stride, "stride", owner, 1)
        self.padding = _single(padding, "padding", owner, 0)
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode", owner)
        self.count_include_pad = check_bool(count_include_pad, "count_include_pad", owner)

    def forward(self, x: Any) -> Any:
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
