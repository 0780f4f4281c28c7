"""Every optimizer option against two independent references: the update written out by hand
in NumPy (tests/helpers.py), and ``torch.optim`` in float64 (skipped when PyTorch is not installed).

Each case runs several parameters of different shapes (a matrix, a vector, a 0-d scalar)
for twelve steps on random gradients whose scale first grows and then shrinks, so that
running sums, decays, bias corrections and AMSGrad's running maximum all matter: a
reference run with the option switched back to its default must differ from the run with
it (``test_each_option_changes_the_hand_written_trajectory``), otherwise the case could
not catch a bug in that option.

Where the project follows the CS231n notes rather than PyTorch's formulation (SGD's
velocity in parameter units, see ``optim/sgd.py``), the hand-written reference is the
notes' formula; the two agree for a constant learning rate, which is what the PyTorch
comparison uses, and the notes' form alone is checked when the rate changes.
"""
import inspect

import numpy as np
import pytest
from helpers import (
    adagrad_reference,
    adam_reference,
    adamw_reference,
    largest_difference,
    rmsprop_reference,
    sgd_reference,
)

import autograd_engine as ae
import optim

SHAPES = [(3, 4), (5,), ()]
STEPS = 12
# the gradients' scale rises then falls: second moments grow, then decay below their peak
SCALES = [1.0, 2.0, 4.0, 8.0, 4.0, 2.0, 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03]
TOLERANCE = dict(rtol=1e-10, atol=1e-12)


def initial_values(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in SHAPES]


def gradient_sequence(seed=1):
    """``STEPS`` lists of gradients, one per parameter, drawn from a fixed seed."""
    rng = np.random.default_rng(seed)
    return [[scale * rng.standard_normal(shape) for shape in SHAPES] for scale in SCALES]


X0, GRADS = initial_values(), gradient_sequence()


# ----- the hand-written updates (tests/helpers.py), by name -----------------------------------
REFERENCES = {"SGD": sgd_reference, "Adagrad": adagrad_reference, "RMSprop": rmsprop_reference,
              "Adam": adam_reference, "AdamW": adamw_reference}


def hand_trajectory(name, kwargs, x0=X0, grads=GRADS):
    """Per step, the list of parameter values the hand-written rule gives."""
    per_param = [REFERENCES[name](x, [step[i] for step in grads], **kwargs) for i, x in enumerate(x0)]
    return [list(values) for values in zip(*per_param)]


# ----- running the engine and PyTorch --------------------------------------------------------
def engine_trajectory(name, groups, x0=X0, grads=GRADS):
    """Run ``optim.<name>`` over parameter groups ``[(indices, kwargs), ...]``; the values per step."""
    params = [ae.Tensor(x.copy(), requires_grad=True) for x in x0]
    opt = getattr(optim, name)([{"params": [params[i] for i in idx], **kw} for idx, kw in groups])
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()
        out.append([p.data.copy() for p in params])
    return out


def torch_trajectory(name, groups, x0=X0, grads=GRADS):
    """The same run with ``torch.optim.<name>`` in float64."""
    torch = pytest.importorskip("torch")
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in x0]
    # a single group's options go to the constructor too: torch.optim.Adagrad fills its accumulators
    # there, from the constructor's initial_accumulator_value (a group's own value is not used)
    constructor = groups[0][1] if len(groups) == 1 else {}
    opt = getattr(torch.optim, name)([{"params": [params[i] for i in idx], **kw} for idx, kw in groups], **constructor)
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def assert_trajectories_close(got, expected, what):
    assert len(got) == len(expected)
    for t, (got_step, expected_step) in enumerate(zip(got, expected), start=1):
        for i, (a, b) in enumerate(zip(got_step, expected_step)):
            np.testing.assert_allclose(a, b, **TOLERANCE, err_msg=f"{what}: parameter {i} {SHAPES[i]}, step {t}")


# ----- the cases: every option, alone and in combination -------------------------------------
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, maximize=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.7, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.05, initial_accumulator_value=0.2, eps=1e-3)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.8)),
    ("RMSprop", dict(lr=0.01, eps=0.1)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, maximize=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-3, weight_decay=0.05, momentum=0.5, centered=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.9))),
    ("Adam", dict(lr=0.01, eps=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5)),
    ("AdamW", dict(lr=0.01, weight_decay=0.0)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.9), amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.5, amsgrad=True, maximize=True)),
]
IDS = [f"{name}-" + ",".join(f"{k}={v}" for k, v in kwargs.items()) for name, kwargs in CASES]


