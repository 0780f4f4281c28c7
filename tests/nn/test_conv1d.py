"""conv1d / Conv1d, max_pool1d / MaxPool1d, avg_pool1d / AvgPool1d (nn/conv1d.py): against PyTorch
float64 (values, gradients, a loaded state_dict), finite differences, and the errors."""
import numpy as np
import pytest
from helpers import assert_gradcheck, check_module

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(11)
X = RNG.standard_normal((2, 4, 9))
W = RNG.standard_normal((6, 2, 3))
B = RNG.standard_normal(6)

CONVS = [dict(stride=2, padding=1, groups=2), dict(padding="same", dilation=2, groups=2), dict(padding="valid", groups=2)]


@pytest.mark.parametrize("geometry", CONVS, ids=str)
def test_conv1d_matches_pytorch(geometry):
    torch = pytest.importorskip("torch")
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (X, W, B))
    expected = torch.nn.functional.conv1d(tx, tw, tb, **geometry)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    ex, ew, eb = (ae.Tensor(a, requires_grad=True) for a in (X, W, B))
    out = F.conv1d(ex, ew, eb, **geometry)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for mine, theirs in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv1d_gradients_match_finite_differences():
    assert_gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, groups=2), [X, W, B])


def test_conv1d_is_the_sum_over_the_window():
    out = F.conv1d(np.arange(5.0)[None, None], np.array([[[1.0, 10.0]]]))
    np.testing.assert_array_equal(out.data, [[[10.0, 21.0, 32.0, 43.0]]])


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "circular"])
def test_the_conv1d_module_loads_a_pytorch_state_dict_and_agrees(padding_mode):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv1d(4, 6, 3, padding=2, groups=2, padding_mode=padding_mode).double()
    mine = nn.Conv1d(4, 6, 3, padding=2, groups=2, padding_mode=padding_mode).double()
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(mine(X).data, theirs(torch.tensor(X)).detach().numpy(), rtol=1e-12, atol=1e-12)
    check_module(mine, X)


POOLS = {
    "max_pool1d": (lambda x: F.max_pool1d(x, 3, 2, 1), lambda tf, x: tf.max_pool1d(x, 3, 2, 1)),
    "max_pool1d, dilation, ceil_mode": (
        lambda x: F.max_pool1d(x, 2, 2, 0, 2, True), lambda tf, x: tf.max_pool1d(x, 2, 2, 0, 2, True)),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 3, 2, 1), lambda tf, x: tf.avg_pool1d(x, 3, 2, 1)),
    "avg_pool1d, no pad count": (
        lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False),
        lambda tf, x: tf.avg_pool1d(x, 3, 2, 1, count_include_pad=False)),
}


@pytest.mark.parametrize("name", sorted(POOLS))
def test_pooling_matches_pytorch_and_finite_differences(name):
    torch = pytest.importorskip("torch")
    f, torch_f = POOLS[name]
    t = torch.tensor(X, requires_grad=True)
    expected = torch_f(torch.nn.functional, t)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    x = ae.Tensor(X, requires_grad=True)
    out = f(x)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)
    assert_gradcheck(f, [X])


def test_pooling_by_hand_and_indices():
    x = np.array([[[1.0, 3.0, 2.0, 2.0, 0.0, 5.0]]])
    values, indices = F.max_pool1d(x, 2, return_indices=True)
    assert values.data.tolist() == [[[3.0, 2.0, 5.0]]] and indices.data.tolist() == [[[1, 2, 5]]]
    assert F.avg_pool1d(x, 3).data.tolist() == [[[2.0, 7 / 3]]]
    assert nn.MaxPool1d(3, 1)(x).shape == (1, 1, 4) and nn.AvgPool1d(2)(x).data.tolist() == [[[2.0, 2.0, 2.5]]]


def test_errors_name_the_layer():
    with pytest.raises(ae.ShapeError, match=r"conv1d: expected x of shape \(N, C, L\), got shape \(4, 9\); add a batch axis"):
        F.conv1d(X[0], W)
    with pytest.raises(ae.ShapeError, match=r"conv1d: expected weights of shape \(F, C/groups, K\)"):
        F.conv1d(X, W[0])
    with pytest.raises(ValueError, match="Conv1d: padding='same' is not supported for strided convolutions"):
        nn.Conv1d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(TypeError, match="MaxPool1d: kernel_size must be an integer, got 2.5"):
        nn.MaxPool1d(2.5)
    with pytest.raises(ValueError, match="AvgPool1d: stride must be >= 1, got 0"):
        nn.AvgPool1d(2, stride=0)
