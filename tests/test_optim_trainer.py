"""Trainer: trains the notes' spiral net, records every monitored series, checkpoints safely, resumes exactly."""
import os
import sys

import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from optim import lr_scheduler


def spiral(n_per_class, rng, classes=3):
    """The notes' spiral data set (helpers.spiral) in float32, labels int64."""
    X, y = helpers.spiral(n_per_class, rng, classes)
    return X.astype(np.float32), y


RNG = np.random.default_rng(0)
TRAIN = spiral(100, RNG)
VAL = spiral(100, RNG)


def two_layer_net(seed, hidden=100, dropout=0.0):
    ae.seed(seed)
    layers = [nn.Linear(2, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, 3))


def test_trainer_trains_the_spiral_net_and_records_every_series(tmp_path):
    model = two_layer_net(0)
    opt = optim.Adam(model.parameters(), lr=2e-2)
    epochs, batch_size = 100, 50
    trainer = optim.Trainer(
        model, opt, TRAIN, VAL, epochs=epochs, batch_size=batch_size,
        schedulers=[lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)],
        ema=optim.ExponentialMovingAverage(model.parameters(), decay=0.99),
        checkpoint_dir=tmp_path / "ckpt", ratio_every=5, monitor_samples=128, verbose=False,
    )
    history = trainer.train()

    train_acc, _ = trainer.evaluate(TRAIN)  # the restored best weights, on the whole training set
    assert train_acc >= 0.97
    assert trainer.best_val_acc >= 0.95 and trainer.best_val_acc == max(history.val_acc)

    iterations = epochs * (300 // batch_size)
    assert len(history.loss) == iterations and trainer.iteration == iterations
    assert history.loss[-1] < 0.5 * history.loss[0]
    for series in (history.train_acc, history.val_acc, history.val_acc_ema, history.val_loss, history.lr,
                   history.samples_per_second, history.activations, history.gradients):
        assert len(series) == epochs
    np.testing.assert_allclose(history.lr[:3], [2e-2 * (1 + np.cos(np.pi * t / epochs)) / 2 for t in range(3)])
    assert history.ratio_iterations == list(range(0, iterations, 5))
    assert set(history.update_ratio) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    for ratios in history.update_ratio.values():
        assert len(ratios) == len(history.ratio_iterations) and all(0 < r < 1 for r in ratios)
    assert set(history.activations[-1]) == set(history.gradients[-1]) == {"0", "1", "2"}
    assert history.activations[-1]["1"]["counts"].sum() == 128 * 100  # relu output of the monitor batch
    assert set(history.dead_relu) == {"1"} and len(history.dead_relu["1"]) == epochs
    assert all(0 <= f <= 1 for f in history.dead_relu["1"])

    files = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    best_name = f"model_best_epoch{trainer.best_epoch:03d}_val{trainer.best_val_acc:.4f}.npz"
    assert files == sorted([best_name, "model_last.npz"])  # older best files were removed

    written = history.plot(tmp_path / "plots")
    names = {p.name for p in written}
    assert names == {"loss.png", "accuracy.png", "update_ratios.png", "activations.png", "gradients.png",
                     "dead_relu.png"}
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_update_ratio_is_the_step_norm_over_the_weight_norm():
    model = two_layer_net(0, hidden=8)
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = {name: p.data.copy() for name, p in model.named_parameters()}
    batch = (TRAIN[0][:20], TRAIN[1][:20])
    trainer = optim.Trainer(model, opt, [batch], epochs=1, ratio_every=1, monitor_samples=0, verbose=False,
                            restore_best=False)
    trainer.train()
    for name, p in model.named_parameters():
        expected = 0.1 * np.linalg.norm(p.grad) / np.linalg.norm(before[name])
        assert trainer.history.update_ratio[name] == [pytest.approx(expected, rel=1e-5)]


def test_dead_relu_fraction_and_layer_histograms():
    model = two_layer_net(0, hidden=10)
    model[0].bias.data[:4] = -100.0  # four of ten hidden units can never fire on inputs in [-1, 1]
    model[0].weight.data[:4] = 0.1
    opt = optim.SGD(model.parameters(), lr=0.0)
    trainer = optim.Trainer(model, opt, TRAIN, epochs=1, monitor_samples=64, verbose=False)
    history = trainer.train()
    assert history.dead_relu["1"] == [pytest.approx(0.4)]

    inputs = TRAIN[0][:64]
    hidden = inputs @ model[0].weight.data.T + model[0].bias.data
    first = history.activations[0]["0"]
    assert first["counts"].sum() == 64 * 10
    assert first["mean"] == pytest.approx(float(hidden.mean()), rel=1e-5)
    assert first["edges"][0] == pytest.approx(float(hidden.min()))
    # d(mean cross-entropy)/d(scores) = (softmax - one_hot) / N: each row sums to zero, so the mean is 0
    scores_grad = history.gradients[0]["2"]
    assert scores_grad["counts"].sum() == 64 * 3 and abs(scores_grad["mean"]) < 1e-9
    assert all(p.grad is not None for p in model.parameters())  # the monitoring pass restored the grads


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


def test_early_stopping_and_reduce_on_plateau():
    model = two_layer_net(0, hidden=8)
    opt = optim.SGD(model.parameters(), lr=1e-12)  # nothing is learned: validation accuracy stalls
    plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0, eps=0.0)
    trainer = optim.Trainer(model, opt, TRAIN, VAL, epochs=10, schedulers=plateau, patience=3, verbose=False)
    history = trainer.train()
    assert trainer.stopped_early and trainer.epoch == 4 and len(history.val_acc) == 4
    assert history.lr == [1e-12, 1e-12, 0.5e-12, 0.25e-12]  # halved after each epoch without improvement


