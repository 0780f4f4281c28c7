"""The notes' picture of what a layer looks for: its filters laid out side by side in one image."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_engine import Tensor
from autograd_engine.checks import check_int
from autograd_engine.operands import value

from ..module import Module
from .drawing import new_figure


def filter_grid(
    weight: Any, padding: int = 1, image_shape: tuple[int, ...] | None = None, ncols: int | None = None
) -> np.ndarray:
    """A layer's filters as one image in [0, 1]: a grid of ``ncols`` columns (about square by default).

    ``weight`` is a convolution's weight of shape (F, C, KH, KW) with C = 1 (grey) or 3 (colour),
    or, with ``image_shape=(C, H, W)`` or ``(H, W)``, a Linear weight of shape (F, C * H * W) whose
    rows are read as images -- the templates of the notes' linear classifier.  Each filter is
    scaled to [0, 1] on its own (its minimum to 0, its maximum to 1; a constant filter is 0.5),
    so a filter's pattern shows whatever its magnitude.  Filters are separated by ``padding``
    pixels of 1.0 (white).  The result has shape (rows * (KH + padding) - padding,
    cols * (KW + padding) - padding) for grey filters, with a trailing axis of 3 for colour.
    A Tensor or Parameter is read through its data; a layer (a Conv2d, a Linear) through its weight.
    """
    owner = "filter_grid"
    if isinstance(weight, Module):
        if not isinstance(getattr(weight, "weight", None), Tensor):
            raise TypeError(f"{owner}: {type(weight).__name__} has no weight to draw; pass a Conv2d or Linear layer, "
                            f"or its weight (e.g. model[0].weight)")
        weight = weight.weight
    if not isinstance(weight, Tensor | np.ndarray | list | tuple):
        raise TypeError(f"{owner}: weight must be a layer's weight (an array or Tensor), got a {type(weight).__name__}")
    try:
        filters = np.asarray(value(weight), dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{owner}: weight must be an array of numbers, got {type(weight).__name__} ({error})") from None
    padding = check_int(padding, "padding", owner, low=0)
    if image_shape is not None:
        filters = _rows_as_images(filters, image_shape, owner)
    elif filters.ndim != 4:
        hint = " (a Linear weight: pass image_shape=(C, H, W) to read its rows as images)" if filters.ndim == 2 else ""
        raise ValueError(f"{owner}: weight must have shape (F, C, KH, KW), got shape {filters.shape}{hint}")
    count, channels, height, width = filters.shape
    if channels not in (1, 3) or count == 0:
        raise ValueError(f"{owner}: expected F >= 1 filters of 1 (grey) or 3 (colour) channels, got shape "
                         f"{filters.shape}; to see input channel c pass weight[:, c:c + 1], or every channel with "
                         f"weight.reshape(-1, 1, KH, KW)")
    ncols = math.ceil(math.sqrt(count)) if ncols is None else min(check_int(ncols, "ncols", owner, low=1), count)
    nrows = math.ceil(count / ncols)
    low = filters.min(axis=(1, 2, 3), keepdims=True)
    span = filters.max(axis=(1, 2, 3), keepdims=True) - low
    scaled = np.where(span > 0, (filters - low) / np.where(span > 0, span, 1.0), 0.5)
    grid = np.ones((channels, nrows * (height + padding) - padding, ncols * (width + padding) - padding))
    for index, image in enumerate(scaled):
        top, left = (index // ncols) * (height + padding), (index % ncols) * (width + padding)
        grid[:, top:top + height, left:left + width] = image
    return grid[0] if channels == 1 else grid.transpose(1, 2, 0)


def _rows_as_images(weight: np.ndarray, image_shape: Any, owner: str) -> np.ndarray:
    shape = tuple(check_int(n, "image_shape", owner, low=1) for n in image_shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3:
        raise ValueError(f"{owner}: image_shape must be (C, H, W) or (H, W), got {image_shape!r}")
    if weight.ndim != 2 or weight.shape[1] != math.prod(shape):
        raise ValueError(f"{owner}: with image_shape={shape}, weight must be a Linear weight of shape "
                         f"(F, {math.prod(shape)}), got shape {weight.shape}")
    return weight.reshape(len(weight), *shape)


def plot_filter_grid(grid: np.ndarray, title: str | None = None, size: float = 3.0) -> Any:
    """Draw ``filter_grid``'s image (grey or colour) in a Figure of ``size`` inches across."""
    grid = np.asarray(grid)
    fig = new_figure("plot_filter_grid", (size, size * grid.shape[0] / grid.shape[1]))
    ax = fig.subplots()
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return fig
