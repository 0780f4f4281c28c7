"""Errors the user can hit: the exception type, and a message that names the op, the shapes or
values, and what to do -- never a bare NumPy traceback from inside the engine."""
from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_engine as ae


def ones_leaf(shape):
    return ae.Tensor(np.ones(shape), requires_grad=True)


def message_names(info, *parts):
    text = str(info.value)
    for part in parts:
        assert part in text, f"{part!r} missing from: {text}"


# ----- shapes that do not fit the op -------------------------------------------------------------


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: b - a, "subtract"),
        (lambda a, b: a * b, "multiply"),
        (lambda a, b: a / b, "divide"),
        (lambda a, b: a**b, "power"),
        (ae.maximum, "maximum"),
        (ae.minimum, "minimum"),
    ],
)
def test_operands_that_do_not_broadcast(op, name):
    with pytest.raises(ae.ShapeError) as info:
        op(ones_leaf((2, 3)), np.ones((2, 2)))
    message_names(info, name, "(2, 3)", "(2, 2)", "broadcast")
    assert isinstance(info.value, ValueError)  # ShapeError is a ValueError, as NumPy raises


def test_where_whose_condition_does_not_broadcast():
    with pytest.raises(ae.ShapeError) as info:
        ae.where(np.ones((3, 3), dtype=bool), ones_leaf((2, 3)), 0.0)
    message_names(info, "where", "(3,3)", "(2, 3)")


@pytest.mark.parametrize(
    "a, b, inner",
    [((2, 3), (2, 2), "(3)"), ((4,), (3,), "(4)"), ((5, 2, 3), (4, 5), "(3)"), ((3,), (2, 4, 3), "(4)")],
)
def test_matmul_with_inner_dimensions_that_differ(a, b, inner):
    with pytest.raises(ae.ShapeError) as info:
        ones_leaf(a) @ np.ones(b)
    message_names(info, "matmul", str(a), str(b), inner, "transpose")


def test_matmul_of_a_0d_operand():
    with pytest.raises(ae.ShapeError) as info:
        ae.Tensor(2.0) @ ones_leaf((2, 3))
    message_names(info, "matmul", "()", "(2, 3)", "use *")


@pytest.mark.parametrize("shape", [(4,), (5, -1), (-1, -1), (2, 2, 2)])
def test_reshape_to_a_different_size(shape):
    with pytest.raises(ae.ShapeError) as info:
        ones_leaf((2, 3)).reshape(shape)
    message_names(info, "reshape", "(2, 3)", "6 elements", str(shape))


def test_concatenate_with_mismatched_shapes():
    with pytest.raises(ae.ShapeError) as info:
        ae.concatenate([ones_leaf((2, 3)), np.ones((2, 4))], axis=0)
    message_names(info, "concatenate", "(2, 3)", "(2, 4)", "axis 0")
    with pytest.raises(ae.ShapeError) as info:
        ae.concatenate([ones_leaf((2, 3)), np.ones(3)])
    message_names(info, "concatenate", "(2, 3)", "(3,)", "dimensions")
    with pytest.raises(ae.ShapeError) as info:
        ae.concatenate([ones_leaf(()), ones_leaf(())])
    message_names(info, "concatenate", "()")


def test_stack_of_different_shapes():
    with pytest.raises(ae.ShapeError) as info:
        ae.stack([ones_leaf((2, 3)), ones_leaf((3, 2))])
    message_names(info, "stack", "(2, 3)", "(3, 2)")


@pytest.mark.parametrize(
    "call, parts",
    [
        (lambda x: x.sum(axis=2), ["sum", "axis 2", "2 dimension"]),
        (lambda x: x.max(axis=-3), ["max", "axis -3"]),
        (lambda x: x.mean(axis=(0, 0)), ["mean", "repeats"]),
        (lambda x: ae.softmax(x, axis=5), ["softmax", "axis 5"]),
        (lambda x: x.transpose(0, 0), ["transpose", "(0, 0)", "(2, 3)"]),
        (lambda x: x.squeeze(0), ["squeeze", "axis 0", "(2, 3)", "size 2"]),
        (lambda x: ae.broadcast_to(x, (3, 3)), ["broadcast_to", "(2, 3)", "(3, 3)"]),
        (lambda x: ae.split(x, 2, axis=1), ["split", "length 3", "2 equal"]),
    ],
)
def test_axes_and_shape_arguments_that_do_not_fit(call, parts):
    with pytest.raises(ae.ShapeError) as info:
        call(ones_leaf((2, 3)))
    message_names(info, *parts)


@pytest.mark.parametrize("key, parts", [(5, ["index 5", "size 2"]), ((slice(None), [0, 7]), ["index 7", "size 3"])])
def test_indexing_out_of_bounds(key, parts):
    with pytest.raises(IndexError) as info:
        ones_leaf((2, 3))[key]
    message_names(info, "getitem", "(2, 3)", *parts)


# ----- backward -------------------------------------------------------------------------------


def test_backward_of_a_non_scalar_without_grad():
    y = ones_leaf((2, 3)) * 2
    with pytest.raises(RuntimeError) as info:
        y.backward()
    message_names(info, "backward", "(2, 3)", "one-element", "grad=", ".sum()")


