"""The CS231n notebooks' published checks that nn covers, reproduced with nn modules and functions.

Each case in tests/data/cs231n_vectors.json gives inputs (arrays in the .npz), the expected values
and the notebook's tolerance.  The assignments store weights as (in, out); nn.Linear stores
PyTorch's (out, in), so the weights are loaded transposed.
"""
import helpers
import numpy as np
import pytest
from helpers import cs231n_rel_error

import autograd_engine as ae
import nn
import nn.functional as F

CASES, ARRAYS = helpers.cs231n_vectors()


def resolve(value):
    if isinstance(value, dict) and set(value) == {"array"}:
        return ARRAYS[value["array"]]
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


def case(name):
    c = CASES[name]
    return resolve(c["inputs"]), resolve(c["expected"]), c["tol"]


def linear_from(w, b):
    """An nn.Linear (float64) holding the assignment's (in, out) weight ``w`` and bias ``b``."""
    layer = nn.Linear(w.shape[0], w.shape[1], dtype=np.float64)
    layer.load_state_dict({"weight": w.T, "bias": b})
    return layer


def two_layer_net(inputs):
    return nn.Sequential(linear_from(inputs["W1"], inputs["b1"]), nn.ReLU(), linear_from(inputs["W2"], inputs["b2"]))


def test_affine_forward():
    inputs, expected, tol = case("affine_forward")
    layer = nn.Sequential(nn.Flatten(), linear_from(inputs["w"], inputs["b"]))
    assert cs231n_rel_error(layer(inputs["x"]).data, expected["out"]) < tol["out"]


def test_relu_forward():
    inputs, expected, tol = case("relu_forward")
    assert cs231n_rel_error(nn.ReLU()(inputs["x"]).data, expected["out"]) < tol["out"]


def test_fc_two_layer_net_scores():
    inputs, expected, tol = case("fc_two_layer_net_scores")
    scores = two_layer_net(inputs)(inputs["X"]).data
    assert np.abs(scores - expected["scores"]).sum() < tol["scores"]


@pytest.mark.parametrize("name", ["fc_two_layer_net_loss_noreg", "fc_two_layer_net_loss_reg1"])
def test_fc_two_layer_net_loss(name):
    inputs, expected, tol = case(name)
    model = two_layer_net(inputs)
    # fc_net.py convention: 0.5 * reg * sum(W**2), biases not regularised
    loss = F.cross_entropy(model(inputs["X"]), inputs["y"]) + 0.5 * inputs["reg"] * nn.l2_penalty(model)
    assert abs(loss.item() - expected["loss"]) < tol["loss"]


def test_a1_two_layer_net_toy_scores():
    inputs, expected, tol = case("a1_two_layer_net_toy_scores")
    scores = two_layer_net(inputs)(inputs["X"]).data
    assert np.abs(scores - expected["scores"]).sum() < tol["scores"]


def test_a1_two_layer_net_toy_loss():
    inputs, expected, tol = case("a1_two_layer_net_toy_loss")
    model = two_layer_net(inputs)
    # 2017 notebook: reg * sum(W**2) without the 0.5
    loss = F.cross_entropy(model(inputs["X"]), inputs["y"]) + nn.l2_penalty(model, strength=inputs["reg"])
    assert abs(loss.item() - expected["loss"]) < tol["loss"]


def test_svm_loss_seed231():
    inputs, expected, tol = case("svm_loss_seed231")
    loss = F.multiclass_hinge_loss(inputs["x"], inputs["y"], delta=1.0)
    assert abs(loss.item() - expected["loss"]) < tol["loss"]
    assert abs(nn.MultiClassHingeLoss()(inputs["x"], inputs["y"]).item() - expected["loss"]) < tol["loss"]


def test_softmax_loss_seed231():
    inputs, expected, tol = case("softmax_loss_seed231")
    assert abs(F.cross_entropy(inputs["x"], inputs["y"]).item() - expected["loss"]) < tol["loss"]
    assert abs(nn.CrossEntropyLoss()(inputs["x"], inputs["y"]).item() - expected["loss"]) < tol["loss"]


def check_stats(out, axis, expected, tol, mean_key, std_key):
    assert np.abs(out.mean(axis=axis) - expected[mean_key]).max() < tol[mean_key]
    assert np.abs(out.std(axis=axis) - expected[std_key]).max() < tol[std_key]


def test_batchnorm_forward_train_stats():
    inputs, expected, tol = case("batchnorm_forward_train_stats")
    a = inputs["a"]
    check_stats(a, 0, expected, tol, "a_mean", "a_std")
    bn = nn.BatchNorm1d(a.shape[1], dtype=np.float64)
    for run, (g, b) in enumerate([("gamma1", "beta1"), ("gamma2", "beta2")], start=1):
        bn.load_state_dict({"weight": inputs[g], "bias": inputs[b]}, strict=False)
        out = bn(a).data
        check_stats(out, 0, expected, tol, f"out{run}_mean", f"out{run}_std")


def test_batchnorm_forward_test_running_stats():
    inputs, expected, tol = case("batchnorm_forward_test_running_stats")
    a_train = inputs["a_train"]
    # the assignment's rule: running = 0.9 * running + 0.1 * batch (PyTorch's momentum=0.1), biased
    # batch variance, running statistics starting at zeros
    bn = nn.BatchNorm1d(a_train.shape[2], momentum=0.1, unbiased_running_var=False, dtype=np.float64)
    bn.load_state_dict({"weight": inputs["gamma"], "bias": inputs["beta"]}, strict=False)
    bn.running_var[...] = 0.0
    for batch in a_train:
        bn(batch)
    bn.eval()
    out = bn(inputs["a_test"]).data
    check_stats(out, 0, expected, tol, "out_mean", "out_std")


