"""Schedules produce the sequences their docstrings document; the parameter EMA averages as documented."""
import math

import numpy as np
import pytest

import autograd_engine as ae
import optim
from optim import lr_scheduler


def make_optimizer(lr=1.0, cls=optim.SGD, **kwargs):
    return cls([ae.Tensor(np.zeros(2), requires_grad=True)], lr=lr, **kwargs)


def lr_sequence(scheduler, epochs):
    """The lr in force during epochs 0 .. epochs-1 (scheduler.step() after each epoch)."""
    out = []
    for _ in range(epochs):
        out.append(scheduler.optimizer.param_groups[0]["lr"])
        scheduler.step()
    return out


def test_step_lr():
    opt = make_optimizer(1.0)
    assert lr_sequence(lr_scheduler.StepLR(opt, step_size=2, gamma=0.5), 7) == [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]


def test_multi_step_lr():
    opt = make_optimizer(1.0)
    got = lr_sequence(lr_scheduler.MultiStepLR(opt, milestones=[3, 1], gamma=0.1), 5)
    np.testing.assert_allclose(got, [1, 0.1, 0.1, 0.01, 0.01])


def test_exponential_lr_is_the_notes_exponential_decay():
    opt = make_optimizer(0.1)
    k = 0.3
    got = lr_sequence(lr_scheduler.ExponentialLR(opt, gamma=math.exp(-k)), 6)
    np.testing.assert_allclose(got, [0.1 * math.exp(-k * t) for t in range(6)], rtol=1e-14)


def test_inverse_time_lr_is_the_notes_one_over_t_decay():
    opt = make_optimizer(1.0)
    got = lr_sequence(lr_scheduler.InverseTimeLR(opt, k=0.5), 5)
    np.testing.assert_allclose(got, [1, 1 / 1.5, 1 / 2, 1 / 2.5, 1 / 3], rtol=1e-15)


def test_cosine_annealing():
    opt = make_optimizer(1.0)
    got = lr_sequence(lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.1), 5)
    half_gap = 0.45  # (lr0 - eta_min) / 2
    expected = [1.0, 0.1 + half_gap * (1 + math.sqrt(0.5)), 0.55, 0.1 + half_gap * (1 - math.sqrt(0.5)), 0.1]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_linear_warm_up_then_cosine():
    opt = make_optimizer(0.8)
    warm = lr_scheduler.LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=3)
    cosine = lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    got = lr_sequence(lr_scheduler.SequentialLR(opt, [warm, cosine], milestones=[3]), 7)
    np.testing.assert_allclose(got, [0.2, 0.4, 0.6, 0.8, 0.4, 0.0, 0.4], atol=1e-15)


def test_linear_lr_alone_holds_its_end_factor():
    got = lr_sequence(lr_scheduler.LinearLR(make_optimizer(1.0), start_factor=0.5, total_iters=2), 4)
    np.testing.assert_allclose(got, [0.5, 0.75, 1.0, 1.0])


def test_lambda_lr_per_group():
    a, b = (ae.Tensor(np.zeros(1), requires_grad=True) for _ in range(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 2.0}], lr=1.0)
    scheduler = lr_scheduler.LambdaLR(opt, [lambda t: 1 / (t + 1), lambda t: 0.5**t])
    scheduler.step()
    scheduler.step()
    assert scheduler.get_last_lr() == [1 / 3, 0.5]
    assert [g["lr"] for g in opt.param_groups] == [1 / 3, 0.5]


