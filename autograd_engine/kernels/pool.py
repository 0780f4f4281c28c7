"""Pooling kernels over (N, C, H, W) arrays, in parallel over the (image, channel) planes.

Each kernel processes the (image, channel) planes ``start <= n*C + c < stop`` and
releases the GIL, so that :func:`autograd_engine.kernels.threads.parallel_for` can
run disjoint ranges of planes on several threads.

Window (oy, ox) covers the input rows ``oy*sh - ph .. oy*sh - ph + kh - 1`` and
the columns likewise; positions outside the input are padding: ignored by max
pooling (PyTorch's -inf padding) and zeros for average pooling.
"""
from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def max_pool_forward(x, kh, kw, sh, sw, ph, pw, out, switches, start, stop):
    """Fill ``out`` with each window's maximum and ``switches`` with its position
    (``row * W + column`` in the input plane).  A tie goes to the first maximum in
    row-major window order; a NaN wins and propagates, as in PyTorch.  Every window
    must contain at least one input pixel (the op checks ``padding <= kernel // 2``)."""
    n_images, channels, height, width = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for task in range(start, stop):
        n = task // channels
        c = task - n * channels
        for oy in range(oh):
            y0 = oy * sh - ph
            y_lo, y_hi = max(y0, 0), min(y0 + kh, height)
            for ox in range(ow):
                x0 = ox * sw - pw
                x_lo, x_hi = max(x0, 0), min(x0 + kw, width)
                best = x[n, c, y_lo, x_lo]
                where = y_lo * width + x_lo
                total = best * 0  # becomes NaN if the window holds a NaN (or both infinities)
                for iy in range(y_lo, y_hi):
                    for ix in range(x_lo, x_hi):
                        v = x[n, c, iy, ix]
                        total += v
                        if v > best:
                            best = v
                            where = iy * width + ix
                if total != total:  # rare: rescan for the first NaN, which wins
                    for index in range((y_hi - y_lo) * (x_hi - x_lo)):
                        iy = y_lo + index // (x_hi - x_lo)
                        ix = x_lo + index % (x_hi - x_lo)
                        if x[n, c, iy, ix] != x[n, c, iy, ix]:
                            best = x[n, c, iy, ix]
                            where = iy * width + ix
                            break
                out[n, c, oy, ox] = best
                switches[n, c, oy, ox] = where


@njit(cache=True, nogil=True)
def max_pool_backward(g, switches, dx, start, stop):
    """Overwrite ``dx`` with zeros, then add each output's gradient to the input its switch names."""
    n_images, channels, oh, ow = g.shape
    width = dx.shape[3]
    for task in range(start, stop):
        n = task // channels
        c = task - n * channels
        target = dx[n, c]
        target[:, :] = 0
        for oy in range(oh):
            for ox in range(ow):
                where = switches[n, c, oy, ox]
                target[where // width, where % width] += g[n, c, oy, ox]


@njit(cache=True, nogil=True)
def avg_pool_forward(x, kh, kw, sh, sw, ph, pw, count_include_pad, out, start, stop):
    """Fill ``out`` with each window's mean: its sum over the input pixels divided by
    ``kh * kw`` (``count_include_pad``, PyTorch's default) or by the number of input pixels."""
    n_images, channels, height, width = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for task in range(start, stop):
        n = task // channels
        c = task - n * channels
        plane = x[n, c]
        for oy in range(oh):
            y0 = oy * sh - ph
            y_lo, y_hi = max(y0, 0), min(y0 + kh, height)
            for ox in range(ow):
                x0 = ox * sw - pw
                x_lo, x_hi = max(x0, 0), min(x0 + kw, width)
                total = plane[y_lo, x_lo] * 0
                for iy in range(y_lo, y_hi):
                    for ix in range(x_lo, x_hi):
                        total += plane[iy, ix]
                count = kh * kw if count_include_pad else (y_hi - y_lo) * (x_hi - x_lo)
                out[n, c, oy, ox] = total / count


@njit(cache=True, nogil=True)
def avg_pool_backward(g, kh, kw, sh, sw, ph, pw, count_include_pad, dx, start, stop):
    """Overwrite ``dx`` with the adjoint of :func:`avg_pool_forward`: each output's gradient,
    divided by its window's count, added to every input pixel of the window."""
    n_images, channels, height, width = dx.shape
    oh, ow = g.shape[2], g.shape[3]
    for task in range(start, stop):
        n = task // channels
        c = task - n * channels
        target = dx[n, c]
        target[:, :] = 0
        for oy in range(oh):
            y0 = oy * sh - ph
            y_lo, y_hi = max(y0, 0), min(y0 + kh, height)
            for ox in range(ow):
                x0 = ox * sw - pw
                x_lo, x_hi = max(x0, 0), min(x0 + kw, width)
                count = kh * kw if count_include_pad else (y_hi - y_lo) * (x_hi - x_lo)
                share = g[n, c, oy, ox] / count
                for iy in range(y_lo, y_hi):
                    for ix in range(x_lo, x_hi):
                        target[iy, ix] += share
