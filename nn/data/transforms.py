"""Image transforms applied to a whole batch at once: ``(N, C, H, W)`` arrays in, arrays out.

torchvision's names and meanings, vectorised over the batch instead of one image at a time:

==========================  ===================================================================
``ToFloat()``               uint8 in [0, 255] to float32 in [0, 1] (the scaling of torchvision's ``ToTensor``)
``Normalize(mean, std)``    ``(x - mean[c]) / std[c]`` per channel; ``Normalize.fit(X_train)`` and
                            ``channel_stats`` compute the statistics from the training split
``RandomCrop(size, pad)``   zero padding on every side, then a random ``size`` window per image
``RandomHorizontalFlip(p)`` each image mirrored left-right with probability ``p``
``Compose([...])``          the transforms in turn
==========================  ===================================================================

Each transform is called as ``transform(images, rng=None)``: the random ones draw from
``rng`` (a ``numpy.random.Generator``; the ``DataLoader`` passes its own, so augmentations
repeat with its seed), or from the library's generator (``autograd_engine.seed``) when it
is None.  A transform returns a new array and never changes its input.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd_engine.checks import check_callable, check_int, check_real
from autograd_engine.operands import value
from autograd_engine.random import default_generator

__all__ = ["ToFloat", "Normalize", "RandomCrop", "RandomHorizontalFlip", "Compose", "channel_stats"]


def accepts_rng(function: Callable[..., Any]) -> bool:
    """Whether ``function`` has a parameter named ``rng``, through which a random transform receives
    its generator (plain functions such as ``lambda x: x / 255`` are called with the images only)."""
    try:
        return "rng" in inspect.signature(function).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False


def _images(images: Any, owner: str) -> np.ndarray:
    """``images`` as a 4-D array (N, C, H, W), or a ValueError naming ``owner`` and the shape."""
    array = np.asarray(value(images))
    if array.ndim != 4:
        raise ValueError(f"{owner}: expected a batch of images of shape (N, C, H, W), got shape {array.shape}; "
                         f"transforms apply to whole batches (one image x is x[None])")
    return array


class ToFloat:
    """uint8 images in [0, 255] to float32 in [0, 1]: ``x / 255``, the scaling of torchvision's
    ``ToTensor`` (the layout is already NCHW).  Any other dtype is refused rather than passed
    through, since float images on the 0..255 scale would be silently wrong."""

    def __call__(self, images: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = np.asarray(value(images))
        if array.dtype != np.uint8:
            raise TypeError(f"ToFloat: expected uint8 images (0..255), got dtype {array.dtype}; ToFloat scales "
                            f"uint8 to [0, 1], leave it out for images that are already float")
        return np.divide(array, np.float32(255), dtype=np.float32)

    def __repr__(self) -> str:
        return "ToFloat()"


def channel_stats(images: Any, chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of ``images`` (N, C, H, W), over N, H and W, as float64
    arrays of shape (C,); the standard deviation is the population one (divided by N*H*W).

    Compute them on the training split only and reuse them for validation and test data:
    statistics that saw the held-out data leak it into training.  uint8 images are read as
    ``ToFloat`` reads them (divided by 255), so the statistics fit a ``Normalize`` placed after
    ``ToFloat``.  The images are read ``chunk`` at a time in float64 (two passes), so a
    whole data set needs no float64 copy.
    """
    array = _images(images, "channel_stats")
    chunk = check_int(chunk, "chunk", "channel_stats", low=1)
    if array.dtype != np.uint8 and array.dtype.kind != "f":
        raise TypeError(f"channel_stats: expected uint8 or float images, got dtype {array.dtype}")
    n, channels, height, width = array.shape
    if n * height * width == 0:
        raise ValueError(f"channel_stats: the images have no pixels (shape {array.shape})")
    count = n * height * width
    total = np.zeros(channels)
    for start in range(0, n, chunk):
        total += array[start:start + chunk].sum(axis=(0, 2, 3), dtype=np.float64)
    mean = total / count
    squares = np.zeros(channels)
    for start in range(0, n, chunk):
        centred = array[start:start + chunk].astype(np.float64) - mean[:, None, None]
        squares += np.einsum("nchw,nchw->c", centred, centred)
    scale = 1 / 255 if array.dtype == np.uint8 else 1.0
    return mean * scale, np.sqrt(squares / count) * scale


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel ``c`` of float images (N, C, H, W); the result
    keeps the images' dtype.

    ``mean`` and ``std``: one number per channel (or one for all); every std must be positive.
    ``Normalize.fit(X_train)`` takes them from the training images (see ``channel_stats``).
    uint8 images are refused: apply ``ToFloat`` first, as the statistics of uint8 images are
    on ``ToFloat``'s scale.
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float) -> None:
        self.mean = self._checked(mean, "mean", low=None)
        self.std = self._checked(std, "std", low=0.0)
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values and std {len(self.std)}; give one "
                             f"per channel for both")

    @staticmethod
    def _checked(values: Any, name: str, low: float | None) -> np.ndarray:
        array = np.asarray(value(values))
        if array.ndim > 1 or array.size == 0:
            raise ValueError(f"Normalize: {name} must be one number per channel (a 1-D sequence), got shape "
                             f"{array.shape}")
        return np.array([check_real(x, f"{name}[{i}]", "Normalize", low=low, low_open=low is not None)
                         for i, x in enumerate(array.reshape(-1).tolist())])

    @classmethod
    def fit(cls, images: Any) -> Normalize:
        """A ``Normalize`` with the per-channel mean and std of ``images``, the TRAINING images only
        (``channel_stats``; uint8 images on ``ToFloat``'s [0, 1] scale).  A constant channel
        (std 0) cannot be normalised and raises a ValueError naming it."""
        mean, std = channel_stats(images)
        flat = np.flatnonzero(std == 0)
        if flat.size:
            raise ValueError(f"Normalize.fit: channel {int(flat[0])} of the images is constant (std 0), so it "
                             f"cannot be scaled to unit variance; drop it or give std yourself")
        return cls(mean, std)

    def __call__(self, images: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = _images(images, "Normalize")
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: expected float images, got dtype {array.dtype}; convert uint8 images "
                            f"with ToFloat() first (Compose([ToFloat(), Normalize(...)]))")
        channels = array.shape[1]
        if max(len(self.mean), len(self.std)) not in (1, channels):
            raise ValueError(f"Normalize: the images have {channels} channels (shape {array.shape}) but mean "
                             f"and std have {len(self.mean)} and {len(self.std)} values")
        mean = self.mean.astype(array.dtype)[:, None, None]
        std = self.std.astype(array.dtype)[:, None, None]
        out = array - mean
        out /= std
        return out

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def _size_pair(size: Any, owner: str) -> tuple[int, int]:
    if isinstance(size, tuple | list):
        if len(size) != 2:
            raise ValueError(f"{owner}: size must be an int or a pair (height, width), got {size!r}")
        return (check_int(size[0], "size[0] (height)", owner, low=1), check_int(size[1], "size[1] (width)", owner, low=1))
    size = check_int(size, "size (an int, or a pair (height, width))", owner, low=1)
    return size, size