def all_params(kwargs):
    return [(list(range(len(SHAPES))), kwargs)]


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_matches_the_hand_written_update(name, kwargs):
    assert_trajectories_close(engine_trajectory(name, all_params(kwargs)), hand_trajectory(name, kwargs),
                              f"optim.{name}({kwargs}) against the hand-written rule")


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_matches_torch_optim(name, kwargs):
    # float64, constant learning rate: every option here follows PyTorch's update
    # (for SGD the notes' velocity is -lr times PyTorch's buffer, the same algorithm)
    assert_trajectories_close(engine_trajectory(name, all_params(kwargs)), torch_trajectory(name, all_params(kwargs)),
                              f"optim.{name}({kwargs}) against torch.optim.{name}")


def reference_default(name, key):
    return inspect.signature(REFERENCES[name]).parameters[key].default


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_each_option_changes_the_hand_written_trajectory(name, kwargs):
    # a case can only catch a bug in an option the data make visible
    expected = hand_trajectory(name, kwargs)
    for key, value in kwargs.items():
        default = reference_default(name, key)
        if key == "lr" or value == default:
            continue
        without = hand_trajectory(name, {**kwargs, key: default})
        assert largest_difference(expected, without) > 1e-6, f"{name}: {key}={value} makes no visible difference"


def test_amsgrad_running_maximum_differs_from_the_second_moment():
    # the gradients' scale falls after step 4, so v decays below its peak and AMSGrad's
    # denominator (the peak) is not v: the two rules part ways
    beta2 = 0.9
    v, v_max = np.zeros_like(X0[0]), np.zeros_like(X0[0])
    below_peak = 0
    for step in GRADS:
        v = beta2 * v + (1 - beta2) * step[0] ** 2
        v_max = np.maximum(v_max, v)
        below_peak += bool(np.all(v < 0.8 * v_max))
    assert below_peak >= 4
    amsgrad = hand_trajectory("Adam", dict(lr=0.01, betas=(0.8, beta2), amsgrad=True))
    plain = hand_trajectory("Adam", dict(lr=0.01, betas=(0.8, beta2)))
    assert largest_difference(amsgrad, plain) > 1e-3


# ----- parameter groups with different options -------------------------------------------------
GROUPED = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.1, maximize=True)),
    # (no initial_accumulator_value: torch.optim.Adagrad ignores a group's own value)
    ("Adagrad", dict(lr=0.1, lr_decay=0.1), dict(lr=0.2, weight_decay=0.1, eps=1e-3)),
    ("RMSprop", dict(lr=0.01, centered=True), dict(lr=0.02, momentum=0.9, alpha=0.9)),
    ("Adam", dict(lr=0.01, amsgrad=True, betas=(0.8, 0.9)), dict(lr=0.02, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5), dict(lr=0.02, amsgrad=True, betas=(0.8, 0.9))),
]


@pytest.mark.parametrize("name, first, second", GROUPED, ids=[g[0] for g in GROUPED])
def test_parameter_groups_each_follow_their_own_options(name, first, second):
    groups = [([0], first), ([1, 2], second)]
    got = engine_trajectory(name, groups)
    first_ref = hand_trajectory(name, first)
    second_ref = hand_trajectory(name, second)
    expected = [[a[0], b[1], b[2]] for a, b in zip(first_ref, second_ref)]
    assert_trajectories_close(got, expected, f"optim.{name} with two groups against the hand-written rule")
    assert_trajectories_close(got, torch_trajectory(name, groups), f"optim.{name} with two groups against torch")


# ----- SGD with a changing learning rate: the notes' form, where PyTorch differs -------------
def test_sgd_momentum_with_a_changing_learning_rate_follows_the_notes():
    # optim/sgd.py: the velocity keeps the steps already taken at the old rate (PyTorch's buffer
    # would be rescaled by the new rate), so the reference here is the notes' formula alone
    lrs = [0.1, 0.1, 0.05, 0.05, 0.02, 0.02, 0.01, 0.01, 0.005, 0.005, 0.002, 0.002]
    mu, dampening, weight_decay = 0.9, 0.2, 0.05
    params = [ae.Tensor(x.copy(), requires_grad=True) for x in X0]
    opt = optim.SGD(params, lr=lrs[0], momentum=mu, dampening=dampening, weight_decay=weight_decay)
    xs, vs = [x.copy() for x in X0], [None] * len(X0)
    for lr, step in zip(lrs, GRADS):
        opt.param_groups[0]["lr"] = lr
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()
        for i, g in enumerate(step):
            g = g + weight_decay * xs[i]
            vs[i] = -lr * g if vs[i] is None else mu * vs[i] - lr * (1 - dampening) * g
            xs[i] = xs[i] + vs[i]
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.data, xs[i], **TOLERANCE)


