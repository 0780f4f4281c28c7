"""``random_search``: the driver -- Optuna samples and keeps the books, Dask runs the trials.

The driver asks Optuna's study for each trial's params (so with a seeded
sampler the sequence of trials does not depend on which worker finishes
first), sends the trial to a Dask worker (``worker.run_trial``), and tells the
study how it ended.  The study lives in a database: by default a SQLite file
``search.db`` in the search folder, so a driver that is killed resumes from
the folder -- finished trials are kept, trials that were running when it died
are recorded as ``interrupted`` and run again with the same params, and only
the remaining ones are sampled.

Workers: a user's ``dask.distributed.Client`` when given (a cluster:
``Client("scheduler:8786")``, with a database URL all machines reach as
``storage``); otherwise a ``LocalCluster`` of worker processes on this
machine, on the loopback interface and without a dashboard (the scheduler's
small HTTP server takes a free loopback port, not 8787).  A LocalCluster
rather than ``concurrent.futures.ProcessPoolExecutor``, because a worker
process that dies (killed, out of memory) breaks a whole process pool and
every trial queued on it, while Dask's nanny restarts that one worker and
only its task fails; and because the same code then runs on a cluster.
A trial whose worker died is recorded as ``failed`` and run again with the
same params up to ``retries`` times.
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autograd_engine.checks import check_bool, check_callable, check_choice, check_int, check_real

from . import extra
from .database import DATABASE, default_url, open_storage
from .result import SearchResult, TrialRecord, space_from_optuna
from .space import Distribution, check_space
from .trial import Trial
from .worker import Outcome, TrialJob, run_trial

STUDY_NAME = "search"
SAMPLERS = ("random", "tpe")


def random_search(
    objective: Callable[[dict[str, Any], Trial], float],
    space: Mapping[str, Distribution],
    n_trials: int,
    *,
    folder: str | os.PathLike,
    seed: int | None = None,
    client: Any = None,
    n_workers: int | None = None,
    sampler: str = "random",
    pruner: Any = None,
    timeout: float | None = None,
    storage: str | None = None,
    retries: int = 1,
    verbose: bool = True,
) -> SearchResult:
    """Run ``n_trials`` trials of ``objective(params, trial) -> validation accuracy`` over ``space``; maximise it.

    ``folder``: where the database (``search.db``) and the trials' checkpoints go; a folder that already
    holds this search resumes it (to ``n_trials`` in all).  ``seed``: seeds the sampler, so the same seed
    samples the same trials.  ``sampler``: ``"random"`` (Optuna's ``RandomSampler``, the notes' random
    search) or ``"tpe"`` (Optuna's ``TPESampler``).  ``pruner``: None (no pruning), ``"median"``
    (Optuna's ``MedianPruner``: stop a trial whose report is below the median of the others at the same
    step), or any Optuna pruner.  ``timeout``: seconds after which no new trial starts (running ones
    finish).  ``client``: a ``dask.distributed.Client`` to run on; without one a ``LocalCluster`` of
    ``n_workers`` processes (default: the usable cores, at most ``n_trials``) is started and stopped.
    ``n_workers`` with a client caps the trials running at once (default: the client's worker threads).
    ``storage``: an Optuna database URL instead of the SQLite file (for workers on other machines).
    ``retries``: how many times a trial whose worker process died runs again (its failed record stays).
    ``verbose``: print one line per finished trial.

    The objective runs in other processes: it must be picklable (a function of a module, or one defined
    in a notebook or ``__main__``, which Dask sends by value), and a script that calls ``random_search``
    keeps the call under ``if __name__ == "__main__":``, as for any code that starts worker processes.
    Needs the ``search`` extra (Optuna and Dask); see the package docstring for the whole workflow.
    """
    owner = "random_search"
    check_callable(objective, "objective", owner, "params, trial -> validation accuracy")
    space = check_space(space, owner)
    n_trials = check_int(n_trials, "n_trials", owner, low=1)
    if not isinstance(folder, str | os.PathLike):
        raise TypeError(f"{owner}: folder must be a path (str or os.PathLike), got {folder!r}")
    if seed is not None:
        seed = check_int(seed, "seed", owner, low=0)
    if n_workers is not None:
        n_workers = check_int(n_workers, "n_workers", owner, low=1)
    if isinstance(sampler, str):
        check_choice(sampler, "sampler", owner, SAMPLERS)
    if timeout is not None:
        timeout = check_real(timeout, "timeout", owner, low=0.0, low_open=True)
    if storage is not None and not isinstance(storage, str):
        raise TypeError(f"{owner}: storage must be a database URL (str) such as "
                        f"'postgresql://user:password@host/db', got {storage!r}")
    retries = check_int(retries, "retries", owner, low=0)
    check_bool(verbose, "verbose", owner)

    optuna, distributed = extra.optuna(), extra.distributed()
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    storage = storage or default_url(folder)
    pruner = _pruner(optuna, pruner, owner)
    if not isinstance(sampler, str | optuna.samplers.BaseSampler):
        raise TypeError(f"{owner}: sampler must be 'random', 'tpe' or an optuna.samplers sampler, got {sampler!r}")
    with _quiet(optuna):
        study = optuna.create_study(study_name=STUDY_NAME, storage=open_storage(optuna, storage), direction="maximize",
                                    load_if_exists=True)
        _check_same_space(study, space, folder)
        _requeue_interrupted(optuna, study, space)
        study = optuna.load_study(study_name=STUDY_NAME, storage=open_storage(optuna, storage), pruner=pruner,
                                  sampler=_sampler(optuna, sampler, seed, len(study.trials)))
        with _workers(distributed, client, n_workers or min(_usable_cores(), n_trials)) as (run_on, slots):
            if client is not None and n_workers is not None:
                slots = min(slots, n_workers)
            _drive(study, objective, space, n_trials, folder, storage, pruner, run_on, slots, timeout, retries,
                   verbose, optuna, distributed)
        return load_result(folder, storage=storage, space=space)


def load_result(folder: str | os.PathLike, *, storage: str | None = None,
                space: Mapping[str, Distribution] | None = None) -> SearchResult:
    """The ``SearchResult`` of the search in ``folder`` (or in the database ``storage``), e.g. while it runs
    or after it ran in another process; ``space`` defaults to the one its trials were drawn from."""
    optuna = extra.optuna()
    folder = Path(folder).resolve()
    if storage is None and not (folder / DATABASE).is_file():  # opening it would create an empty database
        raise FileNotFoundError(f"load_result: there is no search in {folder} (no {DATABASE}); give the folder "
                                f"a random_search wrote, or storage= the database URL it used")
    storage = storage or default_url(folder)
    with _quiet(optuna):
        try:
            study = optuna.load_study(study_name=STUDY_NAME, storage=open_storage(optuna, storage))
        except KeyError:
            raise FileNotFoundError(f"load_result: the database {storage} holds no search (no study named "
                                    f"{STUDY_NAME!r}); give the storage a random_search used") from None
        trials = study.get_trials(deepcopy=False)
    records = [_record(t) for t in trials if t.state.is_finished()]
    if space is None:
        space = space_from_optuna(next((t.distributions for t in trials if t.distributions), {}))
    return SearchResult(records, space, folder)


# ----- the loop ----------------------------------------------------------------
def _drive(study: Any, objective: Callable, space: Mapping[str, Distribution], n_trials: int, folder: Path,
           storage: str, pruner: Any, run_on: Any, slots: int, timeout: float | None, retries: int,
           verbose: bool, optuna: Any, distributed: Any) -> None:
    """Keep ``slots`` trials running until ``n_trials`` have counted (or ``timeout``); record each ending."""
    distributions = {name: d.to_optuna() for name, d in space.items()}
    counted = sum(_counts(t) for t in study.get_trials(deepcopy=False) if t.state.is_finished())
    pending: dict[Any, Any] = {}
    started = time.monotonic()
    while True:
        out_of_time = timeout is not None and time.monotonic() - started > timeout
        while len(pending) < slots and counted + len(pending) < n_trials and not out_of_time:
            trial = study.ask(distributions)
            job = TrialJob(trial.number, trial._trial_id, dict(trial.params), str(folder), storage, STUDY_NAME,
                           pruner)
            future = run_on.submit(run_trial, objective, job, pure=False, key=f"trial-{trial.number}-{os.getpid()}"
                                   f"-{time.time_ns()}")
            pending[future] = trial
        if not pending:
            return
        done, _ = distributed.wait(list(pending), return_when="FIRST_COMPLETED")
        for future in done:
            trial = pending.pop(future)
            outcome = _outcome_of(future)
            if outcome.status == "worker died" and trial.user_attrs.get("attempt", 0) < retries:
                study.enqueue_trial(trial.params, user_attrs={"attempt": trial.user_attrs.get("attempt", 0) + 1,
                                                              "retry_of": trial.number}, skip_if_exists=False)
                _tell(optuna, study, trial, outcome, status="failed", counts=False,
                      note="; it runs again with the same params")
            else:
                _tell(optuna, study, trial, outcome, status="failed" if outcome.status == "worker died" else None)
                counted += 1
            if verbose:
                print(_line(study, trial.number, counted, n_trials), flush=True)


def _outcome_of(future: Any) -> Outcome:
    """The trial's ``Outcome``; the death of its worker (or any error outside the objective) as "worker died"."""
    if future.status == "finished":
        return future.result()
    try:
        error = future.exception()
    except BaseException as raised:  # a cancelled future raises instead of returning its error
        error = raised
    return Outcome("worker died", error=f"the worker process running it died or was lost "
                                        f"({type(error).__name__}: {error})")


def _tell(optuna: Any, study: Any, trial: Any, outcome: Outcome, status: str | None = None, counts: bool = True,
          note: str = "") -> None:
    status = status or outcome.status
    trial.set_user_attr("status", status)
    trial.set_user_attr("counts", counts)
    if outcome.error:
        trial.set_user_attr("error", outcome.error + note)
    if outcome.checkpoint:
        trial.set_user_attr("checkpoint", outcome.checkpoint)
    if outcome.value is not None:
        trial.set_user_attr("value", outcome.value)
    if status == "complete":
        study.tell(trial, outcome.value)
    elif status == "pruned":
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    else:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)


def _counts(frozen: Any) -> bool:
    """Whether a finished trial counts towards ``n_trials`` (not one that ran again as another trial)."""
    return bool(frozen.user_attrs.get("counts", True))


def _record(frozen: Any) -> TrialRecord:
    status = frozen.user_attrs.get("status")
    if status is None:  # told by someone else than this driver
        status = {"COMPLETE": "complete", "PRUNED": "pruned"}.get(frozen.state.name, "failed")
    value = frozen.value if frozen.state.name == "COMPLETE" else frozen.user_attrs.get("value")
    if value is None and status == "pruned" and frozen.intermediate_values:
        value = frozen.intermediate_values[max(frozen.intermediate_values)]
    curve = sorted((int(step), float(v)) for step, v in frozen.intermediate_values.items())
    return TrialRecord(frozen.number, dict(frozen.params), status, value, frozen.user_attrs.get("error"),
                       frozen.user_attrs.get("checkpoint"), curve)


def _line(study: Any, number: int, counted: int, n_trials: int) -> str:
    frozen = study._storage.get_trial(study._storage.get_trial_id_from_study_id_trial_number(
        study._study_id, number))
    record = _record(frozen)
    shown = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.params.items())
    value = "" if record.value is None else f" {record.value:.4f}"
    error = f" ({record.error})" if record.error else ""
    return f"[{counted}/{n_trials}] trial {number} {record.status}{value}: {shown}{error}"


