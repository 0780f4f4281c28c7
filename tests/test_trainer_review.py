"""Trainer fixes from a review: per-batch schedulers, patience=0, a foreign optimizer, num_*_samples,
the wording without validation data, and the data forms (a list [X, y], dicts, nested lists, one-hot y)."""
import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from optim import lr_scheduler

RNG = np.random.default_rng(0)
X, Y = helpers.spiral(40, RNG)  # 120 examples, 3 classes
X = X.astype(np.float32)
XV, YV = helpers.spiral(20, RNG)
XV = XV.astype(np.float32)


def net(seed=0, hidden=16):
    ae.seed(seed)
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 3))


class RecordingSGD(optim.SGD):
    """SGD that records the learning rate and momentum each optimizer step uses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.used = []

    def step(self, closure=None):
        group = self.param_groups[0]
        self.used.append((group["lr"], group["momentum"]))
        return super().step(closure)


# ----- 1. per-batch schedulers -------------------------------------------------------------------
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


# ----- 2. patience ---------------------------------------------------------------------------------
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


# ----- 3. the optimizer must hold the model's parameters -------------------------------------------
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


# ----- 4. num_*_samples and the wording without validation data --------------------------------------
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


# ----- 5. data forms -------------------------------------------------------------------------------
def losses(train_data, val_data=None, model_seed=0, **kwargs):
    model = net(model_seed)
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.3), train_data, val_data, epochs=2,
                            batch_size=40, verbose=False, **kwargs)
    history = trainer.train()
    return history


def test_a_list_x_y_of_two_arrays_is_the_pair():
    as_tuple, as_list = losses((X, Y), (XV, YV)), losses([X, Y], [XV, YV])
    assert as_list.loss == as_tuple.loss and as_list.val_acc == as_tuple.val_acc
    tensors = losses([ae.Tensor(X), ae.Tensor(Y)])
    assert tensors.loss == losses((X, Y)).loss
    # a list of two (X, y) batches is still a list of batches
    two_batches = [(X[:60], Y[:60]), (X[60:], Y[60:])]
    assert len(losses(two_batches).loss) == 4


def test_a_dict_or_a_list_of_non_pairs_is_refused_naming_the_forms():
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"train_data is a dict \(keys \['x', 'y'\]\).*pair \(X, y\).*"
                                        r"list of \(X, y\) batches.*\(data\['x'\], data\['y'\]\)"):
        optim.Trainer(model, opt, {"x": X, "y": Y})
    with pytest.raises(TypeError, match=r"val_data is a dict"):
        optim.Trainer(model, opt, (X, Y), {"x": XV, "y": YV})
    with pytest.raises(TypeError, match=r"item 0 is a ndarray of shape \(120, 2\), not an \(X, y\) pair"):
        optim.Trainer(model, opt, [X, Y, Y])
    with pytest.raises(TypeError, match=r"item 1 is a ndarray of shape \(120,\).*pass the tuple \(X, y\)"):
        optim.Trainer(model, opt, [(X, Y), Y])


def test_x_as_nested_lists_is_converted_like_a_tensor():
    nested = losses((X.tolist(), Y.tolist()))
    assert nested.loss == losses((X, Y)).loss  # Python floats become float32, as Tensor(...) makes them
    model = net()
    with pytest.raises(ValueError, match="X of train_data is a nested list that does not make a rectangular array"):
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), ([[1.0, 2.0], [3.0]], [0, 1]))
    with pytest.raises(TypeError, match="X of train_data must be numbers"):
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), ([["a", "b"], ["c", "d"]], [0, 1]))


def test_one_hot_targets_count_accuracy_by_their_argmax():
    one_hot, one_hot_val = np.eye(3, dtype=np.float32)[Y], np.eye(3, dtype=np.float32)[YV]
    soft = losses((X, one_hot), (XV, one_hot_val), num_train_samples=None)
    hard = losses((X, Y), (XV, YV), num_train_samples=None)
    assert soft.train_acc == hard.train_acc and soft.val_acc == hard.val_acc
    assert soft.loss == pytest.approx(hard.loss, rel=1e-5)
    batches = losses([(X[:60], one_hot[:60]), (X[60:], one_hot[60:])])  # running accuracy of the epoch
    assert all(0 <= acc <= 1 for acc in batches.train_acc)
