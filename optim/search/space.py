"""The search space: one distribution per hyperparameter, sampled by Optuna.

    space = {"lr": LogUniform(1e-4, 1e-1), "reg": LogUniform(1e-6, 1e-2),
             "dropout": Uniform(0.0, 0.5), "hidden": IntUniform(32, 256, log=True),
             "optimizer": Choice(["sgd", "adam"])}

The notes sample the learning rate and the regularisation strength on a log
scale (``LogUniform``): they act multiplicatively, so 1e-4..1e-3 deserves as
many trials as 1e-2..1e-1.  Each distribution knows how to draw itself from an
Optuna trial, whether its axis is logarithmic (for plots), whether a value sits
at the border of its range (the best value there may lie beyond it), and how to
narrow itself around good values for the next, finer stage.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from autograd_engine.checks import check_bool, check_int, check_real

BORDER = 0.05  # a value in the outer 5% of a range (on its own scale) sits "at the border"


class Distribution:
    """A hyperparameter's range; subclasses say how Optuna draws it."""

    log = False

    def to_optuna(self) -> Any:
        """The ``optuna.distributions`` object that draws this hyperparameter."""
        raise NotImplementedError

    def at_border(self, value: Any) -> str | None:
        """``"low"`` or ``"high"`` if ``value`` sits in the outer ``BORDER`` of the range, else None."""
        return None

    def narrow(self, centre: Any, good: Sequence[Any], factor: float) -> Distribution:
        """A range around ``centre`` (the best value), ``factor`` times narrower; ``good`` are the values of
        the best trials, which a ``Choice`` keeps."""
        raise NotImplementedError


class _Interval(Distribution):
    """A numeric range ``[low, high]``, on a log scale when ``log``."""

    def __init__(self, low: float, high: float, log: bool) -> None:
        owner = type(self).__name__
        self.log = check_bool(log, "log", owner)
        positive = self.log
        low = check_real(low, "low", owner, low=0.0 if positive else None, low_open=positive)
        high = check_real(high, "high", owner, low=0.0 if positive else None, low_open=positive)
        if not low < high:
            raise ValueError(f"{owner}: low must be below high, got low={low!r}, high={high!r}; "
                             f"swap them, or fix the hyperparameter instead of searching it")
        self.low, self.high = low, high

    def _scale(self, value: float) -> float:
        return math.log(value) if self.log else float(value)

    def _unscale(self, value: float) -> float:
        return math.exp(value) if self.log else value

    def at_border(self, value: Any) -> str | None:
        low, high = self._scale(self.low), self._scale(self.high)
        where = (self._scale(value) - low) / (high - low)
        return "low" if where <= BORDER else "high" if where >= 1 - BORDER else None

    def _narrowed_bounds(self, centre: float, factor: float) -> tuple[float, float]:
        """Bounds of width (range / factor) on this scale around ``centre``; a log range may move beyond the
        old one (the notes: when the best sits at the border, look beyond), a linear one stays inside it (a
        dropout rate or a momentum has a natural domain)."""
        low, high = self._scale(self.low), self._scale(self.high)
        half = (high - low) / factor / 2
        middle = self._scale(centre)
        if not self.log:
            middle = min(max(middle, low + half), high - half)
        return self._unscale(middle - half), self._unscale(middle + half)

    def __repr__(self) -> str:
        log = ", log=True" if self.log and type(self) is IntUniform else ""
        return f"{type(self).__name__}({self.low:g}, {self.high:g}{log})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.low, self.high, self.log) == (other.low, other.high, other.log)

    __hash__ = None  # type: ignore[assignment]


class LogUniform(_Interval):
    """A real number whose logarithm is uniform on ``[log low, log high]`` (``0 < low < high``)."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high, log=True)

    def to_optuna(self) -> Any:
        from optuna.distributions import FloatDistribution
        return FloatDistribution(self.low, self.high, log=True)

    def narrow(self, centre: Any, good: Sequence[Any], factor: float) -> LogUniform:
        return LogUniform(*self._narrowed_bounds(float(centre), factor))


class Uniform(_Interval):
    """A real number uniform on ``[low, high]``."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high, log=False)

    def to_optuna(self) -> Any:
        from optuna.distributions import FloatDistribution
        return FloatDistribution(self.low, self.high)

    def narrow(self, centre: Any, good: Sequence[Any], factor: float) -> Uniform:
        return Uniform(*self._narrowed_bounds(float(centre), factor))


class IntUniform(_Interval):
    """An integer uniform on ``low..high`` (both included), or log-uniform with ``log=True`` (``low >= 1``)."""

    def __init__(self, low: int, high: int, log: bool = False) -> None:
        low, high = check_int(low, "low", "IntUniform"), check_int(high, "high", "IntUniform")
        if log and low < 1:
            raise ValueError(f"IntUniform: low must be at least 1 on a log scale, got {low}; use log=False "
                             f"or start at 1")
        super().__init__(low, high, log=log)
        self.low, self.high = low, high

    def to_optuna(self) -> Any:
        from optuna.distributions import IntDistribution
        return IntDistribution(self.low, self.high, log=self.log)

    def narrow(self, centre: Any, good: Sequence[Any], factor: float) -> IntUniform:
        low, high = self._narrowed_bounds(float(centre), factor)
        low, high = max(round(low), 1 if self.log else -math.inf), round(high)
        if high <= low:  # too narrow for two integers: keep the best one and its neighbour
            high = low + 1
        return IntUniform(int(low), int(high), log=self.log)


class Choice(Distribution):
    """One of ``options`` (numbers, strings, bools or None), each equally likely."""

    def __init__(self, options: Sequence[Any]) -> None:
        if isinstance(options, str | bytes) or not isinstance(options, Sequence):
            raise TypeError(f"Choice: options must be a list of values, got {options!r} ({type(options).__name__})")
        if len(options) < 1:
            raise ValueError("Choice: options is empty; give at least one value")
        for option in options:
            if not (option is None or isinstance(option, bool | int | float | str)):
                raise TypeError(f"Choice: each option must be a number, a string, a bool or None (Optuna stores "
                                f"them), got {option!r} ({type(option).__name__}); choose a name and map it "
                                f"to the object in the objective")
        self.options = list(options)

    def to_optuna(self) -> Any:
        from optuna.distributions import CategoricalDistribution
        return CategoricalDistribution(self.options)

    def narrow(self, centre: Any, good: Sequence[Any], factor: float) -> Choice:
        return Choice([option for option in self.options if option in good or option == centre])

    def __repr__(self) -> str:
        return f"Choice({self.options!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is Choice and other.options == self.options

    __hash__ = None  # type: ignore[assignment]


def check_space(space: Any, owner: str) -> dict[str, Distribution]:
    """``space`` as a dict of names to distributions; a clear error for anything else."""
    if not isinstance(space, Mapping) or not space:
        raise TypeError(f"{owner}: space must be a non-empty dict of names to distributions "
                        f"(LogUniform, Uniform, IntUniform, Choice), got {space!r}")
    for name, distribution in space.items():
        if not isinstance(name, str):
            raise TypeError(f"{owner}: the names of the space must be strings, got {name!r}")
        if not isinstance(distribution, Distribution):
            raise TypeError(f"{owner}: space[{name!r}] must be LogUniform, Uniform, IntUniform or Choice, got "
                            f"{distribution!r}; a fixed value belongs in the objective, not the space")
    return dict(space)
