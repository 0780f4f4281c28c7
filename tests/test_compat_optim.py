"""PyTorch compatibility of ``optim``: ``zero_grad(set_to_none)``, ``maximize``, and the
``CosineAnnealingWarmRestarts`` and ``OneCycleLR`` schedules.

Expected values come from the update rules and schedule formulas written out
below (PyTorch's documented algorithms), never from the implementation.
"""
import math

import helpers
import numpy as np
import pytest

import autograd_engine as ae
import optim
from optim import lr_scheduler

X0 = np.array([0.5, -1.5, 2.0, 0.1])
GRADS = [np.array([0.3, -0.2, 1.0, -2.0]), np.array([-0.1, 0.4, 0.5, 0.25])]
MAXIMIZING = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


def run(opt_factory, grads=GRADS):
    """Take one step per gradient in ``grads``; return the parameter after each step."""
    return helpers.optimizer_trajectory(opt_factory, X0, grads)


# ----- zero_grad(set_to_none) ---------------------------------------------------------------
def test_zero_grad_sets_to_none_by_default():
    a, b = ae.Tensor(np.ones(3), requires_grad=True), ae.Tensor(np.ones(2), requires_grad=True)
    a.grad = np.full(3, 2.0)
    opt = optim.SGD([a, b], lr=0.1)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_without_set_to_none_zeroes_in_place_and_keeps_missing_grads_none():
    a, b = ae.Tensor(np.ones(3), requires_grad=True), ae.Tensor(np.ones(2), requires_grad=True)
    grad = np.array([1.0, -2.0, 3.0])
    a.grad = grad
    opt = optim.SGD([a, b], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad  # the same array, so references held elsewhere see the zeros
    np.testing.assert_array_equal(grad, np.zeros(3))
    assert b.grad is None


def test_zero_grad_without_set_to_none_replaces_a_read_only_gradient():
    a = ae.Tensor(np.ones(3), requires_grad=True)
    grad = np.array([1.0, 2.0, 3.0])
    grad.flags.writeable = False
    a.grad = grad
    optim.SGD([a], lr=0.1).zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad, np.zeros(3))
    np.testing.assert_array_equal(grad, [1.0, 2.0, 3.0])


def test_a_zeroed_gradient_still_steps_momentum_as_in_pytorch():
    x = ae.Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([x], lr=0.5, momentum=0.9)
    x.grad = np.array([2.0])
    opt.step()  # v = -0.5 * 2 = -1; x = 0
    opt.zero_grad(set_to_none=False)
    opt.step()  # v = 0.9 * -1 - 0 = -0.9; x = -0.9 (a None gradient would have skipped the step)
    np.testing.assert_allclose(x.data, [-0.9], rtol=1e-15)


# ----- maximize: the update rules with the gradient negated first ------------------------------
def sgd_rule(lr, momentum, weight_decay, maximize):
    """PyTorch's SGD: d = (-g if maximize else g) + wd * x; b = d (first), mu * b + d; x -= lr * b."""
    x, b, out = X0.copy(), None, []
    for g in GRADS:
        d = (-g if maximize else g) + weight_decay * x
        b = d if b is None else momentum * b + d
        x = x - lr * (b if momentum else d)
        out.append(x)
    return out


def adam_rule(lr, betas, eps, weight_decay, maximize, decoupled):
    """PyTorch's Adam / AdamW with the gradient negated before the moments and the L2 term."""
    x, m, v, out = X0.copy(), np.zeros(4), np.zeros(4), []
    beta1, beta2 = betas
    for t, g in enumerate(GRADS, start=1):
        d = -g if maximize else g
        if decoupled:
            x = x * (1 - lr * weight_decay)
        else:
            d = d + weight_decay * x
        m = beta1 * m + (1 - beta1) * d
        v = beta2 * v + (1 - beta2) * d**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(x)
    return out


def rmsprop_rule(lr, alpha, eps, weight_decay, maximize):
    x, cache, out = X0.copy(), np.zeros(4), []
    for g in GRADS:
        d = (-g if maximize else g) + weight_decay * x
        cache = alpha * cache + (1 - alpha) * d**2
        x = x - lr * d / (np.sqrt(cache) + eps)
        out.append(x)
    return out


def adagrad_rule(lr, lr_decay, eps, weight_decay, maximize):
    x, cache, out = X0.copy(), np.zeros(4), []
    for t, g in enumerate(GRADS, start=1):
        d = (-g if maximize else g) + weight_decay * x
        cache = cache + d**2
        x = x - lr / (1 + (t - 1) * lr_decay) * d / (np.sqrt(cache) + eps)
        out.append(x)
    return out


