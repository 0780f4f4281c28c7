"""Drawing images with matplotlib (the optional extra ``plots``, imported only when something is drawn).

The figures are made with matplotlib's object API (``matplotlib.figure.Figure``), so drawing never
changes the pyplot backend: a notebook displays the returned figure, a script saves it with
``fig.savefig(path)``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_engine.operands import value


def new_figure(owner: str, figsize: tuple[float, float]) -> Any:
    """An empty matplotlib Figure of ``figsize`` inches, with constrained layout."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(f"{owner} draws with matplotlib: pip install -e \".[plots]\" (or pip install matplotlib)"
                          ) from error
    return Figure(figsize=figsize, layout="constrained")


def displayable(image: Any, owner: str = "show_images") -> np.ndarray:
    """An image as ``imshow`` takes it: (H, W) as it is; (1, H, W) as (H, W); (3, H, W) as (H, W, 3)
    scaled to [0, 1] on its own (a constant image becomes mid-grey)."""
    array = np.asarray(value(image), dtype=np.float64)
    if array.ndim == 2:
        return array
    if array.ndim == 3 and array.shape[0] == 1:
        return array[0]
    if array.ndim == 3 and array.shape[0] == 3:
        low, high = array.min(), array.max()
        scaled = (array - low) / (high - low) if high > low else np.full_like(array, 0.5)
        return scaled.transpose(1, 2, 0)
    if array.ndim == 3 and array.shape[-1] == 3:
        return np.clip(array, 0.0, 1.0)
    raise ValueError(f"{owner}: an image must have shape (H, W), (1, H, W), (3, H, W) or (H, W, 3), got shape "
                     f"{array.shape}")


def show_images(
    images: Sequence[Any] | np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    cmap: str = "gray",
    size: float = 1.2,
    suptitle: str | None = None,
    scale: tuple[float, float] | None = None,
) -> Any:
    """A Figure with one axes per image, in a grid of ``ncols`` columns (all in one row by default).

    Each image has shape (H, W), (1, H, W) or (3, H, W); single-channel images are drawn with
    ``cmap``, each on its own scale unless ``scale=(low, high)`` is shared.  ``size`` is the
    width of one panel in inches.
    """
    images = list(images)
    if not images:
        raise ValueError("show_images: there are no images to show")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"show_images: {len(titles)} titles for {len(images)} images; give one per image")
    ncols = len(images) if ncols is None else max(1, min(int(ncols), len(images)))
    nrows = -(-len(images) // ncols)
    fig = new_figure("show_images", (size * ncols, size * nrows + (0.3 if suptitle else 0.0)))
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    vmin, vmax = scale if scale is not None else (None, None)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < len(images):
            ax.imshow(displayable(images[i]), cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    for ax in axes[len(images):]:
        fig.delaxes(ax)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig
