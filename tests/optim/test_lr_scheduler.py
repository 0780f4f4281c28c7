"""Schedules produce the sequences their docstrings document; ``CosineAnnealingWarmRestarts`` and
``OneCycleLR`` follow PyTorch's (the expected values come from the schedule formulas written out
below, never from the implementation)."""
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


def cosine(lr0, eta_min, t_cur, t_i):
    return eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


def test_warm_restarts_with_doubling_cycles():
    opt = make_optimizer(1.0)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.1)
    # Cycles of 3, 6, 12, 24 epochs: restarts at t = 3, 9 and 21.
    positions = [(c, 3) for c in range(3)] + [(c, 6) for c in range(6)] + [(c, 12) for c in range(12)]
    positions += [(0, 24), (1, 24), (2, 24)]
    got, seen = [], []
    for _ in positions:
        got.append(opt.param_groups[0]["lr"])
        seen.append((scheduler.T_cur, scheduler.T_i))
        scheduler.step()
    assert seen == positions
    np.testing.assert_allclose(got, [cosine(1.0, 0.1, c, i) for c, i in positions], rtol=1e-14)
    # A few values by hand: cos(pi/3) = 1/2, cos(2 pi/3) = -1/2, cos(pi/2) = 0.
    np.testing.assert_allclose([got[1], got[2], got[3], got[6], got[9]], [0.775, 0.325, 1.0, 0.55, 1.0], rtol=1e-14)
    assert min(got) > 0.1  # eta_min is approached, never reached


def test_warm_restarts_with_equal_cycles_is_periodic():
    opt = make_optimizer(0.5)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4)
    got = []
    for _ in range(12):
        got.append(opt.param_groups[0]["lr"])
        scheduler.step()
    np.testing.assert_allclose(got, [cosine(0.5, 0.0, t % 4, 4) for t in range(12)], rtol=1e-14, atol=1e-17)
    assert got[0] == got[4] == got[8] == 0.5


def test_warm_restarts_state_dict_resumes_the_cycle():
    opt = make_optimizer(1.0)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3)
    for _ in range(4):
        scheduler.step()
    saved = scheduler.state_dict()
    fresh = lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(1.0), T_0=2, T_mult=3)
    fresh.load_state_dict(saved)
    fresh.step()  # t = 5: cycle 2 runs from t = 2 for 6 epochs
    assert (fresh.T_cur, fresh.T_i) == (3, 6)
    assert fresh.get_last_lr() == [pytest.approx(cosine(1.0, 0.0, 3, 6), rel=1e-14)]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(T_0=0), ValueError, "T_0 must be a positive integer, got 0"),
    (dict(T_0=2.5), TypeError, "T_0 must be a positive integer, got 2.5"),
    (dict(T_0=3, T_mult=0), ValueError, "T_mult must be a positive integer, got 0"),
    (dict(T_0=3, T_mult=1.5), TypeError, "T_mult must be a positive integer, got 1.5"),
    (dict(T_0=3, eta_min=-1.0), ValueError, "eta_min must lie in"),
])
def test_warm_restarts_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(), **kwargs)


# ----- OneCycleLR ------------------------------------------------------------------------------------
def anneal(strategy, start, end, pct):
    if strategy == "cos":
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2
    return start + (end - start) * pct


