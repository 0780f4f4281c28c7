"""Every learning-rate (and momentum) schedule against two independent references: its formula
written out by hand below, and ``torch.optim.lr_scheduler`` (skipped when PyTorch is not
installed; ``InverseTimeLR`` and ``MomentumSchedule`` have no PyTorch counterpart).

Each schedule runs for several of its periods on an optimizer with two parameter groups
of different base rates; the rate of every group is compared after construction (epoch 0)
and after every ``step()``.  The last tests run optimizers under schedules, where the
optimizer must read the rate (and momentum) the schedule set at each step.
"""
import math

import numpy as np
import pytest

import autograd_engine as ae
import optim
from optim import lr_scheduler

BASE_LRS = [0.1, 0.03]
TOLERANCE = dict(rtol=1e-12, atol=1e-15)


def engine_optimizer(cls=optim.SGD, **kwargs):
    groups = [{"params": [ae.Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in BASE_LRS]
    return cls(groups, **kwargs)


def torch_optimizer(torch, cls_name="SGD", **kwargs):
    groups = [{"params": [torch.zeros(2, dtype=torch.float64, requires_grad=True)], "lr": lr} for lr in BASE_LRS]
    return getattr(torch.optim, cls_name)(groups, **kwargs)


def engine_rates(build, epochs, **optimizer_kwargs):
    """``[lr of each group]`` at epochs 0..epochs of ``build(optim.lr_scheduler, optimizer)``."""
    opt = engine_optimizer(**optimizer_kwargs)
    scheduler = build(lr_scheduler, opt)
    rates = [[g["lr"] for g in opt.param_groups]]
    for _ in range(epochs):
        scheduler.step()
        rates.append([g["lr"] for g in opt.param_groups])
    return rates


def torch_rates(build, epochs, **optimizer_kwargs):
    torch = pytest.importorskip("torch")
    opt = torch_optimizer(torch, **optimizer_kwargs)
    scheduler = build(torch.optim.lr_scheduler, opt)
    rates = [[g["lr"] for g in opt.param_groups]]
    for _ in range(epochs):
        opt.step()  # no gradients: nothing moves, but PyTorch expects the optimizer to step first
        scheduler.step()
        rates.append([g["lr"] for g in opt.param_groups])
    return rates


def hand_rates(formula, epochs):
    return [[formula(t, base) for base in BASE_LRS] for t in range(epochs + 1)]


# ----- the formulas by hand ------------------------------------------------------------------
def step_decay(t, base, step_size, gamma):
    return base * gamma ** math.floor(t / step_size)


def multi_step(t, base, milestones, gamma):
    return base * gamma ** sum(1 for m in milestones if m <= t)


def cosine(t, base, T_max, eta_min):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def warm_restarts(t, base, T_0, T_mult, eta_min):
    """Cosine over the current cycle: cycles of length T_0, T_0 T_mult, T_0 T_mult^2, ... laid end to end."""
    start, length = 0, T_0
    while t >= start + length:
        start, length = start + length, length * T_mult
    return cosine(t - start, base, length, eta_min)


def linear(t, base, start_factor, end_factor, total_iters):
    if t >= total_iters:
        return base * end_factor
    return base * (start_factor + (end_factor - start_factor) * t / total_iters)


CASES = {
    "LambdaLR": (lambda lib, opt: lib.LambdaLR(opt, lambda t: 0.9**t + 0.1 * (t % 3)),
                 lambda t, base: base * (0.9**t + 0.1 * (t % 3)), 12),
    "StepLR": (lambda lib, opt: lib.StepLR(opt, step_size=3, gamma=0.5),
               lambda t, base: step_decay(t, base, 3, 0.5), 14),
    "StepLR-step_size=1": (lambda lib, opt: lib.StepLR(opt, step_size=1, gamma=0.8),
                           lambda t, base: base * 0.8**t, 8),
    "MultiStepLR": (lambda lib, opt: lib.MultiStepLR(opt, milestones=[2, 5, 9], gamma=0.3),
                    lambda t, base: multi_step(t, base, [2, 5, 9], 0.3), 12),
    "MultiStepLR-repeated-unsorted": (lambda lib, opt: lib.MultiStepLR(opt, milestones=[6, 3, 6], gamma=0.5),
                                      lambda t, base: multi_step(t, base, [3, 6, 6], 0.5), 9),
    "ExponentialLR": (lambda lib, opt: lib.ExponentialLR(opt, gamma=0.85),
                      lambda t, base: base * 0.85**t, 15),
    "CosineAnnealingLR": (lambda lib, opt: lib.CosineAnnealingLR(opt, T_max=7),
                          lambda t, base: cosine(t, base, 7, 0.0), 24),
    "CosineAnnealingLR-eta_min": (lambda lib, opt: lib.CosineAnnealingLR(opt, T_max=5, eta_min=0.01),
                                  lambda t, base: cosine(t, base, 5, 0.01), 17),
    "CosineAnnealingWarmRestarts": (lambda lib, opt: lib.CosineAnnealingWarmRestarts(opt, T_0=4),
                                    lambda t, base: warm_restarts(t, base, 4, 1, 0.0), 13),
    "CosineAnnealingWarmRestarts-T_mult": (
        lambda lib, opt: lib.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.005),
        lambda t, base: warm_restarts(t, base, 2, 2, 0.005), 32),
    "CosineAnnealingWarmRestarts-T_mult=3": (
        lambda lib, opt: lib.CosineAnnealingWarmRestarts(opt, T_0=1, T_mult=3),
        lambda t, base: warm_restarts(t, base, 1, 3, 0.0), 42),
    "LinearLR": (lambda lib, opt: lib.LinearLR(opt), lambda t, base: linear(t, base, 1 / 3, 1.0, 5), 8),
    "LinearLR-decay": (lambda lib, opt: lib.LinearLR(opt, start_factor=1.0, end_factor=0.2, total_iters=4),
                       lambda t, base: linear(t, base, 1.0, 0.2, 4), 7),
    "SequentialLR": (
        lambda lib, opt: lib.SequentialLR(opt, [lib.LinearLR(opt, 0.1, 1.0, 5), lib.CosineAnnealingLR(opt, 6)],
                                          milestones=[5]),
        lambda t, base: linear(t, base, 0.1, 1.0, 5) if t < 5 else cosine(t - 5, base, 6, 0.0), 14),
    "SequentialLR-three": (
        lambda lib, opt: lib.SequentialLR(opt, [lib.LinearLR(opt, 0.5, 1.0, 2), lib.ExponentialLR(opt, 0.7),
                                                lib.StepLR(opt, 2, 0.5)], milestones=[3, 7]),
        lambda t, base: (linear(t, base, 0.5, 1.0, 2) if t < 3 else base * 0.7 ** (t - 3) if t < 7
                         else step_decay(t - 7, base, 2, 0.5)), 13),
}
NO_TORCH = {
    "InverseTimeLR": (lambda lib, opt: lib.InverseTimeLR(opt, k=0.5), lambda t, base: base / (1 + 0.5 * t), 10),
}


@pytest.mark.parametrize("name", sorted(CASES) + sorted(NO_TORCH))
def test_schedule_matches_its_formula(name):
    build, formula, epochs = {**CASES, **NO_TORCH}[name]
    np.testing.assert_allclose(engine_rates(build, epochs), hand_rates(formula, epochs), **TOLERANCE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_schedule_matches_torch(name):
    build, _, epochs = CASES[name]
    np.testing.assert_allclose(engine_rates(build, epochs), torch_rates(build, epochs), **TOLERANCE)


def test_lambda_lr_with_one_function_per_group():
    lambdas = [lambda t: 1 / (1 + t), lambda t: 0.5 ** (t // 2)]
    epochs = 7
    expected = [[BASE_LRS[0] / (1 + t), BASE_LRS[1] * 0.5 ** (t // 2)] for t in range(epochs + 1)]
    got = engine_rates(lambda lib, opt: lib.LambdaLR(opt, lambdas), epochs)
    np.testing.assert_allclose(got, expected, **TOLERANCE)
    np.testing.assert_allclose(got, torch_rates(lambda lib, opt: lib.LambdaLR(opt, lambdas), epochs), **TOLERANCE)


# ----- OneCycleLR: the rate and the momentum ---------------------------------------------------
def anneal(start, end, pct, strategy):
    if strategy == "cos":
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2
    return start + (end - start) * pct


def one_cycle(t, max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", div_factor=25.0, final_div_factor=1e4,
              three_phase=False, base_momentum=0.85, max_momentum=0.95):
    """``(lr, momentum)`` at step ``t`` (Smith & Topin's 1cycle with PyTorch's phase boundaries): the
    warm-up ends at step ``pct_start * total_steps - 1``, the mirror phase of ``three_phase`` at
    ``2 * pct_start * total_steps - 2``, the annealing at ``total_steps - 1``."""
    initial = max_lr / div_factor
    low = initial / final_div_factor
    up = pct_start * total_steps - 1
    if three_phase:
        down = 2 * pct_start * total_steps - 2
        phases = [(0, up, initial, max_lr, max_momentum, base_momentum),
                  (up, down, max_lr, initial, base_momentum, max_momentum),
                  (down, total_steps - 1, initial, low, max_momentum, max_momentum)]
    else:
        phases = [(0, up, initial, max_lr, max_momentum, base_momentum),
                  (up, total_steps - 1, max_lr, low, base_momentum, max_momentum)]
    for first, last, lr_from, lr_to, mom_from, mom_to in phases:
        if t <= last or last == total_steps - 1:
            pct = (t - first) / (last - first)
            return (anneal(lr_from, lr_to, pct, anneal_strategy), anneal(mom_from, mom_to, pct, anneal_strategy))
    raise AssertionError("unreachable")


ONE_CYCLE = [
    dict(max_lr=1.0, total_steps=20),
    dict(max_lr=[1.0, 0.4], total_steps=20, anneal_strategy="linear"),
    dict(max_lr=0.5, epochs=4, steps_per_epoch=6, pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
    dict(max_lr=[0.8, 0.2], total_steps=30, three_phase=True, base_momentum=0.8, max_momentum=0.9),
    dict(max_lr=0.6, total_steps=25, pct_start=0.4, three_phase=True, anneal_strategy="linear"),
]
ONE_CYCLE_IDS = ["two-phase-cos", "two-phase-linear-per-group", "epochs-pct-divs", "three-phase-cos",
                 "three-phase-linear"]


def one_cycle_length(kwargs):
    return kwargs.get("total_steps") or kwargs["epochs"] * kwargs["steps_per_epoch"]


def rate_and_momentum(opt):
    """``(lr, momentum)`` of each group; the momentum is beta1 for Adam."""
    return [(g["lr"], g["betas"][0] if "betas" in g else g["momentum"]) for g in opt.param_groups]


def engine_one_cycle(kwargs, optimizer):
    """``rate_and_momentum`` at every step of the whole cycle."""
    opt = engine_optimizer(getattr(optim, optimizer), **({"momentum": 0.9} if optimizer == "SGD" else {}))
    scheduler = lr_scheduler.OneCycleLR(opt, **kwargs)
    out = [rate_and_momentum(opt)]
    for _ in range(one_cycle_length(kwargs)):
        scheduler.step()
        out.append(rate_and_momentum(opt))
    return out


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("kwargs", ONE_CYCLE, ids=ONE_CYCLE_IDS)
def test_one_cycle_matches_its_formula(kwargs, optimizer):
    total = one_cycle_length(kwargs)
    engine = engine_one_cycle(kwargs, optimizer)
    max_lrs = kwargs["max_lr"] if isinstance(kwargs["max_lr"], list) else [kwargs["max_lr"]] * 2
    options = {k: v for k, v in kwargs.items() if k not in ("max_lr", "total_steps", "epochs", "steps_per_epoch")}
    expected = [[one_cycle(t, m, total, **options) for m in max_lrs] for t in range(total + 1)]
    np.testing.assert_allclose(engine, expected, **TOLERANCE)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("kwargs", ONE_CYCLE, ids=ONE_CYCLE_IDS)
def test_one_cycle_matches_torch(kwargs, optimizer):
    torch = pytest.importorskip("torch")
    opt = torch_optimizer(torch, optimizer, **({"momentum": 0.9} if optimizer == "SGD" else {}))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, **kwargs)
    expected = [rate_and_momentum(opt)]
    for _ in range(one_cycle_length(kwargs)):
        opt.step()
        scheduler.step()
        expected.append(rate_and_momentum(opt))
    np.testing.assert_allclose(engine_one_cycle(kwargs, optimizer), expected, **TOLERANCE)


# ----- ReduceLROnPlateau -----------------------------------------------------------------------
def plateau_reference(metrics, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                      cooldown=0, min_lr=0.0, eps=1e-8, lrs=BASE_LRS):
    """The rates after each metric: a metric improves on the best when it beats it by more than the
    threshold (relative: ``best * (1 -+ threshold)``, absolute: ``best -+ threshold``); after more than
    ``patience`` epochs without improvement each rate becomes ``max(lr * factor, min_lr)`` unless
    that changes it by ``eps`` or less, and the next ``cooldown`` epochs do not count as bad."""
    def improves(value, best):
        if mode == "min":
            return value < (best * (1 - threshold) if threshold_mode == "rel" else best - threshold)
        return value > (best * (1 + threshold) if threshold_mode == "rel" else best + threshold)

    min_lrs = min_lr if isinstance(min_lr, list) else [min_lr] * len(lrs)
    best = math.inf if mode == "min" else -math.inf
    bad, cooling, lrs, out = 0, 0, list(lrs), []
    for value in metrics:
        if improves(value, best):
            best, bad = value, 0
        else:
            bad += 1
        if cooling:
            cooling, bad = cooling - 1, 0
        if bad > patience:
            lrs = [max(lr * factor, floor) if lr - max(lr * factor, floor) > eps else lr
                   for lr, floor in zip(lrs, min_lrs)]
            cooling, bad = cooldown, 0
        out.append(list(lrs))
    return out


def plateau_metrics(seed, n=60, accuracy=False, scale=1.0):
    """A noisy decreasing loss in (0, 1] with long stalls, or with ``accuracy`` the rising ``2 - loss``;
    times ``scale`` (far from 1, an absolute and a relative threshold part ways)."""
    rng = np.random.default_rng(seed)
    drops = np.where(rng.random(n) < 0.25, rng.uniform(0.002, 0.02, n), 0.0)
    values = 1.0 - np.cumsum(drops) + 1e-5 * rng.standard_normal(n)
    return [float(scale * (2 - v if accuracy else v)) for v in values]


PLATEAU = [
    ("min-defaults-short-patience", dict(patience=2), plateau_metrics(0)),
    ("max-half", dict(mode="max", factor=0.5, patience=1), plateau_metrics(1, accuracy=True)),
    ("abs-threshold", dict(threshold=0.1, threshold_mode="abs", patience=1, factor=0.5),
     plateau_metrics(2, scale=10.0)),
    ("rel-threshold", dict(threshold=0.03, patience=2, factor=0.7), plateau_metrics(3)),
    ("max-abs", dict(mode="max", threshold=0.2, threshold_mode="abs", patience=0, factor=0.8),
     plateau_metrics(4, accuracy=True, scale=50.0)),
    ("cooldown", dict(patience=0, cooldown=3, factor=0.5), plateau_metrics(5)),
    ("min_lr-per-group", dict(patience=0, factor=0.5, min_lr=[0.02, 0.01]), plateau_metrics(6)),
    ("eps", dict(patience=0, factor=0.5, eps=0.004), plateau_metrics(7)),
    ("patience-zero-constant", dict(patience=0, factor=0.9), [1.0] * 20),
]


def engine_plateau(kwargs, metrics):
    opt = engine_optimizer()
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    out = []
    for value in metrics:
        scheduler.step(value)
        out.append([g["lr"] for g in opt.param_groups])
    return out


@pytest.mark.parametrize("kwargs, metrics", [p[1:] for p in PLATEAU], ids=[p[0] for p in PLATEAU])
def test_reduce_on_plateau_matches_its_rule(kwargs, metrics):
    got = engine_plateau(kwargs, metrics)
    expected = plateau_reference(metrics, **kwargs)
    assert len({tuple(r) for r in expected}) >= 3  # the rate was reduced at least twice
    np.testing.assert_allclose(got, expected, **TOLERANCE)


@pytest.mark.parametrize("kwargs, metrics", [p[1:] for p in PLATEAU], ids=[p[0] for p in PLATEAU])
def test_reduce_on_plateau_matches_torch(kwargs, metrics):
    torch = pytest.importorskip("torch")
    opt = torch_optimizer(torch)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    expected = []
    for value in metrics:
        opt.step()
        scheduler.step(value)
        expected.append([g["lr"] for g in opt.param_groups])
    np.testing.assert_allclose(engine_plateau(kwargs, metrics), expected, **TOLERANCE)


def test_reduce_on_plateau_options_change_the_reference():
    # each option of the cases above changes the rates on its metrics: the cases can catch a bug in it
    defaults = dict(mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel", cooldown=0,
                    min_lr=0.0, eps=1e-8)
    for name, kwargs, metrics in PLATEAU:
        for key in ("threshold", "threshold_mode", "cooldown", "min_lr", "eps"):
            if key in kwargs:
                without = {**kwargs, key: defaults[key]}  # threshold_mode: the same threshold, relative
                assert plateau_reference(metrics, **without) != plateau_reference(metrics, **kwargs), (name, key)


# ----- MomentumSchedule (no PyTorch counterpart) ---------------------------------------------
@pytest.mark.parametrize("cls, kwargs", [(optim.SGD, dict(momentum=0.0)), (optim.RMSprop, dict(momentum=0.3)),
                                         (optim.Adam, dict(betas=(0.8, 0.95)))], ids=["SGD", "RMSprop", "Adam"])
def test_momentum_schedule_matches_its_formula(cls, kwargs):
    start, end, total_iters = 0.5, 0.95, 6
    opt = engine_optimizer(cls, **kwargs)
    schedule = lr_scheduler.MomentumSchedule(opt, start=start, end=end, total_iters=total_iters)
    for t in range(12):
        if t:
            schedule.step()
        expected = start + (end - start) * min(t, total_iters) / total_iters
        for group in opt.param_groups:
            got = group["betas"][0] if "betas" in group else group["momentum"]
            assert got == pytest.approx(expected, rel=1e-14)
            if "betas" in group:
                assert group["betas"][1] == 0.95  # beta2 untouched
        assert schedule.get_last_momentum() == pytest.approx(expected, rel=1e-14)


# ----- optimizers under schedules: each step uses the rate the schedule set ------------------
STEPS = 15
SHAPES = [(3, 2), (4,)]


def gradients(seed=3):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) * (1 + 3 * math.sin(t)) ** 2 for s in SHAPES] for t in range(STEPS)]


X0 = [np.random.default_rng(4).standard_normal(s) for s in SHAPES]
GRADS = gradients()


def engine_training(make_optimizer, make_scheduler):
    params = [ae.Tensor(x.copy(), requires_grad=True) for x in X0]
    opt = make_optimizer(optim, params)
    scheduler = make_scheduler(lr_scheduler, opt)
    out = []
    for step in GRADS:
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()
        scheduler.step()
        out.append([p.data.copy() for p in params])
    return out


def torch_training(make_optimizer, make_scheduler):
    torch = pytest.importorskip("torch")
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in X0]
    opt = make_optimizer(torch.optim, params)
    scheduler = make_scheduler(torch.optim.lr_scheduler, opt)
    out = []
    for step in GRADS:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        scheduler.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def assert_trajectories_close(got, expected):
    for t, (a_step, b_step) in enumerate(zip(got, expected), start=1):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"step {t}")


def test_adam_under_one_cycle_uses_the_scheduled_rate_and_beta1():
    def make_optimizer(lib, params):
        return lib.Adam(params, lr=0.01, betas=(0.9, 0.99), weight_decay=0.01)

    def make_scheduler(lib, opt):
        return lib.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS, pct_start=0.4)

    # by hand: Adam with the step's rate and beta1; the bias correction uses the current beta1
    xs, ms, vs = [x.copy() for x in X0], [np.zeros(s) for s in SHAPES], [np.zeros(s) for s in SHAPES]
    expected = []
    for t, step in enumerate(GRADS, start=1):
        lr, beta1 = one_cycle(t - 1, 0.05, STEPS, pct_start=0.4)
        for i, g in enumerate(step):
            g = g + 0.01 * xs[i]
            ms[i] = beta1 * ms[i] + (1 - beta1) * g
            vs[i] = 0.99 * vs[i] + 0.01 * g**2
            xs[i] = xs[i] - lr * (ms[i] / (1 - beta1**t)) / (np.sqrt(vs[i] / (1 - 0.99**t)) + 1e-8)
        expected.append([x.copy() for x in xs])
    got = engine_training(make_optimizer, make_scheduler)
    assert_trajectories_close(got, expected)
    assert_trajectories_close(got, torch_training(make_optimizer, make_scheduler))


def test_rmsprop_with_momentum_under_cosine_annealing_matches_torch():
    def make_optimizer(lib, params):
        return lib.RMSprop(params, lr=0.02, alpha=0.9, momentum=0.8, centered=True)

    def make_scheduler(lib, opt):
        return lib.CosineAnnealingLR(opt, T_max=6, eta_min=0.001)

    xs, cache, mean, buffer = ([x.copy() for x in X0], [np.zeros(s) for s in SHAPES], [np.zeros(s) for s in SHAPES],
                               [np.zeros(s) for s in SHAPES])
    expected = []
    for t, step in enumerate(GRADS):
        lr = cosine(t, 0.02, 6, 0.001)
        for i, g in enumerate(step):
            cache[i] = 0.9 * cache[i] + 0.1 * g**2
            mean[i] = 0.9 * mean[i] + 0.1 * g
            buffer[i] = 0.8 * buffer[i] + g / (np.sqrt(cache[i] - mean[i] ** 2) + 1e-8)
            xs[i] = xs[i] - lr * buffer[i]
        expected.append([x.copy() for x in xs])
    got = engine_training(make_optimizer, make_scheduler)
    assert_trajectories_close(got, expected)
    assert_trajectories_close(got, torch_training(make_optimizer, make_scheduler))


def test_sgd_momentum_under_step_decay_follows_the_notes_not_torch():
    # optim/sgd.py: the notes' velocity keeps the steps taken at the old rate; PyTorch's buffer
    # is rescaled by the new rate, so the two part ways at the first decay
    def make_optimizer(lib, params):
        return lib.SGD(params, lr=0.05, momentum=0.9, weight_decay=0.01)

    def make_scheduler(lib, opt):
        return lib.StepLR(opt, step_size=4, gamma=0.5)

    xs, vs = [x.copy() for x in X0], [np.zeros(s) for s in SHAPES]
    expected = []
    for t, step in enumerate(GRADS):
        lr = step_decay(t, 0.05, 4, 0.5)
        for i, g in enumerate(step):
            vs[i] = 0.9 * vs[i] - lr * (g + 0.01 * xs[i])
            xs[i] = xs[i] + vs[i]
        expected.append([x.copy() for x in xs])
    got = engine_training(make_optimizer, make_scheduler)
    assert_trajectories_close(got, expected)
    torch_run = torch_training(make_optimizer, make_scheduler)
    assert_trajectories_close(got[:4], torch_run[:4])  # the same algorithm while the rate is constant
    assert not np.allclose(got[4][0], torch_run[4][0], rtol=1e-6)


def test_momentum_schedule_drives_sgd_momentum():
    params = [ae.Tensor(x.copy(), requires_grad=True) for x in X0]
    opt = optim.SGD(params, lr=0.01, momentum=0.0)
    schedule = lr_scheduler.MomentumSchedule(opt, start=0.5, end=0.9, total_iters=5)
    xs, vs = [x.copy() for x in X0], [np.zeros(s) for s in SHAPES]
    for t, step in enumerate(GRADS):
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()
        schedule.step()
        mu = 0.5 + 0.4 * min(t, 5) / 5
        for i, g in enumerate(step):
            vs[i] = mu * vs[i] - 0.01 * g
            xs[i] = xs[i] + vs[i]
    for p, x in zip(params, xs):
        np.testing.assert_allclose(p.data, x, rtol=1e-10, atol=1e-12)
