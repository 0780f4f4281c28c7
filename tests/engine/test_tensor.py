"""The Tensor API: construction and dtypes, attributes, repr, operators with NumPy arrays and Python
scalars on either side, comparisons, and the op surface (free functions with NumPy's names, and the
unary, reduction and shape ops as methods); Tensor(...) of lists holding Tensors; checked ``.grad``
assignment."""
from __future__ import annotations

import inspect
import operator

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.errors import ShapeError
from autograd_engine.ops import reduce as reduce_ops
from autograd_engine.ops import shape as shape_ops

# ----- construction and dtypes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, dtype, shape",
    [
        (3, np.float32, ()),
        (2.5, np.float32, ()),
        ([1, 2, 3], np.float32, (3,)),
        ([[1.0, 2.0], [3.0, 4.0]], np.float32, (2, 2)),
        ([[[1]], [[2]]], np.float32, (2, 1, 1)),
        ([], np.float32, (0,)),
        (True, np.bool_, ()),
        (np.array([1, 2], dtype=np.int64), np.int64, (2,)),
        (np.array([1.0], dtype=np.float16), np.float16, (1,)),
        (np.arange(6.0).reshape(2, 3), np.float64, (2, 3)),
        (np.float64(1.5), np.float64, ()),
        (np.int32(7), np.int32, ()),
    ],
)
def test_constructors_keep_numpy_dtypes_and_default_python_numbers_to_float32(data, dtype, shape):
    t = ae.Tensor(data)
    assert t.dtype == dtype and t.shape == shape
    assert isinstance(t.data, np.ndarray)
    np.testing.assert_array_equal(t.data, np.asarray(data))


def test_the_dtype_argument_and_tensor_function():
    assert ae.Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert ae.Tensor(np.ones(2, dtype=np.float32), dtype=np.float64).dtype == np.float64
    t = ae.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    assert isinstance(t, ae.Tensor) and t.requires_grad and t.dtype == np.float64


def test_set_default_dtype_changes_python_numbers_only():
    try:
        ae.set_default_dtype(np.float64)
        assert ae.get_default_dtype() == np.float64
        assert ae.Tensor(1.0).dtype == np.float64 and ae.Tensor([1, 2]).dtype == np.float64
        assert ae.Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    finally:
        ae.set_default_dtype(np.float32)
    assert ae.Tensor(1.0).dtype == np.float32


def test_numpy_arrays_are_wrapped_not_copied():
    a = np.arange(3.0)
    t = ae.Tensor(a)
    assert t.data is a or np.shares_memory(t.data, a)
    assert t.numpy() is t.data


def test_promotion_follows_numpy():
    f32 = ae.Tensor(np.ones(2, dtype=np.float32))
    assert (f32 + np.ones(2)).dtype == np.float64  # float32 array + float64 array
    assert (f32 * 2.5).dtype == np.float32  # a Python float does not widen
    assert (f32 + ae.Tensor(np.ones(2, dtype=np.float16))).dtype == np.float32
    assert (ae.Tensor(np.array([1, 2])) / 2).dtype == np.float64
    assert (ae.Tensor(np.array([1, 2])) + 1).dtype == np.int64


# ----- attributes ----------------------------------------------------------------------------------


def test_attributes_of_a_leaf_and_of_an_op_output():
    x = ae.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert (x.shape, x.ndim, x.size, x.dtype) == ((2, 3), 2, 6, np.float64)
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn.name == "multiply"
    c = ae.Tensor([1.0])
    assert not c.requires_grad and c.is_leaf


def test_item_numpy_tolist_and_conversions():
    t = ae.Tensor(np.array([[2.5]]))
    assert t.item() == 2.5 and isinstance(t.item(), float)
    assert float(t) == 2.5 and int(ae.Tensor(3.7)) == 3
    assert ae.Tensor(np.array([1, 2])).tolist() == [1, 2]
    assert bool(ae.Tensor(1.0)) and not bool(ae.Tensor(0.0))
    assert np.asarray(t) is t.data or np.shares_memory(np.asarray(t), t.data)
    assert np.array(t, dtype=np.float32).dtype == np.float32


