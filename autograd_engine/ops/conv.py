"""Convolution over NCHW images (``conv2d``), and the output-size rule it shares with pooling
(``ops/pool.py``).

Output size, per spatial axis, as in the notes and PyTorch::

    out = (size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1

i.e. the notes' (W - F + 2P)/S + 1 with the dilated kernel D*(F-1)+1 in place of F.
When the division is not exact the result is floored, as PyTorch does: the last
input rows/columns that no window reaches are ignored (W=10, F=3, S=2, P=0 gives
4, and column 9 is never read).

The hot loops run in Numba kernels (``autograd_engine/kernels``), imported on the
first call so that ``import autograd_engine`` does not load Numba, and split over
the (image, channel) planes on a few threads (``kernels/threads.py``).  Convolution is
the notes' im2col: ``W_row @ X_col`` as BLAS GEMMs over a chunk of images at a time
(a few MB of columns, so they stay in cache), one (C*KH*KW, OH*OW) matrix per image so
that the products land in NCHW; its backward is two more GEMMs
(``dW = sum over images of dOut @ X_col^T``, ``dX_col = W_row^T @ dOut``) and col2im.
Each thread runs its own chunks with single-threaded BLAS (see :class:`Conv2d`).  The
gradient rule runs on raw arrays, so the primitive refuses ``create_graph=True``
(``differentiable_twice = False``).

dtypes: float32 stays float32 and float64 stays float64 (NumPy promotion between
the operands); other inputs are computed in the default float dtype (float16 in
float32, returned as float16).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_int
from ..declare import op
from ..dtypes import get_default_dtype
from ..errors import ShapeError
from ..function import Primitive, apply
from ..kernels.threads import parallel_blas_for
from ..operands import as_operand, pair, shape_of

IntPair = int | tuple[int, int]


def _im2col_kernels():
    from ..kernels import im2col  # imports Numba and loads the compiled kernels on first use

    return im2col


@op()
def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """``(size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1``: the notes' (W - F + 2P)/S + 1
    with the dilated kernel, floored as PyTorch does when the division is not exact."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _output_sizes(
    op: str, spatial: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
    padding: tuple[int, int], dilation: tuple[int, int],
) -> tuple[int, int]:
    sizes = []
    for axis, size, k, s, p, d in zip(("height", "width"), spatial, kernel, stride, padding, dilation):
        reach = d * (k - 1) + 1
        if reach > size + 2 * p:
            dilated = f" (dilated: D*(K-1)+1 = {d}*({k}-1)+1 = {reach})" if d != 1 else ""
            raise ShapeError(
                f"{op}: the kernel {axis} {k}{dilated} is larger than the padded input {axis} "
                f"{size} + 2*{p} = {size + 2 * p}, so the output {axis} "
                f"(W + 2P - D*(K-1) - 1) // S + 1 = ({size} + 2*{p} - {d}*({k}-1) - 1) // {s} + 1 "
                f"would be < 1; use a smaller kernel, more padding or a larger input"
            )
        sizes.append(conv_output_size(size, k, s, p, d))
    return sizes[0], sizes[1]


def _compute_dtype(*arrays: Any) -> np.dtype:
    dtype = np.result_type(*[a.dtype for a in arrays if a is not None])
    if dtype == np.float32 or dtype == np.float64:
        return dtype
    return np.dtype(np.float32) if dtype == np.float16 else get_default_dtype()


def _check_images(x: Any, op: str) -> tuple[int, int, int, int]:
    shape = shape_of(x, op)
    if len(shape) != 4:
        hint = "; add a batch axis (x[None]) for a single image" if len(shape) == 3 else ""
        raise ShapeError(f"{op}: expected x of shape (N, C, H, W), got shape {shape}{hint}")
    return shape


