"""A layer's activation maps for one image, read with a forward hook, so any model works."""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor
from autograd_engine.checks import check_int

from ..module import Module
from .drawing import show_images
from .model_inputs import as_image, as_images, check_model, evaluation_mode, run_model


def find_layer(model: Module, layer: str | Module, owner: str) -> tuple[str, Module]:
    """(name, module) for ``layer``, a name of ``model.named_modules()`` or the module itself."""
    named = [(name, module) for name, module in model.named_modules() if name]
    for name, module in named:
        if (isinstance(layer, str) and name == layer) or module is layer:
            return name, module
    listing = ", ".join(f"{name!r} ({type(module).__name__})" for name, module in named) or "none"
    what = repr(layer) if isinstance(layer, str) else f"the {type(layer).__name__} given"
    raise ValueError(f"{owner}: the model has no layer {what}; its layers (model.named_modules()) are: {listing}")


def activation_grid(model: Module, image: Any, layer: str | Module) -> np.ndarray:
    """The output of ``layer`` for one image: (channels, H', W') for a convolution, (features,) for a
    linear layer -- the first (and only) batch entry of whatever the layer returns.

    ``layer`` is a name as in ``model.named_modules()`` (``"0"``, ``"features.conv1"``) or the
    module itself.  ``image`` is (C, H, W) or (1, C, H, W).  The model runs once in evaluation
    mode without recording a graph; a forward hook on the layer records its output (the
    first call, if the layer runs several times).
    """
    owner = "activation_grid"
    return _record(check_model(model, owner), as_image(image, owner), layer, owner)[0]


def layer_output(model: Module, images: Any, layer: str | Module, batch_size: int = 256) -> np.ndarray:
    """The output of ``layer`` for every image of ``images`` (N, C, H, W): shape (N, ...).

    As ``activation_grid``, for a batch run ``batch_size`` images at a time: the codes of a
    layer (the input of the classifier, say) for ``embed`` and ``nearest_images``.
    """
    owner = "layer_output"
    model, images = check_model(model, owner), as_images(images, owner)
    batch_size = check_int(batch_size, "batch_size", owner, low=1)
    return np.concatenate([_record(model, images[start:start + batch_size], layer, owner)
                           for start in range(0, len(images), batch_size)])


def _record(model: Module, x: np.ndarray, layer: str | Module, owner: str) -> np.ndarray:
    """Run ``model`` on ``x`` in evaluation mode and return what ``layer`` output (its first call)."""
    name, module = find_layer(model, layer, owner)
    outputs: list[Any] = []
    handle = module.register_forward_hook(lambda _module, _args, output: outputs.append(output))
    try:
        with evaluation_mode(model), ae.no_grad():
            run_model(model, x, owner)  # any model: only the layer's output is read
    finally:
        handle.remove()
    if not outputs:
        raise ValueError(f"{owner}: layer {name!r} ({type(module).__name__}) did not run in the model's forward")
    output = outputs[0]
    if not isinstance(output, Tensor | np.ndarray):
        raise TypeError(f"{owner}: layer {name!r} returns a {type(output).__name__}, not one array of activations")
    return np.array(output.data if isinstance(output, Tensor) else output)


def plot_activation_grid(maps: np.ndarray, ncols: int | None = 8, size: float = 0.9, title: str | None = None) -> Any:
    """Every channel of ``activation_grid``'s (channels, H, W) maps as a grey image, ``ncols`` to a row."""
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"plot_activation_grid: expected maps of shape (channels, H, W), got shape {maps.shape}")
    return show_images(list(maps), ncols=ncols, size=size, suptitle=title)