def test_format_specs_format_the_value_of_a_0d_tensor():
    loss = ae.Tensor(np.float64(1.23456), requires_grad=True) * 1.0
    assert f"{loss:.3f}" == "1.235" and f"{loss:>9.1e}" == "  1.2e+00"
    assert f"{loss}" == str(loss) == repr(loss)
    with pytest.raises(TypeError):
        f"{ae.Tensor([1.0, 2.0]):.3f}"  # as for NumPy arrays: only 0-d values take a number format


def test_len_and_iteration_give_rows():
    x = ae.Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(x) == 3 and len(rows) == 3 and all(isinstance(r, ae.Tensor) and r.shape == (2,) for r in rows)
    sum(r.sum() * i for i, r in enumerate(rows)).backward()
    np.testing.assert_array_equal(x.grad, [[0, 0], [1, 1], [2, 2]])
    with pytest.raises(TypeError):
        len(ae.Tensor(1.0))


def test_detach_shares_data_and_leaves_the_graph():
    x = ae.Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.data, [2.0, 4.0])


def test_requires_grad_underscore():
    x = ae.Tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad


def test_assigning_requires_grad_is_checked_as_requires_grad_is():
    """As in PyTorch: a bool (a NumPy bool counts), on a floating leaf; a non-leaf cannot stop requiring grad."""
    x = ae.Tensor([1.0, 2.0])
    x.requires_grad = np.True_
    assert x.requires_grad is True
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    for bad in ("yes", 2, None):
        with pytest.raises(TypeError, match="requires_grad"):
            x.requires_grad = bad
    assert x.requires_grad is True
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad = False
    with pytest.raises(TypeError, match="int64"):
        ae.Tensor(np.array([1, 2])).requires_grad = True


def test_repr_shows_the_values_and_the_op():
    x = ae.Tensor([1.5, -2.0], requires_grad=True)
    assert "1.5" in repr(x) and "-2." in repr(x) and "requires_grad=True" in repr(x)
    y = x * 3
    assert "4.5" in repr(y) and "-6." in repr(y) and "multiply" in repr(y)
    assert "sum" in repr(y.sum())
    assert "reshape" in repr(x.reshape(2, 1))
    assert "float64" in repr(ae.Tensor(np.array([1.0])))  # a non-default dtype is shown
    assert repr(ae.Tensor(np.zeros(10_000))).count("0.") < 100  # big tensors are summarized


# ----- operators ----------------------------------------------------------------------------------

BINARY = {
    "+": (operator.add, lambda a, b, g: (g, g)),
    "-": (operator.sub, lambda a, b, g: (g, -g)),
    "*": (operator.mul, lambda a, b, g: (g * b, g * a)),
    "/": (operator.truediv, lambda a, b, g: (g / b, -g * a / b**2)),
    "**": (operator.pow, lambda a, b, g: (g * b * a ** (b - 1), g * a**b * np.log(a))),
}


@pytest.mark.parametrize("symbol", sorted(BINARY))
@pytest.mark.parametrize("other_kind", ["ndarray", "python scalar", "numpy scalar", "tensor"])
@pytest.mark.parametrize("tensor_side", ["left", "right"])
def test_binary_operators_with_arrays_and_scalars_on_either_side(symbol, other_kind, tensor_side):
    fn, grads = BINARY[symbol]
    t_values = np.array([1.5, 2.0, 3.0])
    o_values = {"ndarray": np.array([0.5, 2.0, 1.25]), "python scalar": 1.5, "numpy scalar": np.float64(1.5)}.get(
        other_kind, np.array([0.5, 2.0, 1.25])
    )
    t = ae.Tensor(t_values, requires_grad=True)
    other = ae.Tensor(o_values, requires_grad=True) if other_kind == "tensor" else o_values
    a, b = (t, other) if tensor_side == "left" else (other, t)
    out = fn(a, b)
    assert type(out) is ae.Tensor, f"{type(a).__name__} {symbol} {type(b).__name__} gave {type(out).__name__}"
    a_val, b_val = (t_values, np.asarray(o_values)) if tensor_side == "left" else (np.asarray(o_values), t_values)
    np.testing.assert_allclose(out.data, fn(a_val, b_val), rtol=1e-12)
    upstream = np.array([1.0, -2.0, 0.5])
    out.backward(upstream)
    ga, gb = grads(a_val, b_val, upstream)
    expected = ga if tensor_side == "left" else gb
    np.testing.assert_allclose(t.grad, np.broadcast_to(expected, t.shape), rtol=1e-12)
    if other_kind == "tensor":
        np.testing.assert_allclose(other.grad, gb if tensor_side == "left" else ga, rtol=1e-12)


