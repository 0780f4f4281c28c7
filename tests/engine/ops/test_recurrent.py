"""The LSTM recurrence as one primitive (``ae.lstm_recurrence``, which ``nn.LSTM`` runs on).

- Forward against the notes' equations written out in NumPy here, float32 and float64, over
  Hypothesis-drawn lengths, batch and hidden sizes (size 1 included).
- Gradients of all four inputs against centred finite differences (float64), for every
  combination of inputs that require grad, with gradient arriving at the hidden states, at the
  cell states, or both.
- Second derivatives (``create_graph=True``, which runs through the composed ``lstm_step``)
  against finite differences of the first gradient, also through ``nn.LSTM``.
- The errors for shapes that do not fit together.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_engine as ae
import nn
from autograd_engine import testing

PROPERTY_TESTED = {"lstm_recurrence"}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def notes_lstm(x_gates, h, c, weight_hh):
    """The notes' LSTM over time in NumPy, gates (i, f, g, o): hidden and cell states of every step."""
    hidden = h.shape[-1]
    hs, cs = [], []
    for x_t in x_gates:
        a = x_t + h @ weight_hh.T
        i, f = sigmoid(a[:, :hidden]), sigmoid(a[:, hidden : 2 * hidden])
        g, o = np.tanh(a[:, 2 * hidden : 3 * hidden]), sigmoid(a[:, 3 * hidden :])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.stack(hs), np.stack(cs)


@st.composite
def problems(draw, dtype=np.float64):
    steps, batch, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shapes = [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden), (4 * hidden, hidden)]
    return draw(testing.arrays_tuple(shapes, dtype, min_value=-2.0, max_value=2.0))


@given(problems(), st.sampled_from([np.float32, np.float64]))
def test_forward_matches_the_notes_equations(inputs, dtype):
    inputs = [a.astype(dtype) for a in inputs]
    hs, cs = ae.lstm_recurrence(*(ae.Tensor(a) for a in inputs))
    ref_hs, ref_cs = notes_lstm(*(a.astype(np.float64) for a in inputs))
    assert hs.dtype == cs.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(hs.data, ref_hs, rtol=tol, atol=tol)
    np.testing.assert_allclose(cs.data, ref_cs, rtol=tol, atol=tol)


@settings(max_examples=30)
@given(problems(), st.sampled_from(["hidden", "cell", "both"]))
def test_gradients_of_all_inputs_match_finite_differences(inputs, used):
    def f(x_gates, h0, c0, weight_hh):
        hs, cs = ae.lstm_recurrence(x_gates, h0, c0, weight_hh)
        if used == "hidden":
            return hs
        if used == "cell":
            return cs
        return ae.stack([hs, cs * 0.5])

    testing.assert_gradients_match(f, *inputs)


@pytest.mark.parametrize("needed", [m for m in itertools.product([False, True], repeat=4) if any(m)])
def test_each_combination_of_inputs_that_require_grad(needed):
    """The rule computes only what is needed, and what it computes is right."""
    rng = np.random.default_rng(sum(1 << k for k, n in enumerate(needed)))
    steps, batch, hidden = 3, 2, 2
    values = [rng.standard_normal(s) for s in [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden), (4 * hidden, hidden)]]
    upstream = rng.standard_normal((2, steps, batch, hidden))
    tensors = [ae.Tensor(v, requires_grad=n) for v, n in zip(values, needed)]
    hs, cs = ae.lstm_recurrence(*tensors)
    (ae.stack([hs, cs]) * upstream).sum().backward()
    for k, (tensor, n) in enumerate(zip(tensors, needed)):
        if not n:
            assert tensor.grad is None
            continue

        def loss(v, k=k):
            point = list(values)
            point[k] = v
            return float((np.stack(notes_lstm(*point)) * upstream).sum())

        numeric = np.zeros_like(values[k])
        for idx in np.ndindex(values[k].shape):
            plus, minus = values[k].copy(), values[k].copy()
            plus[idx] += 1e-6
            minus[idx] -= 1e-6
            numeric[idx] = (loss(plus) - loss(minus)) / 2e-6
        np.testing.assert_allclose(tensor.grad, numeric, rtol=1e-5, atol=1e-7, err_msg=f"input {k}")


