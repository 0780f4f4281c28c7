"""Optimizers converge: a quadratic and the Rosenbrock function from fixed starts; LBFGS on least squares.

The gradients are written out by hand (so these tests exercise the optimizers,
not the engine), except where LBFGS's closure goes through the engine.
"""
import numpy as np
import pytest

import autograd_engine as ae
import optim


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosenbrock_grad(x):
    a, b = x
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


RNG = np.random.default_rng(0)
Q, _ = np.linalg.qr(RNG.standard_normal((5, 5)))
A = Q @ np.diag([1.0, 2.0, 5.0, 10.0, 20.0]) @ Q.T  # condition number 20
B = RNG.standard_normal(5)
MINIMUM = np.linalg.solve(A, B)


def quadratic_grad(x):  # of f(x) = x'Ax/2 - b'x
    return A @ x - B


def descend(grad, make_optimizer, steps, start):
    x = ae.Tensor(np.array(start, dtype=np.float64), requires_grad=True)
    opt = make_optimizer([x])
    for _ in range(steps):
        x.grad = grad(x.data)
        opt.step()
    return x.data


# name: (optimizer, steps, tolerance) on the quadratic from (3, 3, 3, 3, 3), then on Rosenbrock from (-1.5, 2)
CASES = {
    "sgd": ((lambda p: optim.SGD(p, lr=0.05), 500, 1e-8), (lambda p: optim.SGD(p, lr=1e-3), 20000, 1e-3)),
    "momentum": (
        (lambda p: optim.SGD(p, lr=0.02, momentum=0.9), 500, 1e-8),
        (lambda p: optim.SGD(p, lr=1e-3, momentum=0.9), 3000, 1e-4),
    ),
    "nesterov": (
        (lambda p: optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True), 500, 1e-8),
        (lambda p: optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True), 3000, 1e-4),
    ),
    "adagrad": ((lambda p: optim.Adagrad(p, lr=1.0), 2000, 1e-8), (lambda p: optim.Adagrad(p, lr=0.5), 20000, 1e-3)),
    "rmsprop": ((lambda p: optim.RMSprop(p, lr=1e-3), 5000, 2e-3), (lambda p: optim.RMSprop(p, lr=1e-3), 20000, 2e-3)),
    "adam": ((lambda p: optim.Adam(p, lr=1e-2), 3000, 1e-4), (lambda p: optim.Adam(p, lr=1e-2), 5000, 1e-6)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_converges_on_a_quadratic(name):
    make, steps, tolerance = CASES[name][0]
    start = np.full(5, 3.0)
    x = descend(quadratic_grad, make, steps, start)
    assert np.abs(x - MINIMUM).max() < tolerance
    assert np.abs(start - MINIMUM).max() > 1.0  # it had somewhere to go


@pytest.mark.parametrize("name", sorted(CASES))
def test_converges_on_rosenbrock(name):
    make, steps, tolerance = CASES[name][1]
    x = descend(rosenbrock_grad, make, steps, [-1.5, 2.0])
    assert np.abs(x - 1.0).max() < tolerance


def test_momentum_is_faster_than_plain_sgd_on_rosenbrock():
    plain = descend(rosenbrock_grad, lambda p: optim.SGD(p, lr=1e-3), 3000, [-1.5, 2.0])
    heavy = descend(rosenbrock_grad, lambda p: optim.SGD(p, lr=1e-3, momentum=0.9), 3000, [-1.5, 2.0])
    assert rosenbrock(heavy) < 1e-3 * rosenbrock(plain)


# ----- LBFGS --------------------------------------------------------------------------
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [3, 100])
def test_lbfgs_solves_least_squares(line_search_fn, history_size):
    rng = np.random.default_rng(1)
    design = rng.standard_normal((60, 12))
    target = rng.standard_normal(60)
    expected = np.linalg.lstsq(design, target, rcond=None)[0]
    x = ae.Tensor(np.zeros(12), requires_grad=True)
    opt = optim.LBFGS([x], lr=1.0, max_iter=100, history_size=history_size, line_search_fn=line_search_fn,
                      tolerance_grad=1e-10, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        residual = design @ x - target
        loss = 0.5 * (residual * residual).sum()
        loss.backward()
        return loss

    first = opt.step(closure)
    assert float(first) == pytest.approx(0.5 * target @ target)  # the loss at the start is returned
    for _ in range(3):
        opt.step(closure)
    # the loss stops changing (tolerance_change) once x is within ~sqrt(float64 eps) of the solution
    np.testing.assert_allclose(x.data, expected, atol=1e-7)
    assert np.abs(design.T @ (design @ x.data - target)).max() < 1e-5  # normal equations
    assert opt.state[x]["n_iter"] < 40  # 12 unknowns: gradient descent would need hundreds


def test_lbfgs_with_strong_wolfe_minimises_rosenbrock_in_few_evaluations():
    x = ae.Tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = optim.LBFGS([x], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    opt.step(closure)
    assert np.abs(x.data - 1.0).max() < 1e-4
    assert opt.state[x]["func_evals"] < 200  # plain gradient descent needs ~20000 gradients


def test_lbfgs_updates_parameter_arrays_in_place_across_several_tensors():
    rng = np.random.default_rng(2)
    design = rng.standard_normal((30, 5)).astype(np.float32)
    target = rng.standard_normal(30).astype(np.float32)
    w = ae.Tensor(np.zeros((5, 1), np.float32), requires_grad=True)
    b = ae.Tensor(np.zeros(1, np.float32), requires_grad=True)
    buffers = (w.data, b.data)
    opt = optim.LBFGS([w, b], max_iter=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        residual = (design @ w + b).reshape(-1) - target
        loss = (residual * residual).mean()
        loss.backward()
        return loss

    opt.step(closure)
    assert w.data is buffers[0] and b.data is buffers[1] and w.dtype == np.float32
    augmented = np.hstack([design, np.ones((30, 1), np.float32)]).astype(np.float64)
    expected = np.linalg.lstsq(augmented, target.astype(np.float64), rcond=None)[0]
    # float32 loss: changes below ~1e-7 are invisible, so x is right to ~sqrt(1e-7)
    np.testing.assert_allclose(np.concatenate([w.data.ravel(), b.data]), expected, atol=1e-3)