# ----- the study and its workers --------------------------------------------------
def _check_same_space(study: Any, space: Mapping[str, Distribution], folder: Path) -> None:
    """Refuse to resume a search of the folder over another space (its trials would not compare)."""
    described = repr(dict(space))
    saved = study.user_attrs.get("space")
    if saved is None:
        study.set_user_attr("space", described)
    elif saved != described:
        raise ValueError(f"random_search: the folder {str(folder)!r} holds a search over the space {saved}, not "
                         f"{described}; give a new folder for a new space (e.g. one folder per stage)")


def _requeue_interrupted(optuna: Any, study: Any, space: Mapping[str, Distribution]) -> None:
    """Trials left running by a driver that died: record them as interrupted and queue their params again
    (a trial killed before all its params were drawn ran nothing: the sampler draws afresh)."""
    for frozen in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        drawn = set(frozen.params) >= set(space)
        storage = study._storage
        storage.set_trial_user_attr(frozen._trial_id, "status", "interrupted")
        storage.set_trial_user_attr(frozen._trial_id, "counts", False)
        storage.set_trial_user_attr(frozen._trial_id, "error", "the search stopped while it ran; it runs again "
                                    "with the same params" if drawn else "the search stopped before its params "
                                    "were drawn; the sampler draws another trial in its place")
        storage.set_trial_state_values(frozen._trial_id, optuna.trial.TrialState.FAIL)
        if drawn:
            study.enqueue_trial(frozen.params, user_attrs={"attempt": 0, "retry_of": frozen.number},
                                skip_if_exists=False)


