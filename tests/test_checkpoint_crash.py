"""A writer killed (SIGKILL) during ``nn.save`` leaves the previous checkpoint intact and a
temporary behind; the next save into that folder removes the temporaries of dead writers and
never those of a live one (another process or thread saving there at the same time)."""
import os
import random
import time

import numpy as np
import pytest
from helpers import in_child, kill, temporaries, wait_for_temporary

import nn
import optim

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forks writers and kills them with SIGKILL")


# ----- the Trainer's checkpoint folder ---------------------------------------------------------------------


RNG = np.random.default_rng(0)
DATA = (RNG.standard_normal((32, 256)).astype(np.float32), RNG.integers(0, 10, 32))


def make_trainer(directory, epochs=10**6, seed=0):
    """A trainer whose checkpoints are large next to its epochs (a 0.26M-parameter model, its
    momentum and its best weights), so that a kill often lands while one is written."""
    import autograd_engine as ae

    ae.seed(seed)
    model = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 10))
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return optim.Trainer(model, opt, DATA, DATA, epochs=epochs, batch_size=32, checkpoint_dir=directory,
                         monitor_samples=8, progress=False, verbose=False, seed=seed)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks trainers and kills them with SIGKILL")
def test_killed_trainers_leave_a_checkpoint_that_resumes_and_no_temporary_after_the_next_save(tmp_path):
    """20 kills (an epoch writes two checkpoints, the best and the last, each flushed to disk:
    a round costs about ten times a bare save's)."""
    last = tmp_path / "model_last.npz"
    make_trainer(tmp_path).save_checkpoint(last)
    rng = random.Random(1)
    orphans = 0
    for round_ in range(20):
        pid = in_child(lambda: make_trainer(tmp_path).train())
        wait_for_temporary(tmp_path, pid)
        time.sleep(rng.uniform(0.0, 0.02))
        kill(pid)
        orphans += len(temporaries(tmp_path))
        resumed = make_trainer(tmp_path, seed=1)
        resumed.load_checkpoint(last)  # the previous checkpoint, whole
        resumed.save_checkpoint(last)  # the next save in that folder
        assert temporaries(tmp_path) == [], f"round {round_}"
    assert orphans > 0
