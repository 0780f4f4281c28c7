"""Transposed convolution over NCHW images (``conv_transpose2d``): the adjoint of ``conv2d``.

A transposed convolution is the gradient of a convolution with respect to its input: each
input pixel scatters a weighted copy of the kernel into the (larger) output, the notes'
"upsampling with a fractionally strided convolution".  So this primitive is built from the
convolution's own pieces (:class:`~autograd_engine.ops.conv.Conv2d`, im2col/col2im Numba
kernels and BLAS): its forward is ``conv2d``'s input gradient, its input gradient is
``conv2d``'s forward, and its weight gradient is ``conv2d``'s weight gradient with the roles
of image and output gradient exchanged.

Shapes, as PyTorch's ``conv_transpose2d``: ``x`` (N, C_in, H, W), ``w`` (C_in, C_out/groups,
KH, KW) -- the layout of the ``conv2d`` weight that maps C_out channels to C_in -- and output
(N, C_out, OH, OW) with, per axis::

    OH = (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1

``output_padding`` (smaller than the stride or the dilation) picks among the output sizes
that the strided convolution maps onto the same H.  Not differentiable twice.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_int
from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..operands import as_operand, pair, shape_of
from .conv import Conv2d, IntPair, _check_images, _compute_dtype


def conv_transpose_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """``(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


class ConvTranspose2d(Primitive):
    """The input gradient of a ``conv2d`` (which maps the output's shape to the input's), as an op."""

    __slots__ = ("conv", "out_size")
    name = "conv_transpose2d"
    differentiable_twice = False

    def __init__(self, stride, padding, dilation, groups, in_size, out_size) -> None:
        self.conv = Conv2d(stride, padding, dilation, groups, in_size)  # from (OH, OW) images to (H, W)
        self.out_size = out_size

    def describe(self) -> str:
        return self.conv.describe().replace("conv2d", "conv_transpose2d", 1)

    def _conv_backward(self, conv_grad, image, w, need_image: bool, need_w: bool):
        self.conv.needs_grad = (need_image, need_w)
        return self.conv.backward(conv_grad, None, image, w)

    def forward(self, x, w):
        result_dtype = np.result_type(x.dtype, w.dtype)
        dtype = _compute_dtype(x, w)
        n, c_out = x.shape[0], w.shape[1] * self.conv.groups
        shape_only = np.empty((n, c_out, *self.out_size), dtype=dtype)  # the conv's input: only its shape is read
        out, _ = self._conv_backward(x, shape_only, w, True, False)
        return out.astype(result_dtype) if result_dtype == np.float16 else out

    def backward(self, g, out, x, w):
        need_x, need_w = self.needs_grad
        gx = self.conv.forward(np.asarray(g), w) if need_x else None
        gw = self._conv_backward(x, np.asarray(g), w, False, True)[1] if need_w else None
        return gx, gw


@op()
def conv_transpose2d(
    x: Any, w: Any, b: Any = None, stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
    groups: int = 1, dilation: IntPair = 1,
) -> Any:
    """Transposed 2-D convolution of NCHW images (PyTorch's ``conv_transpose2d``, same argument order).

    ``x`` (N, C_in, H, W), ``w`` (C_in, C_out/groups, KH, KW), ``b`` (C_out,) or None.  Returns
    (N, C_out, OH, OW) with ``OH = (H - 1) S - 2 P + D (KH - 1) + output_padding + 1`` (likewise OW):
    ``conv2d`` with the same ``w``, stride, padding, dilation and groups maps such an output back to
    (N, C_in, H, W), and this op is that convolution's gradient with respect to its input.
    ``output_padding`` must be smaller than the stride or the dilation.  Not differentiable twice
    (its rule runs in Numba kernels).
    """
    op = "conv_transpose2d"
    x, w = as_operand(x, op, "input"), as_operand(w, op, "weight")
    n, c_in, h, width = _check_images(x, op)
    w_shape = shape_of(w)
    if len(w_shape) != 4:
        raise ShapeError(f"{op}: expected weights of shape (C_in, C_out/groups, KH, KW), got shape {w_shape}")
    groups = check_int(groups, "groups", op, low=1)
    if w_shape[0] != c_in:
        raise ShapeError(
            f"{op}: the weights' first axis must be the input channels C_in={c_in} (layout (C_in, C_out/groups, "
            f"KH, KW)), but w has shape {w_shape}"
        )
    if c_in % groups:
        raise ShapeError(f"{op}: groups={groups} must divide the input channels C_in={c_in}")
    stride_, padding_ = pair(stride, "stride", op, 1), pair(padding, "padding", op, 0)
    dilation_, output_padding_ = pair(dilation, "dilation", op, 1), pair(output_padding, "output_padding", op, 0)
    for extra, s, d in zip(output_padding_, stride_, dilation_):
        if extra >= max(s, d):
            raise ValueError(
                f"{op}: output_padding {output_padding_} must be smaller than the stride {stride_} or the dilation "
                f"{dilation_} (it picks one of the sizes that the strided convolution maps onto the input's)"
            )
    out_size = tuple(
        conv_transpose_output_size(size, k, s, p, e, d)
        for size, k, s, p, e, d in zip((h, width), w_shape[2:], stride_, padding_, output_padding_, dilation_)
    )
    if min(out_size) < 1:
        raise ShapeError(
            f"{op}: the output size (H - 1) S - 2 P + D (K - 1) + output_padding + 1 = {out_size} is < 1 for an "
            f"input of {(h, width)}; use less padding"
        )
    out = apply(ConvTranspose2d(stride_, padding_, dilation_, groups, (h, width), out_size), x, w)
    if b is None:
        return out
    b = as_operand(b, op, "bias")
    c_out = w_shape[1] * groups
    if shape_of(b) != (c_out,):
        raise ShapeError(f"{op}: bias must have shape (C_out,) = ({c_out},), got {shape_of(b)}")
    return out + b.reshape(c_out, 1, 1)
