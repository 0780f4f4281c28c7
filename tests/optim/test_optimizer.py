"""What every optimizer shares (``optim.Optimizer``): state_dict / load_state_dict (training resumes
bit for bit; the saved dict is a snapshot), parameter groups and add_param_group, ``zero_grad``
(``set_to_none`` as PyTorch), skipped parameters, float32 kept, the closure, ``maximize``, and bad
hyperparameters and parameters refused by name.

The expected values of ``maximize`` come from the update rules written out by hand in
tests/helpers.py (PyTorch's documented algorithms), never from the implementation."""
import math
import pickle

import helpers
import numpy as np
import pytest
from helpers import adagrad_reference, adam_reference, adamw_reference, rmsprop_reference, sgd_reference

import autograd_engine as ae
import nn
import optim
from optim import lr_scheduler

RNG = np.random.default_rng(0)
INPUTS = RNG.standard_normal((32, 4)).astype(np.float32)
LABELS = RNG.integers(0, 3, size=32)


def make_model(seed):
    ae.seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))


def loss_of(model):
    return nn.functional.cross_entropy(model(INPUTS), LABELS)


OPTIMIZERS = {
    "sgd_nesterov_wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "sgd_dampening": lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.5),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    "adam_amsgrad": lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-4),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "lbfgs": lambda p: optim.LBFGS(p, lr=0.5, max_iter=3, history_size=4),
}


def train(model, opt, scheduler, steps):
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = loss_of(model)
            loss.backward()
            return loss

        opt.step(closure)
        if scheduler is not None:
            scheduler.step()


def make_scheduler(name, opt):
    return None if name == "lbfgs" else lr_scheduler.StepLR(opt, step_size=3, gamma=0.7)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_from_state_dict_is_bit_identical(name):
    # 20 uninterrupted steps
    model = make_model(1)
    opt = OPTIMIZERS[name](model.parameters())
    train(model, opt, make_scheduler(name, opt), 20)
    reference = model.state_dict()

    # 10 steps, save everything through pickle (as to disk), restore into fresh objects, 10 more
    model = make_model(1)
    opt = OPTIMIZERS[name](model.parameters())
    scheduler = make_scheduler(name, opt)
    train(model, opt, scheduler, 10)
    saved = pickle.dumps({
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
    })
    del model, opt, scheduler

    checkpoint = pickle.loads(saved)
    model = make_model(2)  # different initial weights: everything must come from the checkpoint
    model.load_state_dict(checkpoint["model"])
    opt = OPTIMIZERS[name](model.parameters())
    opt.load_state_dict(checkpoint["optimizer"])
    scheduler = make_scheduler(name, opt)
    if scheduler is not None:
        scheduler.load_state_dict(checkpoint["scheduler"])
    train(model, opt, scheduler, 10)

    resumed = model.state_dict()
    assert reference.keys() == resumed.keys()
    for key in reference:
        assert np.array_equal(reference[key], resumed[key]), key
        assert resumed[key].dtype == np.float32


def test_state_dict_is_a_snapshot_with_indices_for_parameters():
    model = make_model(1)
    opt = optim.SGD([{"params": [model[0].weight, model[0].bias]}, {"params": [model[2].weight], "lr": 0.5}],
                    lr=0.1, momentum=0.9)
    train(model, opt, None, 2)
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.5 and saved["param_groups"][0]["momentum"] == 0.9
    assert sorted(saved["state"]) == [0, 1, 2]
    velocity = saved["state"][0]["velocity"].copy()
    train(model, opt, None, 2)
    assert np.array_equal(saved["state"][0]["velocity"], velocity)  # training on did not touch the snapshot
    assert not np.array_equal(opt.state[model[0].weight]["velocity"], velocity)