def test_float32_gradients_agree_with_float64_finite_differences():
    """The float32 kernel path: gradients within float32 accuracy of centred differences of the
    notes' equations in float64."""
    rng = np.random.default_rng(7)
    values = [rng.standard_normal(s) * 0.5 for s in [(6, 4, 20), (4, 5), (4, 5), (20, 5)]]
    upstream = rng.standard_normal((6, 4, 5))
    singles = [ae.Tensor(v.astype(np.float32), requires_grad=True) for v in values]
    (ae.lstm_recurrence(*singles)[0] * upstream).sum().backward()
    for k, single in enumerate(singles):

        def hidden_states(v, k=k):
            return notes_lstm(*values[:k], v, *values[k + 1 :])[0]

        numeric = ae.numerical_gradient(hidden_states, values[k].copy(), h=1e-6, df=upstream)
        assert single.grad.dtype == np.float32
        np.testing.assert_allclose(single.grad, numeric, rtol=1e-4, atol=1e-5, err_msg=f"input {k}")


def test_second_derivatives_match_finite_differences():
    rng = np.random.default_rng(3)
    values = [rng.standard_normal(s) * 0.7 for s in [(3, 2, 8), (2, 2), (2, 2), (8, 2)]]
    testing.assert_second_order_gradients_match(lambda *a: ae.stack(ae.lstm_recurrence(*a)), *values)


def test_second_derivatives_through_nn_lstm():
    """A gradient penalty through nn.LSTM (create_graph=True) is differentiable again."""
    rng = np.random.default_rng(4)
    lstm = nn.LSTM(3, 2, num_layers=2).double()

    def f(x):
        out, (h_n, c_n) = lstm(x)
        return out.sum() + (h_n * c_n).sum()

    testing.assert_second_order_gradients_match(f, rng.standard_normal((3, 2, 3)))


def test_float16_inputs_give_float16_states():
    rng = np.random.default_rng(5)
    values = [rng.standard_normal(s).astype(np.float16) for s in [(2, 3, 8), (3, 2), (3, 2), (8, 2)]]
    tensors = [ae.Tensor(v, requires_grad=True) for v in values]
    hs, cs = ae.lstm_recurrence(*tensors)
    assert hs.dtype == cs.dtype == np.float16
    ref_hs, _ = notes_lstm(*(v.astype(np.float64) for v in values))
    np.testing.assert_allclose(hs.data, ref_hs, rtol=2e-2, atol=2e-3)
    hs.sum().backward()
    assert all(t.grad.dtype == np.float16 and np.isfinite(t.grad).all() for t in tensors)


@pytest.mark.parametrize(
    "shapes,message",
    [
        ([(3, 2, 8), (2, 2), (2, 2), (8, 3)], r"weight_hh must have shape \(4H, H\), got \(8, 3\)"),
        ([(3, 2, 12), (2, 2), (2, 2), (8, 2)], r"x_gates must have shape \(T, N, 4H\) = \(T, N, 8\).*got \(3, 2, 12\)"),
        ([(2, 8), (2, 2), (2, 2), (8, 2)], r"x_gates must have shape \(T, N, 4H\)"),
        ([(0, 2, 8), (2, 2), (2, 2), (8, 2)], r"T >= 1"),
        ([(3, 2, 8), (3, 2), (2, 2), (8, 2)], r"h0 must have shape \(N, H\) = \(2, 2\).*got \(3, 2\)"),
        ([(3, 2, 8), (2, 2), (2,), (8, 2)], r"c0 must have shape \(N, H\) = \(2, 2\).*got \(2,\)"),
    ],
)
def test_shapes_that_do_not_fit_are_refused_by_name(shapes, message):
    with pytest.raises(ae.ShapeError, match=message):
        ae.lstm_recurrence(*(np.zeros(s) for s in shapes))


@pytest.mark.parametrize("steps,batch,hidden", [(2, 0, 3), (2, 3, 0), (1, 0, 0)])
def test_zero_size_batch_or_hidden_state(steps, batch, hidden):
    shapes = [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden), (4 * hidden, hidden)]
    tensors = [ae.Tensor(np.ones(s), requires_grad=True) for s in shapes]
    hs, cs = ae.lstm_recurrence(*tensors)
    assert hs.shape == cs.shape == (steps, batch, hidden)
    (hs.sum() + cs.sum()).backward()
    for tensor, shape in zip(tensors, shapes):
        assert tensor.grad.shape == shape
        assert not tensor.grad.any()  # (the (12, 3) weight of an empty batch: products over no rows are 0)


