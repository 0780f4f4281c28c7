"""Pooling kernels over C-contiguous (N, C, H, W) arrays, split over the (image, channel) planes.

Each kernel processes the planes ``start <= n*C + c < stop`` and releases the GIL, so
that :func:`autograd_engine.kernels.threads.parallel_for` can run disjoint ranges of
planes on several threads.

Window (oy, ox) covers the input rows ``oy*sh - ph .. oy*sh - ph + kh - 1`` (every
``dh``-th of ``oy*sh - ph .. oy*sh - ph + dh*(kh - 1)`` with max pooling's dilation) and
the columns likewise; positions outside the input are padding: ignored by max
pooling (PyTorch's -inf padding) and zeros for average pooling.  With ``ceil_mode`` the
last window may also run past the bottom/right padding; those positions are not in the
padded input at all (average pooling does not count them even with
``count_include_pad``, as PyTorch).  The loops index flat views with unsigned integers
(see :mod:`.im2col` for why).
"""
from __future__ import annotations

from numba import njit
from numba import uint64 as u64


@njit(cache=True, inline="always")
def window(o: int, stride: int, pad: int, kernel: int, size: int) -> tuple[int, int]:
    """The input rows (or columns) [lo, hi) that window ``o`` covers, padding left out."""
    start = o * stride - pad
    return max(start, 0), min(start + kernel, size)


@njit(cache=True, inline="always")
def padded_extent(o: int, stride: int, pad: int, kernel: int, size: int) -> int:
    """How many of window ``o``'s rows (or columns) lie in the padded input: ``kernel``, except
    for a ``ceil_mode`` window that runs past the far padding (PyTorch's count_include_pad divisor)."""
    start = o * stride - pad
    return min(start + kernel, size + pad) - start


@njit(cache=True, inline="always")
def dilated_window(o: int, stride: int, pad: int, kernel: int, dilation: int, size: int) -> tuple[int, int]:
    """The input rows (or columns) ``range(lo, hi, dilation)`` that window ``o`` covers, padding left out."""
    start = o * stride - pad
    lo = start if start >= 0 else start + dilation * ((dilation - 1 - start) // dilation)
    return lo, min(start + dilation * (kernel - 1) + 1, size)


@njit(cache=True, nogil=True)
def max_pool_forward(x, kh, kw, sh, sw, ph, pw, out, switches, start, stop):
    """:func:`max_pool_dilated_forward` without dilation."""
    max_pool_dilated_forward(x, kh, kw, sh, sw, ph, pw, 1, 1, out, switches, start, stop)


@njit(cache=True, nogil=True)
def max_pool_dilated_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, out, switches, start, stop):
    """Fill ``out`` with each window's maximum and ``switches`` with its position
    (``row * W + column`` in the input plane).  A tie goes to the first maximum in
    row-major window order; a NaN wins and propagates, as in PyTorch.  Every window
    must contain at least one input pixel (the op checks ``padding <= kernel // 2``, and
    refuses a dilation that lets a window fall between the input pixels)."""
    n_images, channels, height, width = x.shape
    oh, ow = out.shape[2], out.shape[3]
    src, dst, where_out = x.reshape(x.size), out.reshape(out.size), switches.reshape(switches.size)
    for task in range(start, stop):
        plane = u64(task * height * width)
        for oy in range(oh):
            y_lo, y_hi = dilated_window(oy, sh, ph, kh, dh, height)
            for ox in range(ow):
                x_lo, x_hi = dilated_window(ox, sw, pw, kw, dw, width)
                where = y_lo * width + x_lo
                best = src[plane + u64(where)]
                total = best * 0  # becomes NaN if the window holds a NaN (or both infinities)
                for iy in range(y_lo, y_hi, dh):
                    for ix in range(x_lo, x_hi, dw):
                        v = src[plane + u64(iy * width + ix)]
                        total += v
                        if v > best:
                            best = v
                            where = iy * width + ix
                if total != total:  # rare: rescan for the first NaN, which wins
                    for iy in range(y_lo, y_hi, dh):
                        for ix in range(x_lo, x_hi, dw):
                            v = src[plane + u64(iy * width + ix)]
                            if v != v and best == best:
                                best = v
                                where = iy * width + ix
                k = u64((task * oh + oy) * ow + ox)
                dst[k] = best
                where_out[k] = where


