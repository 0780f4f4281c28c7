"""Activations: values against their formulas, gradients at zero as PyTorch's, stability for huge inputs, maxout."""
import math

import numpy as np
import pytest
from helpers import randn

import autograd_engine as ae
import nn
import nn.functional as F

# ----- forward values and edge semantics ------------------------------------------------


def test_activation_values_match_their_formulas():
    x = np.linspace(-5, 5, 41)
    t = ae.Tensor(x)
    np.testing.assert_allclose(nn.ReLU()(t).data, np.maximum(x, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(t).data, np.where(x > 0, x, 0.1 * x))
    np.testing.assert_allclose(nn.ELU(0.5)(t).data, np.where(x > 0, x, 0.5 * (np.exp(x) - 1)))
    np.testing.assert_allclose(nn.Sigmoid()(t).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(nn.Tanh()(t).data, np.tanh(x))
    np.testing.assert_allclose(nn.Softplus()(t).data, np.logaddexp(0, x))
    np.testing.assert_allclose(nn.Softplus(beta=2, threshold=3)(t).data, np.where(2 * x > 3, x, np.logaddexp(0, 2 * x) / 2))
    phi = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(nn.GELU()(t).data, x * phi, rtol=1e-12, atol=1e-15)
    tanh_gelu = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(nn.GELU("tanh")(t).data, tanh_gelu, rtol=1e-12)
    prelu = nn.PReLU(init=0.3)
    np.testing.assert_allclose(prelu(t).data, np.where(x > 0, x, 0.3 * x), rtol=1e-6)


def test_activation_gradients_at_zero_follow_pytorch():
    def slope_at_zero(module):
        x = ae.Tensor(np.zeros(1), requires_grad=True)
        module.double()(x).sum().backward()
        return float(x.grad[0])

    assert slope_at_zero(nn.ReLU()) == 0.0
    assert slope_at_zero(nn.LeakyReLU(0.2)) == 0.2
    assert slope_at_zero(nn.PReLU(init=0.25)) == 0.25
    assert slope_at_zero(nn.ELU(alpha=0.7)) == pytest.approx(0.7)
    assert slope_at_zero(nn.Softplus()) == pytest.approx(0.5)
    assert slope_at_zero(nn.GELU()) == pytest.approx(0.5)


def test_softplus_and_elu_stay_finite_for_huge_inputs():
    x = ae.Tensor(np.array([-1e4, -50.0, -5.0, 50.0, 1e4]), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.softplus(x) + F.elu(x)
        y.sum().backward()
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad[[0, 2, 3, 4]], [0.0, 1 / (1 + np.exp(5.0)) + np.exp(-5.0), 2.0, 2.0], rtol=1e-12)
    s = ae.Tensor(np.array([-50.0]), requires_grad=True)
    F.softplus(s).sum().backward()
    np.testing.assert_allclose(s.grad, [np.exp(-50.0)], rtol=1e-12)  # sigmoid(-50), no cancellation


def test_maxout_takes_the_max_of_k_affine_maps():
    layer = nn.Maxout(3, 2, pieces=4).double()
    x = randn(5, 3)
    affine = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, affine.reshape(5, 2, 4).max(axis=2))
