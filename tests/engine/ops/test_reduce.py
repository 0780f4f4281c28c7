"""The softmax family: the last axis by default, integers computed in float64."""
from __future__ import annotations

import numpy as np

import autograd_engine as ae

RNG = np.random.default_rng(13)


def normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def test_softmax_defaults_to_the_last_axis():
    x = normal(2, 3)
    np.testing.assert_allclose(ae.softmax(x).data.sum(axis=-1), [1.0, 1.0])
    np.testing.assert_allclose(ae.log_softmax(x).data, ae.log_softmax(x, axis=-1).data)


def test_log_softmax_of_integers_computes_in_float64_like_softmax():
    logits = np.array([[1, 2, 3]])
    out = ae.log_softmax(ae.Tensor(logits), axis=1)
    assert out.dtype == np.float64
    expected = logits - np.log(np.exp(logits).sum())
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    np.testing.assert_allclose(ae.softmax(ae.Tensor(logits), axis=1).data, np.exp(expected), rtol=1e-12)
