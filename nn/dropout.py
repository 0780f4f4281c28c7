"""Inverted dropout, as the notes recommend: scale at train time, identity at test time.

    mask = (U[0, 1) < keep) / keep,   keep = 1 - p,   out = x * mask

``p`` is the probability of *dropping* a unit (PyTorch's convention; the 2018+ CS231n
assignments call ``1 - p`` the keep probability).  The mask is drawn from ``generator``
-- a ``numpy.random.Generator``, or anything with ``.random(shape)`` such as a legacy
``RandomState`` -- or from ``autograd_engine.random.default_generator()``, which
``gradcheck`` re-seeds before each evaluation so every evaluation sees the same mask.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine import Tensor
from autograd_engine import random as ae_random

from .module import Module


def dropout(x: Any, p: float = 0.5, training: bool = True, generator: Any = None) -> Any:
    """Zero each element with probability ``p`` and scale the survivors by 1 / (1 - p) (train);
    return ``x`` unchanged when ``training`` is False or ``p`` is 0.  ``p = 1`` gives zeros."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p is the probability of dropping a unit and must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    rng = ae_random.default_generator() if generator is None else generator
    keep = 1.0 - p
    if keep == 0.0:
        return x * np.zeros(data.shape, dtype=data.dtype)
    mask = (rng.random(data.shape) < keep) / keep
    return ae.multiply(x, mask.astype(data.dtype, copy=False))


class Dropout(Module):
    """Inverted dropout with drop probability ``p`` (default 0.5): active in ``train()``, the
    identity in ``eval()``.  ``generator`` (optional) is a numpy Generator for the masks."""

    def __init__(self, p: float = 0.5, generator: Any = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p is the probability of dropping a unit and must be in [0, 1], got {p}")
        self.p = float(p)
        self.generator = generator

    def forward(self, x: Any) -> Any:
        return dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
