"""The Trainer's loop: it trains the notes' spiral net and records every series; early stopping
(patience) and plateau schedules, per-batch schedulers (OneCycleLR) stepped after every batch,
batches as a list, a function and for LBFGS, the optimizer's parameters, progress and messages, a
diverging run; its arguments are checked by name."""
import sys

import helpers
import numpy as np
import pytest
from helpers import net, two_layer_net

import nn
import optim
from optim import lr_scheduler

TRAIN, VAL = helpers.spiral_data(100, 100)


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


def test_a_diverging_run_stops_with_a_message_about_the_learning_rate():
    model = two_layer_net(0, hidden=10)
    opt = optim.SGD(model.parameters(), lr=1e30)
    trainer = optim.Trainer(model, opt, TRAIN, epochs=3, monitor_samples=0, verbose=False)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"diverged -- lower the learning rate \(now 1e\+30\)"):
        trainer.train()


(X, Y), (XV, YV) = helpers.spiral_data(40, 20)  # 120 and 60 examples, 3 classes


class RecordingSGD(optim.SGD):
    """SGD that records the learning rate and momentum each optimizer step uses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.used = []

    def step(self, closure=None):
        group = self.param_groups[0]
        self.used.append((group["lr"], group["momentum"]))
        return super().step(closure)


# ----- per-batch schedulers -------------------------------------------------------------------
def one_cycle_reference(steps):
    """The learning rate before each of ``steps`` optimizer steps, stepping OneCycleLR by hand after each."""
    opt = optim.SGD(net().parameters(), lr=0.1)
    schedule = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=steps, cycle_momentum=False)
    used = []
    for _ in range(steps):
        used.append(opt.param_groups[0]["lr"])
        schedule.step()
    return used


def test_one_cycle_is_stepped_after_every_batch_and_other_schedulers_per_epoch():
    assert lr_scheduler.OneCycleLR.per_batch and not lr_scheduler.LRScheduler.per_batch
    model = net()
    opt = RecordingSGD(model.parameters(), lr=0.1, momentum=0.5)
    one_cycle = lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=4, steps_per_epoch=3, cycle_momentum=False)
    momentum = lr_scheduler.MomentumSchedule(opt, 0.5, 0.9, 4)  # a per-epoch schedule alongside
    trainer = optim.Trainer(model, opt, (X, Y), epochs=4, batch_size=40, schedulers=[one_cycle, momentum],
                            verbose=False)
    trainer.train()
    assert one_cycle.last_epoch == 12 and momentum.last_epoch == 4
    assert [lr for lr, _ in opt.used] == pytest.approx(one_cycle_reference(12), rel=1e-12)
    assert opt.used[0][0] == pytest.approx(0.5 / 25)  # warm-up starts at max_lr / div_factor
    assert max(lr for lr, _ in opt.used) > 0.45  # and reaches the peak within the run
    assert [mu for _, mu in opt.used] == pytest.approx([0.5 + 0.1 * epoch for epoch in range(4) for _ in range(3)])


def test_a_one_cycle_schedule_too_short_for_the_run():
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    # 120 examples in batches of 50 are 3 batches per epoch, not 120 // 50 = 2
    short = lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=4, steps_per_epoch=2)
    with pytest.raises(ValueError, match=r"total_steps=8 .*4 epochs x 3 batches = 12 steps.*steps_per_epoch=3"):
        optim.Trainer(model, opt, (X, Y), epochs=4, batch_size=50, schedulers=short, verbose=False)

    # With a function of batches the count is unknown: the scheduler's own error comes through unchanged.
    batches = [(X[i:i + 50], Y[i:i + 50]) for i in range(0, 120, 50)]
    short = lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=4, steps_per_epoch=2)
    trainer = optim.Trainer(model, opt, lambda: iter(batches), epochs=4, schedulers=short, verbose=False)
    with pytest.raises(ValueError, match=r"^OneCycleLR: tried to step 9 times, but the schedule has total_steps=8"):
        trainer.train()


# ----- patience ---------------------------------------------------------------------------------
def scripted_trainer(val_accs, patience, epochs=10):
    """A trainer whose validation accuracy per epoch is ``val_accs`` (the stopping rule in isolation)."""
    model = net()
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.01), (X, Y), (XV, YV), epochs=epochs,
                            patience=patience, monitor_samples=0, verbose=False)
    script = iter(val_accs)
    real_evaluate = trainer.evaluate

    def evaluate(data, num_samples=None):
        return (next(script), 1.0) if data is trainer.val_data else real_evaluate(data, num_samples)

    trainer.evaluate = evaluate
    return trainer


@pytest.mark.parametrize(("val_accs", "patience", "stopped_at"), [
    ([0.5, 0.6, 0.7, 0.7, 0.8], 0, 4),       # patience 0: the first epoch without improvement
    ([0.5, 0.6, 0.6, 0.7, 0.7, 0.7, 0.9], 2, 6),  # two bad epochs in a row
    ([0.5, 0.4, 0.6, 0.5, 0.7, 0.6, 0.8], 2, None),  # never two in a row: runs all 7 epochs
])
def test_patience_counts_the_epochs_without_improvement_tolerated(val_accs, patience, stopped_at):
    trainer = scripted_trainer(val_accs, patience, epochs=len(val_accs))
    trainer.train()
    assert trainer.stopped_early == (stopped_at is not None)
    assert trainer.epoch == (stopped_at or len(val_accs))


def test_patience_zero_never_stops_after_an_improving_epoch():
    trainer = scripted_trainer([0.5, 0.6, 0.7], patience=0, epochs=3)
    trainer.train()
    assert not trainer.stopped_early and trainer.epoch == 3


@pytest.mark.parametrize("patience, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_a_bad_patience_is_refused(patience, error):
    model = net()
    with pytest.raises(error, match="patience .* non-negative integer"):
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), (X, Y), patience=patience)


# ----- the optimizer must hold the model's parameters -------------------------------------------
def test_an_optimizer_of_another_model_is_refused_but_a_subset_is_fine():
    model, other = net(0), net(1)
    with pytest.raises(ValueError, match=r"none of the optimizer's 4 parameters belong to the model"):
        optim.Trainer(model, optim.SGD(other.parameters(), lr=0.1), (X, Y))

    first_layer = model[0].weight.data.copy()
    trainer = optim.Trainer(model, optim.SGD(model[2].parameters(), lr=0.5), (X, Y), epochs=1, verbose=False)
    last_layer = model[2].weight.data.copy()
    trainer.train()
    assert np.array_equal(model[0].weight.data, first_layer)  # frozen: not in the optimizer
    assert not np.array_equal(model[2].weight.data, last_layer)


# ----- num_*_samples and the wording without validation data --------------------------------------
@pytest.mark.parametrize("name", ["num_train_samples", "num_val_samples"])
@pytest.mark.parametrize("value", [0, -5])
def test_non_positive_sample_counts_are_refused(name, value):
    model = net()
    with pytest.raises(ValueError, match=f"{name} is how many examples .* positive integer.*got {value}"):
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), (X, Y), (XV, YV), **{name: value})


def test_evaluate_refuses_zero_samples():
    model = net()
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), (X, Y), verbose=False)
    with pytest.raises(ValueError, match="num_samples .* positive integer"):
        trainer.evaluate((X, Y), 0)


def test_the_messages_name_what_was_monitored(capsys):
    model = net()
    optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), (X, Y), epochs=2, patience=0,
                  progress=False).train()
    out = capsys.readouterr().out
    assert "restored the best weights: epoch" in out and "training accuracy" in out
    assert "validation accuracy" not in out

    trainer = scripted_trainer([0.5, 0.4], patience=0, epochs=2)
    trainer.verbose = True
    trainer.progress = False
    trainer.train()
    out = capsys.readouterr().out
    assert "early stopping: no better validation accuracy for 1 epoch (patience 0)" in out
    assert "restored the best weights: epoch 1, validation accuracy 0.5000" in out


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