def one_cycle_sequence(scheduler, steps):
    """The (lr, momentum) in force at steps 0 .. steps - 1."""
    opt, out = scheduler.optimizer, []
    for t in range(steps):
        group = opt.param_groups[0]
        out.append((group["lr"], group.get("momentum", group.get("betas", (None,))[0])))
        if t < steps - 1:
            scheduler.step()
    return out


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_one_cycle_two_phases(strategy):
    # max_lr 1, div_factor 10 -> initial 0.1; final_div_factor 100 -> min 0.001.
    # total_steps 10, pct_start 0.3: warm-up ends at step 0.3 * 10 - 1 = 2, annealing at step 9.
    opt = make_optimizer(0.5, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.3, anneal_strategy=strategy,
                                        div_factor=10.0, final_div_factor=100.0)
    got = one_cycle_sequence(scheduler, 11)  # step 10 (= total_steps) is still allowed
    expected = []
    for t in range(11):
        if t <= 2:
            pct = t / 2
            expected.append((anneal(strategy, 0.1, 1.0, pct), anneal(strategy, 0.95, 0.85, pct)))
        else:
            pct = (t - 2) / 7
            expected.append((anneal(strategy, 1.0, 0.001, pct), anneal(strategy, 0.85, 0.95, pct)))
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    lrs = [lr for lr, _ in got]
    assert lrs[0] == pytest.approx(0.1) and lrs[1] == pytest.approx(0.55) and lrs[2] == pytest.approx(1.0)
    assert lrs[9] == pytest.approx(0.001)
    assert opt.param_groups[0]["initial_lr"] == pytest.approx(0.1)  # PyTorch's group entries
    assert opt.param_groups[0]["max_lr"] == 1.0 and opt.param_groups[0]["min_lr"] == pytest.approx(0.001)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_one_cycle_three_phases(strategy):
    # total_steps 20, pct_start 0.25: phase ends at 5 - 1 = 4, 10 - 2 = 8, and 19.
    opt = make_optimizer(0.5, cls=optim.Adam, betas=(0.9, 0.99))
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=2.0, epochs=4, steps_per_epoch=5, pct_start=0.25,
                                        anneal_strategy=strategy, three_phase=True, base_momentum=0.8,
                                        max_momentum=0.9, div_factor=20.0, final_div_factor=1000.0)
    initial, peak, low = 0.1, 2.0, 1e-4
    got = one_cycle_sequence(scheduler, 21)
    expected = []
    for t in range(21):
        if t <= 4:
            pct = t / 4
            expected.append((anneal(strategy, initial, peak, pct), anneal(strategy, 0.9, 0.8, pct)))
        elif t <= 8:
            pct = (t - 4) / 4
            expected.append((anneal(strategy, peak, initial, pct), anneal(strategy, 0.8, 0.9, pct)))
        else:
            pct = (t - 8) / 11
            expected.append((anneal(strategy, initial, low, pct), 0.9))
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    lrs = [lr for lr, _ in got]
    assert lrs[4] == pytest.approx(2.0) and lrs[8] == pytest.approx(0.1) and lrs[19] == pytest.approx(1e-4)
    assert opt.param_groups[0]["betas"][1] == 0.99  # beta2 is left alone


def test_one_cycle_without_momentum_cycling_schedules_the_rate_alone():
    opt = make_optimizer(0.5, cls=optim.Adagrad)
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer with momentum or betas.*Adagrad"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=4)
    sgd = make_optimizer(0.5, momentum=0.7)
    lr_scheduler.OneCycleLR(sgd, max_lr=1.0, total_steps=4, cycle_momentum=False).step()
    assert sgd.param_groups[0]["momentum"] == 0.7


def test_one_cycle_max_lr_per_group():
    params = [ae.Tensor(np.zeros(1), requires_grad=True) for _ in range(2)]
    opt = optim.SGD([{"params": [params[0]]}, {"params": [params[1]]}], lr=0.5)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 3.0], total_steps=10, cycle_momentum=False)
    np.testing.assert_allclose(scheduler.get_last_lr(), [1.0 / 25, 3.0 / 25], rtol=1e-15)
    with pytest.raises(ValueError, match="max_lr has 3 values for 2 parameter groups"):
        lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 2.0, 3.0], total_steps=10)


def test_one_cycle_stepping_past_total_steps_raises_and_changes_nothing():
    opt = make_optimizer(0.5, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    for _ in range(5):
        scheduler.step()
    lr, momentum = opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]
    with pytest.raises(ValueError, match="tried to step 6 times, but the schedule has total_steps=5"):
        scheduler.step()
    assert scheduler.last_epoch == 5
    assert (opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]) == (lr, momentum)


def test_one_cycle_state_dict_resumes():
    def make():
        return lr_scheduler.OneCycleLR(make_optimizer(0.5, momentum=0.9), max_lr=1.0, total_steps=12)

    reference, resumed = make(), make()
    for _ in range(5):
        reference.step()
    resumed.load_state_dict(reference.state_dict())
    reference.step()
    resumed.step()
    assert resumed.get_last_lr() == reference.get_last_lr()


@pytest.mark.parametrize("kwargs, message", [
    (dict(), "either total_steps or both epochs and steps_per_epoch"),
    (dict(epochs=3), "either total_steps or both epochs and steps_per_epoch"),
    (dict(total_steps=0), "total_steps must be a positive integer, got 0"),
    (dict(epochs=2, steps_per_epoch=0), "steps_per_epoch must be a positive integer, got 0"),
    (dict(total_steps=10, pct_start=1.5), r"pct_start must lie in \[0.0, 1.0\], got 1.5"),
    (dict(total_steps=10, anneal_strategy="exp"), "anneal_strategy must be 'cos' or 'linear', got 'exp'"),
    (dict(total_steps=10, three_phase=True, pct_start=0.6), "pct_start must be at most 0.5, got 0.6"),
    (dict(total_steps=10, div_factor=0.0), "div_factor divides the learning rate, so it must be positive"),
    (dict(total_steps=10, final_div_factor=-1.0), "final_div_factor must lie in"),
])
def test_one_cycle_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lr_scheduler.OneCycleLR(make_optimizer(momentum=0.9), max_lr=1.0, **kwargs)
