"""Dropout and Dropout2d: inverted dropout, the identity in eval mode, edge probabilities and generators,
whole channels dropped, the gradient is the mask, ``inplace=`` accepted."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import check_module, randn

import autograd_engine as ae
import nn
import nn.functional as F
from autograd_engine.gradcheck import gradcheck


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_dropout_gradients_match_finite_differences_with_gradchecks_reseeding(train):
    model = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.4), nn.Linear(8, 3))
    check_module(model, randn(4, 5), train=train)


# ----- dropout --------------------------------------------------------------------------


def test_dropout_is_inverted_and_the_identity_in_eval():
    ae.seed(0)
    x = np.full((400, 500), 3.0)
    layer = nn.Dropout(0.3)
    out = layer(ae.Tensor(x)).data
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(out[kept], 3.0 / 0.7)
    assert abs(out.mean() - 3.0) < 0.02
    layer.eval()
    t = ae.Tensor(x)
    assert layer(t) is t


def test_dropout_edge_probabilities_and_generators():
    x = ae.Tensor(np.ones((3, 4)))
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0)
    a = F.dropout(x, 0.5, generator=np.random.default_rng(5)).data
    b = F.dropout(x, 0.5, generator=np.random.default_rng(5)).data
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="p is the probability"):
        nn.Dropout(1.5)


# ----- Dropout2d ----------------------------------------------------------------------


def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    x = np.random.default_rng(6).uniform(1.0, 2.0, (40, 50, 3, 4))
    out = F.dropout2d(x, 0.3, generator=np.random.default_rng(7)).data
    ratio = (out / x).reshape(40, 50, 12)
    np.testing.assert_allclose(ratio, ratio[..., :1] * np.ones(12), rtol=1e-12)  # one factor per channel
    factors = ratio[..., 0]
    assert set(np.round(np.unique(factors), 12)) == {0.0, round(1 / 0.7, 12)}
    assert abs((factors == 0).mean() - 0.3) < 0.04  # 2000 channels: the standard error is 0.01
    # the same generator state gives the same mask; the mask is one uniform per (n, c)
    again = F.dropout2d(x, 0.3, generator=np.random.default_rng(7)).data
    np.testing.assert_array_equal(out, again)
    keep = np.random.default_rng(7).random((40, 50)) < 0.7
    np.testing.assert_array_equal(factors != 0, keep)


def test_dropout2d_unbatched_eval_and_edge_probabilities():
    x = np.random.default_rng(8).uniform(1.0, 2.0, (30, 2, 2))
    layer = nn.Dropout2d(0.5, generator=np.random.default_rng(9))
    out = layer(x).data
    assert out.shape == x.shape
    per_channel = (out / x).reshape(30, 4)
    np.testing.assert_allclose(per_channel, per_channel[:, :1] * np.ones(4))
    assert 0 < (per_channel[:, 0] == 0).sum() < 30
    layer.eval()
    assert layer(x) is x
    assert F.dropout2d(x, 0.0) is x and F.dropout2d(x, 0.7, training=False) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).data, np.zeros_like(x))
    with pytest.raises(ae.ShapeError, match=r"dropout2d: expected \(N, C, H, W\) or an unbatched \(C, H, W\), got "
                                            r"shape \(4, 5\); use dropout"):
        F.dropout2d(np.ones((4, 5)), 0.5)
    with pytest.raises(ae.ShapeError, match=r"Dropout2d: expected"):
        nn.Dropout2d()(np.ones((1, 2, 3, 4, 5)))
    with pytest.raises(ValueError, match="Dropout2d: p is the probability of dropping a unit and must be in"):
        nn.Dropout2d(1.5)


def test_dropout2d_gradient_is_the_mask():
    rng = np.random.default_rng(10)
    x = ae.Tensor(rng.uniform(1.0, 2.0, (3, 4, 2, 2)), requires_grad=True)
    out = F.dropout2d(x, 0.5, generator=np.random.default_rng(11))
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    np.testing.assert_allclose(x.grad, upstream * out.data / x.data, rtol=1e-12)
    report = gradcheck(lambda t: F.dropout2d(t, 0.4), [rng.standard_normal((2, 5, 3, 3))])
    assert report, report.table()


def test_inplace_is_accepted_and_changes_nothing():
    x = np.random.default_rng(12).standard_normal((2, 3, 2, 2))
    before = x.copy()
    for layer in (nn.Dropout(0.5, inplace=True), nn.Dropout2d(0.5, inplace=True)):
        assert "inplace=True" in repr(layer)
        out = layer(x)
        np.testing.assert_array_equal(x, before)
        assert (out.data == 0).any()
    assert repr(nn.Dropout2d(0.25)) == "Dropout2d(p=0.25)"
    out = F.dropout(x, 0.5, True, True)  # PyTorch's positional order: input, p, training, inplace
    np.testing.assert_array_equal(x, before)
    assert (out.data == 0).any()


def test_a_generator_passed_where_it_stood_before_inplace_is_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"Dropout: inplace must be True or False, got a Generator; pass a generator by keyword"):
        nn.Dropout(0.5, rng)
    with pytest.raises(TypeError, match=r"dropout: inplace must be True or False"):
        nn.functional.dropout(np.ones(3), 0.5, True, rng)