@pytest.mark.parametrize("tensor_side", ["left", "right", "both"])
def test_matmul_operator_with_ndarrays(tensor_side):
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4) / 10
    ta, tb = ae.Tensor(a, requires_grad=True), ae.Tensor(b, requires_grad=True)
    left, right = {"left": (ta, b), "right": (a, tb), "both": (ta, tb)}[tensor_side]
    out = left @ right
    assert type(out) is ae.Tensor
    np.testing.assert_allclose(out.data, a @ b)
    g = np.ones((2, 4))
    out.backward(g)
    if tensor_side != "right":
        np.testing.assert_allclose(ta.grad, g @ b.T)
    if tensor_side != "left":
        np.testing.assert_allclose(tb.grad, a.T @ g)


def test_unary_minus_abs_and_pos():
    x = ae.Tensor([-1.5, 0.0, 2.0], requires_grad=True)
    np.testing.assert_array_equal((-x).data, [1.5, 0.0, -2.0])
    np.testing.assert_array_equal(abs(x).data, [1.5, 0.0, 2.0])
    assert +x is x
    ((-x) * np.array([1.0, 2.0, 3.0]) + abs(x)).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1 - 1, -2 + 0, -3 + 1])  # abs'(0) = 0


def test_a_tensor_power_of_a_tensor_and_of_a_scalar():
    base = ae.Tensor([2.0, 3.0], requires_grad=True)
    exponent = ae.Tensor([3.0, 0.5], requires_grad=True)
    (base**exponent).sum().backward()
    np.testing.assert_allclose(base.grad, [3 * 4.0, 0.5 * 3**-0.5])
    np.testing.assert_allclose(exponent.grad, [8 * np.log(2), 3**0.5 * np.log(3)])
    x = ae.Tensor([1.0, 2.0], requires_grad=True)
    (2.0**x).sum().backward()
    np.testing.assert_allclose(x.grad, [2 * np.log(2), 4 * np.log(2)])


@pytest.mark.parametrize("symbol", ["<", "<=", ">", ">=", "==", "!="])
def test_comparisons_return_numpy_bool_arrays(symbol):
    fn = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}[
        symbol
    ]
    values = np.array([1.0, 2.0, 3.0])
    x = ae.Tensor(values, requires_grad=True)
    other = np.array([2.0, 2.0, 2.0])
    for left, right, expected in (
        (x, other, fn(values, other)),
        (other, x, fn(other, values)),
        (x, 2.0, fn(values, 2.0)),
        (2.0, x, fn(2.0, values)),
        (x, ae.Tensor(other), fn(values, other)),
    ):
        result = fn(left, right)
        assert type(result) is np.ndarray and result.dtype == bool, (type(left), type(right), type(result))
        np.testing.assert_array_equal(result, expected)


def test_tensors_hash_by_identity_so_they_can_be_dict_keys():
    a, b = ae.Tensor([1.0]), ae.Tensor([1.0])
    assert len({a: 1, b: 2}) == 2


def test_augmented_assignment_makes_a_new_tensor_in_the_graph():
    x = ae.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    before = y
    y += 1.0
    y *= 3.0
    assert y is not before and not before.data[0] == y.data[0]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


# ----- the op surface -----------------------------------------------------------------------------------

x_values = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
positive = np.abs(x_values) + 0.5