CASES = [
    ("SGD", lambda p, m: optim.SGD(p, lr=0.1, maximize=m), lambda m: sgd_rule(0.1, 0.0, 0.0, m)),
    ("SGD momentum + decay", lambda p, m: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.2, maximize=m),
     lambda m: sgd_rule(0.1, 0.9, 0.2, m)),
    ("Adam + L2", lambda p, m: optim.Adam(p, lr=0.1, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.2, maximize=m),
     lambda m: adam_rule(0.1, (0.8, 0.9), 1e-8, 0.2, m, decoupled=False)),
    ("AdamW", lambda p, m: optim.AdamW(p, lr=0.1, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.2, maximize=m),
     lambda m: adam_rule(0.1, (0.8, 0.9), 1e-8, 0.2, m, decoupled=True)),
    ("RMSprop + decay", lambda p, m: optim.RMSprop(p, lr=0.01, alpha=0.9, weight_decay=0.2, maximize=m),
     lambda m: rmsprop_rule(0.01, 0.9, 1e-8, 0.2, m)),
    ("Adagrad + decay", lambda p, m: optim.Adagrad(p, lr=0.1, lr_decay=0.5, weight_decay=0.2, maximize=m),
     lambda m: adagrad_rule(0.1, 0.5, 1e-10, 0.2, m)),
]


@pytest.mark.parametrize("maximize", [True, False])
@pytest.mark.parametrize("name, make, rule", CASES, ids=[c[0] for c in CASES])
def test_maximize_follows_the_update_rule_with_the_negated_gradient(name, make, rule, maximize):
    got = run(lambda params: make(params, maximize))
    for step, (x, expected) in enumerate(zip(got, rule(maximize))):
        np.testing.assert_allclose(x, expected, rtol=1e-12, atol=1e-15, err_msg=f"{name}, step {step + 1}")


@pytest.mark.parametrize("cls", MAXIMIZING)
def test_maximize_without_weight_decay_mirrors_minimizing_the_negated_gradient(cls):
    ascended = run(lambda p: cls(p, lr=0.1, weight_decay=0.0, maximize=True))
    descended = run(lambda p: cls(p, lr=0.1, weight_decay=0.0), grads=[-g for g in GRADS])
    for a, d in zip(ascended, descended):
        np.testing.assert_array_equal(a, d)


@pytest.mark.parametrize("cls", MAXIMIZING)
def test_maximize_increases_the_objective_where_minimizing_decreases_it(cls):
    """f(x) = -sum((x - 1)^2) has its maximum at x = 1; the engine computes the gradient."""

    def trajectory_of_f(maximize):
        x = ae.Tensor(np.array([3.0, -2.0]), requires_grad=True)
        opt = cls([x], lr=0.05, maximize=maximize)
        values = []
        for _ in range(6):
            f = -((x - 1.0) ** 2).sum()
            values.append(f.item())
            opt.zero_grad()
            f.backward()
            opt.step()
        return values

    up, down = trajectory_of_f(True), trajectory_of_f(False)
    assert all(b > a for a, b in zip(up, up[1:])), up
    assert all(b < a for a, b in zip(down, down[1:])), down


@pytest.mark.parametrize("cls", MAXIMIZING)
def test_maximize_is_a_group_hyperparameter_that_survives_state_dict(cls):
    x = ae.Tensor(X0.copy(), requires_grad=True)
    opt = cls([x], lr=0.1, maximize=True)
    assert opt.defaults["maximize"] is True and opt.param_groups[0]["maximize"] is True
    assert cls([ae.Tensor(X0.copy(), requires_grad=True)], lr=0.1).param_groups[0]["maximize"] is False
    x.grad = GRADS[0].copy()
    opt.step()
    y = ae.Tensor(x.data.copy(), requires_grad=True)
    restored = cls([y], lr=0.1)  # maximize=False until the saved groups are loaded
    restored.load_state_dict(opt.state_dict())
    assert restored.param_groups[0]["maximize"] is True
    x.grad, y.grad = GRADS[1].copy(), GRADS[1].copy()
    opt.step()
    restored.step()
    np.testing.assert_array_equal(y.data, x.data)


def test_maximize_per_group_and_its_validation():
    a, b = ae.Tensor(np.zeros(1), requires_grad=True), ae.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([{"params": [a], "maximize": True}, {"params": [b]}], lr=1.0)
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    assert a.data[0] == 1.0 and b.data[0] == -1.0
    with pytest.raises(TypeError, match="maximize must be True or False, got 'yes'"):
        optim.Adam([ae.Tensor(np.zeros(1), requires_grad=True)], maximize="yes")


# ----- CosineAnnealingWarmRestarts ---------------------------------------------------------------
def make_optimizer(lr=1.0, cls=optim.SGD, **kwargs):
    return cls([ae.Tensor(np.zeros(2), requires_grad=True)], lr=lr, **kwargs)


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
