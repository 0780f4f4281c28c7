"""Trigonometric and hyperbolic ops (autograd_engine/ops/trig.py): forward against NumPy, gradients
against centred finite differences (first and second order, float64), PyTorch float64 as a second
oracle, and the points where the derivative is not given by the formula."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import SEEDS, SHAPES, binary, check_case, unary, variants

PROPERTY_TESTED = {"tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "sinc",
                   "deg2rad", "rad2deg", "arctan2", "hypot"}

SPECS = {
    "tan": {"": unary(ae.tan, np.tan, min_value=-1.2, max_value=1.2)},
    "arcsin": {"": unary(ae.arcsin, np.arcsin, min_value=-0.9, max_value=0.9)},
    "arccos": {"": unary(ae.arccos, np.arccos, min_value=-0.9, max_value=0.9)},
    "arctan": {"": unary(ae.arctan, np.arctan)},
    "sinh": {"": unary(ae.sinh, np.sinh)},
    "cosh": {"": unary(ae.cosh, np.cosh)},
    "arcsinh": {"": unary(ae.arcsinh, np.arcsinh)},
    "arccosh": {"": unary(ae.arccosh, np.arccosh, min_value=1.2, max_value=4.0)},
    "arctanh": {"": unary(ae.arctanh, np.arctanh, min_value=-0.9, max_value=0.9)},
    "sinc": {"": unary(ae.sinc, np.sinc), "near 0": unary(ae.sinc, np.sinc, min_value=-0.3, max_value=0.3)},
    "deg2rad": {"": unary(ae.deg2rad, np.deg2rad), "radians": unary(ae.radians, np.radians)},
    "rad2deg": {"": unary(ae.rad2deg, np.rad2deg), "degrees": unary(ae.degrees, np.degrees)},
    "arctan2": {"broadcast": binary(ae.arctan2, np.arctan2, a={"kinks": (0.0,), "margin": 0.3},
                                    b={"kinks": (0.0,), "margin": 0.3})},
    "hypot": {"broadcast": binary(ae.hypot, np.hypot, a={"kinks": (0.0,), "margin": 0.3})},
}


@pytest.mark.parametrize("variant", variants(SPECS))
@given(data=st.data())
def test_forward_first_and_second_order(variant, data):
    check_case(data.draw(variant, label="case"), data.draw(SEEDS, label="seed"))


TORCH_UNARY = [("tan", "tan"), ("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("sinh", "sinh"),
               ("cosh", "cosh"), ("arcsinh", "asinh"), ("arctanh", "atanh"), ("sinc", "sinc"),
               ("deg2rad", "deg2rad"), ("rad2deg", "rad2deg")]


@pytest.mark.parametrize("ours, theirs", TORCH_UNARY)
def test_matches_pytorch_float64(ours, theirs):
    torch = pytest.importorskip("torch")
    x = np.array([-0.7, -0.2, 0.0, 0.3, 0.8])
    upstream = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
    t = ae.Tensor(x, requires_grad=True)
    getattr(ae, ours)(t).backward(upstream)
    tt = torch.tensor(x, requires_grad=True)
    out = getattr(torch, theirs)(tt)
    out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(getattr(t, ours)().data, out.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_arccosh_and_binary_ops_match_pytorch_float64():
    torch = pytest.importorskip("torch")
    x, y = np.array([1.5, 2.0, 3.5]), np.array([[-1.0], [0.5]])
    for ours, theirs, args in [(ae.arccosh, torch.acosh, (x,)), (ae.arctan2, torch.atan2, (x, y)),
                               (ae.hypot, torch.hypot, (x, y))]:
        ts = [ae.Tensor(a, requires_grad=True) for a in args]
        tts = [torch.tensor(a, requires_grad=True) for a in args]
        out, expected = ours(*ts), theirs(*tts)
        upstream = np.linspace(-1, 1, out.size).reshape(out.shape)
        out.backward(upstream)
        expected.backward(torch.tensor(upstream))
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-13)
        for t, tt in zip(ts, tts):
            np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_sinc_gradient_at_zero_is_zero_in_both_orders():
    x = ae.Tensor(np.array([0.0, 0.5]), requires_grad=True)
    (g,) = ae.grad(ae.sinc(x).sum(), [x], create_graph=True)
    assert g.data[0] == 0.0
    np.testing.assert_allclose(g.data[1], (np.cos(np.pi * 0.5) - np.sinc(0.5)) / 0.5, rtol=1e-14)
    (h,) = ae.grad(g.sum(), [x])
    assert np.isfinite(h.data).all()
    np.testing.assert_allclose(h.data[0], -np.pi**2 / 3, rtol=1e-6)  # sinc''(0) = -pi^2 / 3


def test_arctan2_and_hypot_at_the_origin_give_zero_gradients():
    y, x = ae.Tensor(np.zeros(2), requires_grad=True), ae.Tensor(np.array([0.0, 1.0]), requires_grad=True)
    ae.arctan2(y, x).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 1.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    a, b = ae.Tensor(np.zeros(1), requires_grad=True), ae.Tensor(np.zeros(1), requires_grad=True)
    ae.hypot(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0])  # PyTorch gives NaN here
    np.testing.assert_array_equal(b.grad, [0.0])


def test_domain_edges_give_numpys_values_quietly_and_the_formulas_gradients():
    x = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with np.errstate(all="raise"):
        out = ae.arcsin(x)
    assert out.data[0] == np.pi / 2 and np.isnan(out.data[1])
    out.sum().backward()
    assert x.grad[0] == np.inf


@given(SHAPES.flatmap(lambda s: aet.arrays(s)))
def test_methods_are_the_functions(x):
    t = ae.Tensor(x)
    for name in ("tan", "arctan", "sinh", "cosh", "arcsinh", "sinc", "deg2rad", "rad2deg"):
        np.testing.assert_array_equal(getattr(t, name)().data, getattr(np, name)(x))
