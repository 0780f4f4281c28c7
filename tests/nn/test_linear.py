"""Linear, Identity and Flatten: PyTorch's layout and initialisation, lists as input, shape errors."""
import math

import numpy as np
import pytest
from helpers import randn

import autograd_engine as ae
import nn
from autograd_engine.errors import ShapeError


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


# ----- linear accepts array-likes ------------------------------------------------------------


def test_linear_layer_takes_a_list_and_stays_in_the_default_dtype():
    layer = nn.Linear(2, 3)
    out = layer([1.0, 2.0])
    expected = np.array([1.0, 2.0], np.float32) @ layer.weight.data.T + layer.bias.data
    assert out.shape == (3,) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    out.sum().backward()  # the gradient reaches the parameters through the converted input
    np.testing.assert_allclose(layer.weight.grad, np.tile([1.0, 2.0], (3, 1)))


def test_linear_rejects_ragged_and_mis_sized_lists_by_name():
    layer = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"linear: cannot make an array of numbers from the input \(list\)"):
        layer([[1.0, 2.0], [3.0]])
    with pytest.raises(ShapeError, match=r"linear: the input has shape \(3,\) but the weight \(2, 2\) expects 2"):
        layer([1.0, 2.0, 3.0])
