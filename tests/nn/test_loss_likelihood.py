"""binary_cross_entropy, kl_div, poisson_nll_loss, gaussian_nll_loss (nn/loss_likelihood.py) and
huber_loss: values written out by hand, forward and gradients against PyTorch float64 for every
reduction, the modules, and the edge values (p = 0 or 1, t = 0, tiny variances).  The
finite-difference checks of every argument are in test_loss_gradients.py."""
import math

import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(18)
N, D = 5, 4
P = RNG.uniform(0.05, 0.95, (N, D))
T = RNG.uniform(0.0, 1.0, (N, D))
W = RNG.uniform(0.5, 2.0, (N, D))
LOG_P = np.log(RNG.dirichlet(np.ones(D), N))
Q = RNG.dirichlet(np.ones(D), N)
Q[0] = [0.0, 0.25, 0.25, 0.5]  # a zero-probability target class
X, Y = RNG.standard_normal((2, N, D))
VAR = RNG.uniform(0.1, 2.0, (N, D))
COUNTS = RNG.poisson(3.0, (N, D)).astype(np.float64)

# name: (engine loss, PyTorch loss, arrays differentiated in both); the loss takes the reduction
CASES = {
    "binary_cross_entropy, weight": (
        lambda r, p, t: F.binary_cross_entropy(p, t, W, reduction=r),
        lambda tf, r, p, t: tf.binary_cross_entropy(p, t, _torch(W), reduction=r), [P, T]),
    "kl_div": (lambda r, x: F.kl_div(x, Q, reduction=r), lambda tf, r, x: tf.kl_div(x, _torch(Q), reduction=r), [LOG_P]),
    "kl_div, log_target": (
        lambda r, x, t: F.kl_div(x, t, reduction=r, log_target=True),
        lambda tf, r, x, t: tf.kl_div(x, t, reduction=r, log_target=True), [LOG_P, LOG_P[::-1].copy()]),
    "poisson_nll_loss": (
        lambda r, x: F.poisson_nll_loss(x, COUNTS, reduction=r),
        lambda tf, r, x: tf.poisson_nll_loss(x, _torch(COUNTS), reduction=r), [X]),
    "poisson_nll_loss, rates, full": (
        lambda r, x: F.poisson_nll_loss(x, COUNTS, log_input=False, full=True, reduction=r),
        lambda tf, r, x: tf.poisson_nll_loss(x, _torch(COUNTS), log_input=False, full=True, reduction=r), [VAR]),
    "gaussian_nll_loss, full": (
        lambda r, x, y, v: F.gaussian_nll_loss(x, y, v, full=True, reduction=r),
        lambda tf, r, x, y, v: tf.gaussian_nll_loss(x, y, v, full=True, reduction=r), [X, Y, VAR]),
    "gaussian_nll_loss, var without the last axis": (
        lambda r, x, v: F.gaussian_nll_loss(x, Y, v, reduction=r),
        lambda tf, r, x, v: tf.gaussian_nll_loss(x, _torch(Y), v, reduction=r), [X, VAR[:, 0].copy()]),
    "gaussian_nll_loss, shared var clamped by eps": (
        lambda r, x, v: F.gaussian_nll_loss(x, Y, v, eps=0.5, reduction=r),
        lambda tf, r, x, v: tf.gaussian_nll_loss(x, _torch(Y), v, eps=0.5, reduction=r), [X, VAR[:, :1].copy()]),
    "huber_loss": (
        lambda r, x, y: F.huber_loss(x, y, reduction=r, delta=0.6),
        lambda tf, r, x, y: tf.huber_loss(x, y, reduction=r, delta=0.6), [X, Y]),
}


def _torch(a):
    torch = pytest.importorskip("torch")
    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # PyTorch's kl_div notice
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_pytorch(name, reduction):
    loss, torch_loss, arrays = CASES[name]
    helpers.assert_loss_matches_torch(loss, torch_loss, arrays, reduction, RNG)


def test_kl_div_batchmean_is_the_kl_divergence_per_example():
    q, log_p = np.array([[0.5, 0.5], [0.0, 1.0]]), np.log(np.array([[0.25, 0.75], [0.5, 0.5]]))
    by_hand = (0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75) + 1.0 * math.log(1.0 / 0.5)) / 2
    assert float(F.kl_div(log_p, q, reduction="batchmean").data) == pytest.approx(by_hand, rel=1e-12)
    assert float(nn.KLDivLoss("batchmean")(log_p, q).data) == pytest.approx(by_hand, rel=1e-12)
    assert float(F.kl_div(log_p, q, reduction="mean").data) == pytest.approx(by_hand * 2 / 4, rel=1e-12)


