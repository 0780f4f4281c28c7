"""Optimizer updates against the CS231n published checks and the notes' formulas written out by hand."""
import json
import math
from pathlib import Path

import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim

DATA = Path(__file__).parent / "data"
CASES = {c["name"]: c for c in json.loads((DATA / "cs231n_vectors.json").read_text())["cases"]}
ARRAYS = np.load(DATA / "cs231n_vectors.npz")


def rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def array(spec):
    return ARRAYS[spec["array"]].copy()


def param_with_grad(w, dw):
    p = ae.Tensor(w, requires_grad=True)
    p.grad = dw
    return p


# ----- the CS231n notebook checks --------------------------------------------------
def test_cs231n_sgd_momentum():
    case = CASES["sgd_momentum"]
    inputs, expected = case["inputs"], case["expected"]
    w = param_with_grad(array(inputs["w"]), array(inputs["dw"]))
    opt = optim.SGD([w], lr=1e-3, momentum=0.9)  # the notebook's config; momentum is its default 0.9
    opt.state[w] = {"velocity": array(inputs["v"])}
    opt.step()
    assert rel_error(w.data, array(expected["next_w"])) < case["tol"]["next_w"]
    assert rel_error(opt.state[w]["velocity"], array(expected["velocity"])) < case["tol"]["velocity"]


def test_cs231n_rmsprop():
    case = CASES["rmsprop"]
    inputs, expected = case["inputs"], case["expected"]
    w = param_with_grad(array(inputs["w"]), array(inputs["dw"]))
    opt = optim.RMSprop([w], lr=1e-2, alpha=0.99, eps=1e-8)  # alpha is the notebook's decay_rate
    opt.state[w] = {"square_avg": array(inputs["cache"])}
    opt.step()
    assert rel_error(w.data, array(expected["next_w"])) < case["tol"]["next_w"]
    assert rel_error(opt.state[w]["square_avg"], array(expected["cache"])) < case["tol"]["cache"]


def test_cs231n_adam():
    case = CASES["adam"]
    inputs, expected = case["inputs"], case["expected"]
    w = param_with_grad(array(inputs["w"]), array(inputs["dw"]))
    opt = optim.Adam([w], lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
    opt.state[w] = {"step": 5, "exp_avg": array(inputs["m"]), "exp_avg_sq": array(inputs["v"])}
    opt.step()
    state = opt.state[w]
    assert state["step"] == expected["t"]
    assert rel_error(w.data, array(expected["next_w"])) < case["tol"]["next_w"]
    assert rel_error(state["exp_avg"], array(expected["m"])) < case["tol"]["m"]
    assert rel_error(state["exp_avg_sq"], array(expected["v"])) < case["tol"]["v"]


# ----- the first three updates, against the notes' formulas -------------------------
X0 = np.array([0.5, -1.5, 2.0, 0.1])
GRADS = [np.array([0.3, -0.2, 1.0, -2.0]), np.array([-0.1, 0.4, 0.5, 0.25]), np.array([1.2, 0.0, -0.7, 0.05])]


def three_steps(opt_factory):
    """Run an optimizer for three steps over the fixed gradients; return the parameter after each."""
    return helpers.optimizer_trajectory(opt_factory, X0, GRADS)


def notes_sgd(lr, wd=0.0):
    x, out = X0.copy(), []
    for g in GRADS:
        g = g + wd * x
        x = x + -lr * g
        out.append(x)
    return out


def notes_momentum(lr, mu, nesterov=False, wd=0.0):
    x, v, out = X0.copy(), np.zeros(4), []
    for g in GRADS:
        g = g + wd * x
        if nesterov:
            v_prev = v
            v = mu * v - lr * g
            x = x + -mu * v_prev + (1 + mu) * v
        else:
            v = mu * v - lr * g
            x = x + v
        out.append(x)
    return out


def notes_adagrad(lr, eps):
    x, cache, out = X0.copy(), np.zeros(4), []
    for g in GRADS:
        cache = cache + g**2
        x = x + -lr * g / (np.sqrt(cache) + eps)
        out.append(x)
    return out


def notes_rmsprop(lr, decay_rate, eps):
    x, cache, out = X0.copy(), np.zeros(4), []
    for g in GRADS:
        cache = decay_rate * cache + (1 - decay_rate) * g**2
        x = x + -lr * g / (np.sqrt(cache) + eps)
        out.append(x)
    return out


def notes_adam(lr, beta1, beta2, eps, decoupled_wd=0.0):
    x, m, v, out = X0.copy(), np.zeros(4), np.zeros(4), []
    for t, g in enumerate(GRADS, start=1):
        x = x * (1 - lr * decoupled_wd)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        mb = m / (1 - beta1**t)
        vb = v / (1 - beta2**t)
        x = x + -lr * mb / (np.sqrt(vb) + eps)
        out.append(x)
    return out


FIRST_THREE = {
    "sgd": (lambda p: optim.SGD(p, lr=0.1), notes_sgd(0.1)),
    "sgd_weight_decay": (lambda p: optim.SGD(p, lr=0.1, weight_decay=0.01), notes_sgd(0.1, wd=0.01)),
    "momentum": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), notes_momentum(0.1, 0.9)),
    "nesterov": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), notes_momentum(0.1, 0.9, True)),
    "nesterov_weight_decay": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.1),
        notes_momentum(0.1, 0.5, True, wd=0.1),
    ),
    "adagrad": (lambda p: optim.Adagrad(p, lr=0.5, eps=1e-7), notes_adagrad(0.5, 1e-7)),
    "rmsprop": (lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8), notes_rmsprop(0.01, 0.9, 1e-8)),
    "adam": (lambda p: optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8), notes_adam(0.01, 0.9, 0.999, 1e-8)),
    "adam_betas": (lambda p: optim.Adam(p, lr=0.1, betas=(0.5, 0.9), eps=1e-3), notes_adam(0.1, 0.5, 0.9, 1e-3)),
    "adamw": (lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.5), notes_adam(0.01, 0.9, 0.999, 1e-8, 0.5)),
}


