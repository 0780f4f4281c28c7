"""Tiny objectives for the search tests, in a module the Dask worker processes import by name.

Each is deterministic in its params (and trial number), so a table is the same wherever it runs.
"""
import math
import os
import signal
from pathlib import Path

import numpy as np


def bowl(params, trial):
    """Highest at lr = 1e-2: a smooth function of log10(lr), reported over three steps."""
    value = 1.0 / (1.0 + (math.log10(params["lr"]) + 2.0) ** 2)
    for step in range(3):
        trial.report(value * (step + 1) / 3, step)
    return value


def rising_with_lr(params, trial):
    """Grows with lr: the best lies at the high border of any lr range."""
    return math.log10(params["lr"])


def broken(params, trial):
    if params["lr"] > 0.0:
        raise RuntimeError(f"out of cheese at lr={params['lr']:.3g}")
    return 0.0


def nan_at_high_lr(params, trial):
    return float("nan") if params["lr"] > 1e-2 else 0.5


def raises_on_high_lr(params, trial):
    if params["lr"] > 1e-2:
        raise ValueError("the batch was empty")
    return 0.5


def kills_its_worker_once(params, trial):
    """SIGKILLs its own process the first time trial ``KILL_TRIAL`` runs (a marker file remembers)."""
    marker = Path(trial.folder) / "killed.marker"
    if trial.number == int(os.environ.get("KILL_TRIAL", "2")) and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return bowl(params, trial)


def slow_bowl(params, trial):
    """``bowl`` after a pause, so that a driver can be killed while trials run."""
    import time

    time.sleep(float(os.environ.get("TRIAL_SECONDS", "0.5")))
    return bowl(params, trial)


def bad_after_warmup(params, trial):
    """Trials 0..2 report 0.9 at every step; later trials report 0.1 -- far below the median -- and count their
    steps in a file, so the test sees how far a pruned one got."""
    value = 0.9 if trial.number < 3 else 0.1
    steps = 0
    for step in range(10):
        trial.report(value, step)
        steps += 1
        if trial.should_stop():
            break
    (Path(trial.folder) / f"steps{trial.number}").write_text(str(steps))
    return value


def zero_d_accuracy(params, trial):
    """Returns its accuracy as a 0-d NumPy array, as ``np.mean(correct)`` gives it."""
    return np.asarray(0.75)