FREE_FUNCTIONS = {  # name: (call, NumPy reference)
    "add": (lambda f: f(x_values, 2.0), lambda: x_values + 2.0),
    "subtract": (lambda f: f(x_values, 2.0), lambda: x_values - 2.0),
    "multiply": (lambda f: f(x_values, 2.0), lambda: x_values * 2.0),
    "divide": (lambda f: f(x_values, 2.0), lambda: x_values / 2.0),
    "negative": (lambda f: f(x_values), lambda: -x_values),
    "power": (lambda f: f(positive, 1.5), lambda: positive**1.5),
    "exp": (lambda f: f(x_values), lambda: np.exp(x_values)),
    "log": (lambda f: f(positive), lambda: np.log(positive)),
    "log1p": (lambda f: f(positive), lambda: np.log1p(positive)),
    "expm1": (lambda f: f(x_values), lambda: np.expm1(x_values)),
    "sqrt": (lambda f: f(positive), lambda: np.sqrt(positive)),
    "sin": (lambda f: f(x_values), lambda: np.sin(x_values)),
    "cos": (lambda f: f(x_values), lambda: np.cos(x_values)),
    "abs": (lambda f: f(x_values), lambda: np.abs(x_values)),
    "square": (lambda f: f(x_values), lambda: np.square(x_values)),
    "tanh": (lambda f: f(x_values), lambda: np.tanh(x_values)),
    "sigmoid": (lambda f: f(x_values), lambda: 1 / (1 + np.exp(-x_values))),
    "relu": (lambda f: f(x_values), lambda: np.maximum(x_values, 0)),
    "leaky_relu": (lambda f: f(x_values, 0.1), lambda: np.where(x_values > 0, x_values, 0.1 * x_values)),
    "maximum": (lambda f: f(x_values, 0.4), lambda: np.maximum(x_values, 0.4)),
    "minimum": (lambda f: f(x_values, 0.4), lambda: np.minimum(x_values, 0.4)),
    "where": (lambda f: f(x_values > 0, x_values, -1.0), lambda: np.where(x_values > 0, x_values, -1.0)),
    "clip": (lambda f: f(x_values, -1.0, 1.0), lambda: np.clip(x_values, -1.0, 1.0)),
    "sum": (lambda f: f(x_values, axis=1, keepdims=True), lambda: x_values.sum(axis=1, keepdims=True)),
    "mean": (lambda f: f(x_values, axis=(0, 1)), lambda: x_values.mean()),
    "max": (lambda f: f(x_values, axis=0), lambda: x_values.max(axis=0)),
    "min": (lambda f: f(x_values, axis=-1), lambda: x_values.min(axis=-1)),
    "var": (lambda f: f(x_values, axis=0), lambda: x_values.var(axis=0)),
    "std": (lambda f: f(x_values, axis=1, ddof=1), lambda: x_values.std(axis=1, ddof=1)),
    "logsumexp": (
        lambda f: f(x_values, axis=1, keepdims=True),
        lambda: np.log(np.exp(x_values).sum(axis=1, keepdims=True)),
    ),
    "softmax": (lambda f: f(x_values, axis=0), lambda: np.exp(x_values) / np.exp(x_values).sum(axis=0)),
    "log_softmax": (
        lambda f: f(x_values, axis=1),
        lambda: x_values - np.log(np.exp(x_values).sum(axis=1, keepdims=True)),
    ),
    "matmul": (lambda f: f(x_values, x_values.T), lambda: x_values @ x_values.T),
    "reshape": (lambda f: f(x_values, (3, 2)), lambda: x_values.reshape(3, 2)),
    "transpose": (lambda f: f(x_values), lambda: x_values.T),
    "permute": (lambda f: f(x_values, (1, 0)), lambda: x_values.T),
    "swapaxes": (lambda f: f(x_values, 0, 1), lambda: x_values.T),
    "moveaxis": (lambda f: f(x_values, 0, -1), lambda: np.moveaxis(x_values, 0, -1)),
    "broadcast_to": (lambda f: f(x_values[0], (2, 3)), lambda: np.broadcast_to(x_values[0], (2, 3))),
    "expand": (lambda f: f(x_values[:1], (4, 3)), lambda: np.broadcast_to(x_values[:1], (4, 3))),
    "squeeze": (lambda f: f(x_values[:1], 0), lambda: x_values[0]),
    "expand_dims": (lambda f: f(x_values, 1), lambda: x_values[:, None]),
    "unsqueeze": (lambda f: f(x_values, 0), lambda: x_values[None]),
    "flatten": (lambda f: f(x_values), lambda: x_values.ravel()),
    "ravel": (lambda f: f(x_values), lambda: x_values.ravel()),
    "concatenate": (lambda f: f([x_values, x_values], axis=1), lambda: np.concatenate([x_values, x_values], axis=1)),
    "stack": (lambda f: f([x_values, x_values], axis=-1), lambda: np.stack([x_values, x_values], axis=-1)),
    "split": (lambda f: f(x_values, 3, axis=1)[2], lambda: np.split(x_values, 3, axis=1)[2]),
    "pad": (lambda f: f(x_values, ((1, 0), (0, 2))), lambda: np.pad(x_values, ((1, 0), (0, 2)))),
    "astype": (lambda f: f(x_values, np.float32), lambda: x_values.astype(np.float32)),
    "argmax": (lambda f: f(x_values, axis=1), lambda: x_values.argmax(axis=1)),
    "argmin": (lambda f: f(x_values), lambda: x_values.argmin()),
    "one_hot": (lambda f: f(np.array([2, 0]), 3), lambda: np.eye(3)[[2, 0]]),
}


