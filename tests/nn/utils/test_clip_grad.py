"""``nn.utils.clip_grad_norm_`` and ``clip_grad_value_``: the norm is bounded in the same direction, small
gradients are left alone, other norms and non-finite values, and clipping tames an exploding RNN step."""
import math

import numpy as np
import pytest

import autograd_engine as ae
import nn

# ----- gradient clipping -----------------------------------------------------------------------


def params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g), np.float32))
        p.grad = np.array(g, dtype=np.float32)
        params.append(p)
    return params


def test_clip_grad_norm_bounds_the_norm_keeps_the_direction_and_returns_the_pre_clip_norm():
    rng = np.random.default_rng(4)
    grads = [rng.standard_normal((3, 4)) * 10, rng.standard_normal(5) * 10]
    params = params_with_grads(*grads)
    before = math.sqrt(sum(float((g.astype(np.float32).astype(np.float64) ** 2).sum()) for g in grads))
    norm = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert float(norm) == pytest.approx(before, rel=1e-6)
    after = math.sqrt(sum(float((p.grad.astype(np.float64) ** 2).sum()) for p in params))
    assert after == pytest.approx(1.0, rel=1e-5) and after <= 1.0 + 1e-6
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad, g * (1.0 / before), rtol=1e-5)  # same direction, scaled
        assert p.grad.dtype == np.float32


def test_clip_grad_norm_leaves_small_gradients_alone_and_skips_missing_ones():
    params = params_with_grads(np.array([0.3, -0.4]))
    untouched = nn.Parameter(np.ones(3))
    norm = nn.utils.clip_grad_norm_([*params, untouched], max_norm=5.0)
    assert float(norm) == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad, np.float32([0.3, -0.4]))
    assert untouched.grad is None
    assert float(nn.utils.clip_grad_norm_([untouched], 1.0)) == 0.0


def test_clip_grad_norm_other_norms_and_nonfinite():
    params = params_with_grads(np.array([3.0, -4.0]), np.array([1.0]))
    assert float(nn.utils.clip_grad_norm_(params, 100.0, norm_type=math.inf)) == 4.0
    assert float(nn.utils.clip_grad_norm_(params, 100.0, norm_type=1)) == pytest.approx(8.0)
    nn.utils.clip_grad_norm_(params, 2.0, norm_type=1)
    assert float(np.abs(params[0].grad).sum() + np.abs(params[1].grad).sum()) == pytest.approx(2.0, rel=1e-5)
    bad = params_with_grads(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="total norm .* is inf"):
        nn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    # PyTorch's foreach= is accepted (code written for PyTorch runs) and changes nothing
    assert float(nn.utils.clip_grad_norm_(params, 100.0, norm_type=1, foreach=True)) == pytest.approx(2.0, rel=1e-5)
    nn.utils.clip_grad_value_(params, 0.5, foreach=False)
    assert float(np.abs(params[0].grad).max()) == pytest.approx(0.5)


def test_clip_grad_value_clips_every_entry_in_place():
    params = params_with_grads(np.array([[-3.0, 0.5], [2.0, -0.1]]))
    grad_array = params[0].grad
    nn.utils.clip_grad_value_(params, 1.0)
    assert params[0].grad is grad_array
    np.testing.assert_array_equal(params[0].grad, np.float32([[-1.0, 0.5], [1.0, -0.1]]))


def test_clipping_tames_an_exploding_rnn_step():
    ae.seed(0)
    rnn = nn.RNN(2, 6, nonlinearity="relu").double()  # a tanh RNN would saturate instead
    rnn.weight_hh_l0.data[...] = 1.5 * np.eye(6)  # a recurrent gain above 1: h_t grows like 1.5^t
    rnn.weight_ih_l0.data[...] = np.abs(rnn.weight_ih_l0.data)
    rnn.bias_ih_l0.data[...] = rnn.bias_hh_l0.data[...] = 0.0
    x = np.abs(np.random.default_rng(5).standard_normal((30, 4, 2))) * 0.01
    out, _ = rnn(x)
    out[-1].sum().backward()
    norm = float(nn.utils.clip_grad_norm_(rnn.parameters(), 1.0))
    assert norm > 1e3
    total = math.sqrt(sum(float((p.grad**2).sum()) for p in rnn.parameters()))
    assert total == pytest.approx(1.0, rel=1e-6)
