"""Convolutional layer ``Conv2d`` (the notes' CONV layer), over NCHW images, and ``pad``.

The layer holds ``weight`` (out_channels, in_channels/groups, KH, KW) and ``bias``
(out_channels,) and calls the engine's ``conv2d`` primitive (im2col and one BLAS
GEMM, Numba kernels for the loops); it holds no gradient code.

Output size per spatial axis: ``(W + 2P - D*(F-1) - 1) // S + 1`` -- the notes'
(W - F + 2P)/S + 1, floored when the stride does not divide, as in PyTorch.

``padding='same'`` keeps the input's size (stride 1 only): the dilated kernel needs
D*(F-1) pixels of padding in all, split ``total // 2`` before and the rest after, so an
even kernel pads one more row/column at the bottom/right, as PyTorch does.  The engine's
``conv2d`` pads symmetrically; the uneven case pads the input first (``pad``) and
convolves with padding 0.  ``padding_mode`` 'reflect', 'replicate' and 'circular' pad the
same way with :func:`pad`, which builds those modes from slices and ``concatenate``.

The notes' FC-to-CONV conversion is :meth:`Conv2d.from_linear`: a Linear layer that
looks at a whole (C, H, W) volume is the same as a convolution with an H x W kernel;
slid over a larger image, that convolution evaluates the Linear layer at every
position in one pass.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_bool, check_int
from autograd_engine.operands import pair, shape_of

from . import init
from .linear import Linear, add_weight_and_bias
from .module import Module

PADDING_STRINGS = ("valid", "same")
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PAD_MODES = ("constant", "reflect", "replicate", "circular")

Pads = tuple[tuple[int, int], tuple[int, int]]


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Any:
    """PyTorch's ``F.pad``: pad ``input`` by ``pad`` = (left, right, top, bottom, front, back, ...),
    one (before, after) pair per axis *starting from the last axis*.

    ``mode``: 'constant' fills with ``value`` (default 0); a negative width crops that side (as
    PyTorch).  'reflect' mirrors without repeating the edge (needs width < the axis size),
    'replicate' repeats the edge, 'circular' wraps around (width <= the axis size); as in PyTorch
    these pad the last 1, 2 or 3 axes of an input with one or two more (batch, channel) axes
    in front, and take no ``value``.  The same results as ``numpy.pad`` with modes 'constant',
    'reflect', 'edge' and 'wrap'.  Composed from ``getitem``, ``broadcast_to``, ``concatenate``
    and the engine's constant ``pad``, so it is differentiable (twice).
    """
    shape = shape_of(input)
    ndim = len(shape)
    widths = tuple(pad)
    if not all(isinstance(w, (int, np.integer)) for w in widths):
        raise TypeError(f"pad: pad must be a sequence of ints (left, right, top, bottom, ...), got {pad!r}")
    if len(widths) % 2:
        raise ValueError(
            f"pad: pad must list (before, after) pairs starting from the last axis, so its length must be even; "
            f"got {len(widths)} values {widths}"
        )
    if len(widths) // 2 > ndim:
        raise ValueError(
            f"pad: pad {widths} has {len(widths) // 2} (before, after) pairs but the input has only {ndim} axes "
            f"(shape {shape})"
        )
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {PAD_MODES}, got {mode!r}")
    pairs = [(0, 0)] * ndim
    for i in range(len(widths) // 2):
        pairs[ndim - 1 - i] = (int(widths[2 * i]), int(widths[2 * i + 1]))
    if mode == "constant":
        return _pad_constant(input, shape, pairs, 0.0 if value is None else value)
    if value is not None:
        raise ValueError(f"pad: mode={mode!r} takes no value (it is only for mode='constant'), got value={value}")
    padded = len(widths) // 2
    if padded not in (1, 2, 3) or ndim not in (padded + 1, padded + 2):
        raise ValueError(
            f"pad: mode={mode!r} pads the last 1, 2 or 3 axes of an input with one or two more axes in front "
            f"((C, ...) or (N, C, ...)), as in PyTorch; got {padded} pairs for shape {shape}"
        )
    for axis in range(ndim - padded, ndim):
        before, after = pairs[axis]
        size = shape[axis]
        if before < 0 or after < 0:
            raise ValueError(
                f"pad: mode={mode!r} needs non-negative widths, got ({before}, {after}) for axis {axis}; "
                f"crop with mode='constant' (negative widths) or slicing first"
            )
        if mode == "reflect" and max(before, after) >= size:
            raise ValueError(
                f"pad: mode='reflect' needs widths smaller than the axis size, got ({before}, {after}) for axis "
                f"{axis} of size {size} (input shape {shape})"
            )
        if mode == "circular" and max(before, after) > size:
            raise ValueError(
                f"pad: mode='circular' needs widths at most the axis size (it wraps around once), got ({before}, "
                f"{after}) for axis {axis} of size {size} (input shape {shape})"
            )
        if mode == "replicate" and size == 0 and before + after:
            raise ValueError(f"pad: mode='replicate' cannot pad axis {axis} of size 0 (input shape {shape})")
    result = input
    for axis in reversed(range(ndim - padded, ndim)):
        result = _pad_axis(result, axis, *pairs[axis], mode)
    return result


def _pad_constant(x: Any, shape: tuple[int, ...], pairs: list[tuple[int, int]], value: float) -> Any:
    """Constant padding; negative widths crop that side first."""
    crop = []
    for axis, ((before, after), size) in enumerate(zip(pairs, shape)):
        new_size = size + before + after
        if new_size < 0 or -before > size or -after > size:
            raise ValueError(
                f"pad: widths ({before}, {after}) would crop more than axis {axis} of size {size} holds "
                f"(input shape {shape}); negative widths may remove at most the whole axis"
            )
        crop.append(slice(max(-before, 0), size - max(-after, 0)))
    if any(before < 0 or after < 0 for before, after in pairs):
        x = ae.getitem(x, tuple(crop))
    return ae.pad(x, [(max(before, 0), max(after, 0)) for before, after in pairs], constant_values=value)


def _pad_axis(x: Any, axis: int, before: int, after: int, mode: str) -> Any:
    """Pad one ``axis`` by ``before``/``after`` in mode 'reflect', 'replicate' or 'circular'."""
    if not before and not after:
        return x
    size = shape_of(x)[axis]
    lead = (slice(None),) * axis

    def take(start: int | None, stop: int | None, step: int = 1) -> Any:
        return ae.getitem(x, lead + (slice(start, stop, step),))

    def edge(index: int, width: int) -> Any:
        piece = take(index, index + 1 if index != -1 else None)
        return ae.broadcast_to(piece, shape_of(x)[:axis] + (width,) + shape_of(x)[axis + 1 :])

    if mode == "circular":
        left, right = take(size - before, size), take(0, after)
    elif mode == "reflect":  # x[before], ..., x[1] | x | x[size-2], ..., x[size-1-after]
        left = take(before, 0, -1)
        right = take(size - 2, size - 2 - after if size - 2 - after >= 0 else None, -1)
    else:  # replicate
        left, right = edge(0, before), edge(-1, after)
    pieces = ([left] if before else []) + [x] + ([right] if after else [])
    return ae.concatenate(pieces, axis=axis)


def _conv_pads(padding: Any, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int],
               op: str) -> Pads:
    """((top, bottom), (left, right)) for ``padding``: an int, a (height, width) pair, 'valid' (none)
    or 'same' (stride 1 only; D*(K-1) in all, the odd pixel after, as PyTorch)."""
    if isinstance(padding, str):
        if padding not in PADDING_STRINGS:
            raise ValueError(
                f"{op}: invalid padding string {padding!r}, should be one of {PADDING_STRINGS} "
                f"(or an int or (height, width) pair)"
            )
        if padding == "valid":
            return (0, 0), (0, 0)
        if stride != (1, 1):
            raise ValueError(
                f"{op}: padding='same' is not supported for strided convolutions (stride={stride}), as in "
                f"PyTorch; use stride=1, or give the padding as numbers, e.g. padding={tuple(k // 2 for k in kernel)}"
            )
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return (totals[0] // 2, totals[0] - totals[0] // 2), (totals[1] // 2, totals[1] - totals[1] // 2)
    height, width = pair(padding, "padding", op, 0)
    return (height, height), (width, width)


def _check_padding_mode(padding_mode: str, op: str) -> str:
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {PADDING_MODES}, but got padding_mode={padding_mode!r}")
    return padding_mode


def _padded_conv2d(x: Any, weight: Any, bias: Any, stride: Any, pads: Pads, dilation: Any, groups: int,
                   padding_mode: str = "zeros") -> Any:
    """``ae.conv2d`` with per-side ``pads``: symmetric zero padding goes to the primitive; uneven
    or non-zero padding is done first by :func:`pad`, then the convolution runs with padding 0."""
    (top, bottom), (left, right) = pads
    if padding_mode == "zeros" and top == bottom and left == right:
        return ae.conv2d(x, weight, bias, stride=stride, padding=(top, left), dilation=dilation, groups=groups)
    if len(shape_of(x)) != 4:  # let the primitive name the shape problem before padding a wrong tensor
        return ae.conv2d(x, weight, bias, stride=stride, padding=0, dilation=dilation, groups=groups)
    mode = "constant" if padding_mode == "zeros" else padding_mode
    x = pad(x, (left, right, top, bottom), mode=mode)
    return ae.conv2d(x, weight, bias, stride=stride, padding=0, dilation=dilation, groups=groups)


def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Any:
    """The functional convolution: ``autograd_engine.conv2d`` (see its docstring for shapes), plus
    PyTorch's ``padding='valid'`` (none) and ``padding='same'`` (output as large as the input;
    stride 1 only; an even dilated kernel pads one more pixel at the bottom/right)."""
    if not isinstance(padding, str):
        return ae.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    w_shape = shape_of(weight)
    kernel = tuple(w_shape[2:]) if len(w_shape) == 4 else (1, 1)  # a bad weight is reported by ae.conv2d
    stride_, dilation_ = pair(stride, "stride", "conv2d", 1), pair(dilation, "dilation", "conv2d", 1)
    pads = _conv_pads(padding, kernel, stride_, dilation_, "conv2d")
    return _padded_conv2d(x, weight, bias, stride_, pads, dilation_, groups)


def check_channels(in_channels: Any, out_channels: Any, groups: Any, owner: str) -> tuple[int, int, int]:
    """The channel counts and groups of a convolution layer, checked: positive integers, groups dividing both."""
    in_channels = check_int(in_channels, "in_channels", owner, low=1)
    out_channels = check_int(out_channels, "out_channels", owner, low=1)
    groups = check_int(groups, "groups", owner, low=1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{owner}: groups={groups} must be positive and divide in_channels={in_channels} and "
                         f"out_channels={out_channels}")
    return in_channels, out_channels, groups


def conv_extra_repr(layer: Any, kernel_size: tuple, stride: tuple, padding: Any, dilation: tuple,
                    output_padding: tuple = (), padding_mode: str = "zeros") -> str:
    """A convolution layer's arguments as PyTorch prints them: channels, kernel size and stride
    always, then padding, dilation, output padding, groups, bias and padding mode where not at
    their defaults (sizes as tuples, a padding string bare)."""
    parts = [f"{layer.in_channels}, {layer.out_channels}, kernel_size={kernel_size}, stride={stride}"]
    if isinstance(padding, str) or any(padding):
        parts.append(f"padding={padding}")
    if any(d != 1 for d in dilation):
        parts.append(f"dilation={dilation}")
    if any(output_padding):
        parts.append(f"output_padding={output_padding}")
    if layer.groups != 1:
        parts.append(f"groups={layer.groups}")
    if layer.bias is None:
        parts.append("bias=False")
    if padding_mode != "zeros":
        parts.append(f"padding_mode={padding_mode}")
    return ", ".join(parts)


class Conv2d(Module):
    """2-D convolution (cross-correlation) of NCHW images, as PyTorch's ``nn.Conv2d``.

    ``kernel_size``, ``stride``, ``padding``, ``dilation`` are ints or (height, width)
    pairs; ``padding`` may also be 'valid' (none) or 'same' (the output keeps H x W; stride 1
    only; an even kernel pads one more row/column at the bottom/right, as PyTorch).
    ``padding_mode`` fills the padding with 'zeros' (default), or the input's 'reflect'ion,
    'replicate'd edge or 'circular' wrap-around (see :func:`pad`).  With ``groups`` G the
    channels split into G groups convolved separately
    (``groups == in_channels`` is a depthwise convolution).  Input (N, in_channels, H, W),
    output (N, out_channels, OH, OW).  Initialised as PyTorch: weight
    ``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias from
    the same range, with fan_in = in_channels/groups * KH * KW.  A 1x1 kernel mixes
    channels at each pixel (the notes' 1x1 convolutions).
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros", dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.groups = check_channels(in_channels, out_channels, groups, "Conv2d")
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = pair(stride, "stride", "Conv2d", 1)
        self.dilation = pair(dilation, "dilation", "Conv2d", 1)
        # As PyTorch: 'valid'/'same' stay strings, numbers become a (height, width) pair.
        _conv_pads(padding, self.kernel_size, self.stride, self.dilation, "Conv2d")  # reject bad values now
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", "Conv2d", 0)
        self.padding_mode = _check_padding_mode(padding_mode, "Conv2d")
        add_weight_and_bias(self, (self.out_channels, self.in_channels // self.groups, *self.kernel_size),
                            check_bool(bias, "bias", "Conv2d"), dtype)

    def reset_parameters(self) -> None:
        """Draw fresh weights (PyTorch's default initialisation)."""
        init._default_layer_init(self.weight, self.bias)

    def _pads(self) -> Pads:
        return _conv_pads(self.padding, self.kernel_size, self.stride, self.dilation, "Conv2d")

    def forward(self, x: Any) -> Any:
        return _padded_conv2d(x, self.weight, self.bias, self.stride, self._pads(), self.dilation, self.groups,
                              self.padding_mode)

    def output_shape(self, height: int, width: int) -> tuple[int, int]:
        """(OH, OW) for an input of ``height`` x ``width``: (W + P_before + P_after - D*(F-1) - 1) // S + 1
        per axis, i.e. (W + 2P - D*(F-1) - 1) // S + 1 for numeric padding and W for 'same'."""
        return tuple(
            (size + before + after - d * (k - 1) - 1) // s + 1
            for size, k, s, (before, after), d in zip(
                (height, width), self.kernel_size, self.stride, self._pads(), self.dilation
            )
        )

    @classmethod
    def from_linear(cls, linear: Linear, input_shape: tuple[int, int, int]) -> Conv2d:
        """The notes' FC-to-CONV conversion: a convolution that computes ``linear`` on each
        (C, H, W) window of its input.

        ``linear`` must take the flattened (C, H, W) volume (in_features = C*H*W, flattened in
        C, H, W order as ``Flatten`` does); the result has an H x W kernel, ``out_features``
        filters and the same weights (copied).  On a (N, C, H, W) input it returns the
        Linear layer's scores as (N, out_features, 1, 1); on a larger image it slides and
        returns a grid of scores.
        """
        channels, height, width = input_shape
        if linear.in_features != channels * height * width:
            raise ValueError(
                f"Conv2d.from_linear: the Linear layer takes {linear.in_features} features but the input "
                f"volume {input_shape} has C*H*W = {channels * height * width}"
            )
        weight = linear.weight.data
        conv = cls(channels, linear.out_features, (height, width), bias=linear.bias is not None, dtype=weight.dtype)
        conv.weight.data[...] = weight.reshape(linear.out_features, channels, height, width)
        if linear.bias is not None:
            conv.bias.data[...] = linear.bias.data
        return conv

    def extra_repr(self) -> str:
        return conv_extra_repr(self, self.kernel_size, self.stride, self.padding, self.dilation,
                               padding_mode=self.padding_mode)
