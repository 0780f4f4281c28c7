"""Bad arguments to backward() and grad() are refused by name, before the backward pass runs."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae


def _y():
    x = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    return x, x * 3


@pytest.mark.parametrize("inputs, got", [(5, "int"), ("x", "str"), (None, "NoneType"), (np.ones(2), "ndarray")])
def test_grad_with_inputs_that_are_not_tensors_says_what_inputs_must_be(inputs, got):
    _, y = _y()
    with pytest.raises(TypeError, match=rf"grad: inputs must be a Tensor or a sequence of Tensors, got {got}"):
        ae.grad(y.sum(), inputs)


def test_grad_with_a_non_tensor_inside_inputs_names_its_position():
    x, y = _y()
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Tensor, got ndarray"):
        ae.grad(y.sum(), [x, np.ones(2)])


@pytest.mark.parametrize("outputs, got", [(5, "int"), (3.0, "float")])
def test_grad_with_outputs_that_are_not_tensors_says_what_outputs_must_be(outputs, got):
    x, _ = _y()
    with pytest.raises(TypeError, match=rf"grad: outputs must be a Tensor or a sequence of Tensors, got {got}"):
        ae.grad(outputs, x)
    with pytest.raises(TypeError, match=rf"grad: outputs\[0\] must be a Tensor, got {got}"):
        ae.grad([outputs], x)


def test_grad_with_no_outputs_says_so():
    x, _ = _y()
    with pytest.raises(ValueError, match="grad: outputs is empty"):
        ae.grad([], x)


def test_backward_inputs_that_are_not_tensors_are_named():
    _, y = _y()
    with pytest.raises(TypeError, match=r"backward: inputs must be a Tensor or a sequence of Tensors, got int"):
        y.sum().backward(inputs=5)


def test_backward_with_a_gradient_of_strings_names_the_argument_its_dtype_and_what_is_expected():
    x, y = _y()
    with pytest.raises(TypeError) as info:
        y.backward(np.array(["a", "b"]))
    message = str(info.value)
    assert "backward: grad has dtype <U1" in message
    assert "a numeric array of the tensor's shape (2,)" in message
    assert x.grad is None


@pytest.mark.parametrize("bad, dtype", [(np.array([True, False]), "bool"), (np.array([1, 2], dtype=object), "object"),
                                        (np.array([1j, 2j]), "complex128")])
def test_backward_with_a_gradient_that_is_not_real_numbers_is_refused(bad, dtype):
    x, y = _y()
    with pytest.raises(TypeError, match=rf"backward: grad has dtype {dtype}; a numeric array"):
        y.backward(bad)
    assert x.grad is None


def test_backward_with_a_ragged_gradient_says_it_is_not_an_array_of_numbers():
    _, y = _y()
    with pytest.raises(TypeError, match=r"backward: grad \(a list\) is not an array of numbers .*shape \(2,\)"):
        y.backward([1.0, [2.0, 3.0]])


def test_backward_accepts_integer_and_list_gradients_as_numbers():
    x, y = _y()
    y.backward([1, 2])  # integers are numbers: cast to the tensor's dtype
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])


@pytest.mark.parametrize("grad_outputs, got", [("ones", "str"), ({"y": 1.0}, "dict"), ({1.0, 2.0}, "set")])
def test_grad_outputs_of_the_wrong_type_are_refused_by_name(grad_outputs, got):
    x, y = _y()
    with pytest.raises(TypeError, match=rf"grad: grad_outputs must be None, a Tensor or array .*got a {got}"):
        ae.grad(y, x, grad_outputs=grad_outputs)


def test_grad_outputs_of_strings_name_which_one():
    x, y = _y()
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[1\] has dtype <U1"):
        ae.grad([y, y * 2], x, grad_outputs=[np.ones(2), np.array(["a", "b"])])


def test_a_number_is_the_grad_output_of_a_single_scalar_output():
    x, y = _y()
    (g,) = ae.grad(y.sum(), x, grad_outputs=2.0)  # as backward(2.0) would seed it
    np.testing.assert_array_equal(g.data, [6.0, 6.0])
