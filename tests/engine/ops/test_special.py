"""erf: analytic gradient and second derivative against centred finite differences in float64,
over Hypothesis-drawn shapes (0-d, size-1 and larger), values against math.erf; float16 kept."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_engine as ae
from autograd_engine.gradcheck import gradcheck

PROPERTY_TESTED = {"erf"}  # read by the coverage test in engine/ops/test_primitive_properties.py


arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False),
)


@given(arrays)
def test_erf_gradient_matches_finite_differences(x):
    report = gradcheck(ae.erf, [x])
    assert report.passed, report.table()


@given(arrays)
def test_erf_second_derivative_matches_finite_differences(x):
    # d/dx erf'(x) = -2x * erf'(x): check the create_graph path against finite differences
    def first_derivative(t):
        (g,) = ae.grad(ae.erf(t).sum(), [t], create_graph=True)
        return g

    report = gradcheck(first_derivative, [x])
    assert report.passed, report.table()


def test_erf_values_match_math_erf():
    x = np.linspace(-4, 4, 81)
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(ae.erf(ae.Tensor(x)).data, expected, rtol=1e-12, atol=1e-15)
    assert ae.erf(ae.Tensor(np.float32(0.5))).dtype == np.float32


# ----- erf keeps float16 ---------------------------------------------------------------------------------------


def test_erf_keeps_float16_in_its_value_and_gradient():
    values = [0.5, -1.0, 2.0]
    x = ae.Tensor(np.array(values, dtype=np.float16), requires_grad=True)
    y = ae.erf(x)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.data, [math.erf(v) for v in values], rtol=1e-3)
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float16
    slope = [2 * 2 / math.sqrt(math.pi) * math.exp(-v * v) for v in values]
    np.testing.assert_allclose(x.grad, slope, rtol=2e-3)
    x = ae.Tensor(np.array(values, dtype=np.float16), requires_grad=True)
    (g,) = ae.grad(ae.erf(x).sum(), [x], create_graph=True)
    assert g.dtype == np.float16
    for dtype in (np.float32, np.float64):  # unchanged
        assert ae.erf(ae.Tensor(np.array(values, dtype=dtype))).dtype == dtype
