"""Logarithms, exponentials and reciprocals (autograd_engine/ops/exponential.py): forward against NumPy,
gradients against centred finite differences (first and second order, float64), PyTorch float64 as a
second oracle, and stability for large operands."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae

from .properties import SEEDS, binary, check_case, unary, variants

PROPERTY_TESTED = {"log2", "log10", "exp2", "reciprocal", "rsqrt", "logaddexp", "logaddexp2"}

SPECS = {
    "log2": {"": unary(ae.log2, np.log2, min_value=0.1, max_value=5.0)},
    "log10": {"": unary(ae.log10, np.log10, min_value=0.1, max_value=5.0)},
    "exp2": {"": unary(ae.exp2, np.exp2)},
    "reciprocal": {"": unary(ae.reciprocal, np.reciprocal, kinks=(0.0,), margin=0.3)},
    "rsqrt": {"": unary(ae.rsqrt, lambda a: 1 / np.sqrt(a), min_value=0.2, max_value=5.0)},
    "logaddexp": {"broadcast": binary(ae.logaddexp, np.logaddexp)},
    "logaddexp2": {"broadcast": binary(ae.logaddexp2, np.logaddexp2)},
    "true_divide": {"broadcast": binary(ae.true_divide, np.true_divide, b={"kinks": (0.0,), "margin": 0.5})},
}


@pytest.mark.parametrize("variant", variants(SPECS))
@given(data=st.data())
def test_forward_first_and_second_order(variant, data):
    check_case(data.draw(variant, label="case"), data.draw(SEEDS, label="seed"))


@pytest.mark.parametrize("ours, theirs", [("log2", "log2"), ("log10", "log10"), ("exp2", "exp2"),
                                          ("reciprocal", "reciprocal"), ("rsqrt", "rsqrt")])
def test_unary_ops_match_pytorch_float64(ours, theirs):
    torch = pytest.importorskip("torch")
    x, upstream = np.array([0.3, 1.0, 2.5, 7.0]), np.array([1.5, -0.5, 0.25, 2.0])
    t, tt = ae.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = getattr(t, ours)(), getattr(torch, theirs)(tt)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_log_sums_match_pytorch_and_do_not_overflow(name):
    torch = pytest.importorskip("torch")
    a, b = np.array([1000.0, -1000.0, 0.5, 3.0]), np.array([[999.0], [-2.0]])
    ta, tb = ae.Tensor(a, requires_grad=True), ae.Tensor(b, requires_grad=True)
    qa, qb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    with np.errstate(over="raise"):
        out = getattr(ae, name)(ta, tb)
        out.backward(np.ones(out.shape))
    expected = getattr(torch, name)(qa, qb)
    expected.backward(torch.ones(expected.shape, dtype=torch.float64))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(ta.grad, qa.grad.numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(tb.grad, qb.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_reciprocal_and_rsqrt_at_zero_are_inf_with_minus_inf_gradient():
    for f in (ae.reciprocal, ae.rsqrt):
        x = ae.Tensor(np.zeros(1), requires_grad=True)
        out = f(x)
        out.backward(np.ones(1))
        np.testing.assert_array_equal(out.data, [np.inf])
        np.testing.assert_array_equal(x.grad, [-np.inf])


def test_reciprocal_of_integers_is_a_float_as_pytorch():
    np.testing.assert_array_equal(ae.reciprocal(np.array([2, 4])).data, [0.5, 0.25])


def test_true_divide_is_divide():
    a = ae.Tensor(np.array([3.0, -1.0]), requires_grad=True)
    ae.true_divide(a, 2.0).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.5])
    np.testing.assert_array_equal(a.true_divide(4).data, [0.75, -0.25])