def test_backward_twice_with_retain_graph_doubles_the_gradients_then_the_graph_is_freed():
    rng = np.random.default_rng(6)
    shapes = [(3, 2, 8), (2, 2), (2, 2), (8, 2)]
    tensors = [ae.Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    hs, cs = ae.lstm_recurrence(*tensors)
    loss = (hs * hs).sum() + cs[-1].sum()
    loss.backward(retain_graph=True)
    first = [t.grad.copy() for t in tensors]
    loss.backward()
    for tensor, once in zip(tensors, first):
        np.testing.assert_allclose(tensor.grad, 2 * once, rtol=1e-12)
    with pytest.raises(ae.GraphFreedError, match="already freed"):
        loss.backward()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_gates_are_exactly_0_and_1_without_overflow_warnings(dtype):
    """Pre-activations of +-800 (exp overflows): the sigmoid gates are exactly 0 or 1, tanh is 1,
    and their derivatives, hence the gates' gradients, are exactly 0."""
    x_gates = ae.Tensor(np.array([[[800.0, -800.0, 800.0, -800.0], [-800.0, 800.0, -800.0, 800.0]]], dtype), requires_grad=True)
    ones = np.ones((2, 1), dtype)  # c0 = 1: the forget gate's gradient, dc * c0 * f (1 - f), rests on f(1 - f) = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hs, cs = ae.lstm_recurrence(x_gates, ones, ones, np.zeros((4, 1), dtype))
        (hs.sum() + cs.sum()).backward()
    # row 0: i = 1, f = 0, g = 1, o = 0 -> c = 0 * 1 + 1 * 1 = 1, h = 0;  row 1: i = 0, f = 1, g = -1, o = 1 -> c = 1, h = tanh(1)
    np.testing.assert_array_equal(cs.data[0, :, 0], [1.0, 1.0])
    np.testing.assert_allclose(hs.data[0, :, 0], [0.0, np.tanh(1.0)], rtol=1e-6)
    np.testing.assert_array_equal(x_gates.grad, np.zeros((1, 2, 4)))


def test_create_graph_counts_an_input_shared_between_arguments_once():
    """h0 passed as c0 too, and x_gates computed from h0: under create_graph the rule's composed
    gradient must follow only the recurrence's own paths (the backward pass around it adds the
    rest), so first and second derivatives match the ordinary ones and finite differences."""
    rng = np.random.default_rng(8)

    def f(s, weight_hh, x):
        x_gates = x + ae.concatenate([s, s, s, s], axis=1)  # (T, N, 4H) + (N, 4H): depends on s
        return ae.stack(ae.lstm_recurrence(x_gates, s, s, weight_hh))

    values = [rng.standard_normal((2, 2)) * 0.7, rng.standard_normal((8, 2)) * 0.7, rng.standard_normal((3, 2, 8)) * 0.7]
    testing.assert_gradients_match(f, *values)
    testing.assert_second_order_gradients_match(f, *values)


def test_create_graph_runs_the_hooks_of_the_inputs_once():
    """A hook doubling h0's gradient runs once, with or without create_graph: the gradient reaching
    the leaf is twice the finite-difference derivative of the notes' equations."""
    rng = np.random.default_rng(9)
    leaf_value, weight_value = rng.standard_normal((2, 2)), rng.standard_normal((8, 2))
    x_gates, c0 = np.ones((3, 2, 8)), np.zeros((2, 2))
    numeric = ae.numerical_gradient(lambda v: notes_lstm(x_gates, v, c0, weight_value)[0].sum(), leaf_value.copy(), h=1e-6)
    for create_graph in (False, True):
        leaf = ae.Tensor(leaf_value, requires_grad=True)
        calls = []
        h0 = leaf * 1.0
        h0.register_hook(lambda g: calls.append(1) or g * 2)
        hs, cs = ae.lstm_recurrence(x_gates, h0, c0, ae.Tensor(weight_value, requires_grad=True))
        (g,) = ae.grad(hs.sum(), leaf, create_graph=create_graph)
        assert len(calls) == 1, create_graph
        np.testing.assert_allclose(g.data, 2 * numeric, rtol=1e-6, atol=1e-9, err_msg=f"create_graph={create_graph}")


def test_integer_and_list_operands():
    """Integer arrays give float64 states (as tanh of integers is float64), nested lists the
    default float dtype (as Tensor(...) converts them)."""
    operands = [np.ones((2, 1, 4), dtype=np.int64), np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64), np.ones((4, 1), np.int64)]
    hs, cs = ae.lstm_recurrence(*operands)
    ref_hs, ref_cs = notes_lstm(*(a.astype(np.float64) for a in operands))
    assert hs.dtype == np.float64
    np.testing.assert_allclose(hs.data, ref_hs, rtol=1e-12)
    np.testing.assert_allclose(cs.data, ref_cs, rtol=1e-12)
    hs, cs = ae.lstm_recurrence(*(a.tolist() for a in operands))
    assert hs.dtype == ae.get_default_dtype()
    np.testing.assert_allclose(hs.data, ref_hs, rtol=1e-6)