@pytest.mark.parametrize("name", sorted(FREE_FUNCTIONS))
def test_every_op_is_a_free_function_with_numpys_name_that_accepts_ndarrays(name):
    call, reference = FREE_FUNCTIONS[name]
    assert callable(getattr(ae, name, None)), f"autograd_engine.{name} is missing"
    result = call(getattr(ae, name))
    expected = reference()
    if name in {"argmax", "argmin"}:
        assert isinstance(result, np.ndarray | np.integer) and result.dtype.kind == "i"  # NumPy's, not a Tensor
    else:
        assert isinstance(result, ae.Tensor)
        result = result.data
    assert np.shape(result) == np.shape(expected)
    np.testing.assert_allclose(result, expected, rtol=1e-6)


METHODS = {  # unary, reduction and shape ops: method call == free function call
    "exp": (), "log": (), "log1p": (), "expm1": (), "sqrt": (), "sin": (), "cos": (), "abs": (),
    "square": (), "tanh": (), "sigmoid": (), "relu": (), "leaky_relu": (0.2,), "clip": (0.6, 1.5), "erf": (),
    "sum": (1, True), "mean": (0,), "max": (1,), "min": (None, True), "var": (0,), "std": (1,),
    "logsumexp": (0,), "softmax": (1,), "log_softmax": (0,), "argmax": (0,), "argmin": (1,),
    "reshape": ((3, 2),), "transpose": ((1, 0),), "permute": ((1, 0),), "swapaxes": (0, 1),
    "moveaxis": (1, 0), "broadcast_to": ((4, 2, 3),), "expand": ((4, 2, 3),), "squeeze": (),
    "expand_dims": (0,), "unsqueeze": (2,), "flatten": (), "ravel": (), "astype": (np.float32,),
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_unary_reduction_and_shape_ops_are_methods_too(name):
    x = ae.Tensor(positive, requires_grad=True)
    args = METHODS[name]
    method = getattr(x, name, None)
    assert callable(method), f"Tensor.{name} is missing"
    by_method, by_function = method(*args), getattr(ae, name)(x, *args)
    np.testing.assert_array_equal(np.asarray(by_method), np.asarray(by_function))
    if isinstance(by_method, ae.Tensor) and by_method.dtype.kind == "f":
        assert by_method.requires_grad


def test_methods_with_numpys_and_pytorchs_calling_conventions():
    x = ae.Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.reshape(6, 4).shape == x.reshape((6, 4)).shape == x.view(6, 4).shape == (6, 4)
    assert x.reshape(-1).shape == (24,)
    assert x.transpose().shape == x.T.shape == (4, 3, 2)
    assert x.transpose(2, 0, 1).shape == x.transpose((2, 0, 1)).shape == x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.sum(axis=(0, 2)).shape == (3,) and x.max(axis=0, keepdims=True).shape == (1, 3, 4)
    assert x[:, :1].squeeze(1).shape == (2, 4) and x.unsqueeze(0).shape == (1, 2, 3, 4)
    assert x.flatten(1).shape == (2, 12) and x.expand(5, 2, 3, 4).shape == (5, 2, 3, 4)
    assert x.dot(np.ones(4)).shape == x.matmul(np.ones(4)).shape == (2, 3)


def test_every_public_reduction_and_shape_function_is_also_a_method():
    """New ops added to the reduce or shape families must come with their Tensor method."""
    missing = []
    for module in (reduce_ops, shape_ops):
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            if name in {"normalize_axes", "normalize_axis"}:  # helpers, not ops
                continue
            if not callable(getattr(ae.Tensor, name, None)) and name not in {"amax", "amin"}:
                missing.append(f"{module.__name__}.{name}")
    assert not missing, f"no Tensor method for: {missing}"


def test_one_hot_returns_a_tensor_and_comparisons_and_argmax_arrays():
    assert isinstance(ae.one_hot(np.array([1]), 2), ae.Tensor)
    x = ae.Tensor([[1.0, 3.0]], requires_grad=True)
    assert type(x.argmax(axis=1)) is np.ndarray and type(x > 2) is np.ndarray


def test_in_place_update_under_no_grad_changes_the_parameter_array_as_in_pytorch():
    w = ae.Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    array = w.data
    (w * w).sum().backward()  # grad = 2w
    with ae.no_grad():
        w -= 0.25 * w.grad
        w *= ae.Tensor(2.0)
        w /= 4
        w += np.float32(1)
    assert w.data is array and w.is_leaf and w.requires_grad and w.dtype == np.float32
    np.testing.assert_allclose(w.data, (np.array([1.0, 2.0, 3.0]) * 0.5 * 2 / 4) + 1)


def test_in_place_update_of_a_leaf_that_requires_grad_is_refused_with_grad_mode_on():
    w = ae.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"-=: in-place update of a leaf.*no_grad"):
        w -= 1.0
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_in_place_arithmetic_on_a_graph_node_records_the_out_of_place_op():
    x = ae.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    before = y
    y += x  # y = 3x + x
    assert y is not before and before.data.tolist() == [3.0, 6.0]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])


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


