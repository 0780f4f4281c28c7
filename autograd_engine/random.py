"""The library's randomness: one ``numpy.random.Generator`` that ``seed`` (or PyTorch's name,
``manual_seed``) resets.

Layers that draw random numbers (dropout, initialisers) and the creation functions ``rand``,
``randn`` and ``randint`` take an explicit generator or fall back to :func:`default_generator`,
so that runs repeat and ``gradcheck`` can re-seed before every evaluation.
"""
from __future__ import annotations

import numpy as np

from .checks import check_int

_generator = np.random.default_rng(0)


def seed(value: int | None = None) -> int:
    """Reset the library's default generator to ``value`` (a non-negative int), or, with no value,
    to fresh entropy from the operating system; returns the seed used."""
    global _generator
    if value is None:
        value = int(np.random.SeedSequence().entropy)
    value = check_int(value, "value", "seed", low=0)
    _generator = np.random.default_rng(value)
    return value


def manual_seed(value: int) -> np.random.Generator:
    """PyTorch's name: reset the library's default generator to ``value`` and return it."""
    seed(check_int(value, "value", "manual_seed", low=0))
    return _generator


def default_generator() -> np.random.Generator:
    """The generator used when no explicit one is given."""
    return _generator
