"""nn.init: fans, gains, distributions (trunc_normal_ in its bounds), eye_, dirac_, generators."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_engine as ae
import nn
from nn import init

# ----- fans and initialisers ------------------------------------------------------------------


def test_fans_of_linear_and_conv_weights():
    assert nn.init.calculate_fan_in_and_fan_out(np.empty((30, 20))) == (20, 30)
    assert nn.init.calculate_fan_in_and_fan_out(np.empty((16, 3, 5, 5))) == (75, 400)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.calculate_fan_in_and_fan_out(np.empty(5))


def test_gains():
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        nn.init.calculate_gain("swish")


def big(shape=(400, 500), dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def test_kaiming_normal_is_the_notes_he_init():
    w = nn.init.kaiming_normal_(big((300, 500)), generator=np.random.default_rng(0))
    assert abs(w.data.std() - math.sqrt(2 / 500)) < 0.01 * math.sqrt(2 / 500)
    assert abs(w.data.mean()) < 1e-3
    conv = nn.init.he_normal_(big((64, 8, 3, 3)), mode="fan_out", generator=np.random.default_rng(1))
    assert abs(conv.data.std() - math.sqrt(2 / (64 * 9))) < 0.02 * math.sqrt(2 / (64 * 9))


def test_uniform_initialisers_respect_their_bounds():
    rng = np.random.default_rng(2)
    w = nn.init.kaiming_uniform_(big((200, 300)), generator=rng)
    bound = math.sqrt(6 / 300)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    w = nn.init.xavier_uniform_(big((200, 300)), gain=2.0, generator=rng)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    w = nn.init.xavier_normal_(big((200, 300)), generator=rng)
    assert abs(w.data.std() - math.sqrt(2 / 500)) < 0.02 * math.sqrt(2 / 500)
    w = nn.init.uniform_(big((100,)), -0.5, 2.0, generator=rng)
    assert w.data.min() >= -0.5 and w.data.max() < 2.0


def test_constant_zeros_small_random_and_dtype_preservation():
    w = nn.init.constant_(big((3, 3), np.float32), 0.5)
    assert w.dtype == np.float32 and np.all(w.data == 0.5)
    assert np.all(nn.init.zeros_(w).data == 0) and np.all(nn.init.ones_(w).data == 1)
    s = nn.init.small_random_(big((300, 300)), generator=np.random.default_rng(3))
    assert abs(s.data.std() - 0.01) < 2e-4
    with pytest.raises(TypeError, match="floating"):
        nn.init.normal_(np.zeros(3, dtype=np.int64))


def test_orthogonal_rows_or_columns_are_orthonormal():
    tall = nn.init.orthogonal_(big((6, 4)), generator=np.random.default_rng(0)).data
    np.testing.assert_allclose(tall.T @ tall, np.eye(4), atol=1e-12)
    wide = nn.init.orthogonal_(big((3, 2, 2, 2)), gain=2.0, generator=np.random.default_rng(0)).data.reshape(3, 8)
    np.testing.assert_allclose(wide @ wide.T, 4 * np.eye(3), atol=1e-12)


def test_sparse_init_connects_each_unit_to_k_inputs_or_zeros_a_fraction_per_column():
    w = nn.init.sparse_(big((20, 50)), k=10, generator=np.random.default_rng(0)).data
    assert np.all((w != 0).sum(axis=1) == 10)
    assert abs(w[w != 0].std() - 0.01) < 0.002
    w = nn.init.sparse_(big((20, 50)), sparsity=0.3, generator=np.random.default_rng(0)).data
    assert np.all((w == 0).sum(axis=0) == 6)
    with pytest.raises(ValueError, match="exactly one"):
        nn.init.sparse_(big((2, 2)))


def test_initialisers_repeat_under_a_seed_or_an_explicit_generator():
    ae.seed(11)
    a = nn.Linear(5, 4).weight.data.copy()
    ae.seed(11)
    b = nn.Linear(5, 4).weight.data.copy()
    np.testing.assert_array_equal(a, b)
    x = nn.init.normal_(big((3, 3)), generator=np.random.default_rng(9)).data.copy()
    y = nn.init.normal_(big((3, 3)), generator=np.random.default_rng(9)).data.copy()
    np.testing.assert_array_equal(x, y)


# ----- init.trunc_normal_, eye_, dirac_ -----------------------------------------------


def test_trunc_normal_stays_in_bounds_and_has_the_truncated_mean_and_variance():
    weight = nn.Parameter(np.zeros((400, 500), np.float32))
    assert init.trunc_normal_(weight, mean=0.5, std=2.0, a=-1.0, b=3.0, generator=np.random.default_rng(13)) is weight
    values = weight.data.astype(np.float64)
    assert weight.dtype == np.float32
    assert values.min() >= -1.0 and values.max() <= 3.0
    # Truncated normal: alpha, beta = (a - mu)/s, (b - mu)/s; Z = Phi(beta) - Phi(alpha);
    # mean = mu + s * (phi(alpha) - phi(beta)) / Z; var = s^2 * (1 + (alpha phi(alpha) - beta phi(beta))/Z - ((phi(alpha) - phi(beta))/Z)^2)
    alpha, beta = -0.75, 1.25
    phi = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    Phi = lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2)))  # noqa: E731
    z = Phi(beta) - Phi(alpha)
    mean = 0.5 + 2.0 * (phi(alpha) - phi(beta)) / z
    var = 4.0 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2)
    assert abs(values.mean() - mean) < 0.01  # the standard error is about 0.0015
    assert abs(values.var() - var) < 0.01
    ae.seed(3)
    first = init.trunc_normal_(np.zeros(50)).copy()
    ae.seed(3)
    np.testing.assert_array_equal(init.trunc_normal_(np.zeros(50)), first)
    assert np.abs(first).max() <= 2.0 and first.std() > 0.5  # defaults: N(0, 1) cut at [-2, 2]


def test_trunc_normal_warnings_and_errors():
    with pytest.warns(UserWarning, match="more than 2 std"):
        values = init.trunc_normal_(np.zeros(100), mean=4.5, std=1.0, a=-2.0, b=2.0)
    assert values.min() >= -2.0 and values.max() <= 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.trunc_normal_(np.zeros(10), mean=3.5)  # 1.5 std from b: no warning
    with pytest.raises(ValueError, match=r"a < b, got a=2.0, b=-2.0"):
        init.trunc_normal_(np.zeros(3), a=2.0, b=-2.0)
    with pytest.raises(ValueError, match=r"holds only .* move mean into \[a, b\]"), pytest.warns(UserWarning):
        init.trunc_normal_(np.zeros(3), mean=100.0)
    with pytest.raises(TypeError, match="init.trunc_normal_: expected a floating"):
        init.trunc_normal_(np.zeros(3, np.int64))


def test_eye_fills_the_identity():
    for shape in ((3, 3), (2, 4), (4, 2)):
        weight = nn.Parameter(np.full(shape, 7.0, np.float32))
        assert init.eye_(weight) is weight and weight.dtype == np.float32
        expected = np.zeros(shape)
        for i in range(min(shape)):
            expected[i, i] = 1
        np.testing.assert_array_equal(weight.data, expected)
    with pytest.raises(ValueError, match=r"only 2-D weights are supported, got shape \(2, 2, 3\); for a convolution "
                                         r"use dirac_"):
        init.eye_(np.zeros((2, 2, 3)))


def test_dirac_fills_the_kernel_centres_and_makes_an_identity_convolution():
    weight = init.dirac_(np.full((4, 3, 2, 3), 5.0), groups=2)
    expected = np.zeros((4, 3, 2, 3))
    # 2 output channels per group, min(2, 3) = 2 deltas per group, centre (2 // 2, 3 // 2) = (1, 1)
    for out_channel, in_channel in ((0, 0), (1, 1), (2, 0), (3, 1)):
        expected[out_channel, in_channel, 1, 1] = 1
    np.testing.assert_array_equal(weight, expected)
    expected = np.zeros((2, 4, 3))
    expected[0, 0, 1] = expected[1, 1, 1] = 1
    np.testing.assert_array_equal(init.dirac_(np.ones((2, 4, 3))), expected)  # 3-D, more inputs than outputs
    assert init.dirac_(np.ones((3, 3, 3, 3, 3)))[2, 2, 1, 1, 1] == 1
    layer = nn.Conv2d(3, 3, 5, padding="same", bias=False, dtype=np.float64)
    init.dirac_(layer.weight)
    x = np.random.default_rng(14).standard_normal((2, 3, 6, 7))
    np.testing.assert_allclose(layer(x).data, x, atol=1e-14)
    with pytest.raises(ValueError, match=r"only 3-, 4- or 5-D weights .* got shape \(3, 3\); for a 2-D weight use eye_"):
        init.dirac_(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"groups=2 must be a positive int dividing dim 0 \(out channels = 3\)"):
        init.dirac_(np.zeros((3, 2, 3)), groups=2)
