"""What every visualisation does with the model and its inputs: checks the images and labels,
runs the model in evaluation mode (and puts every submodule back in its own mode afterwards),
and reads its class scores, with errors that name the function, the shapes and the fix."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograd_engine import Tensor, get_default_dtype
from autograd_engine.checks import check_int
from autograd_engine.operands import value

from ..conv import Conv2d
from ..linear import Linear
from ..module import Module


def check_model(model: Any, owner: str) -> Module:
    """``model`` if it is an ``nn.Module`` (the visualisations switch it to evaluation mode)."""
    if not isinstance(model, Module):
        raise TypeError(f"{owner}: model must be an nn.Module, got {type(model).__name__}")
    return model


@contextmanager
def evaluation_mode(model: Module) -> Iterator[None]:
    """Run the block with ``model`` in evaluation mode, then give each submodule its own mode back."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes:
            module.training = mode


def expected_input(model: Module) -> str:
    """The input the model's first convolution or linear layer asks for, in words (for error messages)."""
    for name, module in model.named_modules():
        if isinstance(module, Conv2d):
            return f"(N, {module.in_channels}, H, W): layer {name!r} is a Conv2d with {module.in_channels} input channels"
        if isinstance(module, Linear):
            return f"(N, C, H, W) with C * H * W = {module.in_features}: layer {name!r} is a Linear with " \
                   f"{module.in_features} input features"
    return "(N, C, H, W) images the model accepts"


def as_images(images: Any, owner: str, argument: str = "images") -> np.ndarray:
    """``images`` as a floating (N, C, H, W) array (integer pixels become the default dtype)."""
    array = np.asarray(value(images))
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: {argument} must be an array of numbers, got dtype {array.dtype}")
    if array.ndim != 4:
        raise ValueError(f"{owner}: {argument} must have shape (N, C, H, W), got shape {array.shape}; "
                         f"a single image of shape (C, H, W) is images[None]")
    return array if array.dtype.kind == "f" else array.astype(get_default_dtype())


def as_image(image: Any, owner: str) -> np.ndarray:
    """One image, (C, H, W) or (1, C, H, W), as a floating (1, C, H, W) array."""
    array = np.asarray(value(image))
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[0] != 1:
        raise ValueError(f"{owner}: image must be one image of shape (C, H, W) (or (1, C, H, W)), got shape "
                         f"{array.shape}; for several images, call it once per image")
    return as_images(array, owner, "image")


def run_model(model: Module, x: Any, owner: str) -> Any:
    """``model(x)``, with the model's own shape error reworded to say what input it expects."""
    shape = tuple(np.shape(value(x)))
    try:
        return model(x)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{owner}: the model cannot take input of shape {shape}; it expects {expected_input(model)}. "
                         f"The model said: {error}") from error


def class_scores(model: Module, x: Any, owner: str) -> Tensor:
    """``model(x)``, checked to be a (N, classes) Tensor; the model's own shape error is reworded."""
    shape = tuple(np.shape(value(x)))
    scores = run_model(model, x, owner)
    if not isinstance(scores, Tensor) or scores.ndim != 2 or scores.shape[0] != shape[0]:
        got = f"shape {scores.shape}" if isinstance(scores, Tensor) else f"a {type(scores).__name__}"
        raise ValueError(f"{owner}: the model must return class scores of shape (N, classes) = ({shape[0]}, classes), "
                         f"got {got}")
    return scores


def check_label(label: Any, classes: int, owner: str, argument: str = "label") -> int:
    """One class index in [0, classes)."""
    label = check_int(label, argument, owner)
    if not 0 <= label < classes:
        raise ValueError(f"{owner}: {argument} must be a class index in [0, {classes}) (the model scores {classes} "
                         f"classes), got {label}")
    return label


def check_labels(labels: Any, count: int, classes: int, owner: str) -> np.ndarray:
    """``count`` class indices in [0, classes) as an int64 array."""
    array = np.asarray(value(labels))
    if array.dtype.kind not in "iu":
        raise TypeError(f"{owner}: labels must be integer class indices, got dtype {array.dtype}")
    if array.shape != (count,):
        raise ValueError(f"{owner}: labels must have shape ({count},), one per image, got shape {array.shape}")
    bad = array[(array < 0) | (array >= classes)]
    if bad.size:
        raise ValueError(f"{owner}: labels must be class indices in [0, {classes}) (the model scores {classes} "
                         f"classes), got {bad[0]}")
    return array.astype(np.int64)


def pair(value_: Any, argument: str, owner: str) -> tuple[int, int]:
    """A positive int or a pair of positive ints, as (height, width)."""
    if isinstance(value_, tuple | list):
        if len(value_) != 2:
            raise ValueError(f"{owner}: {argument} must be an int or a pair of ints (height, width), got {value_!r}")
        return check_int(value_[0], argument, owner, low=1), check_int(value_[1], argument, owner, low=1)
    size = check_int(value_, argument, owner, low=1)
    return size, size
