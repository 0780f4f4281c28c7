"""LBFGS against two references: the inverse Hessian written as a matrix (the two-loop recursion's
result) and torch.optim.LBFGS; every option changes the steps; strong-Wolfe steps satisfy the conditions."""
import numpy as np
import pytest
from helpers import largest_difference

import autograd_engine as ae
import optim

# ----- LBFGS ----------------------------------------------------------------------------------
# The objectives are functions of the two parameters' entries laid end to end, x (7 entries):
# written once for engine and torch tensors, and in NumPy with the gradient derived by hand.
LBFGS_X0 = [np.array([-1.2, 1.0, 0.8]), np.array([[0.5, -0.4], [1.1, 0.3]])]


def rosenbrock_expression(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def rosenbrock(x):
    """``sum(100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2)`` and its gradient."""
    a, b = x[:-1], x[1:]
    value = float(np.sum(100 * (b - a**2) ** 2 + (1 - a) ** 2))
    grad = np.zeros_like(x)
    grad[:-1] += -400 * a * (b - a**2) - 2 * (1 - a)
    grad[1:] += 200 * (b - a**2)
    return value, grad


def shallow_expression(x):
    return (0.005 * (x - 3) ** 2 + 0.0005 * (x - 3) ** 4).sum()


def shallow(x):
    """``sum(0.005 (x - 3)^2 + 0.0005 (x - 3)^4)`` and its gradient: a valley so flat that the first
    trial steps are far too short and the line search must extrapolate."""
    value = float(np.sum(0.005 * (x - 3) ** 2 + 0.0005 * (x - 3) ** 4))
    return value, 0.01 * (x - 3) + 0.002 * (x - 3) ** 3


OBJECTIVES = {"rosenbrock": (rosenbrock_expression, rosenbrock), "shallow": (shallow_expression, shallow)}


def run_lbfgs(opt, steps, objective, joined, flat):
    """``steps`` calls of ``opt.step`` with a closure of ``objective`` at ``joined()`` (the parameters
    laid end to end, in the optimizer's library).  Returns ``flat()`` (a NumPy copy of the
    parameters) after each call and the number of closure calls of each."""
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = OBJECTIVES[objective][0](joined())
        loss.backward()
        return loss

    points, evaluations = [], []
    for _ in range(steps):
        calls[0] = 0
        opt.step(closure)
        points.append(flat())
        evaluations.append(calls[0])
    return points, evaluations


def engine_lbfgs(steps, objective="rosenbrock", **kwargs):
    """``steps`` calls of ``optim.LBFGS(**kwargs).step`` on ``objective``.  Returns the flat
    parameters after each call and the number of closure calls of each."""
    a, b = (ae.Tensor(x.copy(), requires_grad=True) for x in LBFGS_X0)
    return run_lbfgs(optim.LBFGS([a, b], **kwargs), steps, objective, lambda: ae.concatenate([a, b.reshape(-1)]),
                     lambda: np.concatenate([a.data.ravel(), b.data.ravel()]))


def torch_lbfgs(steps, objective="rosenbrock", **kwargs):
    """The same with ``torch.optim.LBFGS`` in float64."""
    torch = pytest.importorskip("torch")
    a, b = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in LBFGS_X0)
    return run_lbfgs(torch.optim.LBFGS([a, b], **kwargs), steps, objective, lambda: torch.cat([a, b.reshape(-1)]),
                     lambda: torch.cat([a.detach().reshape(-1), b.detach().reshape(-1)]).numpy().copy())


def inverse_hessian(pairs, n):
    """The L-BFGS inverse-Hessian approximation as a matrix: start from ``gamma I`` with ``gamma =
    s'y / y'y`` of the newest pair and apply the BFGS update ``H <- (I - rho s y') H (I - rho y s')
    + rho s s'`` (``rho = 1 / y's``) for each kept pair, oldest first (Nocedal & Wright, eq. 7.19)."""
    if not pairs:
        return np.eye(n)
    s, y = pairs[-1]
    H = (s @ y) / (y @ y) * np.eye(n)
    for s, y in pairs:
        rho = 1.0 / (y @ s)
        left = np.eye(n) - rho * np.outer(s, y)
        H = left @ H @ left.T + rho * np.outer(s, s)
    return H


