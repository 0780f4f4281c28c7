"""An image the model finds most like a class: gradient ascent on the class score from random noise,
with the notes' regularisers -- an L2 penalty, random jitter, periodic blur and clipping -- that keep
the image from turning into high-frequency noise the model happens to like."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor, get_default_dtype
from autograd_engine.checks import check_int, check_real

from ..module import Module
from .drawing import show_images
from .model_inputs import check_label, check_model, class_scores, evaluation_mode


class ClassVisualization(NamedTuple):
    """What ``class_visualization`` returns."""

    image: np.ndarray  #: the final image, of shape ``shape``
    start: np.ndarray  #: the random image the ascent started from
    scores: np.ndarray  #: the target score at each iteration (of the jittered image being stepped)


def class_visualization(
    model: Module,
    target_label: int,
    shape: tuple[int, int, int],
    l2_reg: float = 1e-3,
    step_size: float = 25.0,
    num_iterations: int = 100,
    blur_every: int = 10,
    max_jitter: int = 16,
    seed: int | None = None,
    blur_sigma: float = 0.5,
    clip: tuple[Any, Any] | None = None,
) -> ClassVisualization:
    """Maximise ``score_target(I) - l2_reg * ||I||^2`` over images ``I`` of ``shape`` (C, H, W).

    Starting from standard normal noise (drawn from ``seed``), each of ``num_iterations`` steps
    rolls the image by a random offset of 0..``max_jitter`` pixels along each axis, takes a
    normalised gradient step ``I += step_size * g / ||g||``, rolls it back, clips it to
    ``clip=(low, high)`` if given (numbers, or arrays broadcast against (C, H, W), e.g. the
    per-channel range of normalised pixels), and every ``blur_every`` iterations (0: never)
    blurs it with a Gaussian of standard deviation ``blur_sigma`` pixels.  The model runs in
    evaluation mode; parameters' ``.grad`` are left as they were.  Returns a
    :class:`ClassVisualization` ``(image, start, scores)``.

    The defaults are the notes' for 224x224 ImageNet images.  On small images scale them down: a
    step of about the image's norm divided by 50 and a jitter of an eighth of its side (the digits
    notebook uses ``step_size=0.2, max_jitter=1`` on 8x8 images); ``scores`` shows whether it climbs.
    """
    owner = "class_visualization"
    model = check_model(model, owner)
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise ValueError(f"{owner}: shape must be the image's (C, H, W), got {shape!r}")
    shape = tuple(check_int(n, "shape", owner, low=1) for n in shape)
    l2_reg = check_real(l2_reg, "l2_reg", owner, low=0.0)
    step_size = check_real(step_size, "step_size", owner, low=0.0, low_open=True)
    num_iterations = check_int(num_iterations, "num_iterations", owner, low=1)
    blur_every = check_int(blur_every, "blur_every", owner, low=0)
    max_jitter = check_int(max_jitter, "max_jitter", owner, low=0)
    blur_sigma = check_real(blur_sigma, "blur_sigma", owner, low=0.0, low_open=True)
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((1, *shape)).astype(get_default_dtype())
    start = image[0].copy()
    scores = []
    with evaluation_mode(model):
        for t in range(num_iterations):
            dy, dx = (int(d) for d in rng.integers(0, max_jitter + 1, size=2))
            image = np.roll(image, (dy, dx), axis=(2, 3))
            x = Tensor(image, requires_grad=True)
            class_scores_ = class_scores(model, x, owner)
            target_label = check_label(target_label, class_scores_.shape[1], owner, "target_label")
            score = class_scores_[0, target_label]
            (gradient,) = ae.grad(score - l2_reg * (x * x).sum(), x)
            norm = float(np.linalg.norm(gradient.data))
            if norm > 0.0:
                image = image + step_size * gradient.data / norm
            image = np.roll(image, (-dy, -dx), axis=(2, 3))
            if clip is not None:
                image = np.clip(image, *clip)
            if blur_every and t % blur_every == 0:
                image = gaussian_blur(image, blur_sigma)
            scores.append(float(score.data))
    return ClassVisualization(image[0], start, np.array(scores))


def gaussian_blur(images: Any, sigma: float) -> np.ndarray:
    """Blur along the last two axes with a Gaussian of standard deviation ``sigma`` pixels.

    Separable: one 1-D kernel of radius ``round(4 sigma)`` along the rows, then along the columns;
    the edges are mirrored (the edge pixel repeated), as ``scipy.ndimage.gaussian_filter``'s
    default ``mode="reflect"``.  The result has the input's shape and floating dtype.
    """
    sigma = check_real(sigma, "sigma", "gaussian_blur", low=0.0, low_open=True)
    images = np.asarray(images)
    images = images if images.dtype.kind == "f" else images.astype(np.float64)
    radius = max(1, int(4.0 * sigma + 0.5))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    for axis in (-2, -1):
        images = _convolve_axis(images, kernel.astype(images.dtype), axis)
    return images


def _convolve_axis(images: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    radius = len(kernel) // 2
    widths = [(0, 0)] * images.ndim
    widths[axis] = (radius, radius)
    padded = np.moveaxis(np.pad(images, widths, mode="symmetric"), axis, 0)
    length = images.shape[axis]
    blurred = sum(weight * padded[i:i + length] for i, weight in enumerate(kernel))
    return np.moveaxis(blurred, 0, axis)


def plot_class_visualizations(images: list[Any], titles: list[str] | None = None, size: float = 1.2) -> Any:
    """The images ``class_visualization`` made (one per class, say) in a row, each on its own scale."""
    return show_images(images, titles=titles, size=size)
