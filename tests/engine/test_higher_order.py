"""Double backward: ``autograd_engine.grad(..., create_graph=True)`` against hand-derived derivatives
and finite differences; ``grad``'s options (grad_outputs, allow_unused, retain_graph)."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import leaf
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd_engine as ae

xs = arrays(np.float64, st.integers(1, 5), elements=st.floats(-2, 2, allow_subnormal=False))


def derivatives(f, x_values, order):
    """[f'(x), f''(x), ...] up to ``order``, each by differentiating the previous one elementwise."""
    x = leaf(x_values)
    current = f(x)
    found = []
    for _ in range(order):
        (current,) = ae.grad(current.sum(), x, create_graph=True)
        found.append(current.data.copy())
    return found


@given(xs)
def test_derivatives_of_a_polynomial(values):
    def f(x):
        return 3 * x**4 - 2 * x**3 + x * x - 5 * x + 7

    first, second, third, fourth = derivatives(f, values, 4)
    x = values
    np.testing.assert_allclose(first, 12 * x**3 - 6 * x**2 + 2 * x - 5, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(second, 36 * x**2 - 12 * x + 2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(third, 72 * x - 12, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fourth, np.full_like(x, 72.0), rtol=1e-12)


def test_derivatives_of_a_polynomial_at_zero():
    """x**n differentiated past its degree passes through x**0 and x**-1 terms with coefficient 0:
    at x = 0 these must stay 0 (PyTorch's rule for exponent 0), not 0 * inf = NaN."""
    first, second, third, fourth = derivatives(lambda x: x**3 + x**2 + x**1, np.zeros(2), 4)
    np.testing.assert_array_equal(np.stack([first, second, third, fourth]), [[1, 1], [2, 2], [6, 6], [0, 0]])


@given(xs)
def test_derivatives_of_tanh(values):
    first, second, third = derivatives(ae.tanh, values, 3)
    t = np.tanh(values)
    np.testing.assert_allclose(first, 1 - t**2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(second, -2 * t * (1 - t**2), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(third, (1 - t**2) * (6 * t**2 - 2), rtol=1e-10, atol=1e-14)


def test_second_derivatives_of_exp_log_and_sigmoid():
    x = np.array([0.3, 1.0, 2.5])
    np.testing.assert_allclose(derivatives(ae.exp, x, 2)[1], np.exp(x), rtol=1e-12)
    np.testing.assert_allclose(derivatives(ae.log, x, 2)[1], -1 / x**2, rtol=1e-12)
    np.testing.assert_allclose(derivatives(ae.sqrt, x, 2)[1], -0.25 * x**-1.5, rtol=1e-12)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(derivatives(ae.sigmoid, x, 2)[1], s * (1 - s) * (1 - 2 * s), rtol=1e-12)


def test_mixed_partial_derivatives():
    x, y = leaf(1.5), leaf(-2.0)
    f = x * x * y**3  # f_x = 2 x y^3, f_xy = 6 x y^2, f_xx = 2 y^3
    fx, fy = ae.grad(f, [x, y], create_graph=True)
    assert fx.requires_grad and fy.requires_grad
    np.testing.assert_allclose(fx.data, 2 * 1.5 * (-2.0) ** 3)
    fxx, fxy = ae.grad(fx, [x, y])
    np.testing.assert_allclose([fxx.data, fxy.data], [2 * (-8.0), 6 * 1.5 * 4.0])
    (fyx,) = ae.grad(fy, x)
    np.testing.assert_allclose(fyx.data, fxy.data)  # symmetric second derivatives


# ----- a Hessian-vector product through a tiny tanh MLP ------------------------------------


def mlp_loss(params, inputs, targets):
    w1, b1, w2, b2 = params
    hidden = ae.tanh(inputs @ w1 + b1)
    scores = hidden @ w2 + b2
    return -(ae.log_softmax(scores, axis=1)[np.arange(len(targets)), targets]).mean() + 0.1 * (w1 * w1).sum()


def gradient(arrays_, inputs, targets):
    params = [leaf(a) for a in arrays_]
    return [g.data for g in ae.grad(mlp_loss(params, inputs, targets), params)]


def test_hessian_vector_product_of_a_tanh_mlp_matches_finite_differences_of_its_gradient():
    rng = np.random.default_rng(7)
    inputs, targets = rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    values = [rng.normal(size=(3, 5)) * 0.7, rng.normal(size=5) * 0.1, rng.normal(size=(5, 4)) * 0.7, rng.normal(size=4) * 0.1]
    direction = [rng.normal(size=v.shape) for v in values]

    params = [leaf(v) for v in values]
    grads = ae.grad(mlp_loss(params, inputs, targets), params, create_graph=True)
    assert all(g.requires_grad for g in grads)
    inner = sum((g * v).sum() for g, v in zip(grads, direction))
    hvp = [h.data for h in ae.grad(inner, params)]

    eps = 1e-5
    plus = gradient([v + eps * d for v, d in zip(values, direction)], inputs, targets)
    minus = gradient([v - eps * d for v, d in zip(values, direction)], inputs, targets)
    for name, h, p, m in zip(["w1", "b1", "w2", "b2"], hvp, plus, minus):
        np.testing.assert_allclose(h, (p - m) / (2 * eps), rtol=1e-6, atol=1e-8, err_msg=name)
    assert max(np.abs(h).max() for h in hvp) > 1e-2, "a vanishing Hessian-vector product would prove nothing"


def test_a_gradient_penalty_backpropagates_into_leaf_grads():
    """``grad(create_graph=True)`` then ``.backward()`` on a function of the gradient (WGAN-GP style)."""
    x = leaf([0.5, -1.0, 2.0])
    (g,) = ae.grad((x**3).sum(), x, create_graph=True)  # 3 x^2
    ((g - 1.0) ** 2).sum().backward()  # d/dx (3x^2 - 1)^2 = 2 (3x^2 - 1) 6x
    v = x.data
    np.testing.assert_allclose(x.grad, 12 * v * (3 * v**2 - 1), rtol=1e-12)


# ----- grad()'s options ---------------------------------------------------------------------


def test_grad_outputs_give_a_vector_jacobian_product():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x  # Jacobian diag(2x)
    v = np.array([0.5, -1.0, 2.0])
    (vjp,) = ae.grad(y, x, grad_outputs=v, retain_graph=True)
    np.testing.assert_allclose(vjp.data, v * 2 * x.data)
    (vjp_tensor,) = ae.grad(y, x, grad_outputs=ae.Tensor(v))
    np.testing.assert_allclose(vjp_tensor.data, vjp.data)


def test_several_outputs_with_their_grad_outputs_add_up():
    x = leaf([1.0, 2.0])
    a, b = x * 3.0, (x * x).sum()
    (g,) = ae.grad([a, b], x, grad_outputs=[np.array([1.0, 10.0]), None])
    np.testing.assert_allclose(g.data, [3.0 + 2.0, 30.0 + 4.0])
    with pytest.raises(ValueError, match="grad_outputs"):
        ae.grad([a, b], x, grad_outputs=[None])


def test_grad_of_a_non_scalar_needs_grad_outputs():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        ae.grad(x * 2, x)


def test_allow_unused_gives_none_and_otherwise_the_error_names_the_input():
    x, unused = leaf([1.0, 2.0]), leaf(3.0)
    loss = (x * x).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True") as info:
        ae.grad(loss, [x, unused], retain_graph=True)
    assert "input 1" in str(info.value)
    gx, gu = ae.grad(loss, [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.data, [2.0, 4.0])


def test_grad_returns_tensors_and_leaves_dot_grad_alone():
    x = leaf([1.0, 2.0])
    x.grad = np.array([7.0, 7.0])
    (g,) = ae.grad((x * x).sum(), x)
    assert isinstance(g, ae.Tensor) and not g.requires_grad and g.is_leaf
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])


def test_grad_with_respect_to_an_intermediate_tensor():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    loss = (h * h).sum()
    gh, gx = ae.grad(loss, [h, x])
    np.testing.assert_allclose(gh.data, 2 * h.data)
    np.testing.assert_allclose(gx.data, 18 * x.data)


def test_create_graph_retains_the_graph_by_default_and_can_be_told_not_to():
    x = leaf([1.0, 2.0])
    loss = (x**3).sum()
    ae.grad(loss, x, create_graph=True)
    (again,) = ae.grad(loss, x)  # still there
    np.testing.assert_allclose(again.data, 3 * x.data**2)
    with pytest.raises(ae.GraphFreedError):
        ae.grad(loss, x)


def test_grad_inputs_must_require_grad():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="input 0 does not require grad"):
        ae.grad((x * 2).sum(), ae.Tensor([1.0]))
    with pytest.raises(RuntimeError, match="output 0 does not require grad"):
        ae.grad(ae.Tensor([1.0]).sum(), x)


def test_create_graph_through_a_rule_that_only_runs_on_arrays_raises():
    """Numba-kernel primitives (conv2d, pooling) have first-order rules only: create_graph must
    refuse them loudly, never return a silently constant gradient."""
    blocked = sorted(name for name, cls in ae.PRIMITIVES.items() if not cls.differentiable_twice)
    if "max_pool2d" not in blocked:
        pytest.fail(f"expected max_pool2d among the array-only primitives, found {blocked}")
    x = ae.Tensor(np.random.default_rng(0).normal(size=(1, 1, 4, 4)), requires_grad=True)
    loss = (ae.max_pool2d(x, 2) ** 2).sum()
    with pytest.raises(RuntimeError, match="create_graph"):
        ae.grad(loss, x, create_graph=True)
    (g,) = ae.grad(loss, x)  # first order works
    assert g.shape == x.shape


def test_derivatives_of_a_power_past_its_degree_are_zero_even_for_tiny_inputs():
    """d^k/dx^k x**3 = 0 for k > 3, also where x**-1 overflows (0 * inf would be NaN)."""
    x = ae.Tensor(np.array([3e-247, 0.0, 2.0]), requires_grad=True)
    g = (x**3).sum()
    derivatives = []
    for _ in range(5):
        (g,) = ae.grad(g.sum(), x, create_graph=True)
        derivatives.append(g.data.copy())
    np.testing.assert_allclose(derivatives[2], [6.0, 6.0, 6.0])
    np.testing.assert_array_equal(derivatives[3], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(derivatives[4], [0.0, 0.0, 0.0])