def test_layernorm_forward_stats():
    inputs, expected, tol = case("layernorm_forward_stats")
    a = inputs["a"]
    check_stats(a, 1, expected, tol, "a_mean", "a_std")
    ln = nn.LayerNorm(a.shape[1], dtype=np.float64)
    for run, (g, b) in enumerate([("gamma1", "beta1"), ("gamma2", "beta2")], start=1):
        ln.load_state_dict({"weight": inputs[g], "bias": inputs[b]})
        check_stats(ln(a).data, 1, expected, tol, f"out{run}_mean", f"out{run}_std")


def test_spatial_batchnorm_forward_train_stats():
    inputs, expected, tol = case("spatial_batchnorm_forward_train_stats")
    x = inputs["x"]
    check_stats(x, (0, 2, 3), expected, tol, "x_mean", "x_std")
    bn = nn.BatchNorm2d(x.shape[1], dtype=np.float64)
    for run, (g, b) in enumerate([("gamma1", "beta1"), ("gamma2", "beta2")], start=1):
        bn.load_state_dict({"weight": inputs[g], "bias": inputs[b]}, strict=False)
        check_stats(bn(x).data, (0, 2, 3), expected, tol, f"out{run}_mean", f"out{run}_std")


def test_spatial_batchnorm_forward_test_running_stats():
    inputs, expected, tol = case("spatial_batchnorm_forward_test_running_stats")
    x_train = inputs["x_train"]
    bn = nn.BatchNorm2d(inputs["C"], momentum=0.1, unbiased_running_var=False, dtype=np.float64)
    bn.load_state_dict({"weight": inputs["gamma"], "bias": inputs["beta"]}, strict=False)
    bn.running_var[...] = 0.0
    assert x_train.shape == (50, inputs["N"], inputs["C"], inputs["H"], inputs["W"])  # 50 warm-up batches
    for batch in x_train:
        bn(batch)
    bn.eval()
    check_stats(bn(inputs["x_test"]).data, (0, 2, 3), expected, tol, "out_mean", "out_std")


def test_spatial_groupnorm_forward_stats():
    inputs, expected, tol = case("spatial_groupnorm_forward_stats")
    x, groups = inputs["x"], inputs["G"]
    n = x.shape[0]
    check_stats(x.reshape(n * groups, -1), 1, expected, tol, "x_mean", "x_std")
    gn = nn.GroupNorm(groups, x.shape[1], dtype=np.float64)
    gn.load_state_dict({"weight": inputs["gamma"].reshape(-1), "bias": inputs["beta"].reshape(-1)})
    out = gn(x).data
    check_stats(out.reshape(n * groups, -1), 1, expected, tol, "out_mean", "out_std")


def fully_connected_net(params, batchnorm):
    layers = []
    for i in (1, 2):
        layers.append(linear_from(params[f"W{i}"], params[f"b{i}"]))
        if batchnorm:
            bn = nn.BatchNorm1d(params[f"W{i}"].shape[1], dtype=np.float64)
            bn.load_state_dict({"weight": params[f"gamma{i}"], "bias": params[f"beta{i}"]}, strict=False)
            layers.append(bn)
        layers.append(nn.ReLU())
    layers.append(linear_from(params["W3"], params["b3"]))
    return nn.Sequential(*layers)


@pytest.mark.parametrize(
    "name, batchnorm",
    [("fully_connected_net_initial_loss_seed231", False), ("fully_connected_net_batchnorm_initial_loss_seed231", True)],
)
def test_fully_connected_net_initial_loss(name, batchnorm):
    inputs, expected, tol = case(name)
    for key, reg in [("reg0", 0.0), ("reg314", 3.14)]:
        assert CASES[name]["params"][key]["reg"] == reg
        model = fully_connected_net(inputs[f"params_{key}"], batchnorm)
        data_loss = F.cross_entropy(model(inputs["X"]), inputs["y"])
        loss = data_loss + 0.5 * reg * nn.l2_penalty(model)  # gamma/beta (1-D) are not regularised
        assert abs(loss.item() - expected[f"loss_{key}"]) < tol[f"loss_{key}"]


def test_dropout_forward_keep_prob_seed231():
    inputs, expected, tol = case("dropout_forward_keep_prob_seed231")
    x = inputs["x"]
    assert abs(x.mean() - expected["x_mean"]) < tol["x_mean"]
    rng = np.random.RandomState(231)  # the notebook: np.random.seed(231); x = np.random.randn(500, 500) + 10
    np.testing.assert_array_equal(rng.randn(*x.shape) + 10, x)  # the masks continue this stream
    for keep in inputs["ps"]:
        layer = nn.Dropout(p=1 - keep, generator=rng)
        train = layer(ae.Tensor(x)).data
        layer.eval()
        test = layer(ae.Tensor(x)).data
        assert abs(train.mean() - expected[f"train_mean_p{keep:g}"]) < tol["train_mean"]
        assert abs((train == 0).mean() - expected[f"train_frac_zero_p{keep:g}"]) <= tol["train_frac_zero"]
        assert abs(test.mean() - expected["test_mean"]) < tol["test_mean"]
        assert (test == 0).mean() == expected["test_frac_zero"]
