"""``Trial``: what an objective receives beside its hyperparameters, in the worker process that runs it.

    def objective(params, trial):
        model = build(params)
        trainer = optim.Trainer(model, optim.Adam(model.parameters(), lr=params["lr"]),
                                train, val, epochs=10, trial=trial, verbose=False)
        trainer.train()                      # reports each epoch; stops if the search prunes it
        return trainer.best_val_acc

``report(value, step)`` records a point of the trial's learning curve in the
search's database, where the pruner compares it with the other trials at the
same step; ``should_stop()`` asks the pruner whether this run is hopeless (the
notes' master killing a worker), and a trial told to stop is recorded as
pruned.  ``Trainer(..., trial=trial)`` does both after every epoch and writes
its best checkpoint into the search folder as
``trial{number}_best_epoch{E}_val{accuracy}.npz``; an objective without the
Trainer can call ``report`` and ``should_stop`` itself and set ``checkpoint``.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from autograd_engine.checks import check_int, check_real


class Trial:
    """One trial of a search: ``number``, ``params`` (a dict), ``folder`` (the search folder, for checkpoints).

    ``curve`` lists the reported ``(step, value)`` pairs; ``checkpoint`` is the path of the trial's best
    checkpoint (set by the Trainer, or by the objective); ``pruned`` becomes True once ``should_stop()``
    has said yes.
    """

    def __init__(self, number: int, params: dict[str, Any], folder: str | Path, optuna_trial: Any = None) -> None:
        self.number, self.params, self.folder = number, dict(params), Path(folder)
        self.curve: list[tuple[int, float]] = []
        self.checkpoint: str | None = None
        self.pruned = False
        self._optuna_trial = optuna_trial

    @property
    def checkpoint_prefix(self) -> str:
        """The start of this trial's checkpoint file names, ``trial0007`` for trial 7."""
        return f"trial{self.number:04d}"

    def report(self, value: float, step: int) -> None:
        """Record ``value`` (validation accuracy) at ``step`` (an epoch, say); the first value of a step counts."""
        step = check_int(step, "step", "Trial.report", low=0)
        value = check_real(value, "value", "Trial.report", allow_inf=True) if not _is_nan(value) else math.nan
        if any(seen == step for seen, _ in self.curve):
            return
        self.curve.append((step, value))
        if self._optuna_trial is not None:
            self._optuna_trial.report(value, step)

    def should_stop(self) -> bool:
        """Whether the search's pruner judges this run hopeless from its reports (False without a pruner)."""
        if not self.pruned and self._optuna_trial is not None and self.curve:
            self.pruned = bool(self._optuna_trial.should_prune())
        return self.pruned

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params!r})"


def _is_nan(value: Any) -> bool:
    try:
        return math.isnan(value)
    except TypeError:
        return False
