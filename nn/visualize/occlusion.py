"""The notes' occlusion experiment: slide a grey patch over the image and watch the probability
of the class; where it drops, the model was looking."""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_int

from ..module import Module
from .drawing import displayable, new_figure
from .model_inputs import as_image, check_label, check_model, class_scores, evaluation_mode, pair


def occlusion_map(
    model: Module,
    image: Any,
    label: int,
    patch: int | tuple[int, int] = 4,
    stride: int | tuple[int, int] = 1,
    fill: Any = 0.0,
    batch_size: int = 256,
) -> np.ndarray:
    """The softmax probability of ``label`` with a ``patch``-sized square of ``fill`` at every position.

    ``image`` is (C, H, W) or (1, C, H, W); ``patch`` and ``stride`` are ints or (height, width)
    pairs; ``fill`` is a number or one value per channel (0 is the mean grey of normalised images).
    The patch's top-left corner takes the positions 0, stride, 2 stride, ... that keep it inside
    the image, so the map has shape ((H - patch_h) // stride_h + 1, (W - patch_w) // stride_w + 1);
    entry (i, j) is the probability with rows ``i * stride_h`` to ``i * stride_h + patch_h``
    (and the columns alike) covered.  The occluded copies run through the model in evaluation
    mode, without recording a graph, ``batch_size`` at a time.
    """
    owner = "occlusion_map"
    model = check_model(model, owner)
    x = as_image(image, owner)
    (patch_h, patch_w), (stride_h, stride_w) = pair(patch, "patch", owner), pair(stride, "stride", owner)
    batch_size = check_int(batch_size, "batch_size", owner, low=1)
    channels, height, width = x.shape[1:]
    if patch_h > height or patch_w > width:
        raise ValueError(f"{owner}: patch {(patch_h, patch_w)} is larger than the image's {(height, width)} pixels")
    fill = np.asarray(fill, dtype=x.dtype)
    if fill.ndim == 1 and fill.shape == (channels,):
        fill = fill[:, None, None]
    elif fill.ndim != 0:
        raise ValueError(f"{owner}: fill must be a number or one value per channel ({channels},), got shape "
                         f"{fill.shape}")
    tops, lefts = range(0, height - patch_h + 1, stride_h), range(0, width - patch_w + 1, stride_w)
    occluded = np.repeat(x, len(tops) * len(lefts), axis=0)
    for k, (top, left) in enumerate((t, l) for t in tops for l in lefts):
        occluded[k, :, top:top + patch_h, left:left + patch_w] = fill
    probabilities = []
    with evaluation_mode(model), ae.no_grad():
        for start in range(0, len(occluded), batch_size):
            scores = class_scores(model, occluded[start:start + batch_size], owner).data.astype(np.float64)
            label = check_label(label, scores.shape[1], owner)
            scores -= scores.max(axis=1, keepdims=True)
            probabilities.append(np.exp(scores[:, label]) / np.exp(scores).sum(axis=1))
    return np.concatenate(probabilities).reshape(len(tops), len(lefts))


def plot_occlusion(image: Any, probabilities: np.ndarray, title: str | None = None, size: float = 1.6) -> Any:
    """The image beside its occlusion map (probability of the class, 0 to 1, with a colour bar)."""
    fig = new_figure("plot_occlusion", (2 * size + 0.5, size + 0.3))
    ax_image, ax_map = fig.subplots(1, 2)
    ax_image.imshow(displayable(np.asarray(image).reshape(np.shape(image)[-3:]), "plot_occlusion"), cmap="gray")
    ax_image.set_title("image", fontsize=8)
    shown = ax_map.imshow(probabilities, cmap="viridis", vmin=0.0, vmax=1.0)
    ax_map.set_title(title or "probability, occluded", fontsize=8)
    for ax in (ax_image, ax_map):
        ax.axis("off")
    fig.colorbar(shown, ax=ax_map, shrink=0.8)
    return fig