def lbfgs_reference(steps, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                    history_size=100):
    """L-BFGS without a line search, as documented in optim/lbfgs.py and torch.optim.LBFGS: each
    ``step`` evaluates the objective, stops at once if ``max|g| <= tolerance_grad``, then iterates
    ``x += t d`` with ``d = -H g`` (``H`` from the last ``history_size`` pairs whose ``s'y > 1e-10``;
    ``d = -g`` on the very first iteration), ``t = lr * min(1, 1 / |g|_1)`` on the very first
    iteration and ``lr`` after, evaluating after each move but the last of a step; it stops after
    ``max_iter`` iterations or ``max_eval`` evaluations, when ``max|g| <= tolerance_grad``, when
    ``max|t d| <= tolerance_change`` or the loss changes by less than ``tolerance_change``."""
    max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
    x = np.concatenate([v.ravel() for v in LBFGS_X0])
    pairs, previous, iterations = [], None, 0  # previous: (x, g) where the last direction started
    points, evaluations = [], []
    for _ in range(steps):
        loss, g = rosenbrock(x)
        evals = 1
        if np.abs(g).max() > tolerance_grad:
            for inner in range(1, max_iter + 1):
                iterations += 1
                if previous is not None:
                    s, y = x - previous[0], g - previous[1]
                    if s @ y > 1e-10:
                        pairs = (pairs + [(s, y)])[-history_size:]
                d = -inverse_hessian(pairs, x.size) @ g if iterations > 1 else -g
                t = lr * min(1.0, 1.0 / np.abs(g).sum()) if iterations == 1 else lr
                if g @ d > -tolerance_change:
                    break
                previous, loss_before = (x.copy(), g.copy()), loss
                x = x + t * d
                if inner == max_iter:
                    break
                loss, g = rosenbrock(x)
                evals += 1
                if evals >= max_eval or np.abs(g).max() <= tolerance_grad:
                    break
                if np.abs(t * d).max() <= tolerance_change or abs(loss - loss_before) < tolerance_change:
                    break
        points.append(x.copy())
        evaluations.append(evals)
    return points, evaluations


LBFGS_CASES = [
    dict(lr=1.0, max_iter=1),
    dict(lr=1.0, max_iter=5),
    dict(lr=0.5, max_iter=4, history_size=2),
    dict(lr=1.0, max_iter=6, history_size=1),
    dict(lr=1.0, max_iter=10, max_eval=4),
    dict(lr=1.0, max_iter=20, tolerance_change=1e-2),
    dict(lr=1.0, max_iter=20, tolerance_grad=5.0),
]
LBFGS_IDS = [",".join(f"{k}={v}" for k, v in kw.items()) for kw in LBFGS_CASES]


@pytest.mark.parametrize("kwargs", LBFGS_CASES, ids=LBFGS_IDS)
def test_lbfgs_matches_the_inverse_hessian_written_as_a_matrix(kwargs):
    points, evaluations = engine_lbfgs(6, **kwargs)
    expected_points, expected_evaluations = lbfgs_reference(6, **kwargs)
    assert evaluations == expected_evaluations
    for step, (a, b) in enumerate(zip(points, expected_points), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=f"LBFGS({kwargs}), step() call {step}")


@pytest.mark.parametrize("kwargs", LBFGS_CASES, ids=LBFGS_IDS)
def test_lbfgs_matches_torch(kwargs):
    points, evaluations = engine_lbfgs(6, **kwargs)
    expected_points, expected_evaluations = torch_lbfgs(6, **kwargs)
    assert evaluations == expected_evaluations
    for step, (a, b) in enumerate(zip(points, expected_points), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=f"LBFGS({kwargs}), step() call {step}")


