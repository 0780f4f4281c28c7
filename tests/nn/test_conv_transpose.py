"""nn.ConvTranspose2d and F.conv_transpose2d (nn/conv_transpose.py): a PyTorch state_dict loads and
gives PyTorch's output and gradients, ``output_size`` picks the output padding, PyTorch's
initialisation range, finite differences, and the errors.  The primitive itself is tested in
tests/engine/ops/test_conv_transpose.py."""
import math

import numpy as np
import pytest
from helpers import check_module

import nn
import nn.functional as F

RNG = np.random.default_rng(12)
X = RNG.standard_normal((2, 4, 3, 5))


def test_the_module_loads_a_pytorch_state_dict_and_agrees():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2).double()
    mine = nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2).double()
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    t = torch.tensor(X, requires_grad=True)
    expected = theirs(t)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    x = nn.Parameter(X.copy())
    out = mine(x)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mine.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mine.bias.grad, theirs.bias.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_gradcheck_of_the_module():
    check_module(nn.ConvTranspose2d(4, 2, 3, stride=(2, 1), padding=(1, 0), dilation=(1, 2)), X)


def test_output_size_picks_the_output_padding():
    layer = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    assert layer(X).shape == (2, 2, 5, 9)  # (H - 1) * 2 - 2 + 2 + 1
    assert layer(X, output_size=(6, 10)).shape == (2, 2, 6, 10)
    assert layer(X, output_size=(2, 2, 6, 9)).shape == (2, 2, 6, 9)  # PyTorch reads the last two entries
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_size \(7, 9\) is not reachable .* from \(5, 9\) to \(6, 10\)"):
        layer(X, output_size=(7, 9))


def test_the_notes_upsampling_doubles_the_size():
    """Stride 2, kernel 2: every input pixel becomes a 2x2 block of the kernel times its value."""
    w = np.arange(4.0).reshape(1, 1, 2, 2)
    out = F.conv_transpose2d(np.array([[[[1.0, 2.0]]]]), w, stride=2)
    np.testing.assert_array_equal(out.data, [[[[0.0, 1.0, 0.0, 2.0], [2.0, 3.0, 4.0, 6.0]]]])


def test_initialisation_uses_pytorchs_fan_in():
    layer = nn.ConvTranspose2d(8, 6, 3, groups=2)
    bound = 1 / math.sqrt(3 * 3 * 3)  # fan_in from axis 1: out_channels / groups * KH * KW
    assert layer.weight.shape == (8, 3, 3, 3) and layer.bias.shape == (6,)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.8 * bound
    assert np.abs(layer.bias.data).max() <= bound
    assert "bias=False" in repr(nn.ConvTranspose2d(2, 2, 3, bias=False))


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="ConvTranspose2d: groups=3 must be positive and divide in_channels=4 and out_channels=6"):
        nn.ConvTranspose2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_padding \(1, 1\) must be smaller than the stride"):
        nn.ConvTranspose2d(4, 6, 3, output_padding=1)
    with pytest.raises(TypeError, match="ConvTranspose2d: in_channels must be a positive integer, got 4.0"):
        nn.ConvTranspose2d(4.0, 6, 3)