def test_groups_keep_their_own_base_rate():
    a, b = (ae.Tensor(np.zeros(1), requires_grad=True) for _ in range(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    scheduler.step()
    assert scheduler.get_last_lr() == [0.5, 0.05]


def test_the_optimizer_uses_the_scheduled_rate():
    x = ae.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([x], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
    for _ in range(3):
        x.grad = np.ones(1)
        opt.step()
        scheduler.step()
    np.testing.assert_allclose(x.data, [-(1 + 0.1 + 0.01)])


def test_reduce_on_plateau_halves_when_validation_accuracy_stalls():
    opt = make_optimizer(1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1, threshold=0.0)
    accuracies = [0.50, 0.60, 0.60, 0.60, 0.70, 0.65, 0.69, 0.71, 0.71, 0.71, 0.71]
    lrs = []
    for accuracy in accuracies:
        scheduler.step(accuracy)
        lrs.append(opt.param_groups[0]["lr"])
    # bad epochs: 0.60 (1), 0.60 (2 > patience: halve, reset), 0.70 best, 0.65 (1), 0.69 (2: halve), 0.71 best,
    # 0.71 (1), 0.71 (2: halve), 0.71 (1)
    assert lrs == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]
    assert scheduler.best == 0.71


def test_reduce_on_plateau_min_mode_cooldown_and_floor():
    opt = make_optimizer(1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.1, patience=0, cooldown=1, min_lr=0.005)
    lrs = []
    for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        scheduler.step(loss)
        lrs.append(opt.param_groups[0]["lr"])
    # epoch 2: bad -> 0.1, cooldown 1 swallows epoch 3; epoch 4 -> 0.01; epoch 5 cooldown; epoch 6 -> floor 0.005
    np.testing.assert_allclose(lrs, [1.0, 0.1, 0.1, 0.01, 0.01, 0.005])


def test_reduce_on_plateau_relative_threshold():
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(), mode="min", threshold=0.1)
    assert scheduler.is_better(0.89, 1.0) and not scheduler.is_better(0.91, 1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(), mode="max", threshold=0.01, threshold_mode="abs")
    assert scheduler.is_better(0.52, 0.5) and not scheduler.is_better(0.505, 0.5)


def test_momentum_schedule_for_sgd_and_adam():
    opt = make_optimizer(0.1, momentum=0.9)
    schedule = lr_scheduler.MomentumSchedule(opt, start=0.5, end=0.99, total_iters=7)
    seen = []
    for _ in range(9):
        seen.append(opt.param_groups[0]["momentum"])
        schedule.step()
    np.testing.assert_allclose(seen, [0.5, 0.57, 0.64, 0.71, 0.78, 0.85, 0.92, 0.99, 0.99], rtol=1e-14)

    adam = make_optimizer(0.1, cls=optim.Adam, betas=(0.9, 0.95))
    schedule = lr_scheduler.MomentumSchedule(adam, start=0.5, end=0.9, total_iters=2)
    schedule.step()
    assert adam.param_groups[0]["betas"] == pytest.approx((0.7, 0.95))


def test_momentum_schedule_starting_from_zero_momentum_creates_velocity():
    x = ae.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([x], lr=1.0)
    lr_scheduler.MomentumSchedule(opt, start=0.5, end=0.9, total_iters=4)
    for _ in range(2):
        x.grad = np.ones(1)
        opt.step()
    np.testing.assert_allclose(x.data, [-1 - 1.5])  # v1 = -1, v2 = 0.5 * -1 - 1


def test_scheduler_state_dict_round_trip():
    opt = make_optimizer(1.0)
    warm = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    scheduler = lr_scheduler.SequentialLR(opt, [warm, lr_scheduler.ExponentialLR(opt, gamma=0.5)], milestones=[2])
    for _ in range(3):
        scheduler.step()
    saved = scheduler.state_dict()
    expected_next = lr_sequence(scheduler, 3)

    opt2 = make_optimizer(1.0)
    warm2 = lr_scheduler.LinearLR(opt2, start_factor=0.5, total_iters=2)
    scheduler2 = lr_scheduler.SequentialLR(opt2, [warm2, lr_scheduler.ExponentialLR(opt2, gamma=0.5)], milestones=[2])
    scheduler2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == expected_next[0]
    # epochs 0, 1 warm up (0.5, 0.75); from epoch 2 exponential from its own t = 0: 1, 0.5, 0.25, ...
    assert lr_sequence(scheduler2, 3) == expected_next == [0.5, 0.25, 0.125]


@pytest.mark.parametrize("make, message", [
    (lambda o: lr_scheduler.StepLR(o, step_size=0), "step_size must be a positive integer, got 0"),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=-1.0), "gamma"),
    (lambda o: lr_scheduler.InverseTimeLR(o, k=-0.1), "k must lie in"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), "T_max"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="maximum"), "mode must be 'min' (a loss) or 'max'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), "factor must lie in [0.0, 1.0)"),
    (lambda o: lr_scheduler.MomentumSchedule(o, end=1.0), "end must lie in [0.0, 1.0)"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 1)], milestones=[2]), "need 0 milestones"),
])
def test_bad_schedule_arguments(make, message):
    with pytest.raises(ValueError) as info:
        make(make_optimizer())
    assert message in str(info.value)


def test_momentum_schedule_needs_momentum():
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        lr_scheduler.MomentumSchedule(make_optimizer(cls=optim.Adagrad))


# ----- parameter EMA --------------------------------------------------------------
def test_ema_update_and_evaluation_swap():
    p = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    ema = optim.ExponentialMovingAverage([p], decay=0.9, use_num_updates=False)
    values = [np.array([3.0, 0.0]), np.array([5.0, -2.0])]
    shadow = np.array([1.0, 2.0])
    for v in values:
        p.data[...] = v
        ema.update()
        shadow = 0.9 * shadow + 0.1 * v
    np.testing.assert_allclose(ema.shadow[0], shadow, rtol=1e-15)
    with ema.average_parameters():
        np.testing.assert_allclose(p.data, shadow, rtol=1e-15)
    np.testing.assert_array_equal(p.data, [5.0, -2.0])


def test_ema_warm_up_decay_and_state_dict():
    p = ae.Tensor(np.zeros(3, np.float32), requires_grad=True)
    ema = optim.ExponentialMovingAverage([p], decay=0.99)
    assert ema.current_decay() == pytest.approx(2 / 11)  # min(0.99, (1 + n) / (10 + n)) with n = 1
    p.data[...] = 1.0
    ema.update()
    np.testing.assert_allclose(ema.shadow[0], 1 - 2 / 11, rtol=1e-6)
    assert ema.shadow[0].dtype == np.float32
    saved = ema.state_dict()
    other = optim.ExponentialMovingAverage([p], decay=0.5)
    other.load_state_dict(saved)
    assert other.num_updates == 1 and other.decay == 0.99
    np.testing.assert_array_equal(other.shadow[0], ema.shadow[0])
    with pytest.raises(RuntimeError, match="call store"):
        other.restore()
