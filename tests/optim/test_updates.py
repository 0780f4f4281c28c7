"""Optimizer updates against the CS231n published checks and the notes' formulas written out by hand."""
import helpers
import numpy as np
import pytest
from helpers import cs231n_rel_error

import autograd_engine as ae
import optim

CASES, ARRAYS = helpers.cs231n_vectors()


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
    assert cs231n_rel_error(w.data, array(expected["next_w"])) < case["tol"]["next_w"]
    assert cs231n_rel_error(opt.state[w]["velocity"], array(expected["velocity"])) < case["tol"]["velocity"]


def test_cs231n_rmsprop():
    case = CASES["rmsprop"]
    inputs, expected = case["inputs"], case["expected"]
    w = param_with_grad(array(inputs["w"]), array(inputs["dw"]))
    opt = optim.RMSprop([w], lr=1e-2, alpha=0.99, eps=1e-8)  # alpha is the notebook's decay_rate
    opt.state[w] = {"square_avg": array(inputs["cache"])}
    opt.step()
    assert cs231n_rel_error(w.data, array(expected["next_w"])) < case["tol"]["next_w"]
    assert cs231n_rel_error(opt.state[w]["square_avg"], array(expected["cache"])) < case["tol"]["cache"]


def test_cs231n_adam():
    case = CASES["adam"]
    inputs, expected = case["inputs"], case["expected"]
    w = param_with_grad(array(inputs["w"]), array(inputs["dw"]))
    opt = optim.Adam([w], lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
    opt.state[w] = {"step": 5, "exp_avg": array(inputs["m"]), "exp_avg_sq": array(inputs["v"])}
    opt.step()
    state = opt.state[w]
    assert state["step"] == expected["t"]
    assert cs231n_rel_error(w.data, array(expected["next_w"])) < case["tol"]["next_w"]
    assert cs231n_rel_error(state["exp_avg"], array(expected["m"])) < case["tol"]["m"]
    assert cs231n_rel_error(state["exp_avg_sq"], array(expected["v"])) < case["tol"]["v"]


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
