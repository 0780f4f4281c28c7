"""Inverted dropout, as the notes recommend: scale at train time, identity at test time.

    mask = (U[0, 1) < keep) / keep,   keep = 1 - p,   out = x * mask

``p`` is the probability of *dropping* a unit (PyTorch's convention; the 2018+ CS231n
assignments call ``1 - p`` the keep probability).  The mask is drawn from ``generator``
-- a ``numpy.random.Generator``, or anything with ``.random(shape)`` such as a legacy
``RandomState`` -- or from ``autograd_engine.random.default_generator()``, which
``gradcheck`` re-seeds before each evaluation so every evaluation sees the same mask.

``dropout2d`` (spatial dropout) draws one mask value per (image, channel) and broadcasts
it over H x W, so whole feature maps are dropped: neighbouring pixels of a feature map
are strongly correlated, and dropping single pixels would barely regularise a ConvNet.

``inplace=`` is accepted for PyTorch compatibility and has no effect: a tensor's value is
part of the recorded graph and is never overwritten, so the result is always a new tensor.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import random as ae_random
from autograd_engine.checks import check_bool, check_real
from autograd_engine.errors import ShapeError
from autograd_engine.operands import as_operand, shape_of, value

from .module import Module


def _check_p(p: float, op: str, inplace: Any = False) -> float:
    """``p`` as a float in [0, 1] (the probability of dropping a unit); ``inplace`` must be a bool."""
    p = check_real(p, "p", op)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p is the probability of dropping a unit and must be in [0, 1], got {p}")
    if not isinstance(inplace, bool | np.bool_):  # a generator passed where it stood before inplace existed
        raise TypeError(
            f"{op}: inplace must be True or False, got a {type(inplace).__name__}; pass a generator by keyword "
            f"(generator=...)"
        )
    return p


def _masked(x: Any, p: float, mask_shape: tuple[int, ...], generator: Any) -> Any:
    """``x`` times an inverted-dropout mask of ``mask_shape`` (broadcast against ``x``)."""
    data = np.asarray(value(x))
    keep = 1.0 - p
    if keep == 0.0:
        return x * np.zeros(mask_shape, dtype=data.dtype)
    rng = ae_random.default_generator() if generator is None else generator
    mask = (rng.random(mask_shape) < keep) / keep
    return ae.multiply(x, mask.astype(data.dtype, copy=False))


def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False, generator: Any = None) -> Any:
    """Zero each element with probability ``p`` and scale the survivors by 1 / (1 - p) (train);
    return ``x`` unchanged when ``training`` is False or ``p`` is 0.  ``p = 1`` gives zeros.
    ``inplace`` has no effect (see the module docstring)."""
    p = _check_p(p, "dropout", inplace)
    training = check_bool(training, "training", "dropout")
    x = as_operand(x, "dropout", "input")  # a list of Tensors stacked with its gradients, also in eval mode
    if not training or p == 0.0:
        return x
    return _masked(x, p, shape_of(x), generator)


def dropout2d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False, generator: Any = None) -> Any:
    """Spatial dropout: zero each whole channel (feature map) with probability ``p`` and scale the
    kept ones by 1 / (1 - p) (train); ``x`` unchanged when ``training`` is False or ``p`` is 0.

    ``x`` is (N, C, H, W) -- one draw per (n, c) -- or an unbatched image (C, H, W) -- one draw per
    channel.  (PyTorch 2.x still reads a 3-D input as (N, C, L) with a warning and says it will
    change to (C, H, W); here it is (C, H, W) already.)  ``inplace`` has no effect.
    """
    return _spatial_dropout(x, p, training, generator, "dropout2d", inplace)


def _spatial_dropout(x: Any, p: float, training: bool, generator: Any, op: str, inplace: Any = False) -> Any:
    p = _check_p(p, op, inplace)
    training = check_bool(training, "training", op)
    x = as_operand(x, op, "input")
    shape = shape_of(x)
    if len(shape) not in (3, 4):
        raise ShapeError(
            f"{op}: expected (N, C, H, W) or an unbatched (C, H, W), got shape {shape}; use dropout for "
            f"element-wise dropout of other shapes"
        )
    if not training or p == 0.0:
        return x
    return _masked(x, p, shape[:-2] + (1, 1), generator)


class Dropout(Module):
    """Inverted dropout with drop probability ``p`` (default 0.5): active in ``train()``, the
    identity in ``eval()``.  ``generator`` (optional) is a numpy Generator for the masks;
    ``inplace`` is accepted as in PyTorch and has no effect."""

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: Any = None) -> None:
        super().__init__()
        self.p = _check_p(p, type(self).__name__, inplace)
        self.inplace = bool(inplace)
        self.generator = generator

    def forward(self, x: Any) -> Any:
        return dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")


class Dropout2d(Dropout):
    """Spatial dropout of whole channels with probability ``p`` (default 0.5) over (N, C, H, W) or
    unbatched (C, H, W) inputs (see :func:`dropout2d`): active in ``train()``, the identity in
    ``eval()``.  ``generator`` as for :class:`Dropout`; ``inplace`` has no effect."""

    def forward(self, x: Any) -> Any:
        return _spatial_dropout(x, self.p, self.training, self.generator, "Dropout2d")
