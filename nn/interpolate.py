"""Resizing images and sequences: ``interpolate`` and ``Upsample``, PyTorch's names, arguments and
coordinate rules.

The input is (N, C, L), (N, C, H, W) or (N, C, D, H, W); each spatial axis is resampled on its own
(every mode here is separable).  Output position ``dst`` of an axis of ``n_in`` pixels resized to
``n_out`` reads the input at:

- 'nearest' (PyTorch's legacy nearest, OpenCV's INTER_NEAREST):
  ``src = min(floor(dst * scale), n_in - 1)`` with ``scale = 1 / scale_factor`` when a scale factor
  is given, else ``n_in / n_out``, computed in float32 as PyTorch does so that the picks agree at the
  boundaries.  On (N, C, H, W) input PyTorch's kernel copies an axis whose output has the input's
  size and repeats each pixel twice for twice the size, whatever the scale factor (2.1 gives
  0, 0, 1, 1, ... where the formula gives 0, 0, 0, 1, ...); its 1-D and 3-D kernels use the formula
  throughout.  Both are followed here;
- 'linear' (N, C, L), 'bilinear' (N, C, H, W), 'trilinear' (N, C, D, H, W): with
  ``align_corners=True`` the corner pixels of input and output coincide,
  ``src = dst * (n_in - 1) / (n_out - 1)``; otherwise (the default) pixel centres line up,
  ``src = max(0, (dst + 0.5) * scale - 0.5)``.  The output is ``(1 - t) x[i] + t x[i + 1]`` with
  ``i = floor(src)``, ``t = src - i`` and ``i + 1`` held at the last pixel.

The picks are ``getitem`` with integer index arrays and the blends are products and sums, so the
gradients (of any order) are those ops' own: a pixel read by several outputs collects the sum of
their gradients.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype
from autograd_engine.checks import check_bool, check_choice, check_int, check_real
from autograd_engine.errors import ShapeError
from autograd_engine.operands import as_operand, shape_of

from .module import Module

MODES = {"nearest": (3, 4, 5), "linear": (3,), "bilinear": (4,), "trilinear": (5,)}
LAYOUTS = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def _per_axis(v: Any, name: str, owner: str, axes: int | None, check: Callable[[Any, str], Any]) -> tuple[Any, ...]:
    """``v`` (one value, or one per spatial axis) as a tuple of ``axes`` checked values; with
    ``axes=None`` any length is accepted (a module checks before it has seen an input)."""
    if isinstance(v, (tuple, list)):
        if axes is not None and len(v) != axes:
            raise ValueError(
                f"{owner}: {name} must be one number or {axes} (one per spatial axis of an input "
                f"{LAYOUTS[axes + 2]}), got {v!r}"
            )
        return tuple(check(item, f"{name}[{i}]") for i, item in enumerate(v))
    return (check(v, name),) * (axes or 1)


def _check_size(size: Any, owner: str, axes: int | None) -> tuple[int, ...]:
    return _per_axis(size, "size", owner, axes, lambda v, name: check_int(v, name, owner, low=1))


def _check_scale_factor(scale_factor: Any, owner: str, axes: int | None) -> tuple[float, ...]:
    return _per_axis(
        scale_factor, "scale_factor", owner, axes, lambda v, name: check_real(v, name, owner, low=0.0, low_open=True)
    )


def _check_exactly_one(size: Any, scale_factor: Any, owner: str) -> None:
    if (size is None) == (scale_factor is None):
        given = "both" if size is not None else "neither"
        raise ValueError(f"{owner}: give exactly one of size and scale_factor, got {given}")


def _check_align_corners(align_corners: Any, mode: str, owner: str) -> bool | None:
    """None for 'nearest' (which has no sample points to align); False, True for the linear modes."""
    if mode == "nearest":
        if align_corners is not None:
            raise ValueError(
                f"{owner}: align_corners can only be set with the modes 'linear', 'bilinear' and 'trilinear', "
                f"got align_corners={align_corners!r} with mode='nearest'; leave it None"
            )
        return None
    return False if align_corners is None else check_bool(align_corners, "align_corners", owner)


def _output_sizes(
    in_sizes: tuple[int, ...], size: Any, scale_factor: Any
) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """The output's spatial sizes, and the scale factor of each axis (None when ``size`` was given)."""
    op, axes = "interpolate", len(in_sizes)
    _check_exactly_one(size, scale_factor, op)
    if size is not None:
        return _check_size(size, op, axes), (None,) * axes
    factors = _check_scale_factor(scale_factor, op, axes)
    sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
    if min(sizes) < 1:
        raise ValueError(
            f"interpolate: scale_factor {scale_factor!r} makes the spatial size {in_sizes} into {sizes}; every "
            f"output size must be at least 1: use a larger scale_factor, or give size"
        )
    return sizes, factors


