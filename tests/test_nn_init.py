"""nn.init (fans, distributions, generators) and nn regularization (penalties, max-norm, bias exclusion)."""
import math

import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn

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


# ----- regularization ---------------------------------------------------------------------------


def model():
    ae.seed(4)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()


def test_penalties_skip_biases_and_norm_parameters_by_default():
    m = model()
    weights = [m[0].weight.data, m[3].weight.data]
    everything = [p.data for p in m.parameters()]
    assert nn.l2_penalty(m).item() == pytest.approx(sum((w**2).sum() for w in weights))
    assert nn.l2_penalty(m, exclude_biases=False).item() == pytest.approx(sum((w**2).sum() for w in everything))
    assert nn.l1_penalty(m, strength=0.5).item() == pytest.approx(0.5 * sum(np.abs(w).sum() for w in weights))
    assert nn.elastic_net_penalty(m, l1=0.3, l2=0.7).item() == pytest.approx(
        sum(0.3 * np.abs(w).sum() + 0.7 * (w**2).sum() for w in weights)
    )
    assert nn.l2_penalty(m.named_parameters()).item() == pytest.approx(nn.l2_penalty(m).item())
    assert nn.l2_penalty([]).item() == 0.0
    decay, no_decay = nn.split_decay_parameters(m)
    assert [p.shape for p in decay] == [(4, 3), (2, 4)] and len(no_decay) == 4


def test_penalty_gradients():
    m = model()
    nn.l2_penalty(m, strength=0.5).backward()
    np.testing.assert_allclose(m[0].weight.grad, m[0].weight.data)  # d/dW 0.5 * sum(W**2) = W
    assert m[0].bias.grad is None
    # the L1 term's abs has a kink at 0: random weights stay off it, so every coordinate is compared
    helpers.assert_gradcheck(lambda w: nn.elastic_net_penalty([w], l1=0.2, l2=0.9),
                             [np.random.default_rng(0).standard_normal((3, 4))])


def test_max_norm_constraint_projects_each_unit_onto_the_ball():
    layer = nn.Linear(5, 6).double()
    layer.weight.data[...] = np.random.default_rng(0).standard_normal((6, 5))
    layer.weight.data[0] = 0.1  # a unit already inside the ball
    before = layer.weight.data.copy()
    bias = layer.bias.data.copy()
    largest = nn.clip_weight_norm_(layer, max_norm=1.0)
    norms = np.linalg.norm(layer.weight.data, axis=1)
    assert largest == pytest.approx(np.linalg.norm(before, axis=1).max())
    assert np.all(norms <= 1.0 + 1e-12)
    np.testing.assert_array_equal(layer.weight.data[0], before[0])
    big_rows = np.linalg.norm(before, axis=1) > 1
    np.testing.assert_allclose(norms[big_rows], 1.0)
    np.testing.assert_allclose(layer.weight.data[big_rows] / before[big_rows],
                               (1 / np.linalg.norm(before[big_rows], axis=1))[:, None] * np.ones((1, 5)))
    np.testing.assert_array_equal(layer.bias.data, bias)
