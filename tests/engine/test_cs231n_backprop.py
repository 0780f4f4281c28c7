"""The backprop examples of the CS231n notes, written as the notes write them."""
import numpy as np
import pytest

import autograd_engine as ae


def test_add_multiply_circuit():
    x, y, z = (ae.Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert f.item() == -12
    assert (x.grad, y.grad, z.grad) == (-4, -4, 3)


def test_sigmoid_neuron():
    w = ae.Tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = ae.Tensor([-1.0, -2.0], requires_grad=True)
    f = 1.0 / (1.0 + ae.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    f.backward()
    np.testing.assert_allclose(np.round(w.grad, 2), [-0.2, -0.39, 0.2])
    np.testing.assert_allclose(np.round(x.grad, 2), [0.39, -0.59])


def test_sigmoid_neuron_with_the_sigmoid_primitive_agrees_with_the_notes_formula():
    w = ae.Tensor([2.0, -3.0, -3.0], requires_grad=True, dtype=np.float64)
    x = ae.Tensor([-1.0, -2.0], requires_grad=True, dtype=np.float64)
    f = ae.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    f.backward()
    dot = 2.0 * -1.0 + -3.0 * -2.0 - 3.0
    s = 1 / (1 + np.exp(-dot))
    ddot = (1 - s) * s  # the notes' gradient on the dot product
    np.testing.assert_allclose(w.grad, [-1.0 * ddot, -2.0 * ddot, 1.0 * ddot])
    np.testing.assert_allclose(x.grad, [2.0 * ddot, -3.0 * ddot])


def staged(x, y):
    """f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2), staged as in the notes."""
    sigy = 1.0 / (1 + np.exp(-y)) if not isinstance(y, ae.Tensor) else ae.sigmoid(y)
    num = x + sigy
    sigx = 1.0 / (1 + np.exp(-x)) if not isinstance(x, ae.Tensor) else ae.sigmoid(x)
    xpy = x + y
    xpysqr = xpy**2
    den = sigx + xpysqr
    invden = 1.0 / den
    return num * invden


def test_staged_computation_matches_the_numerical_gradient():
    x = ae.Tensor(3.0, requires_grad=True, dtype=np.float64)
    y = ae.Tensor(-4.0, requires_grad=True, dtype=np.float64)
    staged(x, y).backward()
    h = 1e-6
    dx = (staged(3.0 + h, -4.0) - staged(3.0 - h, -4.0)) / (2 * h)
    dy = (staged(3.0, -4.0 + h) - staged(3.0, -4.0 - h)) / (2 * h)
    assert x.grad == pytest.approx(dx, rel=1e-7)
    assert y.grad == pytest.approx(dy, rel=1e-7)
