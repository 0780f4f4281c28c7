"""Sliding blocks of images: ``unfold`` (``Unfold``, the notes' im2col) and its adjoint ``fold``
(``Fold``, col2im), PyTorch's names, arguments and layout.

``unfold`` takes (N, C, H, W) to (N, C * KH * KW, L): column ``l`` holds the block under the kernel
at the l-th position (row by row over the OH x OW positions), channel by channel, each channel's
KH x KW values row by row.  So a convolution is one matrix product,
``conv2d(x, w) == (w.reshape(F, -1) @ unfold(x)).reshape(N, F, OH, OW)``.  Per axis, as ``conv2d``:
``O = (H + 2 * padding - dilation * (K - 1) - 1) // stride + 1`` positions.

``fold`` takes (N, C * KH * KW, L) back to (N, C, H, W) = ``output_size``, adding each column into
its block; where blocks overlap their values add up, so ``fold(unfold(x))`` is ``x`` times the
number of blocks that cover each pixel, and ``fold`` is the transpose of ``unfold``.

Both are one indexing op on the padded image: ``unfold`` reads it at integer index arrays
(``getitem``), ``fold`` adds the columns in at the same indices (``scatter_add``), and each one's
gradient is the other, so both differentiate twice.  No value is multiplied by another pixel's
weight: an inf or NaN stays in the columns of its own blocks.  Unbatched inputs, (C, H, W) and
(C * KH * KW, L), are accepted as in PyTorch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.errors import ShapeError
from autograd_engine.operands import as_operand, pair, shape_of

from .module import Module

Pair = tuple[int, int]


class _Blocks:
    """The geometry shared by ``unfold`` and ``fold``: the checked arguments and, for an image of
    ``height`` x ``width``, the padded image's index of every value of every block."""

    def __init__(self, op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> None:
        self.op = op
        self.kernel = pair(kernel_size, "kernel_size", op, 1)
        self.dilation = pair(dilation, "dilation", op, 1)
        self.padding = pair(padding, "padding", op, 0)
        self.stride = pair(stride, "stride", op, 1)

    def describe(self) -> str:
        return (f"kernel_size={self.kernel}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")

    def positions(self, height: int, width: int) -> Pair:
        """(OH, OW), the number of block positions down and across; an image smaller than the
        dilated kernel (after padding) is refused."""
        counts = []
        for axis, size, k, d, p, s in zip(("height", "width"), (height, width), self.kernel, self.dilation,
                                          self.padding, self.stride):
            span = d * (k - 1) + 1
            if size + 2 * p < span:
                raise ShapeError(
                    f"{self.op}: the padded {axis} {size} + 2 * {p} is smaller than the dilated kernel "
                    f"{d} * ({k} - 1) + 1 = {span} ({self.describe()}); use a smaller kernel or more padding"
                )
            counts.append((size + 2 * p - span) // s + 1)
        return counts[0], counts[1]

    def key(self, height: int, width: int) -> tuple[Any, ...]:
        """The index of the padded (N, C, H + 2PH, W + 2PW) image whose result is (N, C, KH, KW, OH, OW):
        ``[n, c, i, j, y, x]`` is the pixel at row ``y * SH + i * DH``, column ``x * SW + j * DW``."""
        (oh, ow), (kh, kw), (dh, dw), (sh, sw) = self.positions(height, width), self.kernel, self.dilation, self.stride
        rows = np.arange(kh)[:, None] * dh + np.arange(oh)[None, :] * sh  # (KH, OH)
        cols = np.arange(kw)[:, None] * dw + np.arange(ow)[None, :] * sw  # (KW, OW)
        return slice(None), slice(None), rows[:, None, :, None], cols[None, :, None, :]


def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Any:
    """PyTorch's ``F.unfold``: the blocks of ``input`` (N, C, H, W) under a sliding kernel as the
    columns of (N, C * KH * KW, L), L = OH * OW positions; (C, H, W) gives (C * KH * KW, L).  Each
    of ``kernel_size``, ``dilation``, ``padding`` (zeros), ``stride`` is an int or a (height, width) pair."""
    blocks = _Blocks("unfold", kernel_size, dilation, padding, stride)
    x = as_operand(input, "unfold", "input")
    shape = shape_of(x)
    if len(shape) not in (3, 4):
        raise ShapeError(f"unfold: expected input of shape (N, C, H, W) or (C, H, W), got shape {shape}")
    images = x if len(shape) == 4 else ae.expand_dims(x, 0)
    n, c, h, w = shape_of(images)
    (ph, pw), (kh, kw) = blocks.padding, blocks.kernel
    oh, ow = blocks.positions(h, w)
    padded = ae.pad(images, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else images
    columns = ae.reshape(ae.getitem(padded, blocks.key(h, w)), (n, c * kh * kw, oh * ow))
    return columns if len(shape) == 4 else columns[0]


def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Any:
    """PyTorch's ``F.fold``: the columns of ``input`` (N, C * KH * KW, L) added into their blocks of
    an (N, C, H, W) image, (H, W) = ``output_size``; overlapping blocks add up.  (C * KH * KW, L)
    gives (C, H, W).  L must be the number of block positions in an image of ``output_size``;
    the arguments are those of :func:`unfold`."""
    op = "fold"
    blocks = _Blocks(op, kernel_size, dilation, padding, stride)
    height, width = pair(output_size, "output_size", op, 1)
    x = as_operand(input, op, "input")
    shape = shape_of(x)
    if len(shape) not in (2, 3):
        raise ShapeError(f"fold: expected input of shape (N, C * KH * KW, L) or (C * KH * KW, L), got shape {shape}")
    columns = x if len(shape) == 3 else ae.expand_dims(x, 0)
    n, rows, length = shape_of(columns)
    (ph, pw), (kh, kw) = blocks.padding, blocks.kernel
    if rows % (kh * kw):
        raise ShapeError(
            f"fold: the input's {rows} rows (axis {len(shape) - 2}) must be C * KH * KW, a multiple of the kernel's "
            f"{kh} * {kw} = {kh * kw} values, got shape {shape} with kernel_size={blocks.kernel}"
        )
    oh, ow = blocks.positions(height, width)
    if length != oh * ow:
        raise ShapeError(
            f"fold: an output_size of {(height, width)} holds {oh} * {ow} = {oh * ow} blocks ({blocks.describe()}), "
            f"but the input has L = {length} columns (shape {shape}); the output_size must be that of the "
            f"unfolded image"
        )
    channels = rows // (kh * kw)
    values = ae.reshape(columns, (n, channels, kh, kw, oh, ow))
    padded = ae.scatter_add(values, key=blocks.key(height, width),
                            shape=(n, channels, height + 2 * ph, width + 2 * pw))
    image = ae.getitem(padded, (slice(None), slice(None), slice(ph, ph + height), slice(pw, pw + width)))
    return image if len(shape) == 3 else image[0]


class Unfold(Module):
    """The sliding blocks of (N, C, H, W) images as columns, as PyTorch's ``nn.Unfold``: see :func:`unfold`."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        blocks = _Blocks("Unfold", kernel_size, dilation, padding, stride)
        self.kernel_size, self.dilation, self.padding, self.stride = (
            blocks.kernel, blocks.dilation, blocks.padding, blocks.stride)

    def forward(self, x: Any) -> Any:
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"


class Fold(Module):
    """Columns added back into their blocks of (N, C, H, W) images, as PyTorch's ``nn.Fold``: see
    :func:`fold`."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        blocks = _Blocks("Fold", kernel_size, dilation, padding, stride)
        self.output_size = pair(output_size, "output_size", "Fold", 1)
        self.kernel_size, self.dilation, self.padding, self.stride = (
            blocks.kernel, blocks.dilation, blocks.padding, blocks.stride)

    def forward(self, x: Any) -> Any:
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
