"""The Trainer's checkpoints: resuming is bit-identical (with schedulers, an EMA, per-batch schedules, or
without monitoring), an interrupted or killed write never replaces a good checkpoint, and damaged or
crafted checkpoints are refused without restoring anything."""
import os
import random
import time

import helpers
import numpy as np
import pytest
from helpers import data_offsets, in_child, kill, net, small_net, temporaries, two_layer_net, wait_for_temporary

import autograd_engine as ae
import nn
import optim
from optim import lr_scheduler

TRAIN, VAL = helpers.spiral_data(100, 100)


def train_run(directory, epochs, resume=None):
    model = two_layer_net(7, hidden=32, dropout=0.2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    schedulers = [lr_scheduler.StepLR(opt, step_size=1, gamma=0.8), lr_scheduler.MomentumSchedule(opt, 0.5, 0.9, 3)]
    ema = optim.ExponentialMovingAverage(model.parameters(), decay=0.9)
    trainer = optim.Trainer(model, opt, TRAIN, VAL, epochs=epochs, batch_size=32, schedulers=schedulers, ema=ema,
                            checkpoint_dir=directory, restore_best=False, verbose=False, seed=3)
    if resume is not None:
        ae.seed(12345)  # disturb the library's generator: the checkpoint must bring it back
        trainer.load_checkpoint(resume)
    trainer.train()
    return model, trainer


def test_resume_from_checkpoint_is_bit_identical(tmp_path):
    model_a, trainer_a = train_run(tmp_path / "a", epochs=4)
    train_run(tmp_path / "b", epochs=2)
    model_b, trainer_b = train_run(tmp_path / "b", epochs=4, resume=tmp_path / "b" / "model_last.npz")
    assert trainer_b.epoch == 4
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert trainer_a.history.loss == trainer_b.history.loss
    assert trainer_a.history.val_acc == trainer_b.history.val_acc
    assert trainer_a.history.lr == trainer_b.history.lr
    for a, b in zip(trainer_a.ema.shadow, trainer_b.ema.shadow):
        assert np.array_equal(a, b)


def fake_crash(monkeypatch):
    """Make the next checkpoint write die half-way: some bytes reach the file, then an error."""
    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a checkpoint")
        raise OSError("simulated crash while writing the checkpoint")

    monkeypatch.setattr(np, "savez", broken_savez)


def test_an_interrupted_checkpoint_write_never_replaces_a_good_one(tmp_path, monkeypatch):
    model = two_layer_net(0, hidden=16)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    trainer = optim.Trainer(model, opt, TRAIN, VAL, epochs=1, checkpoint_dir=tmp_path, verbose=False)
    trainer.train()
    last = tmp_path / "model_last.npz"
    good_bytes = last.read_bytes()
    best = trainer.best_path
    assert os.path.exists(best)

    trainer.epochs = 2
    with monkeypatch.context() as patch:
        fake_crash(patch)
        with pytest.raises(OSError, match="simulated crash"):
            trainer.save_checkpoint(last)
        with pytest.raises(OSError, match="simulated crash"):
            trainer._save_best(2, 0.99)
    assert last.read_bytes() == good_bytes  # the good checkpoint is untouched
    assert trainer.best_path == best and os.path.exists(best)  # and so is the best one
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model_last.npz", os.path.basename(best)])

    fresh_model = two_layer_net(1, hidden=16)
    fresh = optim.Trainer(fresh_model, optim.Adam(fresh_model.parameters(), lr=1e-2), TRAIN, VAL, epochs=2,
                          verbose=False)
    fresh.load_checkpoint(last)  # still loads
    for a, b in zip(model.parameters(), fresh_model.parameters()):
        assert np.array_equal(a.data, b.data)


(X, Y), (XV, YV) = helpers.spiral_data(40, 20)  # 120 and 60 examples, 3 classes


def run_one_cycle(directory, epochs, resume=None):
    model = net(7, hidden=32)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    schedule = lr_scheduler.OneCycleLR(opt, max_lr=0.3, epochs=4, steps_per_epoch=3)
    trainer = optim.Trainer(model, opt, (X, Y), (XV, YV), epochs=epochs, batch_size=40, schedulers=schedule,
                            checkpoint_dir=directory, restore_best=False, verbose=False, seed=3)
    if resume is not None:
        ae.seed(12345)
        trainer.load_checkpoint(resume)
    trainer.train()
    return model, trainer, schedule


def test_resume_with_a_per_batch_scheduler_is_bit_identical(tmp_path):
    model_a, trainer_a, schedule_a = run_one_cycle(tmp_path / "a", epochs=4)
    run_one_cycle(tmp_path / "b", epochs=2)
    model_b, trainer_b, schedule_b = run_one_cycle(tmp_path / "b", epochs=4, resume=tmp_path / "b" / "model_last.npz")
    assert schedule_a.last_epoch == schedule_b.last_epoch == 12
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert trainer_a.history.loss == trainer_b.history.loss
    assert trainer_a.history.lr == trainer_b.history.lr
    assert trainer_a.optimizer.param_groups[0]["momentum"] == trainer_b.optimizer.param_groups[0]["momentum"]


SMALL_TRAIN, SMALL_VAL = (X[::2], Y[::2]), (X[1::2], Y[1::2])


# ----- no monitoring, with checkpoints ------------------------------------------------------------------


def run(directory, epochs, resume=None):
    model = small_net(3)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    trainer = optim.Trainer(model, opt, SMALL_TRAIN, SMALL_VAL, epochs=epochs, batch_size=16, monitor_samples=0,
                            schedulers=[lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)], checkpoint_dir=directory,
                            restore_best=False, verbose=False)
    if resume is not None:
        ae.seed(999)  # disturb the library's generator (dropout): the checkpoint must restore it
        trainer.load_checkpoint(resume)
    trainer.train()
    return trainer


def test_without_monitoring_checkpoints_are_written_and_resume_exactly(tmp_path):
    whole = run(tmp_path / "whole", epochs=4)
    assert whole.history.activations == [] and whole.history.update_ratio != {}
    run(tmp_path / "split", epochs=2)
    resumed = run(tmp_path / "split", epochs=4, resume=tmp_path / "split" / "model_last.npz")
    assert resumed.epoch == 4
    for (name, a), (_, b) in zip(whole.model.named_parameters(), resumed.model.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert whole.history.loss == resumed.history.loss
    assert whole.history.val_acc == resumed.history.val_acc and whole.history.lr == resumed.history.lr
    assert resumed.history.activations == [] and resumed.history.gradients == []


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
