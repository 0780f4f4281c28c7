"""Scans (autograd_engine/ops/scan.py) and the product reduction (ops/product.py): forward against
NumPy (and PyTorch for logcumsumexp/cummax/cummin), gradients against centred finite differences
(first and second order, float64), and exact gradients where inputs are zero."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import (
    NONEMPTY_SHAPES,
    SEEDS,
    SHAPES_WITH_ZERO,
    Case,
    check_case,
    in_longdouble,
    reduction,
    variants,
)

PROPERTY_TESTED = {"cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "prod"}


def naive_logcumsumexp(x, axis):
    return np.log(np.cumsum(np.exp(x), axis=axis))


PROD_VALUES = {"min_value": -1.0, "max_value": 1.0}
"""|x| <= 1 for products and their scans: where the product of the other elements is large (3s over a
3x3x3 array), finite differences of the first gradient err by about eps**2 times its square, past the
second-order check's tolerance, although the rules agree with PyTorch's there."""


@st.composite
def scan_case(draw, engine, reference, shapes=SHAPES_WITH_ZERO, offset=0.0, distinct=False, zeros=False, **values):
    shape = draw(shapes)
    axis = draw(st.one_of(st.none(), aet.single_axis(len(shape)))) if shape else None
    (x,) = draw(aet.distinct_arrays(shape)) if distinct else (draw(aet.arrays(shape, **values)),)
    x = x + draw(st.sampled_from([0.0, offset, -offset]))
    if zeros and x.size:
        x = x.copy()
        x.flat[draw(st.lists(st.integers(0, x.size - 1), max_size=3))] = 0.0
    return Case(lambda t: engine(t, axis), lambda a: reference(a, axis=axis), (x,), f"axis={axis}")


def prod_with_zeros(draw_zeros: int):
    @st.composite
    def draw_case(draw):
        shape = draw(NONEMPTY_SHAPES)
        axis = draw(aet.axes(len(shape)))
        keepdims = draw(st.booleans())
        x = draw(aet.arrays(shape, **PROD_VALUES, kinks=(0.0,), margin=0.2)).copy()
        x.flat[draw(st.lists(st.integers(0, x.size - 1), min_size=1, max_size=draw_zeros))] = 0.0
        return Case(lambda t: ae.prod(t, axis=axis, keepdims=keepdims),
                    lambda a: np.prod(a, axis=axis, keepdims=keepdims), (x,), f"zeros, axis={axis}")

    return draw_case()


SPECS = {
    "cumsum": {"": scan_case(ae.cumsum, lambda a, axis: np.cumsum(a, axis=axis))},
    "cumprod": {"": scan_case(ae.cumprod, lambda a, axis: np.cumprod(a, axis=axis), **PROD_VALUES),
                "with zeros": scan_case(ae.cumprod, lambda a, axis: np.cumprod(a, axis=axis), zeros=True, **PROD_VALUES)},
    "logcumsumexp": {"large values": scan_case(
        ae.logcumsumexp, in_longdouble(lambda a, axis: naive_logcumsumexp(a, axis)), shapes=NONEMPTY_SHAPES,
        offset=500.0)},
    "cummax": {"no ties": scan_case(lambda t, axis: ae.cummax(t, axis if axis is not None else -1).values,
                                    lambda a, axis: np.maximum.accumulate(a, axis=-1 if axis is None else axis),
                                    shapes=NONEMPTY_SHAPES, distinct=True)},
    "cummin": {"no ties": scan_case(lambda t, axis: ae.cummin(t, dim=axis if axis is not None else 0).values,
                                    lambda a, axis: np.minimum.accumulate(a, axis=0 if axis is None else axis),
                                    shapes=NONEMPTY_SHAPES, distinct=True)},
    "prod": {"": reduction(ae.prod, np.prod, shapes=SHAPES_WITH_ZERO, **PROD_VALUES), "one zero": prod_with_zeros(1),
             "several zeros": prod_with_zeros(3)},
}


@pytest.mark.parametrize("variant", variants(SPECS))
@given(data=st.data())
def test_forward_first_and_second_order(variant, data):
    check_case(data.draw(variant, label="case"), data.draw(SEEDS, label="seed"))


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = ae.Tensor(np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.5, 2.0, 4.0]]), requires_grad=True)
    ae.prod(x, axis=1).backward(np.array([1.0, 1.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [16.0, 12.0, 6.0]])


def test_prod_second_derivative_at_a_zero_is_exact():
    # d^2/dx0 dx1 of x0 * x1 * x2 at x = (0, 0, 3) is x2 = 3; the mixed ones with x2 are 0
    x = ae.Tensor(np.array([0.0, 0.0, 3.0]), requires_grad=True)
    (g,) = ae.grad(ae.prod(x), [x], create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 0.0, 0.0])
    (h0,) = ae.grad(g[0], [x])
    np.testing.assert_array_equal(h0.data, [0.0, 3.0, 0.0])


def test_cumprod_gradient_with_zeros_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[2.0, 0.0, 3.0, 0.0, 1.5], [0.5, -1.0, 0.0, 4.0, 2.0]])
    upstream = np.array([[1.0, -2.0, 0.5, 3.0, 1.0], [2.0, 1.0, -1.0, 0.5, 0.25]])
    t, tt = ae.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ae.cumprod(t, axis=1).backward(upstream)
    torch.cumprod(tt, dim=1).backward(torch.tensor(upstream))
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-14)


def test_logcumsumexp_cummax_cummin_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 3.0, 3.0, 2.0, 800.0], [-700.0, -2.0, 5.0, 5.0, 1.0]])
    upstream = np.array([[0.5, -1.0, 2.0, 1.0, 0.3], [1.0, 2.0, -0.5, 0.25, 4.0]])
    for ours, theirs in [(ae.logcumsumexp, torch.logcumsumexp), (lambda t, dim: ae.cummax(t, dim=dim),
                         torch.cummax), (lambda t, dim: t.cummin(dim=dim), torch.cummin)]:
        t, tt = ae.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = ours(t, dim=1), theirs(tt, dim=1)
        values = out if isinstance(out, ae.Tensor) else out.values
        expected_values = expected if isinstance(expected, torch.Tensor) else expected.values
        values.backward(upstream)
        expected_values.backward(torch.tensor(upstream))
        np.testing.assert_allclose(values.data, expected_values.detach().numpy(), rtol=1e-14)
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12, atol=1e-300)
        if not isinstance(out, ae.Tensor):  # ties pick the later index, as PyTorch
            np.testing.assert_array_equal(out.indices, expected.indices.numpy())


def test_scans_of_0d_tensors_and_of_the_flattened_tensor():
    x = ae.Tensor(np.array(2.0), requires_grad=True)
    assert ae.cumsum(x, 0).shape == () and ae.cumsum(x).shape == (1,)
    values, indices = ae.cummax(x, dim=-1)
    assert values.shape == () and indices.shape == ()
    np.testing.assert_array_equal(ae.cumsum(ae.Tensor(np.ones((2, 2)))).data, [1, 2, 3, 4])
    with pytest.raises(TypeError, match="cummax: give the axis"):
        ae.cummax(ae.Tensor(np.ones(3)), None)
