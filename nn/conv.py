"""Convolutional layer ``Conv2d`` (the notes' CONV layer), over NCHW images.

The layer holds ``weight`` (out_channels, in_channels/groups, KH, KW) and ``bias``
(out_channels,) and calls the engine's ``conv2d`` primitive (im2col and one BLAS
GEMM, Numba kernels for the loops); it holds no gradient code.

Output size per spatial axis: ``(W + 2P - D*(F-1) - 1) // S + 1`` -- the notes'
(W - F + 2P)/S + 1, floored when the stride does not divide, as in PyTorch.

The notes' FC-to-CONV conversion is :meth:`Conv2d.from_linear`: a Linear layer that
looks at a whole (C, H, W) volume is the same as a convolution with an H x W kernel;
slid over a larger image, that convolution evaluates the Linear layer at every
position in one pass.
"""
from __future__ import annotations

from typing import Any

import autograd_engine as ae
from autograd_engine.ops.conv import pair

from . import init
from .linear import Linear, add_weight_and_bias
from .module import Module


def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Any:
    """The functional convolution: ``autograd_engine.conv2d`` (see its docstring for shapes)."""
    return ae.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


class Conv2d(Module):
    """2-D convolution (cross-correlation) of NCHW images, as PyTorch's ``nn.Conv2d``.

    ``kernel_size``, ``stride``, ``padding`` (zeros), ``dilation`` are ints or (height, width)
    pairs; with ``groups`` G the channels split into G groups convolved separately
    (``groups == in_channels`` is a depthwise convolution).  Input (N, in_channels, H, W),
    output (N, out_channels, OH, OW).  Initialised as PyTorch: weight
    ``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias from
    the same range, with fan_in = in_channels/groups * KH * KW.  A 1x1 kernel mixes
    channels at each pixel (the notes' 1x1 convolutions).
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        dilation: Any = 1, groups: int = 1, bias: bool = True, dtype: Any = None,
    ) -> None:
        super().__init__()
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels ({out_channels}) must be positive")
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"Conv2d: groups={groups} must be positive and divide in_channels={in_channels} and "
                f"out_channels={out_channels}"
            )
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = pair(stride, "stride", "Conv2d", 1)
        self.padding = pair(padding, "padding", "Conv2d", 0)
        self.dilation = pair(dilation, "dilation", "Conv2d", 1)
        add_weight_and_bias(self, (out_channels, in_channels // groups, *self.kernel_size), bias, dtype)

    def reset_parameters(self) -> None:
        """Draw fresh weights (PyTorch's default initialisation)."""
        init._default_layer_init(self.weight, self.bias)

    def forward(self, x: Any) -> Any:
        return ae.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def output_shape(self, height: int, width: int) -> tuple[int, int]:
        """(OH, OW) for an input of ``height`` x ``width``: (W + 2P - D*(F-1) - 1) // S + 1 per axis."""
        return tuple(
            ae.conv_output_size(size, k, s, p, d)
            for size, k, s, p, d in zip((height, width), self.kernel_size, self.stride, self.padding, self.dilation)
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
        parts = [f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"]
        if self.stride != (1, 1):
            parts.append(f"stride={self.stride}")
        if self.padding != (0, 0):
            parts.append(f"padding={self.padding}")
        if self.dilation != (1, 1):
            parts.append(f"dilation={self.dilation}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        return ", ".join(parts)
