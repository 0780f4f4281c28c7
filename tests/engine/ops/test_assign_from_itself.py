"""``x[key] = values`` where ``values`` were computed from ``x`` itself (``y[0] = y[1]``, the loop
``h[t] = tanh(h[t - 1] @ w)``), and ops recorded before an assignment that still read the tensor.

The graph's edges are tensor objects and the assignment rebinds ``x`` to a later node: the nodes of
``values`` must read x's previous value, and any older node that reads ``x`` must make backward
raise, never give a gradient that silently drops a path.  Gradients against PyTorch float64 (the
same assignments, or the same recurrence without a buffer where PyTorch refuses the buffer) and
against centred finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.gradcheck import numerical_gradient

RNG = np.random.default_rng(18)
A0 = RNG.standard_normal((2, 3))
UPSTREAM = RNG.standard_normal((2, 3))

ASSIGNMENTS = {  # each takes a tensor y and assigns part of it from itself, for the engine and for torch alike
    "y[0] = y[1]": lambda y: y.__setitem__(0, y[1]),
    "y[0] = y[1] * 2": lambda y: y.__setitem__(0, y[1] * 2),
    "y[:, 0] = y[:, 1] * 1": lambda y: y.__setitem__((slice(None), 0), y[:, 1] * 1),
    "y[1] = y[0] * y[1]": lambda y: y.__setitem__(1, y[0] * y[1]),  # PyTorch refuses: multiply saved y[1]
    "y[0] = y[1]; y[1] = y[0] + 1": lambda y: (y.__setitem__(0, y[1]), y.__setitem__(1, y[0] + 1)),
}


def engine_gradient(assign):
    a = ae.Tensor(A0.copy(), requires_grad=True)
    y = a * 1
    assign(y)
    (y * UPSTREAM).sum().backward()
    return a.grad


@pytest.mark.parametrize("name", [name for name in ASSIGNMENTS if name != "y[1] = y[0] * y[1]"])
def test_assigning_from_the_tensor_itself_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    ta = torch.tensor(A0, requires_grad=True)
    ty = ta * 1
    ASSIGNMENTS[name](ty)
    (ty * torch.tensor(UPSTREAM)).sum().backward()
    np.testing.assert_allclose(engine_gradient(ASSIGNMENTS[name]), ta.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_assigning_from_the_tensor_itself_matches_finite_differences(name):
    def f(a0):
        y = ae.Tensor(a0.copy())
        ASSIGNMENTS[name](y)
        return float((y.data * UPSTREAM).sum())

    np.testing.assert_allclose(engine_gradient(ASSIGNMENTS[name]), numerical_gradient(f, A0.copy()), rtol=1e-7, atol=1e-8)


def test_grad_of_an_assignment_from_itself_keeps_the_path_through_the_values():
    torch = pytest.importorskip("torch")
    a = ae.Tensor(A0.copy(), requires_grad=True)
    y = a.clone()
    y[0] = y[1]
    (ga,) = ae.grad((y * UPSTREAM).sum(), a)
    ta = torch.tensor(A0, requires_grad=True)
    ty = ta.clone()
    ty[0] = ty[1]
    (tga,) = torch.autograd.grad((ty * torch.tensor(UPSTREAM)).sum(), ta)
    np.testing.assert_allclose(ga.data, tga.numpy(), rtol=1e-12, atol=1e-12)


def recurrence_in_a_buffer(h0, w, steps=4):
    """``h[t] = tanh(h[t - 1] @ w)`` written into a preallocated buffer, returned whole."""
    h = ae.zeros((steps, h0.shape[0]), dtype=np.float64)
    h[0] = h0
    for t in range(1, steps):
        h[t] = ae.tanh(h[t - 1] @ w)
    return h


def test_a_recurrence_written_into_a_buffer_matches_pytorch_and_finite_differences():
    torch = pytest.importorskip("torch")
    h00, w0 = RNG.standard_normal(3), RNG.standard_normal((3, 3))
    upstream = RNG.standard_normal((4, 3))
    h0, w = ae.Tensor(h00.copy(), requires_grad=True), ae.Tensor(w0.copy(), requires_grad=True)
    (recurrence_in_a_buffer(h0, w) * upstream).sum().backward()
    # PyTorch refuses the buffer (matmul saved h[t - 1], a view the next assignment modifies): the same
    # recurrence as a list of steps is its reference.
    th0, tw = torch.tensor(h00, requires_grad=True), torch.tensor(w0, requires_grad=True)
    states = [th0]
    for _ in range(3):
        states.append(torch.tanh(states[-1] @ tw))
    (torch.stack(states) * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h0.grad, th0.grad.numpy(), rtol=1e-12, atol=1e-12)
    numeric = numerical_gradient(lambda w1: float((recurrence_in_a_buffer(ae.Tensor(h00), ae.Tensor(w1)).data
                                                   * upstream).sum()), w0.copy())
    np.testing.assert_allclose(w.grad, numeric, rtol=1e-7, atol=1e-8)


def test_values_computed_from_a_constant_keep_its_previous_values():
    # PyTorch refuses this one (multiply saved y, which the assignment modifies); the engine gives the
    # assigned constant a new array, so that the product's rule reads the values it multiplied.
    y0 = np.array([2.0, 3.0, 5.0])
    w = ae.Tensor(np.ones(3), requires_grad=True)
    y = ae.Tensor(y0.copy())
    v = w * y
    y[0] = v[1]
    (y * np.array([7.0, 1.0, 1.0])).sum().backward()
    np.testing.assert_array_equal(w.grad, [0.0, 7.0 * y0[1], 0.0])  # d(7 * w[1] * y0[1]) / dw


@pytest.mark.parametrize("through_grad", [False, True])
def test_an_older_op_that_reads_the_tensor_inside_the_values_refuses_backward(through_grad):
    # z was computed from y before y[0] = 1; y[1] = z[0] then makes z's node read its own descendant.
    a = ae.Tensor(A0.copy(), requires_grad=True)
    y = a * 1
    z = (y * 2) + 1
    y[0] = 1.0
    y[1] = z[0]
    with pytest.raises(RuntimeError, match=r"input 0 of multiply .* was modified by an in-place update"):
        if through_grad:
            ae.grad(y.sum(), a)
        else:
            y.sum().backward()
    assert a.grad is None