def test_lbfgs_cases_exercise_their_options():
    # the history limit and the stopping rules change the reference run on this problem
    full = lbfgs_reference(6, lr=1.0, max_iter=6)
    assert largest_difference([full[0]], [lbfgs_reference(6, lr=1.0, max_iter=6, history_size=1)[0]]) > 1e-4
    _, evaluations = lbfgs_reference(6, lr=1.0, max_iter=10, max_eval=4)
    assert evaluations == [4] * 6
    _, evaluations = lbfgs_reference(6, lr=1.0, max_iter=20, tolerance_grad=5.0)
    assert evaluations[-1] == 1  # converged to max|g| <= 5: later calls only evaluate
    _, evaluations = lbfgs_reference(6, lr=1.0, max_iter=20, tolerance_change=1e-2)
    assert max(evaluations) < 20


@pytest.mark.parametrize("objective, iterations", [("rosenbrock", 20), ("shallow", 5)])
def test_lbfgs_strong_wolfe_steps_satisfy_the_wolfe_conditions_along_the_quasi_newton_direction(objective,
                                                                                                iterations):
    # one iteration per step() call; each accepted move must be along -H g (H from the pairs
    # of the accepted iterates, as a matrix) with a step length meeting the strong Wolfe
    # conditions, c1 = 1e-4 and c2 = 0.9 (optim/lbfgs.py)
    function = OBJECTIVES[objective][1]
    points, _ = engine_lbfgs(60, objective, line_search_fn="strong_wolfe", max_iter=1, history_size=3)
    x = np.concatenate([v.ravel() for v in LBFGS_X0])
    pairs, previous, checked = [], None, 0
    for k, x_next in enumerate(points):
        f, g = function(x)
        if np.array_equal(x_next, x):  # converged: the step returned without moving
            break
        if previous is not None:
            s, y = x - previous[0], g - previous[1]
            if s @ y > 1e-10:
                pairs = (pairs + [(s, y)])[-3:]
        d = -inverse_hessian(pairs, x.size) @ g if k > 0 else -g
        move = x_next - x
        t = float(move @ d) / float(d @ d)
        np.testing.assert_allclose(move, t * d, rtol=1e-7, atol=1e-12, err_msg=f"iteration {k + 1}: not along -H g")
        f_next, g_next = function(x_next)
        assert t > 0
        assert f_next <= f + 1e-4 * t * (g @ d), f"iteration {k + 1}: no sufficient decrease"
        assert abs(g_next @ d) <= 0.9 * abs(g @ d) + 1e-12, f"iteration {k + 1}: curvature condition fails"
        previous, x = (x, g), x_next
        checked += 1
    assert checked >= iterations
    # it stops (the directional derivative falls below tolerance_change) near a stationary point;
    # for Rosenbrock the local minimum of the 7-d function near (-1, 1, ..., 1)
    assert np.abs(function(points[-1])[1]).max() < 1e-3


@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
@pytest.mark.parametrize("kwargs", [dict(line_search_fn="strong_wolfe"),
                                    dict(line_search_fn="strong_wolfe", max_iter=5, history_size=3)],
                         ids=["defaults", "max_iter=5,history_size=3"])
def test_lbfgs_strong_wolfe_matches_torch(kwargs, objective):
    # the line search is written after Nocedal & Wright, as PyTorch's is; on these problems both
    # accept the same step lengths, so the runs agree
    points, evaluations = engine_lbfgs(4, objective, **kwargs)
    expected_points, expected_evaluations = torch_lbfgs(4, objective, **kwargs)
    assert evaluations == expected_evaluations
    for step, (a, b) in enumerate(zip(points, expected_points), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10, err_msg=f"LBFGS({kwargs}), step() call {step}")
