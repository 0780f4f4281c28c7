"""What a worker process does with one trial: run the objective and say how it ended.

The driver sends a ``TrialJob`` (the trial's number, id and params, and where
the search's database is) to a Dask worker, which calls :func:`run_trial`.
Everything the objective does wrong becomes an ``Outcome`` (so one bad trial
never stops the others): an exception is ``"failed"`` with its text, a NaN or
infinite result (or the Trainer's ``FloatingPointError``) is ``"diverged"``, a
run the pruner stopped is ``"pruned"``.  Only the death of the process itself
reaches the driver as an error, and the driver records that.

BLAS and the engine's own threads are limited to ``blas_threads`` (one by
default) while the objective runs: the workers of one machine share its
cores, and several multi-threaded BLAS libraries in parallel processes slow
each other down instead of helping.
"""
from __future__ import annotations

import math
import numbers
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from autograd_engine.kernels import threads

from . import extra
from .database import open_storage
from .trial import Trial


@dataclass(frozen=True)
class TrialJob:
    """One trial as the driver hands it to a worker."""

    number: int
    trial_id: int
    params: dict[str, Any]
    folder: str
    storage: str
    study_name: str
    pruner: Any = None
    blas_threads: int = 1


@dataclass(frozen=True)
class Outcome:
    """How a trial ended: ``status`` is "complete", "pruned", "failed" or "diverged"."""

    status: str
    value: float | None = None
    error: str | None = None
    checkpoint: str | None = None
    curve: list[tuple[int, float]] = field(default_factory=list)


def run_trial(objective: Callable[[dict[str, Any], Trial], float], job: TrialJob) -> Outcome:
    """Run ``objective(params, trial)`` for ``job`` in this process and return its ``Outcome``."""
    optuna = extra.optuna()
    study = optuna.load_study(study_name=job.study_name, storage=open_storage(optuna, job.storage),
                              sampler=optuna.samplers.RandomSampler(), pruner=job.pruner)
    trial = Trial(job.number, job.params, job.folder, optuna.trial.Trial(study, job.trial_id))
    engine_threads = threads.get_num_threads()
    threads.set_num_threads(job.blas_threads)
    try:
        with threadpool_limits(limits=job.blas_threads):
            value = objective(dict(job.params), trial)
    except optuna.TrialPruned:
        return _outcome(trial, "pruned")
    except FloatingPointError as error:
        return _outcome(trial, "diverged", error=_describe(error))
    except Exception as error:
        return _outcome(trial, "failed", error=_describe(error))
    finally:
        threads.set_num_threads(engine_threads)
    value = _plain(value)
    if trial.pruned:
        return _outcome(trial, "pruned", value=_number(value))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return _outcome(trial, "failed", error=f"the objective returned {value!r} ({type(value).__name__}), not "
                                               f"a number; return the validation accuracy")
    if not math.isfinite(value):
        return _outcome(trial, "diverged", error=f"the objective returned {value}")
    return _outcome(trial, "complete", value=float(value))


def _outcome(trial: Trial, status: str, value: float | None = None, error: str | None = None) -> Outcome:
    return Outcome(status, value, error, trial.checkpoint, list(trial.curve))


def _plain(value: Any) -> Any:
    """A 0-d array or Tensor (``trainer.best_val_acc`` computed with NumPy, ``acc.mean()``) as its number."""
    array = getattr(value, "data", value) if hasattr(value, "requires_grad") else value
    if isinstance(array, np.ndarray) and array.ndim == 0 and array.dtype.kind in "iuf":
        return array.item()
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _describe(error: BaseException) -> str:
    """The exception's type and text, and the line of the objective's code it came from."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {error}{where}"
