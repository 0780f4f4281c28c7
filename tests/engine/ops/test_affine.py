"""``ae.linear`` (``x @ W.T + b``): gradients and second derivatives against centred differences in
float64, the formula, promotion, shape errors, and array-likes (lists) as operands."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_engine as ae
from autograd_engine.gradcheck import gradcheck

PROPERTY_TESTED = {"linear"}  # read by the coverage test in engine/ops/test_primitive_properties.py


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


def test_linear_function_takes_lists_for_input_and_bias():
    w = ae.Tensor(np.array([[1.0, -1.0], [2.0, 0.5]], np.float32), requires_grad=True)
    out = ae.linear([[1, 2], [3, 4]], w, [10, 20])  # Python ints: the default float dtype, like Tensor([...])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [[10 - 1, 20 + 3], [10 - 1, 20 + 8]])


def test_linear_list_input_follows_set_default_dtype():
    w = ae.Tensor(np.eye(2), requires_grad=True)  # float64
    previous = ae.get_default_dtype()
    ae.set_default_dtype(np.float64)
    try:
        assert ae.linear([1.0, 2.0], w).dtype == np.float64
    finally:
        ae.set_default_dtype(previous)
    w32 = ae.Tensor(np.eye(2, dtype=np.float32))
    assert ae.linear(np.array([1.0, 2.0]), w32).dtype == np.float64  # a NumPy array keeps its dtype and promotes
