"""Transposed convolution ``ConvTranspose2d`` (the notes' learnable upsampling, a "fractionally
strided" convolution) over NCHW images, and its functional form ``conv_transpose2d``.

The layer holds ``weight`` (in_channels, out_channels/groups, KH, KW) -- PyTorch's layout, so a
PyTorch state_dict loads -- and ``bias`` (out_channels,), and calls the engine's
``conv_transpose2d`` primitive (the gradient of ``conv2d`` with respect to its input, on the same
Numba kernels).  Output size per spatial axis::

    (H - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1

With stride S, several output sizes convolve back to the same H; ``output_padding`` (or
``forward(x, output_size=...)``) picks one, as in PyTorch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype
from autograd_engine.checks import check_bool
from autograd_engine.operands import pair, shape_of

from . import init
from .conv import check_channels, conv_extra_repr
from .module import Module, Parameter


def conv_transpose2d(
    input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
    groups: int = 1, dilation: Any = 1,
) -> Any:
    """PyTorch's ``F.conv_transpose2d`` (same argument order): ``autograd_engine.conv_transpose2d``."""
    return ae.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


class ConvTranspose2d(Module):
    """Transposed 2-D convolution of NCHW images, as PyTorch's ``nn.ConvTranspose2d``.

    ``kernel_size``, ``stride``, ``padding``, ``output_padding``, ``dilation`` are ints or
    (height, width) pairs.  Input (N, in_channels, H, W), output (N, out_channels, OH, OW).
    Initialised as PyTorch: ``kaiming_uniform_(a=sqrt(5))`` on the weight, whose fan-in PyTorch
    reads from axis 1 (out_channels/groups * KH * KW), and the bias from the same range.
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1, dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "ConvTranspose2d"
        self.in_channels, self.out_channels, self.groups = check_channels(in_channels, out_channels, groups, owner)
        self.kernel_size = pair(kernel_size, "kernel_size", owner, 1)
        self.stride = pair(stride, "stride", owner, 1)
        self.padding = pair(padding, "padding", owner, 0)
        self.dilation = pair(dilation, "dilation", owner, 1)
        self.output_padding = pair(output_padding, "output_padding", owner, 0)
        if any(e >= max(s, d) for e, s, d in zip(self.output_padding, self.stride, self.dilation)):
            raise ValueError(
                f"{owner}: output_padding {self.output_padding} must be smaller than the stride {self.stride} "
                f"or the dilation {self.dilation}"
            )
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.empty((self.in_channels, self.out_channels // self.groups, *self.kernel_size), dtype=dtype))
        if check_bool(bias, "bias", owner):
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights (PyTorch's default initialisation)."""
        init._default_layer_init(self.weight, self.bias)

    def output_shape(self, height: int, width: int, output_padding: Any = None) -> tuple[int, int]:
        """(OH, OW) for an input of ``height`` x ``width``."""
        extra = self.output_padding if output_padding is None else output_padding
        return tuple(
            (size - 1) * s - 2 * p + d * (k - 1) + e + 1
            for size, k, s, p, d, e in zip((height, width), self.kernel_size, self.stride, self.padding,
                                           self.dilation, extra)
        )

    def _output_padding(self, x: Any, output_size: Any) -> tuple[int, int]:
        """The ``output_padding`` that gives ``output_size`` (the last two entries count), as PyTorch."""
        if output_size is None:
            return self.output_padding
        wanted = tuple(int(v) for v in tuple(output_size)[-2:])
        shape = shape_of(x)
        smallest = self.output_shape(shape[-2], shape[-1], (0, 0))
        extra = tuple(w - s for w, s in zip(wanted, smallest))
        if any(e < 0 or e >= max(st, d) for e, st, d in zip(extra, self.stride, self.dilation)):
            largest = tuple(s + max(st, d) - 1 for s, st, d in zip(smallest, self.stride, self.dilation))
            raise ValueError(
                f"ConvTranspose2d: output_size {wanted} is not reachable from an input of {tuple(shape[-2:])}: "
                f"the output can be from {smallest} to {largest}"
            )
        return extra

    def forward(self, x: Any, output_size: Any = None) -> Any:
        return ae.conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, self._output_padding(x, output_size), self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        return conv_extra_repr(self, self.kernel_size, self.stride, self.padding, self.dilation, self.output_padding)