def test_sgd_nesterov_with_a_changing_learning_rate_follows_the_notes():
    lrs = [0.1 * 0.7**t for t in range(STEPS)]
    mu = 0.9
    params = [ae.Tensor(x.copy(), requires_grad=True) for x in X0]
    opt = optim.SGD(params, lr=lrs[0], momentum=mu, nesterov=True)
    xs, vs = [x.copy() for x in X0], [np.zeros_like(x) for x in X0]
    for lr, step in zip(lrs, GRADS):
        opt.param_groups[0]["lr"] = lr
        for p, g in zip(params, step):
            p.grad = g.copy()
        opt.step()
        for i, g in enumerate(step):
            v_prev = vs[i]
            vs[i] = mu * vs[i] - lr * g
            xs[i] = xs[i] - mu * v_prev + (1 + mu) * vs[i]
    for p, x in zip(params, xs):
        np.testing.assert_allclose(p.data, x, **TOLERANCE)


# ----- ExponentialMovingAverage ---------------------------------------------------------------
def ema_reference(x0, values, decay, use_num_updates):
    """``shadow = d * shadow + (1 - d) * x`` after each new ``x``, from ``shadow = x0``; ``d = decay``,
    or ``min(decay, (1 + n) / (10 + n))`` for the ``n``-th update with ``use_num_updates``."""
    shadow, out = x0.copy(), []
    for n, x in enumerate(values, start=1):
        d = min(decay, (1 + n) / (10 + n)) if use_num_updates else decay
        shadow = d * shadow + (1 - d) * x
        out.append(shadow)
    return out


def parameter_values(seed=2):
    """The parameters after each of ``STEPS`` training steps: a random walk from ``X0``."""
    rng = np.random.default_rng(seed)
    xs, out = [x.copy() for x in X0], []
    for _ in range(STEPS):
        xs = [x + rng.standard_normal(x.shape) for x in xs]
        out.append(xs)
    return out


def engine_ema(decay, use_num_updates, values):
    params = [ae.Tensor(x.copy(), requires_grad=True) for x in X0]
    ema = optim.ExponentialMovingAverage(params, decay=decay, use_num_updates=use_num_updates)
    out = []
    for step in values:
        for p, x in zip(params, step):
            p.data[...] = x
        ema.update()
        with ema.average_parameters():
            out.append([p.data.copy() for p in params])
        for p, x in zip(params, step):
            np.testing.assert_array_equal(p.data, x)  # the training values are back
    return out


@pytest.mark.parametrize("decay, use_num_updates", [(0.9, False), (0.5, False), (0.99, True), (0.6, True)])
def test_ema_matches_the_hand_written_average(decay, use_num_updates):
    values = parameter_values()
    got = engine_ema(decay, use_num_updates, values)
    per_param = [ema_reference(x, [step[i] for step in values], decay, use_num_updates) for i, x in enumerate(X0)]
    assert_trajectories_close(got, [list(s) for s in zip(*per_param)], f"EMA(decay={decay}, {use_num_updates})")


def test_ema_warm_up_changes_the_average():
    # with decay 0.99 the warm-up decay (1 + n) / (10 + n) is the smaller one for every update here
    values = parameter_values()
    warm = ema_reference(X0[0], [s[0] for s in values], 0.99, True)
    plain = ema_reference(X0[0], [s[0] for s in values], 0.99, False)
    assert all(np.max(np.abs(a - b)) > 1e-2 for a, b in zip(warm, plain))


@pytest.mark.parametrize("decay", [0.9, 0.5])
def test_ema_with_a_constant_decay_matches_torch_averaged_model(decay):
    # torch.optim.swa_utils.AveragedModel with PyTorch's EMA rule; its first update copies the
    # parameters, which is where our shadow starts (use_num_updates=False: PyTorch has no warm-up)
    torch = pytest.importorskip("torch")
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    module = torch.nn.Module()
    module.params = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(x, dtype=torch.float64)) for x in X0])
    averaged = AveragedModel(module, multi_avg_fn=get_ema_multi_avg_fn(decay))
    averaged.update_parameters(module)
    values = parameter_values()
    expected = []
    for step in values:
        with torch.no_grad():
            for p, x in zip(module.params, step):
                p.copy_(torch.tensor(x, dtype=torch.float64))
        averaged.update_parameters(module)
        expected.append([p.detach().numpy().copy() for p in averaged.module.params])
    assert_trajectories_close(engine_ema(decay, False, values), expected, f"EMA(decay={decay}) against torch")
