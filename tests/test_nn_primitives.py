"""Property tests of the primitives added for nn (erf): analytic gradient against centred
finite differences in float64, over Hypothesis-drawn shapes (0-d, size-1 and larger)."""
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_engine as ae
from autograd_engine.gradcheck import gradcheck

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
