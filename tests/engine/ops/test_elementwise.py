"""Elementwise ops: sigmoid accurate in both tails, clip refuses crossed bounds, astype to the same dtype."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_engine as ae


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_accurate_in_both_tails_without_warnings(dtype):
    xs = np.array([-1e4, -745.0, -100.0, -30.0, -5.0, -1e-3, 0.0, 1e-3, 5.0, 30.0, 100.0, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ae.sigmoid(ae.Tensor(xs)).data
    assert got.dtype == dtype
    reference = np.array([1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)) for v in xs.astype(float)])
    tiny = np.finfo(dtype).tiny
    representable = reference > tiny
    rel = np.abs(got[representable] - reference[representable]) / reference[representable]
    assert rel.max() <= 4 * np.finfo(dtype).eps
    assert np.all(got[~representable] <= 2 * tiny)


def test_sigmoid_of_infinities_and_nan():
    got = ae.sigmoid(ae.Tensor(np.array([-np.inf, np.inf, np.nan]))).data
    assert got[0] == 0.0 and got[1] == 1.0 and np.isnan(got[2])


# ----- NumPy names whose meaning differs from NumPy's or PyTorch's (rows of EDGE_CASES.md) ----------------


def test_clip_rejects_crossed_bounds():
    with pytest.raises(ValueError, match=r"clip: a_min \(2.0\) is greater than a_max \(1.0\)"):
        ae.clip(ae.Tensor([0.0, 3.0]), 2.0, 1.0)


def test_astype_to_the_same_dtype_returns_the_tensor():
    x = ae.Tensor([1.0, 2.0], requires_grad=True)
    assert ae.astype(x, x.dtype) is x
    assert ae.astype(x, np.float64) is not x
