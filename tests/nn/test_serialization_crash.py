"""A writer killed (SIGKILL) during ``nn.save`` leaves the previous checkpoint intact and a
temporary behind; the next save into that folder removes the temporaries of dead writers and
never those of a live one (another process or thread saving there at the same time)."""
import os
import random
import threading
import time

import numpy as np
import pytest
from helpers import in_child, kill, temporaries, wait_for_temporary

import nn

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forks writers and kills them with SIGKILL")


def state(step):
    """A large state dict (8 MB) whose every value says which save wrote it."""
    return {"step": step, "weights": [np.full((256, 1024), step, np.float32) for _ in range(8)]}


def save_forever(path):
    step = 1
    while True:
        nn.save(state(step), path)
        step += 1


def test_killed_saves_leave_the_previous_checkpoint_and_no_temporary_after_the_next_save(tmp_path):
    path = tmp_path / "checkpoint.npz"
    nn.save(state(0), path)
    rng = random.Random(0)
    orphans = 0
    for round_ in range(40):
        pid = in_child(lambda: save_forever(path))
        wait_for_temporary(tmp_path, pid)
        time.sleep(rng.uniform(0.0, 0.015))
        kill(pid)
        orphans += len(temporaries(tmp_path))
        loaded = nn.load(path)  # the previous checkpoint, whole
        assert all(np.all(w == loaded["step"]) for w in loaded["weights"])
        if round_ % 2:  # the next save in that folder: over the checkpoint, or into another file
            nn.save(loaded, path)
        else:
            nn.save({"round": round_}, tmp_path / "other.npz")
        assert temporaries(tmp_path) == [], f"round {round_}"
    assert orphans > 0  # some kills did leave a temporary, which the next save removed


def test_the_temporary_of_a_live_writer_is_kept(tmp_path):
    def stalled_save():
        def savez_then_hang(file, **arrays):
            file.write(b"PK\x03\x04 the first bytes of a checkpoint")
            file.flush()
            time.sleep(60)

        np.savez = savez_then_hang  # in the child only
        nn.save(state(1), tmp_path / "slow.npz")

    pid = in_child(stalled_save)
    try:
        wait_for_temporary(tmp_path, pid)
        live = temporaries(tmp_path)
        nn.save({"w": np.zeros(3)}, tmp_path / "quick.npz")
        assert temporaries(tmp_path) == live  # the writer still runs: its temporary stays
    finally:
        kill(pid)
    nn.save({"w": np.ones(3)}, tmp_path / "quick.npz")
    assert temporaries(tmp_path) == []  # now it is gone, and so is its temporary
    assert not (tmp_path / "slow.npz").exists()


def test_processes_saving_into_one_folder_keep_each_others_temporaries(tmp_path):
    def save_often(name):
        def work():
            for step in range(20):
                nn.save({"step": step, "w": np.full((256, 1024), step, np.float32)}, tmp_path / name)
        return work

    pids = [in_child(save_often(f"writer{i}.npz")) for i in range(3)]
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    assert statuses == [0, 0, 0]  # no writer lost its temporary to another's clean-up
    assert temporaries(tmp_path) == []
    for i in range(3):
        assert nn.load(tmp_path / f"writer{i}.npz")["step"] == 19


def test_threads_saving_into_one_folder_keep_each_others_temporaries(tmp_path):
    errors = []

    def work(i):
        try:
            for step in range(10):
                nn.save({"step": step, "w": np.full((64, 1024), step, np.float32)}, tmp_path / f"thread{i}.npz")
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and temporaries(tmp_path) == []
    assert all(nn.load(tmp_path / f"thread{i}.npz")["step"] == 9 for i in range(4))