def nearest_indices(n_in: int, n_out: int, scale_factor: float | None = None,
                    copy_and_double: bool = False) -> np.ndarray:
    """The input pixel each of ``n_out`` outputs copies, by PyTorch's legacy 'nearest' rule;
    ``copy_and_double``: outputs of ``n_in`` and ``2 * n_in`` pixels copy and repeat exactly (the
    rule of PyTorch's 2-D kernel)."""
    if copy_and_double and n_out == n_in:
        return np.arange(n_out)
    if copy_and_double and n_out == 2 * n_in:
        return np.arange(n_out) // 2
    scale = np.float32(1.0 / scale_factor) if scale_factor else np.float32(n_in) / np.float32(n_out)
    return np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(np.int64), n_in - 1)


def linear_weights(
    n_in: int, n_out: int, align_corners: bool, scale_factor: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lower, upper, t)``: output ``k`` is ``(1 - t[k]) x[lower[k]] + t[k] x[upper[k]]``."""
    if n_out == n_in:  # PyTorch copies, whatever the scale factor
        same = np.arange(n_out)
        return same, same, np.zeros(n_out)
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
        src = np.maximum(scale * (dst + 0.5) - 0.5, 0.0)
    lower = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), n_in - 1)  # floorf, as PyTorch
    upper = np.minimum(lower + 1, n_in - 1)
    return lower, upper, np.clip(src - lower, 0.0, 1.0)


def _resample_axis(x: Any, axis: int, n_in: int, n_out: int, scale_factor: float | None, mode: str,
                   align_corners: bool | None, ndim: int) -> Any:
    before = (slice(None),) * axis
    if mode == "nearest":
        return ae.getitem(x, (*before, nearest_indices(n_in, n_out, scale_factor, copy_and_double=ndim == 4)))
    lower, upper, t = linear_weights(n_in, n_out, align_corners, scale_factor)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else get_default_dtype()
    along = (n_out,) + (1,) * (ndim - axis - 1)  # t broadcast along the axis being resampled
    weight_upper = t.astype(dtype).reshape(along)
    weight_lower = (1.0 - t).astype(dtype).reshape(along)
    return ae.getitem(x, (*before, lower)) * weight_lower + ae.getitem(x, (*before, upper)) * weight_upper


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None) -> Any:
    """PyTorch's ``F.interpolate``: ``input`` resized to ``size`` (an int, or one per spatial axis)
    or by ``scale_factor`` (a number, or one per spatial axis; output size ``floor(n * factor)``);
    give exactly one.  ``mode`` 'nearest' takes (N, C, L), (N, C, H, W) or (N, C, D, H, W);
    'linear', 'bilinear' and 'trilinear' take the first, second and third of those, with
    ``align_corners`` (default False; see the module's docstring for the coordinate rules).
    Returns (N, C, *size), differentiable in ``input``.
    """
    op = "interpolate"
    mode = check_choice(mode, "mode", op, tuple(MODES))
    align_corners = _check_align_corners(align_corners, mode, op)
    x = as_operand(input, op, "input")
    shape = shape_of(x)
    if len(shape) not in MODES[mode]:
        layouts = " or ".join(LAYOUTS[n] for n in MODES[mode])
        hint = "; add a batch axis (x[None]) for a single image or sequence" if len(shape) + 1 in MODES[mode] else ""
        raise ShapeError(f"interpolate: mode {mode!r} expects input of shape {layouts}, got shape {shape}{hint}")
    out_sizes, factors = _output_sizes(shape[2:], size, scale_factor)
    for axis, (n_in, n_out, factor) in enumerate(zip(shape[2:], out_sizes, factors), start=2):
        x = _resample_axis(x, axis, n_in, n_out, factor, mode, align_corners, len(shape))
    return x


class Upsample(Module):
    """Resizes (N, C, ...) inputs as PyTorch's ``nn.Upsample``: ``interpolate(x, size, scale_factor,
    mode, align_corners)``.  Give exactly one of ``size`` and ``scale_factor``."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None) -> None:
        super().__init__()
        owner = "Upsample"
        self.mode = check_choice(mode, "mode", owner, tuple(MODES))
        self.align_corners = _check_align_corners(align_corners, self.mode, owner)
        _check_exactly_one(size, scale_factor, owner)
        if size is not None:
            sizes = _check_size(size, owner, None)
            self.size, self.scale_factor = (sizes if isinstance(size, (tuple, list)) else sizes[0]), None
        else:
            factors = _check_scale_factor(scale_factor, owner, None)
            self.size = None
            self.scale_factor = factors if isinstance(scale_factor, (tuple, list)) else factors[0]

    def forward(self, x: Any) -> Any:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        shape = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        corners = "" if self.align_corners is None else f", align_corners={self.align_corners}"
        return f"{shape}, mode={self.mode!r}{corners}"