@pytest.mark.parametrize("grad_shape", [(3, 2), (6,), (1, 2, 3), (2, 1), ()])
def test_backward_with_a_grad_of_the_wrong_shape(grad_shape):
    """Not even a broadcastable upstream gradient is accepted: it must match exactly."""
    x = ones_leaf((2, 3))
    y = x * 2
    with pytest.raises(ae.ShapeError) as info:
        y.backward(np.ones(grad_shape))
    message_names(info, "backward", str(grad_shape), "(2, 3)")
    assert x.grad is None


def test_grad_with_grad_outputs_of_the_wrong_shape_names_grad_outputs():
    x = ones_leaf((2,))
    with pytest.raises(ae.ShapeError) as info:
        ae.grad(x * 2, x, grad_outputs=np.ones(3))
    message_names(info, "grad_outputs", "(3,)", "(2,)")
    with pytest.raises(RuntimeError) as info:
        ae.grad(x * 2, x)
    message_names(info, "grad_outputs", "(2,)")


def test_backward_on_a_tensor_that_does_not_require_grad():
    for y in (ae.Tensor([1.0, 2.0]).sum(), ones_leaf((2,)).detach().sum()):
        with pytest.raises(RuntimeError) as info:
            y.backward()
        message_names(info, "backward", "does not require grad", "requires_grad=True")
    with ae.no_grad():
        z = (ones_leaf((2,)) * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        z.backward()


def test_a_hook_that_returns_the_wrong_shape():
    def halve(g):
        return g[:1]

    x = ones_leaf((3,))
    x.register_hook(halve)
    with pytest.raises(ae.ShapeError) as info:
        (x * 2).sum().backward()
    message_names(info, "register_hook", "halve", "(1,)", "(3,)")
    assert x.grad is None

    y = ones_leaf((3,))
    h = y * 2
    h.register_hook(halve)
    with pytest.raises(ae.ShapeError) as info:
        h.sum().backward()
    message_names(info, "register_hook", "halve", "(1,)", "(3,)")


def test_a_hook_result_takes_the_dtype_of_the_tensor():
    x = ae.Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    x.register_hook(lambda g: np.ones(2, dtype=np.float64) * 5)
    (x * 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [5, 5])


# ----- dtypes and construction -----------------------------------------------------------------------


@pytest.mark.parametrize("data", [np.array([1, 2]), np.array(3, dtype=np.int8), np.array([True]), np.uint8(4)])
def test_integer_and_boolean_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError) as info:
        ae.Tensor(data, requires_grad=True)
    message_names(info, "floating", str(np.asarray(data).dtype), "astype")
    with pytest.raises(TypeError, match="floating"):
        ae.Tensor(data).requires_grad_()


def test_an_integer_dtype_argument_with_requires_grad():
    with pytest.raises(TypeError, match="int64"):
        ae.Tensor([1.5, 2.5], dtype=np.int64, requires_grad=True)


def test_data_that_is_not_numbers():
    with pytest.raises(TypeError) as info:
        ae.Tensor("abc")
    message_names(info, "Tensor", "numbers", "<U3")
    with pytest.raises(TypeError, match="object"):
        ae.Tensor([1.0, None])
    with pytest.raises(ValueError) as info:
        ae.Tensor([[1.0, 2.0], [3.0]])
    message_names(info, "Tensor", "inhomogeneous")


def test_requires_grad_of_a_non_leaf_cannot_be_changed():
    y = ones_leaf((2,)) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_item_of_several_elements():
    with pytest.raises(ValueError) as info:
        ones_leaf((2, 3)).item()
    message_names(info, "item", "(2, 3)")


def test_set_default_dtype_refuses_non_floats():
    with pytest.raises(TypeError, match=re.escape("float16, float32, float64")):
        ae.set_default_dtype(np.int32)
    assert ae.get_default_dtype() == np.float32


def test_retain_grad_and_hooks_on_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ae.Tensor([1.0]).retain_grad()
    with pytest.raises(RuntimeError, match="does not require grad"):
        ae.Tensor([1.0]).register_hook(print)


def test_grad_argument_errors():
    x = ones_leaf((2,))
    with pytest.raises(TypeError, match="inputs must be a Tensor or a sequence of Tensors, got ndarray"):
        ae.grad((x * 2).sum(), np.ones(2))
    with pytest.raises(RuntimeError, match="input 0 does not require grad"):
        ae.grad((x * 2).sum(), ae.Tensor(np.ones(2)))
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        ae.grad([x.sum(), x.sum()], x, grad_outputs=[None])


def test_errors_are_engine_errors_where_the_engine_words_them():
    assert issubclass(ae.ShapeError, ae.EngineError) and issubclass(ae.ShapeError, ValueError)
    assert issubclass(ae.GraphFreedError, ae.EngineError) and issubclass(ae.GraphFreedError, RuntimeError)


def test_numpy_errors_whose_constructor_takes_other_arguments_are_still_reworded():
    """NumPy's casting errors (TypeError subclasses) cannot be rebuilt from a message alone."""

    class CastsIntoIntegers(ae.Primitive):
        name = ""  # not registered

        def forward(self, x):
            out = np.zeros(x.shape, dtype=np.int64)
            np.add(out, x, out=out)  # float into int: NumPy's _UFuncOutputCastingError
            return out

    with pytest.raises(TypeError, match=r"Cannot cast ufunc 'add'.*\(input shapes: \(2,\)\)"):
        ae.apply(CastsIntoIntegers(), np.array([0.5, 1.5]))
