"""nn layers: forward values against NumPy formulas, gradients against finite differences (float64,
train and eval mode), PyTorch's edge semantics, dropout and batch-norm statistics."""
import math

import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(0)


def randn(*shape, scale=1.0):
    return scale * RNG.standard_normal(shape)


def check_module(module, *inputs, train=True, n_samples=None):
    """gradcheck of ``module`` with respect to its inputs and every parameter, in float64; most
    coordinates must be compared, not skipped as kinks (relu, maxout, ...)."""
    module.double().train(train)
    names = [name for name, _ in module.named_parameters()]
    values = [p.data.copy() for _, p in module.named_parameters()]
    k = len(inputs)

    def f(*args):
        return nn.functional_call(module, dict(zip(names, args[k:])), tuple(args[:k]))

    return helpers.assert_gradcheck(f, [*inputs, *values], n_samples=n_samples)


# ----- gradients of every layer ---------------------------------------------------------

LAYERS = [
    ("linear", lambda: nn.Linear(4, 3), (5, 4)),
    ("linear_no_bias", lambda: nn.Linear(4, 3, bias=False), (5, 4)),
    ("linear_3d_input", lambda: nn.Linear(4, 3), (2, 3, 4)),
    ("flatten", lambda: nn.Sequential(nn.Flatten(), nn.Linear(6, 2)), (3, 2, 3)),
    ("identity", lambda: nn.Identity(), (3, 4)),
    ("relu", lambda: nn.ReLU(), (4, 5)),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), (4, 5)),
    ("prelu_shared", lambda: nn.PReLU(), (4, 5)),
    ("prelu_per_channel", lambda: nn.PReLU(3), (2, 3, 4)),
    ("elu", lambda: nn.ELU(0.7), (4, 5)),
    ("sigmoid", lambda: nn.Sigmoid(), (4, 5)),
    ("tanh", lambda: nn.Tanh(), (4, 5)),
    ("softplus", lambda: nn.Softplus(), (4, 5)),
    ("softplus_beta_threshold", lambda: nn.Softplus(beta=2.0, threshold=1.0), (4, 5)),
    ("gelu", lambda: nn.GELU(), (4, 5)),
    ("gelu_tanh", lambda: nn.GELU("tanh"), (4, 5)),
    ("maxout", lambda: nn.Maxout(4, 3, pieces=3), (5, 4)),
    ("softmax", lambda: nn.Softmax(dim=1), (3, 4)),
    ("log_softmax", lambda: nn.LogSoftmax(dim=-1), (3, 4)),
    ("layer_norm", lambda: nn.LayerNorm(5), (3, 5)),
    ("layer_norm_2d", lambda: nn.LayerNorm((2, 3)), (4, 2, 3)),
    ("group_norm", lambda: nn.GroupNorm(2, 4), (2, 4, 3, 2)),
    ("mlp", lambda: nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2)), (4, 3)),
]


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=[layer[0] for layer in LAYERS])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_layer_gradients_match_finite_differences(name, make, shape, train):
    ae.seed(1)
    check_module(make(), randn(*shape, scale=2.0), train=train)


@pytest.mark.parametrize("make, shape", [(lambda: nn.BatchNorm1d(3), (6, 3)), (lambda: nn.BatchNorm1d(3), (4, 3, 2)),
                                         (lambda: nn.BatchNorm2d(2), (3, 2, 2, 2))])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_batch_norm_gradients_match_finite_differences(make, shape, train):
    bn = make()
    bn.running_mean[...] = randn(bn.num_features)
    bn.running_var[...] = 0.5 + RNG.random(bn.num_features)
    bn.weight.data[...] = randn(bn.num_features)
    bn.bias.data[...] = randn(bn.num_features)
    check_module(bn, randn(*shape, scale=2.0), train=train)


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_dropout_gradients_match_finite_differences_with_gradchecks_reseeding(train):
    model = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.4), nn.Linear(8, 3))
    check_module(model, randn(4, 5), train=train)


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


def test_linear_uses_pytorch_layout_and_default_init():
    ae.seed(3)
    layer = nn.Linear(400, 30)
    assert layer.weight.shape == (30, 400) and layer.bias.shape == (30,)
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(400)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.95 * bound
    assert np.abs(layer.bias.data).max() <= bound
    x = randn(7, 400).astype(np.float32)
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-5, atol=1e-5)


def test_linear_rejects_a_wrong_feature_count_naming_the_shapes():
    with pytest.raises(ae.ShapeError, match=r"\(2, 5\).*4"):
        nn.Linear(4, 3)(np.zeros((2, 5), np.float32))


