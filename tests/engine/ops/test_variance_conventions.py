"""NumPy's and PyTorch's variances differ in their default divisor (NumPy's ``ddof=0``: n; PyTorch's
``correction=1``: n - 1).  ``var``/``std`` keep NumPy's default when called NumPy's way and take
PyTorch's when called PyTorch's way (``dim=``, ``keepdim=``, ``correction=``, ``unbiased=``);
``var_mean``/``std_mean``, names only PyTorch has, take PyTorch's.  Values and gradients against PyTorch
float64 and NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae

RNG = np.random.default_rng(3)
X = RNG.standard_normal((3, 5))
UPSTREAM = RNG.standard_normal(3)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("kwargs", [{"dim": 1}, {"dim": 1, "keepdim": False}, {"dim": 1, "correction": 1},
                                    {"dim": 1, "unbiased": True}, {"dim": 1, "correction": 0},
                                    {"dim": 1, "unbiased": False}])
def test_var_and_std_in_pytorchs_spelling_follow_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    x, tx = ae.Tensor(X.copy(), requires_grad=True), torch.tensor(X, requires_grad=True)
    ours, theirs = getattr(x, name)(**kwargs), getattr(tx, name)(**kwargs)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    (ours * UPSTREAM).sum().backward()
    (theirs * torch.tensor(UPSTREAM)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_in_numpys_spelling_follow_numpy(name):
    x = ae.Tensor(X)
    np.testing.assert_allclose(getattr(x, name)().data, getattr(np, name)(X), rtol=1e-12)
    np.testing.assert_allclose(getattr(ae, name)(X, axis=1).data, getattr(np, name)(X, axis=1), rtol=1e-12)
    np.testing.assert_allclose(getattr(ae, name)(X, axis=1, ddof=1).data, getattr(np, name)(X, axis=1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(getattr(ae, name)(X, dim=1, ddof=0).data, getattr(np, name)(X, axis=1), rtol=1e-12)


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": 1, "correction": 0},
                                    {"dim": 1, "unbiased": False}])
def test_var_mean_and_std_mean_follow_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    x, tx = ae.Tensor(X.copy(), requires_grad=True), torch.tensor(X, requires_grad=True)
    (spread, mean), (tspread, tmean) = getattr(ae, name)(x, **kwargs), getattr(torch, name)(tx, **kwargs)
    np.testing.assert_allclose(spread.data, tspread.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(mean.data, tmean.detach().numpy(), rtol=1e-12)
    weights = RNG.standard_normal(tspread.shape)
    (spread * weights + mean).sum().backward()
    (tspread * torch.tensor(weights) + tmean).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_var_mean_with_ddof_zero_is_numpys_population_variance():
    spread, _ = ae.var_mean(X, axis=1, ddof=0)
    np.testing.assert_allclose(spread.data, X.var(axis=1), rtol=1e-12)


def test_two_ways_of_saying_the_divisor_are_refused():
    with pytest.raises(TypeError, match=r"var: got both ddof= and unbiased=; pass one"):
        ae.var(X, ddof=1, unbiased=True)
    with pytest.raises(TypeError, match=r"std_mean: got both axis= and PyTorch's dim="):
        ae.std_mean(X, axis=0, dim=1)
