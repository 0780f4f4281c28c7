"""Pooling over NCHW images: max_pool2d and avg_pool2d (primitives on Numba kernels) and
global_avg_pool2d (a mean over the spatial axes).

Output sizes follow :func:`conv_output_size`, or with ``ceil_mode`` the division rounded up,
as PyTorch.  Max pooling routes a tie to one input (the first in the window), as PyTorch does.
The kernels are imported on the first call, so that ``import autograd_engine`` does not load
Numba.  The rules run on raw arrays: the primitives refuse ``create_graph=True``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..declare import op
from ..errors import ShapeError
from ..function import Primitive, apply
from ..kernels.threads import parallel_for
from ..operands import as_operand, pair
from ..tensor import Tensor
from .conv import IntPair, _check_images, _compute_dtype, _output_sizes, conv_output_size
from .reduce import mean


def _pool_kernels():
    from ..kernels import pool

    return pool


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Pooling's output size along one axis, as PyTorch: :func:`conv_output_size`, or with
    ``ceil_mode`` the division rounded up -- one more window that runs past the input --
    unless that last window would start beyond the input and its left padding
    (``(out - 1) * stride >= size + padding``)."""
    if not ceil_mode:
        return conv_output_size(size, kernel, stride, padding, dilation)
    out = -(-(size + 2 * padding - dilation * (kernel - 1) - 1) // stride) + 1
    return out - 1 if (out - 1) * stride >= size + padding else out


def _pool_geometry(
    op: str, x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any = 1, ceil_mode: bool = False
):
    _, _, h, width = _check_images(x, op)
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride_ = kernel if stride is None else pair(stride, "stride", op, 1)
    padding_ = pair(padding, "padding", op, 0)
    dilation_ = pair(dilation, "dilation", op, 1)
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise TypeError(f"{op}: ceil_mode must be True or False, got {ceil_mode!r}")
    if padding_[0] > kernel[0] // 2 or padding_[1] > kernel[1] // 2:
        raise ValueError(
            f"{op}: padding {padding_} must be at most half the kernel size {kernel} (as in PyTorch), "
            f"so that every window holds at least one input pixel"
        )
    if not ceil_mode:
        _output_sizes(op, (h, width), kernel, stride_, padding_, dilation_)  # refuses a kernel larger than the input
    out_size = tuple(
        pool_output_size(size, k, s, p, d, bool(ceil_mode))
        for size, k, s, p, d in zip((h, width), kernel, stride_, padding_, dilation_)
    )
    for axis, size, k, s, p, d, out in zip(("height", "width"), (h, width), kernel, stride_, padding_, dilation_, out_size):
        if out < 1:  # ceil_mode allows a kernel larger than the input, while one window fits in a stride
            raise ShapeError(
                f"{op}: with ceil_mode the output {axis} ceil((W + 2P - D*(K-1) - 1) / S) + 1 = "
                f"ceil(({size} + 2*{p} - {d}*({k}-1) - 1) / {s}) + 1 = {out} is < 1; "
                f"use a smaller kernel, more padding or a larger input"
            )
    for axis, size, k, s, p, d, out in zip(("row", "column"), (h, width), kernel, stride_, padding_, dilation_, out_size):
        # a dilated window that starts in the padding may skip over the input altogether
        for o in range(min(out, -(-p // s))):
            first = o * s - p
            inside = [first + d * j for j in range(k) if 0 <= first + d * j < size]
            if not inside:
                raise ValueError(
                    f"{op}: the window of output {axis} {o} reads input {axis}s "
                    f"{[first + d * j for j in range(k)]} (kernel {k}, dilation {d}, padding {p}), none of them "
                    f"inside the input's {size} {axis}s, so it has no maximum (PyTorch returns -inf there); "
                    f"use less padding or a smaller dilation"
                )
    return kernel, stride_, padding_, dilation_, out_size


def _pool_input(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=_compute_dtype(x))


class _Pool2d(Primitive):
    __slots__ = ("kernel", "stride", "padding", "out_size")
    differentiable_twice = False

    def __init__(self, kernel, stride, padding, out_size) -> None:
        self.kernel, self.stride, self.padding, self.out_size = kernel, stride, padding, out_size

    def describe(self) -> str:
        return f"{self.name}(kernel={self.kernel}, stride={self.stride}, padding={self.padding})"

    def _geometry(self) -> tuple[int, ...]:
        return (*self.kernel, *self.stride, *self.padding)

    def _restore(self, result: np.ndarray, original: np.ndarray) -> np.ndarray:
        return result.astype(np.float16) if original.dtype == np.float16 else result


class MaxPool2d(_Pool2d):
    """Max over each window; ``saved`` holds the argmax "switches" (flat positions in the plane).

    Backward routes each output's gradient to its switch only: a tie goes to the first
    maximum in row-major window order (one input, as PyTorch), a NaN wins and propagates.
    ``dilation`` spreads a window's taps ``dilation`` pixels apart.  ``ceil_mode`` only adds
    windows (in ``out_size``) that the general kernel clips to the input; the 2x2 fast path,
    which does not clip, is used only when no window runs past the input.
    """

    __slots__ = ("dilation",)
    name = "max_pool2d"

    def __init__(self, kernel, stride, padding, out_size, dilation=(1, 1)) -> None:
        super().__init__(kernel, stride, padding, out_size)
        self.dilation = dilation

    def describe(self) -> str:
        if self.dilation == (1, 1):
            return super().describe()
        return f"{super().describe()[:-1]}, dilation={self.dilation})"

    def forward(self, x):
        data = _pool_input(x)
        n, c = data.shape[:2]
        out = np.empty((n, c, *self.out_size), dtype=data.dtype)
        switches = np.empty((n, c, *self.out_size), dtype=np.int32)
        kernels = _pool_kernels()
        fits = 2 * self.out_size[0] <= data.shape[2] and 2 * self.out_size[1] <= data.shape[3]  # not ceil_mode's
        if self._geometry() == (2, 2, 2, 2, 0, 0) and self.dilation == (1, 1) and fits:
            parallel_for(kernels.max_pool_2x2_forward, n * c, data.size, data, out, switches)
        elif self.dilation == (1, 1):
            parallel_for(kernels.max_pool_forward, n * c, data.size, data, *self._geometry(), out, switches)
        else:
            parallel_for(
                kernels.max_pool_dilated_forward, n * c, data.size, data, *self._geometry(), *self.dilation,
                out, switches,
            )
        self.saved = switches
        return self._restore(out, x)

    def branch(self, out, x):
        """The switches: which input won each window (gradcheck treats a change as a kink)."""
        if self.saved is not None:
            return self.saved
        fresh = MaxPool2d(self.kernel, self.stride, self.padding, self.out_size, self.dilation)  # released: recompute
        fresh.forward(x)
        return fresh.saved

    def backward(self, g, out, x):
        dtype = _compute_dtype(x)
        gx = np.empty(x.shape, dtype=dtype)
        g = np.ascontiguousarray(g, dtype=dtype)
        parallel_for(_pool_kernels().max_pool_backward, g.shape[0] * g.shape[1], gx.size, g, self.saved, gx)
        return (gx,)


class AvgPool2d(_Pool2d):
    """Mean over each window; padding counts as zeros in the mean unless
    ``count_include_pad=False`` (then the mean is over the window's input pixels only).
    A ``ceil_mode`` window that runs past the padded input divides by its pixels inside
    the padded input (PyTorch's rule), so its padding still counts but the overhang does not."""

    __slots__ = ("count_include_pad",)
    name = "avg_pool2d"

    def __init__(self, kernel, stride, padding, out_size, count_include_pad: bool) -> None:
        super().__init__(kernel, stride, padding, out_size)
        self.count_include_pad = count_include_pad

    def forward(self, x):
        data = _pool_input(x)
        n, c = data.shape[:2]
        out = np.empty((n, c, *self.out_size), dtype=data.dtype)
        kernel = _pool_kernels().avg_pool_forward
        parallel_for(kernel, n * c, data.size, data, *self._geometry(), self.count_include_pad, out)
        return self._restore(out, x)

    def backward(self, g, out, x):
        dtype = _compute_dtype(x)
        gx = np.empty(x.shape, dtype=dtype)
        g = np.ascontiguousarray(g, dtype=dtype)
        kernel = _pool_kernels().avg_pool_backward
        parallel_for(kernel, g.shape[0] * g.shape[1], gx.size, g, *self._geometry(), self.count_include_pad, gx)
        return (gx,)


@op()
def avg_pool2d(
    x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0, ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Any:
    """Average pooling of NCHW images over ``kernel_size`` windows (stride defaults to the kernel size).

    Arguments as PyTorch's ``F.avg_pool2d`` (``ceil_mode`` comes before ``count_include_pad``).
    Zero padding (at most half the kernel) is counted in the mean when ``count_include_pad``
    (PyTorch's default).  Output sizes as :func:`max_pool2d` without dilation.  With
    ``ceil_mode`` a last window that runs past the padded input averages what it covers:
    divided by its pixels inside the padded input (``count_include_pad``) or inside the input.
    Not differentiable twice.
    """
    x = as_operand(x, "avg_pool2d", "input")
    kernel, stride_, padding_, _, out_size = _pool_geometry("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    return apply(AvgPool2d(kernel, stride_, padding_, out_size, bool(count_include_pad)), x)


@op()
def max_pool2d(
    x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0, dilation: IntPair = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:
    """Max pooling of NCHW images over ``kernel_size`` windows (stride defaults to the kernel size).

    Arguments as PyTorch's ``F.max_pool2d``.  Padding (at most half the kernel) is ignored by
    the max, as PyTorch's -inf padding; ``dilation`` D reads every D-th pixel of a window
    D*(K-1)+1 wide.  Output (N, C, OH, OW) with OH = (H + 2P - D*(KH-1) - 1) // S + 1
    (floored; rounded up with ``ceil_mode``, dropping a last window that would start past
    the input and its left padding; windows that run past the input take the max of the
    pixels they cover), likewise OW.  The gradient of each output goes to the one input
    that won its window (the first maximum in row-major order on ties).  Not differentiable twice.

    With ``return_indices`` returns ``(out, indices)``: ``indices`` (N, C, OH, OW) int64 holds
    each winner's flat position ``row * W + column`` in its input plane, as PyTorch (an integer
    Tensor, so it carries no gradient).
    """
    x = as_operand(x, "max_pool2d", "input")
    kernel, stride_, padding_, dilation_, out_size = _pool_geometry(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode
    )
    primitive = MaxPool2d(kernel, stride_, padding_, out_size, dilation_)
    out = apply(primitive, x)
    if not return_indices:
        return out
    return out, Tensor(primitive.saved.astype(np.int64))


@op()
def global_avg_pool2d(x: Any, keepdims: bool = True) -> Any:
    """Mean over the spatial axes of NCHW images: (N, C, 1, 1), or (N, C) with ``keepdims=False``.

    Composed from ``mean`` (so it is differentiable twice)."""
    x = as_operand(x, "global_avg_pool2d", "input")
    _check_images(x, "global_avg_pool2d")
    return mean(x, axis=(2, 3), keepdims=keepdims)