def test_load_state_dict_rejects_a_different_layout():
    model = make_model(1)
    opt = optim.Adam(model.parameters(), lr=0.01)
    train(model, opt, None, 1)
    saved = opt.state_dict()
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 has shape \(16, 4\), but the parameter has shape \(8, 4\)"):
        optim.Adam(other.parameters()).load_state_dict(saved)
    with pytest.raises(ValueError, match="the saved state has 1 parameter groups, this optimizer has 2"):
        params = list(model.parameters())
        optim.Adam([{"params": params[:2]}, {"params": params[2:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 4 parameters in the saved state but 2 here"):
        optim.Adam(list(model.parameters())[:2]).load_state_dict(saved)


def test_loaded_hyperparameters_replace_the_constructor_ones():
    model = make_model(1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fresh = optim.SGD(make_model(1).parameters(), lr=0.7)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.1 and fresh.param_groups[0]["momentum"] == 0.9


def test_load_state_dict_validates_hyperparameters_and_changes_nothing_on_error():
    model = make_model(1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = -1.0
    target = optim.SGD(make_model(1).parameters(), lr=0.3)
    with pytest.raises(ValueError, match="lr must lie in"):
        target.load_state_dict(saved)
    assert target.param_groups[0]["lr"] == 0.3 and target.param_groups[0]["momentum"] == 0.0


def test_passing_the_module_instead_of_its_parameters_says_how_to_fix_it():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    with pytest.raises(TypeError, match=r"SGD: got the module Sequential itself; .*model\.parameters\(\)"):
        optim.SGD(model, lr=0.1)


# ----- dtypes, groups, skipping, errors ------------------------------------------
ALL_OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1),
    "sgd_momentum_wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1, weight_decay=1e-3),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01),
    "rmsprop_centered_momentum": lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.9, weight_decay=1e-3),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam_amsgrad_wd": lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-3),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
}


@pytest.mark.parametrize("name", sorted(ALL_OPTIMIZERS))
def test_float32_stays_float32(name):
    rng = np.random.default_rng(1)
    p = ae.Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    buffer = p.data
    opt = ALL_OPTIMIZERS[name]([p])
    for _ in range(3):
        p.grad = rng.standard_normal((3, 4)).astype(np.float32)
        opt.step()
    assert p.data is buffer and p.dtype == np.float32  # updated in place
    for key, value in opt.state[p].items():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, key


@pytest.mark.parametrize("name", sorted(ALL_OPTIMIZERS))
def test_parameters_without_gradient_are_skipped(name):
    a = ae.Tensor(np.ones(3), requires_grad=True)
    b = ae.Tensor(np.ones(3), requires_grad=True)
    opt = ALL_OPTIMIZERS[name]([a, b])
    a.grad = np.array([1.0, -1.0, 0.5])
    opt.step()
    assert np.array_equal(b.data, np.ones(3)) and b not in opt.state
    assert not np.array_equal(a.data, np.ones(3))


def test_parameter_groups_use_their_own_hyperparameters():
    a = ae.Tensor(np.zeros(2), requires_grad=True)
    b = ae.Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0.0
    for _ in range(2):
        a.grad = np.ones(2)
        b.grad = np.ones(2)
        opt.step()
    np.testing.assert_allclose(a.data, [-0.2, -0.2])  # two plain steps of 0.1
    np.testing.assert_allclose(b.data, [-0.5 - (0.9 * 0.5 + 0.5)] * 2)  # v1 = -0.5, v2 = -0.95


def test_add_param_group_and_zero_grad():
    a = ae.Tensor(np.zeros(2), requires_grad=True)
    b = ae.Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.2})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    a.grad, b.grad = np.ones(2), np.ones(2)
    opt.step()
    np.testing.assert_allclose(b.data, [-0.2, -0.2], rtol=1e-6)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_returns_the_closure_loss_and_accepts_nn_parameters():
    layer = nn.Linear(3, 2)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    x = np.ones((4, 3), dtype=np.float32)
    before = layer.weight.data.copy()

    def closure():
        opt.zero_grad()
        loss = (layer(x) ** 2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() > 0
    np.testing.assert_allclose(layer.weight.data, before - 0.1 * layer.weight.grad, rtol=1e-6)


def _tensor():
    return ae.Tensor(np.zeros(3), requires_grad=True)


BAD = [
    (lambda: optim.SGD([_tensor()], lr=-0.1), "lr must lie in [0.0, inf], got -0.1"),
    (lambda: optim.SGD([_tensor()], lr=float("nan")), "lr must be a finite real number"),
    (lambda: optim.SGD([_tensor()], lr=0.1, momentum=-0.5), "momentum"),
    (lambda: optim.SGD([_tensor()], lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda: optim.SGD([_tensor()], lr=0.1, momentum=0.9, nesterov=True, dampening=0.1), "dampening = 0"),
    (lambda: optim.SGD([_tensor()], lr=0.1, weight_decay=-1e-4), "weight_decay"),
    (lambda: optim.Adam([_tensor()], betas=(1.0, 0.999)), "betas[0] must lie in [0.0, 1.0), got 1.0"),
    (lambda: optim.Adam([_tensor()], betas=(0.9, -0.1)), "betas[1] must lie in [0.0, 1.0)"),
    (lambda: optim.Adam([_tensor()], betas=0.9), "betas must be a pair"),
    (lambda: optim.AdamW([_tensor()], eps=-1e-8), "eps"),
    (lambda: optim.RMSprop([_tensor()], alpha=1.5), "alpha must lie in [0.0, 1.0), got 1.5"),
    (lambda: optim.Adagrad([_tensor()], lr_decay=-1.0), "lr_decay"),
    (lambda: optim.LBFGS([_tensor()], line_search_fn="wolfe"), "line_search_fn"),
    (lambda: optim.LBFGS([_tensor()], max_iter=0), "max_iter must be a positive integer"),
    (lambda: optim.LBFGS([{"params": [_tensor()]}, {"params": [_tensor()]}]), "only one parameter group"),
    (lambda: optim.SGD([], lr=0.1), "empty parameter list"),
]


@pytest.mark.parametrize("make, message", BAD, ids=[m for _, m in BAD])
def test_bad_hyperparameters_raise_clear_errors(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert message in str(info.value)


def test_bad_parameters_raise_clear_errors():
    t = _tensor()
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(t, lr=0.1)
    with pytest.raises(TypeError, match="not a Tensor"):
        optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="does not require grad"):
        optim.SGD([ae.Tensor(np.zeros(3))], lr=0.1)
    with pytest.raises(TypeError, match="not a leaf"):
        optim.SGD([t * 2], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([t, t], lr=0.1)
    opt = optim.SGD([t], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        opt.add_param_group({"params": [t]})
    with pytest.raises(ValueError, match="needs a closure"):
        optim.LBFGS([t]).step()


def test_error_names_the_optimizer():
    with pytest.raises(ValueError, match=r"^RMSprop: eps"):
        optim.RMSprop([_tensor()], eps=-math.inf)


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


# ----- maximize: the update rules (tests/helpers.py) with the gradient negated first ------------
CASES = [
    ("SGD", lambda p, m: optim.SGD(p, lr=0.1, maximize=m), lambda m: sgd_reference(X0, GRADS, lr=0.1, maximize=m)),
    ("SGD momentum + decay", lambda p, m: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.2, maximize=m),
     lambda m: sgd_reference(X0, GRADS, lr=0.1, momentum=0.9, weight_decay=0.2, maximize=m)),
    ("Adam + L2", lambda p, m: optim.Adam(p, lr=0.1, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.2, maximize=m),
     lambda m: adam_reference(X0, GRADS, lr=0.1, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.2, maximize=m)),
    ("AdamW", lambda p, m: optim.AdamW(p, lr=0.1, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.2, maximize=m),
     lambda m: adamw_reference(X0, GRADS, lr=0.1, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.2, maximize=m)),
    ("RMSprop + decay", lambda p, m: optim.RMSprop(p, lr=0.01, alpha=0.9, weight_decay=0.2, maximize=m),
     lambda m: rmsprop_reference(X0, GRADS, lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.2, maximize=m)),
    ("Adagrad + decay", lambda p, m: optim.Adagrad(p, lr=0.1, lr_decay=0.5, weight_decay=0.2, maximize=m),
     lambda m: adagrad_reference(X0, GRADS, lr=0.1, lr_decay=0.5, eps=1e-10, weight_decay=0.2, maximize=m)),
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
