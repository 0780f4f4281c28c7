"""Damaged and crafted checkpoint files: ``nn.load`` and ``Trainer.load_checkpoint`` raise one
exception type, ``nn.CheckpointError``, naming the file -- never a zipfile, JSON or NumPy error, and
never NumPy's advice to load with ``allow_pickle``."""
import os

import numpy as np
import pytest
from helpers import data_offsets

import nn
import optim

# ----- the Trainer's resume ------------------------------------------------------------------------------


def small_trainer(directory=None):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((40, 4)).astype(np.float32), rng.integers(0, 3, 40))
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return optim.Trainer(model, optim.Adam(model.parameters(), lr=1e-2), data, data, epochs=1, batch_size=20,
                         checkpoint_dir=directory, verbose=False)


def assert_resume_refused(path, fragment=""):
    trainer = small_trainer()
    before = trainer.model.state_dict()
    with pytest.raises(nn.CheckpointError) as caught:
        trainer.load_checkpoint(path)
    message = str(caught.value)
    assert str(path) in message and "not a valid" in message and fragment in message, message
    assert "allow_pickle" not in message
    for key, value in trainer.model.state_dict().items():  # nothing was half-restored
        assert np.array_equal(value, before[key])


def test_the_trainer_refuses_damaged_checkpoints(tmp_path):
    trainer = small_trainer(tmp_path)
    trainer.train()
    good = (tmp_path / "model_last.npz").read_bytes()
    damaged = tmp_path / "damaged.npz"
    for content in (good[: len(good) // 3], good[:-1], b"", b"PK\x03\x04" + bytes(100)):
        damaged.write_bytes(content)
        assert_resume_refused(damaged)
    flipped = bytearray(good)
    flipped[data_offsets(good)[len(good) // 2]] ^= 0x01
    damaged.write_bytes(bytes(flipped))
    assert_resume_refused(damaged, "CRC")
    assert_resume_refused(tmp_path, "directory")


def test_the_trainer_refuses_a_checkpoint_of_something_else(tmp_path):
    model_only = tmp_path / "model_only.npz"
    nn.save(nn.Linear(4, 8), model_only)
    assert_resume_refused(model_only, "not a Trainer checkpoint")
    listed = tmp_path / "listed.npz"
    nn.save({"format": "optim.Trainer checkpoint v1", "epoch": 1}, listed)
    assert_resume_refused(listed, "lacks")


def test_the_trainer_refuses_crafted_entries_and_restores_nothing(tmp_path):
    trainer = small_trainer(tmp_path)
    trainer.train()
    state = nn.load(tmp_path / "model_last.npz")
    crafted = tmp_path / "crafted.npz"
    for change in (
        lambda s: s.update(epoch="three"),
        lambda s: s["rng"].update(trainer={"bit_generator": "nonsense"}),
        lambda s: s["optimizer"].update(param_groups="not a list"),
        lambda s: s["optimizer"]["state"].update({"99": {}}),
        lambda s: s["history"].pop("loss"),
        lambda s: s["best"].pop("epoch"),
        lambda s: s["best"].update(state=[1, 2]),
        lambda s: s["best"].update(path=7),
    ):
        copy = nn.load(tmp_path / "model_last.npz")
        change(copy)
        nn.save(copy, crafted)
        assert_resume_refused(crafted)
    nn.save(state, crafted)
    small_trainer().load_checkpoint(crafted)  # the untouched state loads


def test_a_crafted_best_path_never_makes_the_trainer_delete_another_file(tmp_path):
    """The trainer removes the previous best checkpoint when a better one is written; a path
    read from a checkpoint is removed only if it is a best checkpoint of the trainer's folder."""
    run_dir, victim = tmp_path / "run", tmp_path / "notes.txt"
    victim.write_text("keep me")
    trainer = small_trainer(run_dir)
    trainer.train()
    state = nn.load(run_dir / "model_last.npz")
    state["best"].update(path=str(victim), val_acc=-1.0)  # the next epoch is a new best
    nn.save(state, run_dir / "crafted.npz")
    resumed = small_trainer(run_dir)
    resumed.epochs = 2
    resumed.load_checkpoint(run_dir / "crafted.npz")
    resumed.train()
    assert victim.read_text() == "keep me"
    assert resumed.best_epoch == 2 and os.path.exists(resumed.best_path)
