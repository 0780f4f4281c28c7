"""``SearchResult``: the trials of a search read back from its database, ranked, checked and reused.

    result.best                       # TrialRecord: params, value, checkpoint
    print(result.table())             # every trial, best validation accuracy first
    result.plot("search.png")         # accuracy against each hyperparameter, the best learning curves
    finer = result.refine(4)          # a space 4x narrower around the best trials: the next stage
    ensemble = result.ensemble(5, build_model)   # the top 5 trials' best checkpoints as one nn.Ensemble

Building a result warns (``SearchWarning``) when the best value of a
hyperparameter sits at the border of its range -- the optimum may lie beyond
it, so widen the range -- and when no trial completed.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nn
from autograd_engine.checks import check_callable, check_int, check_real

from .plot import plot_search
from .space import Choice, Distribution, IntUniform, LogUniform, Uniform

STATUSES = ("complete", "pruned", "failed", "diverged", "interrupted")


class SearchWarning(UserWarning):
    """A search's result that deserves a second look: a best value at a border, no trial completed."""


@dataclass(frozen=True)
class TrialRecord:
    """One finished trial: ``status`` is "complete", "pruned", "failed", "diverged" or "interrupted"
    (its run stopped with the driver, and ran again); ``value`` is the validation accuracy returned (a
    pruned trial's last report); ``curve`` the reported ``(step, value)`` pairs; ``error`` the exception's
    text of a failed trial; ``checkpoint`` the path of its best checkpoint, if it wrote one."""

    number: int
    params: dict[str, Any]
    status: str
    value: float | None = None
    error: str | None = None
    checkpoint: str | None = None
    curve: list[tuple[int, float]] = field(default_factory=list)