def test_binary_cross_entropy_of_certain_predictions_is_finite():
    """The logs are clipped at -100, as PyTorch; the clipped ends pass no gradient (EDGE_CASES.md)."""
    p = ae.Tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([0.0, 1.0, 1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(loss.data, [0.0, 0.0, 100.0, 100.0])
    loss.sum().backward()
    np.testing.assert_array_equal(p.grad, [1.0, -1.0, 0.0, 0.0])  # d/dp -log(1-p) at 0 is 1


def test_gaussian_nll_passes_the_gradient_through_the_eps_clamp():
    var = ae.Tensor(np.array([1e-9]), requires_grad=True)
    F.gaussian_nll_loss(np.array([1.0]), np.array([0.0]), var, eps=0.01).backward()
    # d/dv of (log v + 1/v) / 2 at the clamped v = 0.01, applied to the unclamped variance
    assert var.grad[0] == pytest.approx(0.5 * (1 / 0.01 - 1 / 0.01**2), rel=1e-12)


def test_poisson_full_adds_stirlings_term_only_above_one():
    x, t = np.zeros(3), np.array([0.0, 1.0, 4.0])
    plain = F.poisson_nll_loss(x, t, reduction="none").data
    full = F.poisson_nll_loss(x, t, full=True, reduction="none").data
    stirling = 4 * math.log(4) - 4 + 0.5 * math.log(2 * math.pi * 4)
    np.testing.assert_allclose(full - plain, [0.0, 0.0, stirling], rtol=1e-12)


def test_huber_is_delta_times_smooth_l1():
    np.testing.assert_allclose(
        F.huber_loss(X, Y, delta=0.4).data, 0.4 * F.smooth_l1_loss(X, Y, beta=0.4).data, rtol=1e-12
    )


def test_modules_call_their_functions():
    assert float(nn.BCELoss(weight=W, reduction="sum")(P, T).data) == pytest.approx(
        float(F.binary_cross_entropy(P, T, W, reduction="sum").data), rel=1e-15)
    assert float(nn.PoissonNLLLoss(log_input=False, full=True)(VAR, COUNTS).data) == pytest.approx(
        float(F.poisson_nll_loss(VAR, COUNTS, log_input=False, full=True).data), rel=1e-15)
    assert float(nn.GaussianNLLLoss(full=True)(X, Y, VAR).data) == pytest.approx(
        float(F.gaussian_nll_loss(X, Y, VAR, full=True).data), rel=1e-15)
    assert float(nn.HuberLoss(delta=2.0)(X, Y).data) == pytest.approx(float(F.huber_loss(X, Y, delta=2.0).data))
    assert float(nn.KLDivLoss(log_target=True)(LOG_P, LOG_P).data) == 0.0


def test_bad_inputs_are_refused_with_the_loss_named():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: the input must hold probabilities in \[0, 1\], got 1.5"):
        F.binary_cross_entropy(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ae.ShapeError, match=r"binary_cross_entropy: target of shape \(3,\) must have the input's shape \(2,\)"):
        F.binary_cross_entropy(np.array([0.5, 0.5]), np.ones(3))
    with pytest.raises(ValueError, match="kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'avg'"):
        F.kl_div(LOG_P, Q, reduction="avg")
    with pytest.raises(ValueError, match="gaussian_nll_loss: var must be non-negative, got -1.0"):
        F.gaussian_nll_loss(np.zeros(2), np.zeros(2), np.array([1.0, -1.0]))
    with pytest.raises(ae.ShapeError, match=r"gaussian_nll_loss: var of shape \(3,\) must have the input's shape \(5, 4\)"):
        F.gaussian_nll_loss(X, Y, np.ones(3))
    with pytest.raises(ValueError, match="huber_loss: delta must be positive, got 0"):
        F.huber_loss(X, Y, delta=0)
    with pytest.raises(ValueError, match=r"HuberLoss: delta must lie in \(0.0, inf\], got -1"):
        nn.HuberLoss(delta=-1)
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be"):
        nn.KLDivLoss("avg")


def test_kl_div_target_gradient_at_a_zero_probability_is_minus_the_input():
    """t log t is taken as 0 at t = 0, so the target's gradient there is -input (PyTorch: NaN)."""
    t = ae.Tensor(np.array([0.0, 0.5, 0.5]), requires_grad=True)
    x = np.log(np.array([0.2, 0.3, 0.5]))
    F.kl_div(x, t, reduction="sum").backward()
    np.testing.assert_allclose(t.grad, [-x[0], math.log(0.5) + 1 - x[1], math.log(0.5) + 1 - x[2]], rtol=1e-12)