# ----- Tensor(...) with Tensors inside ----------------------------------------------------------------


def test_tensor_of_a_list_holding_a_tensor_that_requires_grad_is_refused():
    x = ae.Tensor(1.0, requires_grad=True)
    for data in ([x, 2.0], [[1.0, x]], (x,)):
        with pytest.raises(TypeError, match=r"Tensor: the (list|tuple) holds a Tensor that requires grad.*ae\.stack"):
            ae.Tensor(data)


def test_tensor_of_a_list_of_constant_tensors_copies_their_values():
    y = ae.Tensor([ae.Tensor(1.0), 2.0, ae.Tensor(3.0)])
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 3.0])
    x = ae.Tensor(1.0, requires_grad=True)
    with ae.no_grad():  # nothing is recorded here anyway: the values are copied
        np.testing.assert_array_equal(ae.Tensor([x, x]).data, [1.0, 1.0])
    np.testing.assert_array_equal(ae.Tensor([x.detach(), 2.0]).data, [1.0, 2.0])


def test_stack_keeps_the_gradient_the_constructor_refuses():
    x = ae.Tensor(1.5, requires_grad=True)
    y = ae.stack([x, 2.0 * x])
    y.backward(np.array([1.0, 10.0]))
    assert x.grad == pytest.approx(21.0)


def test_in_place_arithmetic_with_a_list_of_tensors_keeps_their_gradients():
    """``y += [x, x]`` on a constant y: the list requires grad, so y is rebound out of place (as for
    ``y += x``) instead of taking the values in place and dropping x's gradient."""
    x = ae.Tensor(2.0, requires_grad=True)
    y = ae.Tensor([1.0, 1.0])
    y += [x, 3.0 * x]
    np.testing.assert_array_equal(y.data, [3.0, 7.0])
    y.sum().backward()
    assert x.grad == 4.0


def test_numpy_of_a_tensor_that_requires_grad_cannot_be_written_behind_the_graphs_back():
    x = ae.Tensor(np.zeros(3), requires_grad=True)
    s = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.numpy()[:] = 3.0
    s.backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])  # the values the graph used
    assert np.shares_memory(x.numpy(), x.data)  # still a view, not a copy
    constant = ae.Tensor(np.zeros(2))
    constant.numpy()[0] = 1.0  # nothing records a constant: its array is the tensor's own
    assert constant.data[0] == 1.0
