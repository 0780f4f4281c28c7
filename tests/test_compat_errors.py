"""PyTorch habits that must work or fail clearly: linear on lists, torch.func-style functional_call,
checked ``.grad`` assignment, and item assignment refused with a message that names the fixes."""
import numpy as np
import pytest

import autograd_engine as ae
import nn
from autograd_engine.errors import ShapeError

# ----- linear accepts array-likes ------------------------------------------------------------


def test_linear_layer_takes_a_list_and_stays_in_the_default_dtype():
    layer = nn.Linear(2, 3)
    out = layer([1.0, 2.0])
    expected = np.array([1.0, 2.0], np.float32) @ layer.weight.data.T + layer.bias.data
    assert out.shape == (3,) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    out.sum().backward()  # the gradient reaches the parameters through the converted input
    np.testing.assert_allclose(layer.weight.grad, np.tile([1.0, 2.0], (3, 1)))


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


def test_linear_rejects_ragged_and_mis_sized_lists_by_name():
    layer = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"linear: cannot make an array of numbers from the input \(list\)"):
        layer([[1.0, 2.0], [3.0]])
    with pytest.raises(ShapeError, match=r"linear: the input has shape \(3,\) but the weight \(2, 2\) expects 2"):
        layer([1.0, 2.0, 3.0])


# ----- functional_call with PyTorch's signature -------------------------------------------------


class Scale(nn.Module):
    """out = x * weight + offset * shift, with a buffer, a keyword argument and two positional ones."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.array([2.0, 3.0]))
        self.register_buffer("shift", np.array([1.0, 1.0]))

    def forward(self, x, y=0.0, offset=1.0):
        return x * self.weight + y + offset * self.shift


def test_functional_call_unpacks_a_tuple_of_positional_arguments():
    m = Scale()
    w = ae.Tensor(np.array([10.0, 100.0]), requires_grad=True)
    out = nn.functional_call(m, {"weight": w}, (np.array([1.0, 2.0]), 5.0))
    np.testing.assert_array_equal(out.data, [1 * 10 + 5 + 1, 2 * 100 + 5 + 1])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])  # differentiated with respect to the replacement
    assert m.weight.grad is None and m._parameters["weight"] is m.weight  # the original is back, untouched


def test_functional_call_takes_a_single_non_tuple_argument_and_kwargs():
    m = Scale()
    x = ae.Tensor([1.0, 1.0])
    single = nn.functional_call(m, {}, x)
    np.testing.assert_array_equal(single.data, [2 + 1, 3 + 1])
    with_kwargs = nn.functional_call(m, {"shift": np.array([0.5, -0.5])}, (x,), {"offset": 4.0})
    np.testing.assert_array_equal(with_kwargs.data, [2 + 2, 3 - 2])
    np.testing.assert_array_equal(m.shift, [1.0, 1.0])


def test_functional_call_merges_a_list_of_dicts_and_refuses_a_name_given_twice():
    m = Scale()
    out = nn.functional_call(m, [{"weight": np.array([1.0, 1.0])}, {"shift": np.zeros(2)}], (np.array([3.0, 4.0]),))
    np.testing.assert_array_equal(out.data, [3.0, 4.0])
    with pytest.raises(ValueError, match=r"\['weight'\] appear in more than one of the 2 dicts"):
        nn.functional_call(m, ({"weight": np.ones(2)}, {"weight": np.zeros(2)}), (np.ones(2),))


def test_functional_call_strict_requires_every_parameter_and_buffer():
    m = Scale()
    with pytest.raises(RuntimeError, match=r"strict=True\): no value given for \['shift'\] of Scale"):
        nn.functional_call(m, {"weight": np.ones(2)}, (np.ones(2),), strict=True)
    out = nn.functional_call(m, {"weight": np.ones(2), "shift": np.zeros(2)}, (np.ones(2),), strict=True)
    np.testing.assert_array_equal(out.data, [1.0, 1.0])


def test_functional_call_replaces_a_tied_parameter_everywhere_and_restores_on_error():
    a, b = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False)
    b.weight = a.weight
    model = nn.Sequential(a, b)
    out = nn.functional_call(model, {"0.weight": np.eye(2) * 2}, (np.array([1.0, 1.0]),))
    np.testing.assert_allclose(out.data, [4.0, 4.0])  # both layers used the replacement
    with pytest.raises(KeyError, match="no parameter or buffer '0.wieght'"):
        nn.functional_call(model, {"0.weight": np.eye(2), "0.wieght": np.eye(2)}, (np.ones(2),))
    assert model[0].weight is model[1].weight and isinstance(model[0].weight, nn.Parameter)


def test_functional_call_kwargs_must_be_a_dict():
    with pytest.raises(TypeError, match="kwargs must be a dict"):
        nn.functional_call(Scale(), {}, np.ones(2), np.ones(2))


# ----- checked .grad assignment ------------------------------------------------------------------


def test_grad_assignment_of_the_right_shape_is_stored_without_a_copy():
    w = ae.Tensor(np.zeros(3, np.float32), requires_grad=True)
    g = np.array([1.0, 2.0, 3.0], np.float32)
    w.grad = g
    assert w.grad is g


def test_grad_assignment_of_another_float_dtype_is_cast_to_the_tensor_dtype():
    w = ae.Tensor(np.zeros(3, np.float32), requires_grad=True)
    w.grad = np.array([1.0, 2.0, 3.0])  # float64, as np.zeros/np.ones make by default
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad, [1.0, 2.0, 3.0])


def test_grad_assignment_of_a_wrong_shape_names_both_shapes_and_the_fix():
    w = ae.Tensor(np.zeros(3, np.float32), requires_grad=True)
    with pytest.raises(ShapeError) as info:
        w.grad = np.zeros(4)
    message = str(info.value)
    assert "shape (4,)" in message and "shape (3,)" in message and "reshape" in message
    assert w.grad is None  # nothing was stored


def test_grad_assignment_of_a_tensor_stores_its_array_and_none_clears():
    w = ae.Tensor(np.zeros((2, 2)), requires_grad=True)
    g = ae.Tensor(np.ones((2, 2)), requires_grad=True)
    w.grad = g
    assert type(w.grad) is np.ndarray and w.grad is g.data
    w.grad = None
    assert w.grad is None


def test_grad_assignment_refuses_booleans_and_complex_for_a_real_tensor():
    w = ae.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match="dtype bool to a tensor of dtype float64"):
        w.grad = np.array([True, False])
    with pytest.raises(TypeError, match="dtype complex128"):
        w.grad = np.array([1j, 0])


def test_backward_accumulates_onto_an_assigned_array_like_grad():
    w = ae.Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    w.grad = [10.0, 10.0]  # array-like, float64 values: cast
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [12.0, 14.0])
    assert w.grad.dtype == np.float32


# ----- item assignment -----------------------------------------------------------------------------


def test_item_assignment_is_refused_with_the_fixes():
    w = ae.Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(TypeError) as info:
        w[0] = 5
    message = str(info.value)
    assert message.startswith("t[0] = ...: item assignment")
    assert "immutable" in message and "ae.where" in message and "scatter_add" in message
    assert "no_grad()" in message and ".data[key] = value" in message
    np.testing.assert_array_equal(w.data, [0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match=r"t\[1:, \.\.\.\] = \.\.\."):  # the key as written (1:, not 1)
        w[1:, ...] = 0
    assert ae.getitem(w, (slice(1, None), Ellipsis))._node.describe() == "getitem[1:, ...]"