@njit(cache=True, nogil=True)
def max_pool_2x2_forward(x, out, switches, start, stop):
    """:func:`max_pool_forward` for the notes' common case, 2x2 windows, stride 2, no padding,
    unrolled and branch-free (faster than the general loop); same ties and NaN rules."""
    n_images, channels, height, width = x.shape
    oh, ow = out.shape[2], out.shape[3]
    src, dst, where_out = x.reshape(x.size), out.reshape(out.size), switches.reshape(switches.size)
    for task in range(start, stop):
        plane = u64(task * height * width)
        for oy in range(oh):
            first_out = (task * oh + oy) * ow
            for ox in range(ow):
                corner = 2 * oy * width + 2 * ox
                best, where = src[plane + u64(corner)], corner
                total = best
                for offset in (1, width, width + 1):
                    v = src[plane + u64(corner + offset)]
                    total += v
                    take = v > best
                    best = v if take else best
                    where = corner + offset if take else where
                if total != total:  # a NaN (or both infinities): the first NaN wins
                    for offset in (width + 1, width, 1, 0):
                        v = src[plane + u64(corner + offset)]
                        if v != v:
                            best, where = v, corner + offset
                dst[u64(first_out + ox)] = best
                where_out[u64(first_out + ox)] = where


@njit(cache=True, nogil=True)
def max_pool_backward(g, switches, dx, start, stop):
    """Overwrite ``dx`` with zeros, then add each output's gradient to the input its switch names."""
    n_images, channels, oh, ow = g.shape
    plane_size = dx.shape[2] * dx.shape[3]
    src, where_in, dst = g.reshape(g.size), switches.reshape(switches.size), dx.reshape(dx.size)
    for task in range(start, stop):
        plane = u64(task * plane_size)
        for p in range(plane_size):
            dst[plane + u64(p)] = 0
        for k in range(u64(task * oh * ow), u64((task + 1) * oh * ow)):
            dst[plane + u64(where_in[k])] += src[k]


@njit(cache=True, nogil=True)
def avg_pool_forward(x, kh, kw, sh, sw, ph, pw, count_include_pad, out, start, stop):
    """Fill ``out`` with each window's mean: its sum over the input pixels divided by the
    number of its pixels in the padded input (``count_include_pad``, PyTorch's default: ``kh * kw``
    except for ``ceil_mode`` windows that overhang the padding) or by the number of input pixels."""
    n_images, channels, height, width = x.shape
    oh, ow = out.shape[2], out.shape[3]
    src, dst = x.reshape(x.size), out.reshape(out.size)
    for task in range(start, stop):
        plane = u64(task * height * width)
        for oy in range(oh):
            y_lo, y_hi = window(oy, sh, ph, kh, height)
            for ox in range(ow):
                x_lo, x_hi = window(ox, sw, pw, kw, width)
                total = src[plane] * 0
                for iy in range(y_lo, y_hi):
                    for ix in range(x_lo, x_hi):
                        total += src[plane + u64(iy * width + ix)]
                if count_include_pad:
                    count = padded_extent(oy, sh, ph, kh, height) * padded_extent(ox, sw, pw, kw, width)
                else:
                    count = (y_hi - y_lo) * (x_hi - x_lo)
                dst[u64((task * oh + oy) * ow + ox)] = total / count


@njit(cache=True, nogil=True)
def avg_pool_backward(g, kh, kw, sh, sw, ph, pw, count_include_pad, dx, start, stop):
    """Overwrite ``dx`` with the adjoint of :func:`avg_pool_forward`: each output's gradient,
    divided by its window's count, added to every input pixel of the window."""
    n_images, channels, height, width = dx.shape
    oh, ow = g.shape[2], g.shape[3]
    src, dst = g.reshape(g.size), dx.reshape(dx.size)
    for task in range(start, stop):
        plane = u64(task * height * width)
        for p in range(height * width):
            dst[plane + u64(p)] = 0
        for oy in range(oh):
            y_lo, y_hi = window(oy, sh, ph, kh, height)
            for ox in range(ow):
                x_lo, x_hi = window(ox, sw, pw, kw, width)
                if count_include_pad:
                    count = padded_extent(oy, sh, ph, kh, height) * padded_extent(ox, sw, pw, kw, width)
                else:
                    count = (y_hi - y_lo) * (x_hi - x_lo)
                share = src[u64((task * oh + oy) * ow + ox)] / count
                for iy in range(y_lo, y_hi):
                    for ix in range(x_lo, x_hi):
                        dst[plane + u64(iy * width + ix)] += share