def _sampler(optuna: Any, sampler: Any, seed: int | None, n_existing: int) -> Any:
    """The sampler; a resumed search draws from a seed derived from ``seed`` and the trials already there,
    so it neither repeats the first run's params nor depends on the time."""
    if not isinstance(sampler, str):
        return sampler
    if seed is not None and n_existing:
        seed = int(np.random.SeedSequence([seed, n_existing]).generate_state(1)[0])
    if sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def _pruner(optuna: Any, pruner: Any, owner: str) -> Any:
    if pruner is None:
        return optuna.pruners.NopPruner()
    if pruner == "median":
        return optuna.pruners.MedianPruner()
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    raise TypeError(f"{owner}: pruner must be None, 'median' or an optuna.pruners pruner, got {pruner!r}")


@contextlib.contextmanager
def _workers(distributed: Any, client: Any, n_workers: int) -> Iterator[tuple[Any, int]]:
    """The client to submit to and how many trials may run at once; a LocalCluster started and stopped
    here when no client is given."""
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise TypeError(f"random_search: client must be a dask.distributed.Client, got {client!r}")
        yield client, max(1, sum(client.nthreads().values()))
        return
    import dask

    # a worker that dies fails its task at once: the driver records it and decides about the retry
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    try:
        with distributed.Client(cluster) as local_client:
            yield local_client, n_workers
    finally:
        cluster.close()


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def _quiet(optuna: Any) -> Iterator[None]:
    """Optuna's per-trial INFO logs off while the search runs (this module prints its own lines)."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)
