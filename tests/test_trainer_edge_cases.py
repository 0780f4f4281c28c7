"""Trainer and History at the edges: empty data sets are refused up front, and a run without
monitoring (monitor_samples=0) checkpoints and resumes exactly; History's state dict holds empty fields."""
import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from optim import lr_scheduler

RNG = np.random.default_rng(0)
X, Y = (part.astype(np.float32) if part.dtype.kind == "f" else part for part in helpers.spiral(40, RNG))
TRAIN, VAL = (X[::2], Y[::2]), (X[1::2], Y[1::2])


def small_net(seed=0):
    ae.seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))


def make_trainer(train=TRAIN, val=VAL, seed=0, **options):
    model = small_net(seed)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    options.setdefault("verbose", False)
    return optim.Trainer(model, opt, train, val, batch_size=16, **options)


# ----- empty data sets ---------------------------------------------------------------------------------


def test_an_empty_training_set_is_refused_up_front():
    with pytest.raises(ValueError, match=r"Trainer: train_data is empty \(0 examples\); give at least one example"):
        make_trainer(train=(X[:0], Y[:0]))
    with pytest.raises(ValueError, match=r"Trainer: train_data is an empty list of batches"):
        make_trainer(train=[])


def test_an_empty_validation_set_is_refused_up_front():
    with pytest.raises(ValueError, match=r"Trainer: val_data is empty \(0 examples\); .* or leave it out \(None\)"):
        make_trainer(val=(X[:0], Y[:0]))
    with pytest.raises(ValueError, match=r"Trainer: val_data is an empty list of batches"):
        make_trainer(val=[])


def test_a_function_of_batches_that_gives_nothing_is_refused_at_the_first_epoch():
    trainer = make_trainer(train=lambda: iter(()), val=None, epochs=2)
    with pytest.raises(ValueError, match=r"Trainer: train_data gave no examples in epoch 1"):
        trainer.train()
    assert trainer.history.loss == [] and trainer.epoch == 0


def test_a_validation_function_that_gives_nothing_is_refused():
    trainer = make_trainer(val=lambda: iter(()), epochs=1)
    with pytest.raises(ValueError, match=r"Trainer\.evaluate: the data gave no examples"):
        trainer.train()


# ----- no monitoring, with checkpoints ------------------------------------------------------------------


def run(directory, epochs, resume=None):
    model = small_net(3)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    trainer = optim.Trainer(model, opt, TRAIN, VAL, epochs=epochs, batch_size=16, monitor_samples=0,
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


# ----- History's state dict -----------------------------------------------------------------------------


def round_trip(history, tmp_path):
    nn.save(history.state_dict(), tmp_path / "history.npz")
    restored = optim.History()
    restored.load_state_dict(nn.load(tmp_path / "history.npz"))
    return restored


def fields(history):
    return {name: value for name, value in vars(history).items() if name not in ("activations", "gradients")}


def test_an_empty_history_round_trips(tmp_path):
    restored = round_trip(optim.History(), tmp_path)
    assert vars(restored) == vars(optim.History())


def test_monitored_epochs_without_layers_or_gradients_round_trip(tmp_path):
    history = optim.History()
    history.record_layers(1, {}, {}, {})  # a model with no leaf module outputs recorded
    history.record_layers(2, {"fc": np.arange(6.0)}, {}, {})  # outputs that received no gradient
    history.record_ratios(0, {})
    restored = round_trip(history, tmp_path)
    assert fields(restored) == fields(history)
    assert restored.activations[0] == {} and restored.gradients == [{}, {}]
    expected = history.activations[1]["fc"]
    got = restored.activations[1]["fc"]
    assert np.array_equal(got["counts"], expected["counts"]) and np.array_equal(got["edges"], expected["edges"])
    assert got["mean"] == expected["mean"] and got["std"] == expected["std"]


def test_a_malformed_history_is_a_checkpoint_error_and_changes_nothing():
    history = optim.History()
    history.loss = [1.0, 0.5]
    saved = history.state_dict()
    for damage in (lambda s: s.pop("val_acc"), lambda s: s.update(loss="abc"),
                   lambda s: s["activations"].update(epochs=0, index=np.array([3]), names=["fc"])):
        damaged = {**saved, "activations": dict(saved["activations"])}
        damage(damaged)
        target = optim.History()
        target.loss = [9.0]
        with pytest.raises(nn.CheckpointError, match="History.load_state_dict: not a valid training history"):
            target.load_state_dict(damaged)
        assert target.loss == [9.0] and target.val_acc == []


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"patience": -1}, ValueError, r"Trainer: patience \(or None: never stop early\) must be a non-negative integer, got -1$"),
        ({"patience": 2.5}, TypeError, r"patience .* got 2\.5 \(float\)"),
        ({"monitor_samples": -1}, ValueError, r"monitor_samples \(0: no monitoring\) must be a non-negative integer, got -1"),
        ({"monitor_samples": 1.5}, TypeError, r"monitor_samples .* got 1\.5 \(float\)"),
        ({"ratio_every": -2}, ValueError, r"ratio_every \(0: never\) must be a non-negative integer, got -2"),
        ({"epochs": 0}, ValueError, r"epochs must be a positive integer, got 0"),
        ({"batch_size": "64"}, TypeError, r"batch_size must be a positive integer, got '64' \(str\)"),
        ({"restore_best": "yes"}, TypeError, r"restore_best must be True or False, got 'yes'"),
        ({"verbose": 1}, TypeError, r"verbose must be True or False"),
        ({"loss_fn": 3}, TypeError, r"loss_fn must be a function \(loss_fn\(scores, labels\)"),
    ],
)
def test_trainer_arguments_are_checked_by_name(kwargs, error, message):
    model = nn.Linear(3, 2)
    X, y = np.zeros((4, 3), np.float32), np.array([0, 1, 0, 1])
    with pytest.raises(error, match=message):
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), (X, y), **kwargs)