def test_batches_as_a_list_a_function_and_lbfgs():
    X, y = TRAIN
    batches = [(X[i:i + 100], y[i:i + 100]) for i in range(0, 300, 100)]
    model = two_layer_net(0, hidden=16)
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.5, momentum=0.9), batches,
                            lambda: iter(batches), epochs=3, verbose=False)
    history = trainer.train()
    assert len(history.loss) == 9 and len(history.val_acc) == 3

    model = two_layer_net(0, hidden=16)
    lbfgs = optim.LBFGS(model.parameters(), max_iter=20, line_search_fn="strong_wolfe")
    trainer = optim.Trainer(model, lbfgs, [TRAIN], epochs=3, verbose=False, ratio_every=1)
    history = trainer.train()
    assert history.loss[-1] < 0.5 * history.loss[0]  # loss at the start of each full-batch LBFGS step
    assert len(history.ratio_iterations) == 3

    with pytest.raises(TypeError, match="one-shot iterator"):
        optim.Trainer(model, lbfgs, iter(batches))
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        optim.Trainer(model, lbfgs, batches, epochs=0)


def test_progress_bar_and_plain_prints_without_tqdm(capsys, monkeypatch):
    model = two_layer_net(0, hidden=8)
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, VAL, epochs=1, batch_size=100)
    trainer.train()
    out, err = capsys.readouterr()
    assert "epoch 1/1: loss" in out and "val acc" in out
    assert "epoch 1/1" in err and "0/3" in err and "batch/s" in err  # tqdm's bar on stderr (3 batches)

    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), TRAIN, VAL, epochs=1, batch_size=100,
                            print_every=1)
    trainer.train()
    out, err = capsys.readouterr()
    assert "iteration 3 (epoch 1): loss" in out and "samples/s" in out
    assert err == ""


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    history = optim.History()
    history.loss = [1.0, 0.5]
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"autograd_engine\[plots\]"):
        history.plot(tmp_path)


def test_a_diverging_run_stops_with_a_message_about_the_learning_rate():
    model = two_layer_net(0, hidden=10)
    opt = optim.SGD(model.parameters(), lr=1e30)
    trainer = optim.Trainer(model, opt, TRAIN, epochs=3, monitor_samples=0, verbose=False)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"diverged -- lower the learning rate \(now 1e\+30\)"):
        trainer.train()