def test_flatten_keeps_the_batch_axis():
    assert nn.Flatten()(np.zeros((2, 3, 4, 5))).shape == (2, 60)
    assert nn.Flatten(0, -1)(np.zeros((2, 3))).shape == (6,)


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


# ----- batch norm -----------------------------------------------------------------------


def test_batch_norm_train_output_is_standardised_and_running_stats_follow_pytorch():
    x1, x2 = randn(64, 3, scale=3.0) + 5, randn(64, 3, scale=2.0) - 1
    bn = nn.BatchNorm1d(3, momentum=0.2, dtype=np.float64)
    out = bn(x1).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, atol=1e-3)
    bn(x2)
    expected_mean, expected_var = np.zeros(3), np.ones(3)
    for x in (x1, x2):
        expected_mean = 0.8 * expected_mean + 0.2 * x.mean(axis=0)
        expected_var = 0.8 * expected_var + 0.2 * x.var(axis=0, ddof=1)  # unbiased, as PyTorch
    np.testing.assert_allclose(bn.running_mean, expected_mean)
    np.testing.assert_allclose(bn.running_var, expected_var)
    assert int(bn.num_batches_tracked) == 2

    bn.eval()
    x3 = randn(5, 3)
    expected = (x3 - expected_mean) / np.sqrt(expected_var + 1e-5)
    np.testing.assert_allclose(bn(x3).data, expected, rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, expected_mean)  # eval does not update


def test_batch_norm_2d_normalises_each_channel_over_batch_and_space():
    x = randn(4, 3, 5, 6, scale=2.0) + 3
    bn = nn.BatchNorm2d(3, dtype=np.float64)
    bn.weight.data[...] = [1.0, 2.0, 3.0]
    bn.bias.data[...] = [0.0, -1.0, 1.0]
    out = bn(x).data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), [0.0, -1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), [1.0, 2.0, 3.0], rtol=1e-4)


def test_batch_norm_cumulative_average_and_untracked_mode():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    batches = [randn(8, 2) for _ in range(3)]
    for b in batches:
        bn(b)
    np.testing.assert_allclose(bn.running_mean, np.mean([b.mean(axis=0) for b in batches], axis=0))
    untracked = nn.BatchNorm1d(2, track_running_stats=False, dtype=np.float64).eval()
    assert untracked.running_mean is None and "running_mean" not in untracked.state_dict()
    np.testing.assert_allclose(untracked(batches[0]).data.mean(axis=0), 0, atol=1e-12)


def test_batch_norm_state_dict_round_trips_running_stats():
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    for _ in range(3):
        bn(randn(10, 3) + 2)
    state = bn.state_dict()
    fresh = nn.BatchNorm1d(3, dtype=np.float64)
    fresh.load_state_dict(state)
    for key in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_array_equal(getattr(fresh, key), getattr(bn, key))
    x = randn(4, 3)
    np.testing.assert_array_equal(fresh.eval()(x).data, bn.eval()(x).data)


def test_batch_norm_errors_name_the_problem():
    with pytest.raises(ae.ShapeError, match=r"BatchNorm1d\(3\).*\(4, 5\)"):
        nn.BatchNorm1d(3)(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm1d(3)(np.zeros((1, 3), np.float32))


# ----- layer norm and group norm --------------------------------------------------------


def test_layer_norm_normalises_each_example():
    x = randn(4, 6, scale=3.0) + 2
    out = nn.LayerNorm(6, dtype=np.float64)(x).data
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=1), 1, rtol=1e-4)
    expected = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_group_norm_matches_a_numpy_reference_and_its_special_cases():
    x = randn(2, 6, 3, 4, scale=2.0)
    gn = nn.GroupNorm(3, 6, dtype=np.float64)
    gn.weight.data[...] = randn(6)
    gn.bias.data[...] = randn(6)
    groups = x.reshape(2, 3, -1)
    ref = ((groups - groups.mean(2, keepdims=True)) / np.sqrt(groups.var(2, keepdims=True) + 1e-5)).reshape(x.shape)
    ref = ref * gn.weight.data.reshape(1, 6, 1, 1) + gn.bias.data.reshape(1, 6, 1, 1)
    np.testing.assert_allclose(gn(x).data, ref, rtol=1e-12, atol=1e-12)
    # one group = layer norm over (C, H, W)
    np.testing.assert_allclose(
        nn.GroupNorm(1, 6, affine=False)(x).data, nn.LayerNorm((6, 3, 4), elementwise_affine=False)(x).data, atol=1e-12
    )
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
