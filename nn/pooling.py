"""Pooling layers (the notes' POOL layer) over NCHW images: ``MaxPool2d``, ``AvgPool2d``,
``AdaptiveAvgPool2d`` (``AdaptiveAvgPool2d(1)`` is global average pooling), ``AdaptiveMaxPool2d``.

They call the engine's ``max_pool2d`` / ``avg_pool2d`` primitives (Numba kernels) and
``global_avg_pool2d`` (a mean); they hold no parameters and no gradient code.
Max pooling's gradient goes to the one input that won each window (the first
maximum in row-major order on ties, as PyTorch).

Adaptive pooling uses PyTorch's bins: along an axis of size H pooled to OH, bin i covers
rows ``floor(i*H/OH) <= row < ceil((i+1)*H/OH)``.  When OH divides H these are the
windows of an ordinary pooling with kernel and stride H/OH, which is how they run;
otherwise the bins differ in size (and may overlap), and the layers compose them from
slices, means and an integer-index gather (primitives that are differentiable twice).
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_bool
from autograd_engine.errors import ShapeError
from autograd_engine.operands import as_operand, pair, shape_of

from .module import Module


def max_pool2d(
    x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Functional max pooling: ``autograd_engine.max_pool2d`` (PyTorch's ``F.max_pool2d``); with
    ``return_indices`` also the winners' flat positions in their H*W planes (int64)."""
    return ae.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool2d(
    x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Any:
    """Functional average pooling: ``autograd_engine.avg_pool2d`` (PyTorch's ``F.avg_pool2d``;
    ``ceil_mode`` comes before ``count_include_pad``, as there)."""
    return ae.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def adaptive_bins(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive pooling windows along one axis: ``[(start, end), ...]`` with bin i
    covering ``floor(i*size/out) <= p < ceil((i+1)*size/out)``.  The bins cover the axis, and
    overlap by a pixel where ``out`` does not divide ``size`` (size 5 to 3: [0, 2), [1, 4), [3, 5))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_output_size(output_size: Any, shape: tuple[int, ...], op: str) -> tuple[int, int]:
    """``output_size`` as (OH, OW) for an input of ``shape``, which must be (N, C, H, W): an int, or
    a pair of ints in which None keeps the input's size."""
    if len(shape) != 4:
        hint = "; add a batch axis (x[None]) for a single image" if len(shape) == 3 else ""
        raise ShapeError(f"{op}: expected x of shape (N, C, H, W), got shape {shape}{hint}")
    spatial = shape[2:]
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(size if v is None else v for v, size in zip(output_size, spatial))
    out_h, out_w = pair(output_size, "output_size", op, 1)
    if 0 in spatial:
        raise ShapeError(
            f"{op}: the input's spatial size {tuple(spatial)} is empty, and every output bin needs at least "
            f"one pixel; pool a non-empty image"
        )
    return out_h, out_w


def _check_window(kernel_size: Any, stride: Any, padding: Any, dilation: Any, op: str) -> None:
    """Refuse, when a pooling layer is built, what its forward would refuse for any input: sizes that
    are not ints or (height, width) pairs of ints, a kernel, stride or dilation below 1, negative padding."""
    pair(kernel_size, "kernel_size", op, 1)
    if stride is not None:
        pair(stride, "stride", op, 1)
    pair(padding, "padding", op, 0)
    pair(dilation, "dilation", op, 1)


def _check_output_size(output_size: Any, op: str) -> None:
    """An adaptive pooling layer's ``output_size``: an int or a pair whose entries are ints >= 1 or None."""
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(1 if v is None else v for v in output_size)
    pair(output_size, "output_size", op, 1)


def _as_float_tensor(x: Any) -> Any:
    """``x`` as a Tensor of a floating dtype (others in the default dtype, as the pooling primitives)."""
    x = x if isinstance(x, ae.Tensor) else ae.Tensor(x)
    return x if x.dtype.kind == "f" else x.astype(ae.get_default_dtype())


def _uneven_adaptive_avg_pool2d(x: Any, out_h: int, out_w: int) -> Any:
    """The mean over each bin, rows then columns (a bin is a rectangle, so the mean separates)."""
    x = _as_float_tensor(x)
    height, width = x.shape[2:]
    if out_h != height:
        x = ae.concatenate([x[:, :, lo:hi].mean(axis=2, keepdims=True) for lo, hi in adaptive_bins(height, out_h)], 2)
    if out_w != width:
        x = ae.concatenate([x[..., lo:hi].mean(axis=3, keepdims=True) for lo, hi in adaptive_bins(width, out_w)], 3)
    return x


def adaptive_avg_pool2d(x: Any, output_size: Any) -> Any:
    """Average pooling of (N, C, H, W) images to (N, C, OH, OW), as PyTorch's ``F.adaptive_avg_pool2d``.

    ``output_size`` is an int or an (OH, OW) pair; a None entry keeps that axis's size.
    Output (i, j) is the mean over rows ``floor(i*H/OH) .. ceil((i+1)*H/OH) - 1`` and the
    columns likewise (:func:`adaptive_bins`): the spatial mean for ``output_size`` 1, the
    windows of ``avg_pool2d`` with kernel H/OH x W/OW when they divide, and otherwise bins that
    differ in size by a pixel and may share one (OH > H repeats rows)."""
    return _adaptive_avg_pool2d(x, output_size, "adaptive_avg_pool2d")


def _adaptive_avg_pool2d(x: Any, output_size: Any, op: str) -> Any:
    """``adaptive_avg_pool2d`` whose errors name ``op`` (the function, or the module the user called)."""
    x = as_operand(x, op, "input")
    shape = shape_of(x)
    out_h, out_w = _adaptive_output_size(output_size, shape, op)
    if out_h == out_w == 1:
        return ae.global_avg_pool2d(x)
    height, width = shape[-2:]
    if height % out_h or width % out_w:
        return _uneven_adaptive_avg_pool2d(x, out_h, out_w)
    return ae.avg_pool2d(x, (height // out_h, width // out_w))


def adaptive_max_pool2d(x: Any, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of (N, C, H, W) images to (N, C, OH, OW), as PyTorch's ``F.adaptive_max_pool2d``.

    Bins and ``output_size`` as :func:`adaptive_avg_pool2d`.  With ``return_indices`` also
    returns each winner's flat position ``row * W + column`` in its plane (int64, no gradient).
    The gradient goes to the one winner of each bin: the first maximum in row-major order on
    ties, the first NaN if the bin holds one (as ``max_pool2d``)."""
    return _adaptive_max_pool2d(x, output_size, return_indices, "adaptive_max_pool2d")


def _adaptive_max_pool2d(x: Any, output_size: Any, return_indices: bool, op: str) -> Any:
    """``adaptive_max_pool2d`` whose errors name ``op``.  Sizes that divide run ``max_pool2d``;
    others find each bin's winner in NumPy and gather it with integer indexing (whose gradient
    adds into the winner, like the switches of ``max_pool2d``)."""
    x = as_operand(x, op, "input")
    shape = shape_of(x)
    out_h, out_w = _adaptive_output_size(output_size, shape, op)
    n, c, height, width = shape
    if height % out_h == 0 and width % out_w == 0:
        return ae.max_pool2d(x, (height // out_h, width // out_w), return_indices=return_indices)
    x = _as_float_tensor(x)
    indices = np.empty((n, c, out_h, out_w), dtype=np.int64)
    for i, (top, bottom) in enumerate(adaptive_bins(height, out_h)):
        for j, (left, right) in enumerate(adaptive_bins(width, out_w)):
            # argmax: the first maximum in row-major order, or the first NaN
            k = x.data[:, :, top:bottom, left:right].reshape(n, c, -1).argmax(axis=2)
            indices[:, :, i, j] = (top + k // (right - left)) * width + left + k % (right - left)
    planes = x.reshape(n * c, height * width)
    out = planes[np.arange(n * c)[:, None], indices.reshape(n * c, out_h * out_w)].reshape(n, c, out_h, out_w)
    return (out, ae.Tensor(indices)) if return_indices else out


class MaxPool2d(Module):
    """Max over ``kernel_size`` windows moved by ``stride`` (default: the kernel size, the
    notes' common F=2, S=2); ``padding`` at most half the kernel, ignored by the max.

    As PyTorch's ``nn.MaxPool2d`` (same argument order): ``dilation`` spaces a window's taps,
    ``ceil_mode`` rounds the output size up (a last, partial window), ``return_indices`` makes
    ``forward`` return ``(out, indices)`` with the winners' flat positions in their H*W planes."""

    def __init__(
        self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
        return_indices: bool = False, ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        _check_window(kernel_size, stride, padding, dilation, "MaxPool2d")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation = dilation
        self.return_indices = check_bool(return_indices, "return_indices", "MaxPool2d")
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode", "MaxPool2d")

    def forward(self, x: Any) -> Any:
        return ae.max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows moved by ``stride`` (default: the kernel size); zero
    ``padding`` counts in the mean unless ``count_include_pad=False``.

    As PyTorch's ``nn.AvgPool2d`` (same argument order: ``ceil_mode`` before
    ``count_include_pad``): ``ceil_mode`` rounds the output size up, and a last window that
    runs past the padded input divides by the pixels it covers there."""

    def __init__(
        self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        _check_window(kernel_size, stride, padding, 1, "AvgPool2d")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode", "AvgPool2d")
        self.count_include_pad = check_bool(count_include_pad, "count_include_pad", "AvgPool2d")

    def forward(self, x: Any) -> Any:
        return ae.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed ``output_size`` grid; ``AdaptiveAvgPool2d(1)`` is global average
    pooling (N, C, H, W) -> (N, C, 1, 1).  Any size, with PyTorch's bins (see
    :func:`adaptive_avg_pool2d`); a None entry of the pair keeps that axis."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        _check_output_size(output_size, "AdaptiveAvgPool2d")
        self.output_size = output_size

    def forward(self, x: Any) -> Any:
        return _adaptive_avg_pool2d(x, self.output_size, "AdaptiveAvgPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max-pool to a fixed ``output_size`` grid with PyTorch's bins (see :func:`adaptive_max_pool2d`);
    with ``return_indices`` ``forward`` returns ``(out, indices)``, as ``nn.AdaptiveMaxPool2d``."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        _check_output_size(output_size, "AdaptiveMaxPool2d")
        self.output_size = output_size
        self.return_indices = check_bool(return_indices, "return_indices", "AdaptiveMaxPool2d")

    def forward(self, x: Any) -> Any:
        return _adaptive_max_pool2d(x, self.output_size, self.return_indices, "AdaptiveMaxPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
