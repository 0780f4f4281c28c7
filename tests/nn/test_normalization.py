"""Normalization layers: batch norm (statistics, running averages as PyTorch's, state dict, errors,
gradients in train and eval mode), layer norm and group norm against NumPy references."""
import numpy as np
import pytest
from helpers import check_module, randn

import autograd_engine as ae
import nn

RNG = np.random.default_rng(0)


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
