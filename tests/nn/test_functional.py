"""``nn.functional``'s own function: ``one_hot``."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn.functional as F

# ----- F.one_hot ----------------------------------------------------------------------


def test_one_hot_is_int64_identity_rows():
    labels = np.array([[0, 3], [2, 2]])
    out = F.one_hot(labels)
    assert out.dtype == np.int64 and out.shape == (2, 2, 4) and not out.requires_grad
    np.testing.assert_array_equal(out.data, np.eye(4, dtype=np.int64)[labels])
    np.testing.assert_array_equal(F.one_hot(ae.Tensor(np.array([1], np.int32)), 3).data, [[0, 1, 0]])
    assert F.one_hot(np.array([], np.int64), 5).shape == (0, 5)
    assert F.one_hot(np.array(2)).shape == (3,)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="class values must be non-negative, got -1"):
        F.one_hot(np.array([1, -1]))
    with pytest.raises(ValueError, match=r"label 3 is outside \[0, 3\)"):
        F.one_hot(np.array([1, 3]), 3)
    with pytest.raises(ValueError, match="cannot infer the number of classes from an empty tensor"):
        F.one_hot(np.array([], np.int64))
    with pytest.raises(TypeError, match="must hold integer class labels, got dtype float64"):
        F.one_hot(np.array([1.0]))
    with pytest.raises(ValueError, match="num_classes must be -1"):
        F.one_hot(np.array([1]), -2)


def test_an_unknown_keyword_to_a_functional_names_the_function_and_its_arguments():
    x = np.ones((1, 1, 2, 2), dtype=np.float32)
    with pytest.raises(TypeError, match=r"interpolate: unknown keyword argument antialias=.*interpolate takes: input"):
        F.interpolate(x, scale_factor=2, antialias=True)
    with pytest.raises(TypeError, match=r"softmax: unknown keyword argument axes=; use (dim|axis)="):
        F.softmax(x, axes=1)
    np.testing.assert_allclose(F.relu(-x).data, 0 * x)  # the wrapped functions still work