class SearchTable(list):
    """The rows of ``SearchResult.table()`` (dicts), which print as an aligned text table."""

    def __str__(self) -> str:
        if not self:
            return "(no trials)"
        columns = list(self[0])
        cells = [[_cell(row[column]) for column in columns] for row in self]
        widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
        lines = ["  ".join(column.ljust(width) for column, width in zip(columns, widths))]
        lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]
        return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class SearchResult:
    """The trials of a search over ``space`` whose files are in ``folder`` (see the module docstring)."""

    def __init__(self, trials: list[TrialRecord], space: Mapping[str, Distribution], folder: str | os.PathLike,
                 *, warn: bool = True) -> None:
        self.trials, self.space, self.folder = list(trials), dict(space), Path(folder)
        if warn:
            self._warn()

    # ----- what was found ---------------------------------------------------
    @property
    def completed(self) -> list[TrialRecord]:
        """The complete trials, best validation accuracy first (ties: the earlier trial first)."""
        done = [t for t in self.trials if t.status == "complete"]
        return sorted(done, key=lambda t: (-t.value, t.number))

    @property
    def best(self) -> TrialRecord:
        """The complete trial with the highest validation accuracy."""
        if not self.completed:
            raise ValueError(f"SearchResult.best: none of the {len(self.trials)} trials completed "
                             f"({self._status_counts()}); see table() for their errors")
        return self.completed[0]

    def table(self) -> SearchTable:
        """One row per trial (number, status, value, each hyperparameter, error), complete trials first by
        validation accuracy, then pruned ones by their last value, then the others by number."""
        order = {"complete": 0, "pruned": 1}

        def rank(t: TrialRecord) -> tuple:
            value = t.value if t.value is not None and t.status in order else -math.inf
            return order.get(t.status, 2), -value, t.number

        rows = SearchTable()
        for t in sorted(self.trials, key=rank):
            rows.append({"trial": t.number, "status": t.status, "val_acc": t.value,
                         **{name: t.params.get(name) for name in self.space}, "error": t.error})
        return rows

    def __repr__(self) -> str:
        return f"SearchResult({len(self.trials)} trials: {self._status_counts()}, folder={str(self.folder)!r})"

    def _status_counts(self) -> str:
        counts = {s: sum(t.status == s for t in self.trials) for s in STATUSES}
        return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"

    # ----- the next stage -----------------------------------------------------
    def refine(self, factor: float = 4.0, top: int = 5) -> dict[str, Distribution]:
        """A space ``factor`` times narrower (on each range's own scale, log for log ranges) centred on the best
        trial's values; a ``Choice`` keeps the options used by the ``top`` best trials.  A log range may move
        beyond the old one (when the best sits at its border the optimum may lie there); a linear one stays
        inside its old range (a dropout rate has a natural domain)."""
        factor = check_real(factor, "factor", "SearchResult.refine", low=1.0, low_open=True)
        top = check_int(top, "top", "SearchResult.refine", low=1)
        best = self.best
        good = self.completed[:top]
        return {name: distribution.narrow(best.params[name], [t.params[name] for t in good], factor)
                for name, distribution in self.space.items()}

    # ----- ensembles ------------------------------------------------------------
    def ensemble(self, k: int, build_model: Callable[[dict[str, Any]], nn.Module],
                 average: str = "probabilities") -> nn.Ensemble:
        """An ``nn.Ensemble`` of the ``k`` best complete trials that wrote a checkpoint: for each,
        ``build_model(params)`` makes the model and its best checkpoint's weights are loaded into it."""
        k = check_int(k, "k", "SearchResult.ensemble", low=1)
        check_callable(build_model, "build_model", "SearchResult.ensemble", "params -> nn.Module")
        chosen = [t for t in self.completed if t.checkpoint and os.path.exists(t.checkpoint)][:k]
        if len(chosen) < k:
            raise ValueError(f"SearchResult.ensemble: asked for the {k} best trials, but only {len(chosen)} complete "
                             f"trials have a checkpoint file; train with Trainer(..., trial=trial) (or set "
                             f"trial.checkpoint) so that each trial keeps its best weights, or ask for fewer")
        models = []
        for t in chosen:
            model = build_model(dict(t.params))
            if not isinstance(model, nn.Module):
                raise TypeError(f"SearchResult.ensemble: build_model must return an nn.Module, got "
                                f"{type(model).__name__} for trial {t.number}")
            model.load_state_dict(_model_weights(nn.load(t.checkpoint)))
            models.append(model)
        return nn.Ensemble(models, average=average)

    # ----- pictures -----------------------------------------------------------
    def plot(self, path: str | os.PathLike | None = None, top: int = 5, dpi: int = 80) -> Any:
        """Draw the validation accuracy against each hyperparameter and the learning curves of the ``top``
        best trials; save to ``path`` if given; return the matplotlib figure."""
        return plot_search(self, path, top=top, dpi=dpi)

    # ----- warnings ---------------------------------------------------------------
    def _warn(self) -> None:
        """The notes' warnings about a finished search, pointing at the user's line that ran or loaded it."""
        if not self.trials:
            return
        if not self.completed:
            errors = sorted({t.error for t in self.trials if t.error})
            shown = "; ".join(errors[:3]) if errors else "no error text"
            warnings.warn(f"every trial failed or diverged ({self._status_counts()}): {shown}; fix the objective, or "
                          f"lower the learning-rate range if the runs diverge", SearchWarning, stacklevel=_caller_level())
            return
        best = self.best
        for name, distribution in self.space.items():
            side = distribution.at_border(best.params[name])
            if side is not None:
                bound = getattr(distribution, side)
                warnings.warn(f"the best {name} = {best.params[name]:.4g} (trial {best.number}) sits at the {side} "
                              f"border of its range {distribution!r}: the optimal value may lie beyond {bound:g}; "
                              f"widen the range past it", SearchWarning, stacklevel=_caller_level())


def _model_weights(state: Any) -> Mapping[str, Any]:
    """A model's weights from a checkpoint file: a Trainer checkpoint's ``model`` entry, or a state dict."""
    if isinstance(state, Mapping) and isinstance(state.get("model"), Mapping) and "format" in state:
        return state["model"]
    return state


def space_from_optuna(distributions: Mapping[str, Any]) -> dict[str, Distribution]:
    """The space whose Optuna distributions are ``distributions`` (a stored trial's)."""
    space: dict[str, Distribution] = {}
    for name, d in distributions.items():
        kind = type(d).__name__
        if kind == "CategoricalDistribution":
            space[name] = Choice(list(d.choices))
        elif kind == "IntDistribution":
            space[name] = IntUniform(d.low, d.high, log=d.log)
        else:
            space[name] = LogUniform(d.low, d.high) if d.log else Uniform(d.low, d.high)
    return space


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside ``optim/search``: the user's call of ``random_search``
    or ``load_result``, wherever in the package the warning is raised."""
    package = Path(__file__).parent
    frame, level = sys._getframe(1), 1
    while frame is not None and Path(frame.f_code.co_filename).parent == package:
        frame, level = frame.f_back, level + 1
    return level
