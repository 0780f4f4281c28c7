"""Property tests of the primitives added for nn (erf): analytic gradient against centred
finite differences in float64, over Hypothesis-drawn shapes (0-d, size-1 and larger)."""
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_engine as ae
from autograd_engine.gradcheck import gradcheck

PROPERTY_TESTED = {"erf", "linear"}  # read by the coverage test in test_primitives_property.py

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


@st.composite
def linear_inputs(draw):
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    x = draw(hnp.arrays(np.float64, lead + (n_in,), elements=floats))
    w = draw(hnp.arrays(np.float64, (n_out, n_in), elements=floats))
    out_shape = lead + (n_out,)
    # a bias of (out,), or -- as with PyTorch's addmm -- any shape that broadcasts to the output
    fits_output = hnp.broadcastable_shapes(out_shape, max_dims=len(out_shape), max_side=4).filter(
        lambda shape: np.broadcast_shapes(shape, out_shape) == out_shape
    )
    bias_shape = draw(st.none() | st.just((n_out,)) | fits_output)
    b = None if bias_shape is None else draw(hnp.arrays(np.float64, bias_shape, elements=floats))
    return x, w, b


@given(linear_inputs())
def test_linear_gradient_matches_finite_differences(inputs):
    x, w, b = inputs
    args = [x, w] if b is None else [x, w, b]
    report = gradcheck(ae.linear, args)
    assert report.passed, report.table()


@given(linear_inputs())
def test_linear_equals_the_formula_and_has_second_derivatives(inputs):
    x, w, b = inputs
    expected = x @ w.T + (0 if b is None else b)
    np.testing.assert_allclose(ae.linear(x, w, b).data, expected, rtol=1e-12, atol=1e-12)

    def squared_gradient_norm(x, w):
        gx, gw = ae.grad((ae.linear(x, w) ** 2).sum(), [x, w], create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum()

    report = gradcheck(squared_gradient_norm, [x, w])
    assert report.passed, report.table()


def test_linear_names_the_mismatched_shapes():
    import pytest

    with pytest.raises(ae.ShapeError, match=r"linear: the input has shape \(2, 3\).*\(5, 4\)"):
        ae.linear(np.zeros((2, 3)), np.zeros((5, 4)))
    with pytest.raises(ae.ShapeError, match="bias must have shape"):
        ae.linear(np.zeros((2, 4)), np.zeros((5, 4)), np.zeros(4))
    with pytest.raises(ae.ShapeError, match=r"broadcast to the output shape \(2, 5\); got \(3, 2, 5\)"):
        ae.linear(np.zeros((2, 4)), np.zeros((5, 4)), np.zeros((3, 2, 5)))  # would grow the output


def test_linear_promotes_like_the_formula():
    x, w = np.ones((2, 3), np.float32), np.ones((4, 3), np.float32)
    assert ae.linear(x, w, np.ones(4, np.float64)).dtype == np.float64
    assert ae.linear(x, w, np.ones((2, 4), np.float64)).dtype == np.float64
    assert ae.linear(x, w, np.ones(4, np.float32)).dtype == np.float32
