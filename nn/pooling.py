"""Pooling layers (the notes' POOL layer) over NCHW images: ``MaxPool2d``, ``AvgPool2d``,
``AdaptiveAvgPool2d`` (``AdaptiveAvgPool2d(1)`` is global average pooling).

They call the engine's ``max_pool2d`` / ``avg_pool2d`` primitives (Numba kernels) and
``global_avg_pool2d`` (a mean); they hold no parameters and no gradient code.
Max pooling's gradient goes to the one input that won each window (the first
maximum in row-major order on ties, as PyTorch).
"""
from __future__ import annotations

from typing import Any

import autograd_engine as ae
from autograd_engine.errors import ShapeError
from autograd_engine.ops.conv import pair

from .module import Module


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Any:
    """Functional max pooling: ``autograd_engine.max_pool2d``."""
    return ae.max_pool2d(x, kernel_size, stride, padding)


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, count_include_pad: bool = True) -> Any:
    """Functional average pooling: ``autograd_engine.avg_pool2d``."""
    return ae.avg_pool2d(x, kernel_size, stride, padding, count_include_pad)


def adaptive_avg_pool2d(x: Any, output_size: Any) -> Any:
    """Average pooling to an (OH, OW) grid: the spatial mean for ``output_size`` 1, else
    non-overlapping windows of H/OH x W/OW, which must divide the input exactly."""
    out_h, out_w = pair(output_size, "output_size", "adaptive_avg_pool2d", 1)
    if out_h == out_w == 1:
        return ae.global_avg_pool2d(x)
    height, width = x.shape[-2:]
    if height % out_h or width % out_w:
        raise ShapeError(
            f"adaptive_avg_pool2d: output size ({out_h}, {out_w}) must divide the input's ({height}, {width}) "
            f"here (uneven adaptive windows are not implemented); use output_size=1 or a size that divides"
        )
    return ae.avg_pool2d(x, (height // out_h, width // out_w))


class MaxPool2d(Module):
    """Max over ``kernel_size`` windows moved by ``stride`` (default: the kernel size, the
    notes' common F=2, S=2); ``padding`` at most half the kernel, ignored by the max."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Any) -> Any:
        return ae.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows moved by ``stride`` (default: the kernel size); zero
    ``padding`` counts in the mean unless ``count_include_pad=False``."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.count_include_pad = count_include_pad

    def forward(self, x: Any) -> Any:
        return ae.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed ``output_size`` grid; ``AdaptiveAvgPool2d(1)`` is global average
    pooling (N, C, H, W) -> (N, C, 1, 1).  Other sizes must divide the input exactly."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Any:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
