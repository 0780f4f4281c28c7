"""``optim.History``: its state dict round-trips (empty, and monitored epochs without layers or gradients),
a malformed one is refused, and plotting without matplotlib says how to install it."""
import sys

import numpy as np
import pytest

import nn
import optim

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


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    history = optim.History()
    history.loss = [1.0, 0.5]
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"autograd_engine\[plots\]"):
        history.plot(tmp_path)