@pytest.mark.parametrize("name", sorted(FIRST_THREE))
def test_first_three_updates_match_the_notes(name):
    factory, expected = FIRST_THREE[name]
    got = three_steps(factory)
    for step, (a, b) in enumerate(zip(got, expected), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15, err_msg=f"{name}, step {step}")


def test_first_sgd_step_by_the_numbers():
    # x = X0 - 0.1 * g1, written out
    (x1, _, _) = three_steps(lambda p: optim.SGD(p, lr=0.1))
    np.testing.assert_allclose(x1, [0.47, -1.48, 1.9, 0.3], rtol=1e-14)


def test_first_adam_step_is_lr_times_the_sign_of_the_gradient():
    # after bias correction, step 1 is m/sqrt(v) = g/|g|: every coordinate moves by lr (up to eps)
    (x1, _, _) = three_steps(lambda p: optim.Adam(p, lr=0.01, eps=0.0))
    np.testing.assert_allclose(x1, X0 - 0.01 * np.sign(GRADS[0]), rtol=1e-13)


# ----- relation to PyTorch's SGD (hand-written form of torch.optim.SGD) -----------
def pytorch_sgd(lrs, mu, nesterov=False, dampening=0.0):
    """torch.optim.SGD's formulation: b = g on the first step, then b = mu b + (1 - dampening) g;
    x -= lr * b, or x -= lr * (g + mu * b) with Nesterov."""
    x, b, out = X0.copy(), None, []
    for lr, g in zip(lrs, GRADS):
        b = g.copy() if b is None else mu * b + (1 - dampening) * g
        x = x - lr * (g + mu * b if nesterov else b)
        out.append(x)
    return out


@pytest.mark.parametrize("nesterov, dampening", [(False, 0.0), (True, 0.0), (False, 0.3)])
def test_sgd_equals_pytorchs_formulation_for_a_constant_learning_rate(nesterov, dampening):
    got = three_steps(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=nesterov, dampening=dampening))
    for a, b in zip(got, pytorch_sgd([0.1] * 3, 0.9, nesterov, dampening)):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_sgd_velocity_keeps_the_old_learning_rate_when_it_changes():
    # documented difference: after lr 0.1 -> 0.01 the notes' velocity still carries -0.1 * g1
    x = ae.Tensor(X0.copy(), requires_grad=True)
    opt = optim.SGD([x], lr=0.1, momentum=0.9)
    x.grad = GRADS[0].copy()
    opt.step()
    opt.param_groups[0]["lr"] = 0.01
    x.grad = GRADS[1].copy()
    opt.step()
    notes = X0 - 0.1 * GRADS[0] + (0.9 * (-0.1 * GRADS[0]) - 0.01 * GRADS[1])
    np.testing.assert_allclose(x.data, notes, rtol=1e-14)
    torch_form = pytorch_sgd([0.1, 0.01], 0.9)[1]
    assert not np.allclose(x.data, torch_form, rtol=1e-6)


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
