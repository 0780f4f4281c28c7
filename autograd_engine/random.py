"""The library's randomness: one ``numpy.random.Generator`` that ``seed`` resets.

Layers that draw random numbers (dropout, initialisers) take an explicit
generator or fall back to :func:`default_generator`, so that runs repeat and
``gradcheck`` can re-seed before every evaluation.
"""
from __future__ import annotations

import numpy as np

from .checks import check_int

_generator = np.random.default_rng(0)


def seed(value: int) -> None:
    """Reset the library's default generator to ``value`` (a non-negative int)."""
    global _generator
    value = check_int(value, "value", "seed", low=0)
    _generator = np.random.default_rng(value)


def default_generator() -> np.random.Generator:
    """The generator used when no explicit one is given."""
    return _generator