CHUNK_BYTES = 1024 * 1024
"""Forward: size of the im2col matrices of one chunk of images, small enough to stay in a
core's L2 cache between im2col and the GEMM that reads them."""
BACKWARD_CHUNK_BYTES = 2 * 1024 * 1024
"""Backward: the same for its chunks, larger so that the weight gradient's GEMM is long."""
GRADIENT_PARTS = 8
"""Backward sums the weight gradient in this many parts (a few per thread), so its memory
does not grow with the batch."""


class Conv2d(Primitive):
    """2-D cross-correlation (no kernel flip), NCHW, with stride, zero padding, dilation, groups.

    The batch is processed in chunks of images, so memory does not grow with it; backward
    recomputes each chunk's columns instead of saving them.  Each thread takes its share of
    the chunks and runs im2col, the GEMMs and col2im on each itself, with BLAS on one thread
    (:func:`~autograd_engine.kernels.threads.parallel_blas_for`): a chunk's columns never
    leave that core's cache, and BLAS's worker threads do not compete with ours.

    Forward: one (C*KH*KW, OH*OW) column matrix per image, so ``W_row @ cols`` reads and
    writes NCHW directly.  Backward: ``dX_cols = W_row^T @ dOut`` per image, then col2im;
    ``dW^T = cols @ dOut^T`` with the chunk's images side by side, one GEMM per chunk.  The
    chunks and the order in which their weight gradients are summed depend only on the sizes,
    so the engine's split over threads does not change the result; BLAS itself may round
    differently when it runs on a different number of threads (a single chunk runs on the
    calling thread with BLAS's own threads).
    """

    __slots__ = ("stride", "padding", "dilation", "groups", "out_size")
    name = "conv2d"
    differentiable_twice = False

    def __init__(self, stride, padding, dilation, groups, out_size) -> None:
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.out_size = groups, out_size

    def describe(self) -> str:
        extras = [f"stride={self.stride}"] if self.stride != (1, 1) else []
        extras += [f"padding={self.padding}"] if self.padding != (0, 0) else []
        extras += [f"dilation={self.dilation}"] if self.dilation != (1, 1) else []
        extras += [f"groups={self.groups}"] if self.groups != 1 else []
        return f"conv2d({', '.join(extras)})" if extras else "conv2d"

    def _geometry(self, w_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*w_shape[2:], *self.stride, *self.padding, *self.dilation, *self.out_size)

    def _chunks(
        self, n: int, rows: int, dtype: np.dtype, chunk_bytes: int = 0
    ) -> tuple[list[tuple[int, int]], tuple[int, int, int]]:
        """(first, last + 1) of each chunk of images, and the shape of a buffer for a chunk's columns.

        The chunks depend on the sizes alone, not on the number of threads."""
        plane = self.out_size[0] * self.out_size[1]
        size = max(1, min(n, (chunk_bytes or CHUNK_BYTES) // max(1, rows * plane * dtype.itemsize)))
        return [(first, min(n, first + size)) for first in range(0, n, size)], (size, rows, plane)

    def _im2col(self, x: np.ndarray, w_shape: tuple[int, ...], buffer: np.ndarray) -> np.ndarray:
        """The columns of the images ``x`` (M, C, H, W), one matrix per image: (M, R, OH*OW) in ``buffer``."""
        cols = buffer[: x.shape[0]]
        rows, plane = cols.shape[1:]
        _im2col_kernels().im2col(x, *self._geometry(w_shape), cols, rows * plane, plane, 0, x.shape[0] * x.shape[1])
        return cols

    def _im2col_side_by_side(self, x: np.ndarray, w_shape: tuple[int, ...], buffer: np.ndarray) -> np.ndarray:
        """The columns of the images ``x`` (M, C, H, W) side by side: (C*KH*KW, M*OH*OW) in ``buffer``."""
        m, plane = x.shape[0], buffer.shape[2]
        cols = buffer.reshape(-1)[: buffer.shape[1] * m * plane].reshape(-1, m * plane)
        _im2col_kernels().im2col(x, *self._geometry(w_shape), cols, plane, m * plane, 0, m * x.shape[1])
        return cols

    def forward(self, x, w, b=None):
        dtype = _compute_dtype(x, w, b)
        result_dtype = np.result_type(*[a.dtype for a in (x, w, b) if a is not None])
        x = np.ascontiguousarray(x, dtype=dtype)
        n = x.shape[0]
        f, taps = w.shape[0], int(np.prod(w.shape[1:]))
        plane = self.out_size[0] * self.out_size[1]
        fold_bias = b is not None and self.groups == 1
        # With one group the bias is one more column of W_row against a row of ones in the columns.
        w_rows = np.empty((f, taps + fold_bias), dtype=dtype)
        w_rows[:, :taps] = w.reshape(f, taps)
        if fold_bias:
            w_rows[:, taps] = b
        out = np.empty((n, f, plane), dtype=dtype)
        rows = taps * self.groups + fold_bias
        chunks, buffer_shape = self._chunks(n, rows, dtype)

        def run(start: int, stop: int) -> None:  # chunks [start, stop) on one thread
            buffer = np.empty(buffer_shape, dtype)
            if fold_bias:
                buffer[:, -1] = 1  # the kernels never write past the taps
            for first, last in chunks[start:stop]:
                cols = self._im2col(x[first:last], w.shape, buffer)
                if self.groups == 1:
                    np.matmul(w_rows, cols, out=out[first:last])
                else:
                    for filters, group_taps in _group_blocks(f, taps, self.groups):
                        out[first:last, filters] = np.matmul(w_rows[filters], cols[:, group_taps])

        parallel_blas_for(run, len(chunks), x.size + out.size * rows)
        if b is not None and not fold_bias:
            out += np.asarray(b, dtype=dtype)[:, None]
        out = out.reshape(n, f, *self.out_size)
        return out.astype(result_dtype) if result_dtype == np.float16 else out

    def backward(self, g, out, x, w, b=None):
        dtype = _compute_dtype(x, w, b)
        need_x, need_w = self.needs_grad[0], self.needs_grad[1]
        need_b = b is not None and self.needs_grad[2]
        x = np.ascontiguousarray(x, dtype=dtype)
        n, c = x.shape[:2]
        f, taps = w.shape[0], int(np.prod(w.shape[1:]))
        w_rows = np.asarray(w, dtype=dtype).reshape(f, taps)
        plane = self.out_size[0] * self.out_size[1]
        g = np.asarray(g, dtype=dtype).reshape(n, f, plane)
        blocks = _group_blocks(f, taps, self.groups)
        gx = np.empty(x.shape, dtype=dtype) if need_x else None
        chunks, buffer_shape = self._chunks(n, c * w.shape[2] * w.shape[3], dtype, BACKWARD_CHUNK_BYTES)
        # The weight and bias gradients add up in a few parts, each over a fixed run of chunks,
        # then the parts in order: the sum does not depend on how the parts go to threads.
        n_parts = min(GRADIENT_PARTS, len(chunks))
        parts = [(len(chunks) * p // n_parts, len(chunks) * (p + 1) // n_parts) for p in range(n_parts)]
        gw_parts = np.zeros((len(parts), taps, f), dtype=dtype) if need_w else None
        gb_parts = np.zeros((len(parts), f), dtype=dtype) if need_b else None

        def run(start: int, stop: int) -> None:  # parts [start, stop) on one thread
            buffer = np.empty(buffer_shape, dtype)
            for part in range(start, stop):
                for first, last in chunks[parts[part][0]:parts[part][1]]:
                    g_chunk = g[first:last]
                    if need_w:
                        # dW^T = cols @ dOut^T over the chunk's images and positions at once: one
                        # GEMM (in this order BLAS runs it faster than dOut @ cols^T)
                        cols = self._im2col_side_by_side(x[first:last], w.shape, buffer)
                        g_side_by_side = np.ascontiguousarray(g_chunk.transpose(1, 0, 2)).reshape(f, -1)
                        for filters, group_taps in blocks:
                            gw_parts[part, :, filters] += cols[group_taps] @ g_side_by_side[filters].T
                    if need_b:
                        gb_parts[part] += g_chunk.sum(axis=2).sum(axis=0)
                    if need_x:
                        d_cols = buffer[: last - first]
                        if self.groups == 1:
                            np.matmul(w_rows.T, g_chunk, out=d_cols)
                        else:
                            for filters, group_taps in blocks:
                                d_cols[:, group_taps] = np.matmul(w_rows[filters].T, g_chunk[:, filters])
                        _im2col_kernels().col2im(d_cols, *self._geometry(w.shape), gx[first:last], 0, (last - first) * c)

        parallel_blas_for(run, len(parts), (x.size + g.size) * taps)
        gw = None if gw_parts is None else gw_parts.sum(axis=0).T.reshape(w.shape)
        gb = None if gb_parts is None else gb_parts.sum(axis=0)
        return (gx, gw) + (() if b is None else (gb,))


def _group_blocks(filters: int, taps_per_group: int, groups: int) -> list[tuple[slice, slice]]:
    """For each group: its filters' rows of W_row and its channels' rows of the columns."""
    per_group = filters // groups
    return [
        (slice(g * per_group, (g + 1) * per_group), slice(g * taps_per_group, (g + 1) * taps_per_group))
        for g in range(groups)
    ]


@op()
def conv2d(
    x: Any, w: Any, b: Any = None, stride: IntPair = 1, padding: IntPair = 0,
    dilation: IntPair = 1, groups: int = 1,
) -> Any:
    """2-D convolution (cross-correlation, as in the notes and PyTorch) of NCHW images.

    ``x`` (N, C, H, W), ``w`` (F, C/groups, KH, KW), ``b`` (F,) or None; ``stride``,
    ``padding`` (zeros on both sides) and ``dilation`` are ints or (height, width) pairs.
    Returns (N, F, OH, OW) with OH = (H + 2P - D*(KH-1) - 1) // S + 1 (likewise OW):
    floored when the stride does not divide, as in PyTorch.  ``out[n, f, i, j] =
    sum(xpad[n, group(f), i*S + D*a, j*S + D*b] * w[f, :, a, b]) + b[f]`` -- the notes'
    ``V[0,0,0] = np.sum(X[:5,:5,:] * W0) + b0``.  With ``groups`` G the channels and the
    filters split into G groups, and filter group g sees only channel group g.
    Not differentiable twice (its gradient rule runs in Numba kernels).
    """
    op = "conv2d"
    x, w, b = as_operand(x, op, "input"), as_operand(w, op, "weight"), None if b is None else as_operand(b, op, "bias")
    n, c, h, width = _check_images(x, op)
    w_shape = shape_of(w)
    if len(w_shape) != 4:
        raise ShapeError(f"{op}: expected weights of shape (F, C/groups, KH, KW), got shape {w_shape}")
    groups = check_int(groups, "groups", op, low=1)
    f, c_group, kh, kw = w_shape
    if c % groups or f % groups:
        raise ShapeError(
            f"{op}: groups={groups} must divide both the input channels C={c} and the filters F={f} "
            f"(C % groups = {c % groups}, F % groups = {f % groups})"
        )
    if c_group != c // groups:
        raise ShapeError(
            f"{op}: the weights' second axis must be C/groups = {c}/{groups} = {c // groups} "
            f"(x has C={c} channels), but w has shape {w_shape}; check in_channels of the layer"
        )
    if b is not None and shape_of(b) != (f,):
        raise ShapeError(f"{op}: bias must have shape (F,) = ({f},), got {shape_of(b)}")
    stride_, padding_, dilation_ = pair(stride, "stride", op, 1), pair(padding, "padding", op, 0), pair(
        dilation, "dilation", op, 1
    )
    out_size = _output_sizes(op, (h, width), (kh, kw), stride_, padding_, dilation_)
    primitive = Conv2d(stride_, padding_, dilation_, int(groups), out_size)
    return apply(primitive, x, w) if b is None else apply(primitive, x, w, b)
