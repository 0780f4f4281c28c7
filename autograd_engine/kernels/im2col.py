"""Kernels of the im2col convolution: unfold patches into columns, fold columns back.

The convolution of ``x`` (N, C, H, W) with filters (F, C, KH, KW) becomes, per
image n, the matrix product ``W_row (F, C*KH*KW) @ cols[n] (C*KH*KW, OH*OW)`` (the
notes' ``W_row @ X_col``).  :func:`im2col` writes the column of image n, row r and output
position p at ``n * image_stride + r * row_stride + p`` of a flat buffer, so it fills
either layout:

- (N, R, OH*OW), one matrix per image (``image_stride = R*OH*OW``, ``row_stride =
  OH*OW``): the stacked product ``W_row @ cols`` comes out as (N, F, OH*OW), NCHW with
  no transpose.  R may exceed C*KH*KW: the op keeps a row of ones below the taps there
  to fold the bias into the GEMM; the kernels leave rows past C*KH*KW alone.
- (R, N*OH*OW), the images side by side (``image_stride = OH*OW``, ``row_stride =
  N*OH*OW``): the weight gradient over all of them is then a single GEMM.

:func:`col2im` reads the first layout.

Output position (oy, ox) and kernel tap (i, j) read the input pixel
``(oy*sh - ph + i*dh, ox*sw - pw + j*dw)``; pixels outside the input are the
zero padding.  Every kernel processes the tasks (planes) ``start <= task < stop`` and
releases the GIL: :func:`autograd_engine.kernels.threads.parallel_for` runs disjoint
ranges on several threads (the planes never write to the same memory).

All arrays must be C-contiguous (``reshape(size)`` raises otherwise).  The loops index
flat views with unsigned integers: Numba then skips its negative-index wraparound
and LLVM vectorises the inner loops (which ``cols[row, col]`` indexing prevents).
"""
from __future__ import annotations

from numba import njit
from numba import uint64 as u64


@njit(cache=True, inline="always")
def valid_range(offset: int, stride: int, size: int, n_out: int) -> tuple[int, int]:
    """The outputs o in [lo, hi) for which ``o*stride + offset`` falls inside [0, size)."""
    lo = min(n_out, max(0, -(offset // stride)))  # past n_out when the tap only ever sees padding
    hi = min(n_out, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


@njit(cache=True, nogil=True)
def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols, image_stride, row_stride, start, stop):
    """Fill ``cols``: the column of image n, row (c, i, j), position (oy, ox) -- at flat
    index ``n*image_stride + (c*KH*KW + i*KW + j)*row_stride + oy*OW + ox`` -- is the input
    pixel that tap (i, j) of channel c sees at output (oy, ox) of image n (0 in the padding)."""
    n_images, channels, height, width = x.shape
    src, dst = x.reshape(x.size), cols.reshape(cols.size)
    for task in range(start, stop):
        n = task // channels
        c = task - n * channels
        for i in range(kh):
            y_lo, y_hi = valid_range(i * dh - ph, sh, height, oh)
            for j in range(kw):
                offset = j * dw - pw
                x_lo, x_hi = valid_range(offset, sw, width, ow)
                row_start = u64(n * image_stride + ((c * kh + i) * kw + j) * row_stride)
                for oy in range(oh):
                    out = row_start + u64(oy * ow)
                    if oy < y_lo or oy >= y_hi:
                        for ox in range(ow):
                            dst[out + u64(ox)] = 0
                        continue
                    pixel = u64((task * height + oy * sh + i * dh - ph) * width + offset)
                    for ox in range(x_lo):
                        dst[out + u64(ox)] = 0
                    if sw == 1:
                        for ox in range(x_lo, x_hi):
                            dst[out + u64(ox)] = src[pixel + u64(ox)]
                    else:
                        for ox in range(x_lo, x_hi):
                            dst[out + u64(ox)] = src[pixel + u64(ox * sw)]
                    for ox in range(x_hi, ow):
                        dst[out + u64(ox)] = 0


@njit(cache=True, nogil=True)
def col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx, start, stop):
    """The adjoint of :func:`im2col`: overwrite ``dx`` (N, C, H, W) with the sum, for every
    input pixel, of the entries of ``cols`` (N, R, OH*OW) that were copied from it
    (padding entries dropped)."""
    n_images, channels, height, width = dx.shape
    plane, rows = oh * ow, cols.shape[1]
    src, dst = cols.reshape(cols.size), dx.reshape(dx.size)
    for task in range(start, stop):
        n = task // channels
        c = task - n * channels
        first = u64(task * height * width)
        for p in range(height * width):
            dst[first + u64(p)] = 0
        for i in range(kh):
            y_lo, y_hi = valid_range(i * dh - ph, sh, height, oh)
            for j in range(kw):
                offset = j * dw - pw
                x_lo, x_hi = valid_range(offset, sw, width, ow)
                row_start = u64((n * rows + (c * kh + i) * kw + j) * plane)
                for oy in range(y_lo, y_hi):
                    out = row_start + u64(oy * ow)
                    pixel = u64((task * height + oy * sh + i * dh - ph) * width + offset)
                    if sw == 1:
                        for ox in range(x_lo, x_hi):
                            dst[pixel + u64(ox)] += src[out + u64(ox)]
                    else:
                        for ox in range(x_lo, x_hi):
                            dst[pixel + u64(ox * sw)] += src[out + u64(ox)]
