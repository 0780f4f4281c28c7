"""Gradients of a class score with respect to the image: saliency maps (Simonyan et al., as in the
notes) and fooling images.  The gradients come from ``autograd_engine.grad`` on the input alone, so
parameters' ``.grad`` are never touched."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor
from autograd_engine.checks import check_int, check_real

from ..module import Module
from .drawing import displayable, new_figure
from .model_inputs import as_image, as_images, check_label, check_labels, check_model, class_scores, evaluation_mode


def saliency_map(model: Module, images: Any, labels: Any) -> np.ndarray:
    """``|d score_label / d image|``, the maximum over channels: shape (N, H, W).

    ``images`` (N, C, H, W), ``labels`` N class indices.  The scores are the model's unnormalised
    class scores (not probabilities, which could rise by lowering the other classes).  The model
    runs in evaluation mode and every submodule gets its own mode back; parameters' ``.grad``
    are left as they were.  The map has the images' dtype (or the parameters' if promoted).
    """
    owner = "saliency_map"
    model = check_model(model, owner)
    x = Tensor(as_images(images, owner), requires_grad=True)
    with evaluation_mode(model):
        scores = class_scores(model, x, owner)
        labels = check_labels(labels, x.shape[0], scores.shape[1], owner)
        (gradient,) = ae.grad(scores[np.arange(len(labels)), labels].sum(), x)
    return np.abs(gradient.data).max(axis=1)


def plot_saliency(images: Any, saliency: np.ndarray, titles: list[str] | None = None, size: float = 1.2) -> Any:
    """A Figure with the images in the top row and their saliency maps (``saliency_map``) below."""
    images, saliency = list(images), np.asarray(saliency)
    if len(images) != len(saliency):
        raise ValueError(f"plot_saliency: {len(images)} images but {len(saliency)} saliency maps; give one per image")
    fig = new_figure("plot_saliency", (size * len(images), 2 * size))
    axes = np.asarray(fig.subplots(2, len(images))).reshape(2, len(images))
    for i, (image, heat) in enumerate(zip(images, saliency)):
        axes[0, i].imshow(displayable(image, "plot_saliency"), cmap="gray")
        axes[1, i].imshow(heat, cmap="hot")
        if titles is not None:
            axes[0, i].set_title(titles[i], fontsize=8)
    for ax in axes.ravel():
        ax.axis("off")
    return fig


class FoolingImage(NamedTuple):
    """What ``fooling_image`` returns."""

    image: np.ndarray  #: the modified image, of the input's shape
    steps: int  #: gradient-ascent steps taken (0 if the model already predicted the target)
    fooled: bool  #: whether the model predicts the target for ``image``
    change_norm: float  #: the L2 norm of ``image - original``


def fooling_image(
    model: Module, image: Any, target_label: int, step_size: float = 1.0, max_iter: int = 100
) -> FoolingImage:
    """Change ``image`` a little until ``model`` predicts ``target_label``: gradient ascent on the
    target's score with normalised steps, ``x += step_size * g / ||g||`` (as in the notes), stopping
    as soon as the prediction is the target or after ``max_iter`` steps.

    ``image`` is (C, H, W) or (1, C, H, W); the result, a :class:`FoolingImage` named tuple
    ``(image, steps, fooled, change_norm)``, keeps its shape.  Each step moves the image by
    ``step_size`` in L2 norm, so ``change_norm <= steps * step_size``: the default 1.0 is the notes'
    for 224x224 ImageNet images; on small images take a small fraction of the image's norm (the
    digits notebook uses 0.05 on 8x8 images).  The model runs in evaluation mode; parameters'
    ``.grad`` are left as they were.
    """
    owner = "fooling_image"
    model = check_model(model, owner)
    original = np.asarray(image)
    x = as_image(image, owner)
    start = x.copy()
    step_size = check_real(step_size, "step_size", owner, low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", owner, low=0)
    steps, fooled = 0, False
    with evaluation_mode(model):
        while True:
            tensor = Tensor(x, requires_grad=True)
            scores = class_scores(model, tensor, owner)
            target_label = check_label(target_label, scores.shape[1], owner, "target_label")
            fooled = int(scores.data[0].argmax()) == target_label
            if fooled or steps == max_iter:
                break
            (gradient,) = ae.grad(scores[0, target_label], tensor)
            norm = float(np.linalg.norm(gradient.data))
            if norm == 0.0:  # a flat score: no direction to move in
                break
            x = x + step_size * gradient.data / norm
            steps += 1
    return FoolingImage(x.reshape(original.shape), steps, fooled, float(np.linalg.norm(x - start)))


def plot_fooling_image(original: Any, fooled: Any, magnify: float = 10.0, size: float = 1.4) -> Any:
    """The notes' four panels: the original, the fooling image, their difference and the difference
    times ``magnify``, all on the original's scale of values (so a small change looks small)."""
    original = np.asarray(original, dtype=np.float64).reshape(np.shape(fooled))
    fooled = np.asarray(fooled, dtype=np.float64)
    difference = fooled - original
    low, high = float(original.min()), float(original.max())
    span = high - low if high > low else 1.0
    panels = {
        "original": original,
        "fooling image": fooled,
        "difference": difference,
        f"difference x{magnify:g}": magnify * difference,
    }
    fig = new_figure("plot_fooling_image", (4 * size, size + 0.3))
    for ax, (title, picture) in zip(fig.subplots(1, 4), panels.items()):
        picture = picture.reshape(picture.shape[-3:]) if picture.ndim == 4 else picture
        if title.startswith("difference"):  # centred: zero change is mid-grey
            shown = np.clip(picture / span + 0.5, 0.0, 1.0)
        else:
            shown = np.clip((picture - low) / span, 0.0, 1.0)
        ax.imshow(shown[0] if shown.shape[0] == 1 else shown.transpose(1, 2, 0), cmap="gray", vmin=0.0, vmax=1.0)
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    return fig
