"""Affine layer and shape helpers: ``Linear``, ``Identity``, ``Flatten``."""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import get_default_dtype
from autograd_engine.checks import check_bool, check_int

from . import init
from .module import Module, Parameter


def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias``: the affine map of the notes' fully-connected layer.

    Shapes: ``x`` (..., in_features), ``weight`` (out_features, in_features) as in PyTorch,
    ``bias`` (out_features,) or None; the result is (..., out_features).  One engine node
    (``autograd_engine.linear``), whose rule writes dW directly in the weight's layout.

    ``x`` may be a Tensor, a NumPy array or a nested list: lists and Python numbers become the
    default dtype (float32) as in ``Tensor(...)``, so a float32 layer gives float32; a NumPy
    array keeps its dtype and promotes as in NumPy (float64 input, float32 layer: float64).
    """
    return ae.linear(x, weight, bias)


class Linear(Module):
    """Fully-connected layer ``y = x @ W.T + b``.

    ``weight`` has shape (out_features, in_features), ``bias`` (out_features,).  Both are
    initialised as in PyTorch: U(-1/sqrt(in_features), 1/sqrt(in_features)) (that is
    ``kaiming_uniform_(a=sqrt(5))`` for the weight).  For the notes' He initialisation call
    ``nn.init.kaiming_normal_(layer.weight)``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = check_int(in_features, "in_features", "Linear", low=1)
        self.out_features = check_int(out_features, "out_features", "Linear", low=1)
        add_weight_and_bias(self, (self.out_features, self.in_features), check_bool(bias, "bias", "Linear"), dtype)

    def reset_parameters(self) -> None:
        """Draw fresh weights (PyTorch's default initialisation)."""
        init._default_layer_init(self.weight, self.bias)

    def forward(self, x: Any) -> Any:
        """(..., in_features) -> (..., out_features); ``x`` may be a Tensor, array or nested list
        (a list becomes the default dtype, see ``linear``)."""
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Return the input unchanged (a placeholder, e.g. to remove a layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Merge axes ``start_dim..end_dim`` (default: all but the batch axis): (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = check_int(start_dim, "start_dim", "Flatten"), check_int(end_dim, "end_dim", "Flatten")

    def forward(self, x: Any) -> Any:
        return ae.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def add_weight_and_bias(module: Module, weight_shape: tuple[int, ...], bias: bool, dtype: Any) -> None:
    """Register ``weight`` of ``weight_shape`` and a bias of ``weight_shape[0]`` (or ``bias = None``),
    in ``dtype`` (default: the default dtype), then draw them with ``module.reset_parameters()``."""
    dtype = np.dtype(dtype or get_default_dtype())
    module.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(np.empty(weight_shape[0], dtype=dtype))
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()