class RandomCrop:
    """Pad each image with ``padding`` zeros on every side, then cut a random ``size`` window
    (an int for a square, or (height, width)) out of it, a different window per image, all in
    one fancy index over the windows of the padded batch.  ``RandomCrop(32, 4)`` is the
    CIFAR-10 augmentation: shifts of up to 4 pixels, the uncovered border black."""

    def __init__(self, size: int | tuple[int, int], padding: int = 0) -> None:
        self.size = _size_pair(size, "RandomCrop")
        self.padding = check_int(padding, "padding", "RandomCrop", low=0)

    def __call__(self, images: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = _images(images, "RandomCrop")
        rng = default_generator() if rng is None else rng
        n, channels, height, width = array.shape
        pad = self.padding
        if pad:
            padded = np.zeros((n, channels, height + 2 * pad, width + 2 * pad), dtype=array.dtype)
            padded[:, :, pad:pad + height, pad:pad + width] = array
        else:
            padded = array
        crop_height, crop_width = self.size
        if crop_height > padded.shape[2] or crop_width > padded.shape[3]:
            raise ValueError(f"RandomCrop: the crop size {self.size} is larger than the padded images "
                             f"({padded.shape[2]}, {padded.shape[3]}) (images {height}x{width}, padding {pad}); "
                             f"give a smaller size or more padding")
        tops = rng.integers(0, padded.shape[2] - crop_height + 1, size=n)
        lefts = rng.integers(0, padded.shape[3] - crop_width + 1, size=n)
        windows = sliding_window_view(padded, (crop_height, crop_width), axis=(2, 3))  # (N, C, top, left, h, w)
        return windows[np.arange(n), :, tops, lefts]

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror each image left-right (reverse its last axis) with probability ``p``, chosen per image."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = check_real(p, "p", "RandomHorizontalFlip", low=0.0, high=1.0)

    def __call__(self, images: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = _images(images, "RandomHorizontalFlip")
        rng = default_generator() if rng is None else rng
        flip = rng.random(len(array)) < self.p
        out = array.copy()
        out[flip] = array[flip, ..., ::-1]
        return out

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class Compose:
    """The ``transforms`` applied in turn; the generator is passed to each that takes ``rng``."""

    def __init__(self, transforms: Sequence[Callable[..., Any]]) -> None:
        if callable(transforms) or isinstance(transforms, str) or not isinstance(transforms, Sequence):
            raise TypeError(f"Compose: transforms must be a list of transforms, got {type(transforms).__name__}; "
                            f"e.g. Compose([ToFloat(), RandomHorizontalFlip()])")
        self.transforms = [check_callable(t, f"transforms[{i}]", "Compose", "images -> images")
                           for i, t in enumerate(transforms)]
        self._takes_rng = [accepts_rng(t) for t in self.transforms]

    def __call__(self, images: Any, rng: np.random.Generator | None = None) -> Any:
        for transform, takes_rng in zip(self.transforms, self._takes_rng):
            images = transform(images, rng=rng) if takes_rng else transform(images)
        return images

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"
