"""Edge semantics, pinned to PyTorch: one test per row of ``autograd_engine/EDGE_CASES.md``.

Every expected value is written out here (checked once against PyTorch 2.x on CPU); the
tests do not need PyTorch.
"""
import math
import warnings

import numpy as np
import pytest

import autograd_engine as ae

INF, NAN = math.inf, math.nan


def grads(f, *values, upstream=None):
    """Value of f and the gradients of sum(upstream * f) for float64 inputs."""
    tensors = [ae.Tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]
    out = f(*tensors)
    out.backward(np.ones(out.shape) if upstream is None else np.asarray(upstream, dtype=np.float64))
    return out.data, [t.grad for t in tensors]


def assert_same(actual, expected):
    """Equal values, with NaN == NaN and inf == inf."""
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected, dtype=np.float64))


# ----- kinks -----------------------------------------------------------------------------------------


def test_relu_gradient_at_zero_is_zero():
    value, (g,) = grads(ae.relu, [-1.0, 0.0, 2.0])
    assert_same(value, [0.0, 0.0, 2.0])
    assert_same(g, [0.0, 0.0, 1.0])


def test_abs_gradient_at_zero_is_zero():
    value, (g,) = grads(ae.abs, [-1.5, 0.0, 2.0])
    assert_same(value, [1.5, 0.0, 2.0])
    assert_same(g, [-1.0, 0.0, 1.0])


def test_leaky_relu_slope_at_zero_is_the_negative_slope():
    value, (g,) = grads(lambda t: ae.leaky_relu(t, 0.1), [-2.0, 0.0, 3.0])
    assert_same(value, [-0.2, 0.0, 3.0])
    assert_same(g, [0.1, 0.1, 1.0])
    assert_same(grads(ae.leaky_relu, [0.0])[1][0], [0.01])  # the default slope


def test_max_and_min_reductions_split_ties_evenly():
    _, (g,) = grads(lambda t: t.max(), [1.0, 3.0, 3.0, 3.0])
    np.testing.assert_allclose(g, [0.0, 1 / 3, 1 / 3, 1 / 3], rtol=1e-15)
    value, (g,) = grads(lambda t: t.max(axis=1, keepdims=True), [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], upstream=[[1.0], [6.0]])
    assert_same(value, [[3.0], [2.0]])
    np.testing.assert_allclose(g, [[0.0, 0.5, 0.5], [2.0, 2.0, 2.0]], rtol=1e-15)
    _, (g,) = grads(lambda t: t.min(axis=0), [[-1.0, 4.0], [-1.0, 5.0]])
    assert_same(g, [[0.5, 1.0], [0.5, 0.0]])


def test_max_and_min_reductions_route_the_gradient_to_nan():
    """A NaN wins the reduction, so it takes the gradient (split among several NaNs, as ties are)."""
    value, (g,) = grads(lambda t: t.max(), [1.0, NAN, 3.0], upstream=2.0)
    assert_same(value, NAN)
    assert_same(g, [0.0, 2.0, 0.0])
    value, (g,) = grads(lambda t: t.min(), [NAN, 2.0, NAN])
    assert_same(value, NAN)
    assert_same(g, [0.5, 0.0, 0.5])
    value, (g,) = grads(lambda t: t.max(axis=1), [[1.0, NAN], [2.0, 3.0]], upstream=[1.0, 4.0])
    assert_same(value, [NAN, 3.0])
    assert_same(g, [[0.0, 1.0], [0.0, 4.0]])  # the NaN-free row is unaffected


def test_maximum_and_minimum_split_ties_half_and_half():
    value, (ga, gb) = grads(ae.maximum, [1.0, 2.0, 3.0], 2.0)  # b broadcasts: its gradient sums
    assert_same(value, [2.0, 2.0, 3.0])
    assert_same(ga, [0.0, 0.5, 1.0])
    assert_same(gb, 1.5)
    value, (ga, gb) = grads(ae.minimum, [1.0, 5.0], [1.0, 4.0])
    assert_same(value, [1.0, 4.0])
    assert_same(ga, [0.5, 0.0])
    assert_same(gb, [0.5, 1.0])


def test_maximum_and_minimum_route_the_gradient_to_nan():
    value, (ga, gb) = grads(ae.maximum, [NAN, 1.0, NAN], [1.0, NAN, NAN], upstream=[1.0, 2.0, 4.0])
    assert_same(value, [NAN, NAN, NAN])
    assert_same(ga, [1.0, 0.0, 2.0])  # g to the NaN operand; two NaNs split like a tie
    assert_same(gb, [0.0, 2.0, 2.0])
    value, (ga, gb) = grads(ae.minimum, [NAN, 0.0, 5.0], 1.0)  # b broadcasts: its gradient sums
    assert_same(value, [NAN, 0.0, 1.0])
    assert_same(ga, [1.0, 1.0, 0.0])
    assert_same(gb, 1.0)


def test_clip_gradient_is_one_on_the_bounds():
    value, (g,) = grads(lambda t: ae.clip(t, 0.0, 1.0), [-1.0, 0.0, 0.5, 1.0, 2.0])
    assert_same(value, [0.0, 0.0, 0.5, 1.0, 1.0])
    assert_same(g, [0.0, 1.0, 1.0, 1.0, 0.0])
    _, (g,) = grads(lambda t: ae.clip(t, 1.0, 1.0), [0.0, 1.0, 2.0])  # a_min == a_max
    assert_same(g, [0.0, 1.0, 0.0])
    _, (g,) = grads(lambda t: ae.clip(t, None, 0.0), [-1.0, 0.0, 1.0])  # one bound only
    assert_same(g, [1.0, 1.0, 0.0])


# ----- powers, roots, logarithms ----------------------------------------------------------------------


def test_fractional_power_of_a_negative_number_is_nan():
    value, (ga, gb) = grads(ae.power, [-8.0], [1 / 3])
    assert_same(value, [NAN])
    assert_same(ga, [NAN])
    assert_same(gb, [NAN])


def test_roots_and_logarithms_of_negative_numbers():
    with np.errstate(invalid="ignore"):
        value, (g,) = grads(ae.sqrt, [-1.0])
        assert_same(value, [NAN])
        assert_same(g, [NAN])
        value, (g,) = grads(ae.log, [-2.0])
    assert_same(value, [NAN])
    assert_same(g, [-0.5])


def test_negative_base_with_integer_exponent():
    value, (ga, gb) = grads(ae.power, [-2.0], [3.0])
    assert_same(value, [-8.0])
    assert_same(ga, [12.0])  # 3 * (-2)**2
    assert_same(gb, [NAN])  # d/db needs log(-2): no real derivative in the exponent


def test_power_with_zero_base():
    value, (ga, gb) = grads(ae.power, [0.0] * 5, [0.0, 1.0, 2.0, 0.5, -1.0])
    assert_same(value, [1.0, 0.0, 0.0, 0.0, INF])  # 0 ** 0 = 1
    assert_same(ga, [0.0, 1.0, 0.0, INF, -INF])  # b * 0 ** (b - 1), and 0 where b == 0
    assert_same(gb, [0.0, 0.0, 0.0, 0.0, -INF])  # out * log(0) taken as 0 where b >= 0
    _, (g,) = grads(lambda t: t**0, [0.0, 3.0])  # a Python exponent follows the same rule
    assert_same(g, [0.0, 0.0])


def test_zeroth_power_of_infinite_and_nan_bases():
    """d/da a**0 is exactly 0, also where a**-1 times 0 would be inf * 0 or NaN."""
    for zero in (0.0, np.zeros(4)):  # a Python exponent and a constant array
        value, (g,) = grads(lambda t: t**zero, [INF, -INF, NAN, 2.0])
        assert_same(value, [1.0, 1.0, 1.0, 1.0])
        assert_same(g, [0.0, 0.0, 0.0, 0.0])
    value, (ga, gb) = grads(ae.power, [INF, -INF, NAN], [0.0, 0.0, 0.0])  # both differentiated
    assert_same(value, [1.0, 1.0, 1.0])
    assert_same(ga, [0.0, 0.0, 0.0])
    assert_same(gb, [INF, NAN, NAN])  # out * log(a)
    a = ae.Tensor(np.array([INF, NAN]), requires_grad=True)
    (ga,) = ae.grad((a**0.0).sum(), [a], create_graph=True)  # the rule is recorded: same values
    assert ga.requires_grad
    assert_same(ga.data, [0.0, 0.0])


def test_sqrt_gradient_at_zero_is_inf():
    value, (g,) = grads(ae.sqrt, [0.0, 4.0])
    assert_same(value, [0.0, 2.0])
    assert_same(g, [INF, 0.25])


def test_log_of_zero_is_minus_inf():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and it says so without a warning
        value, (g,) = grads(ae.log, [0.0, 1.0])
    assert_same(value, [-INF, 0.0])
    assert_same(g, [INF, 1.0])


def test_division_by_zero():
    with np.errstate(divide="ignore", invalid="ignore"):  # NumPy's warnings, NumPy's values
        value, (ga, gb) = grads(ae.divide, [1.0, -1.0], [0.0, 0.0])
    assert_same(value, [INF, -INF])
    assert_same(ga, [INF, INF])
    assert_same(gb, [-INF, INF])


def test_std_gradient_is_zero_where_the_variance_is_zero():
    value, (g,) = grads(lambda t: t.std(), [2.0, 2.0, 2.0])
    assert_same(value, 0.0)
    assert_same(g, [0.0, 0.0, 0.0])
    value, (g,) = grads(lambda t: t.std(axis=1), [[1.0, 1.0], [1.0, 3.0]], upstream=[5.0, 2.0])
    assert_same(value, [0.0, 1.0])
    assert_same(g, [[0.0, 0.0], [-1.0, 1.0]])


def test_variance_with_ddof_at_least_the_count_is_inf():
    """The divisor is max(n - ddof, 0), as in NumPy: n*var / 0 = inf, and 0/0 = NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the forward pass is quiet, like the mean of nothing
        v = ae.Tensor(np.array([2.0, 3.0]), requires_grad=True).var(ddof=3)
        same = ae.Tensor(np.array([2.0, 2.0])).var(ddof=2)
        empty = ae.Tensor(np.zeros(0)).var()
    assert_same(v.data, INF)
    assert_same(same.data, NAN)
    assert_same(empty.data, NAN)
    with np.errstate(invalid="ignore"):  # NumPy's warning where the gradient is 0 * inf = NaN
        value, (g,) = grads(lambda t: t.var(ddof=3), [2.0, 3.0])
        assert_same(g, [-INF, INF])  # 2 (x - mean) g / 0
        value, (g,) = grads(lambda t: t.var(ddof=5), [1.0, 2.0, 3.0], upstream=-1.0)
        assert_same(value, INF)
        assert_same(g, [INF, NAN, -INF])  # NaN where x == mean
        value, (g,) = grads(lambda t: t.var(axis=1, ddof=2), [[1.0, 2.0], [3.0, 5.0]], upstream=[1.0, 1.0])
        assert_same(value, [INF, INF])
        assert_same(g, [[-INF, INF], [-INF, INF]])
        value, (g,) = grads(lambda t: t.std(ddof=1), [5.0])
        assert_same(value, NAN)
        assert_same(g, [NAN])
        value, (g,) = grads(lambda t: t.std(ddof=2), [1.0, 2.0])
        assert_same(value, INF)
        assert_same(g, [NAN, NAN])  # sqrt'(inf) * inf = 0 * inf
    assert_same(ae.Tensor(np.array([2.0, 3.0])).var(ddof=1).data, np.var([2.0, 3.0], ddof=1))  # n - ddof > 0: unchanged


# ----- large values ----------------------------------------------------------------------------------------


def test_softmax_family_is_stable_for_large_values():
    assert_same(ae.softmax(ae.Tensor(np.array([1000.0, 1000.0]))).data, [0.5, 0.5])
    assert_same(ae.log_softmax(ae.Tensor(np.array([0.0, -1000.0]))).data, [0.0, -1000.0])
    value, (g,) = grads(ae.logsumexp, [1000.0, 1000.0])
    np.testing.assert_allclose(value, 1000.0 + math.log(2.0), rtol=1e-15)
    np.testing.assert_allclose(g, [0.5, 0.5], rtol=1e-12)
    assert_same(ae.logsumexp(ae.Tensor(np.array([-INF, -INF]))).data, -INF)


def test_sigmoid_and_tanh_saturate_without_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, (g,) = grads(ae.sigmoid, [-800.0, 0.0, 800.0])
    assert_same(value, [0.0, 0.5, 1.0])
    assert_same(g, [0.0, 0.25, 0.0])
    value, (g,) = grads(ae.tanh, [800.0])
    assert_same(value, [1.0])
    assert_same(g, [0.0])


# ----- 0-d and zero-size tensors ------------------------------------------------------------------------------

# op name -> (engine function, NumPy function on the same arrays)
OPS = {
    "negative": (ae.negative, np.negative),
    "exp": (ae.exp, np.exp),
    "log": (ae.log, np.log),
    "sqrt": (ae.sqrt, np.sqrt),
    "tanh": (ae.tanh, np.tanh),
    "sigmoid": (ae.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    "relu": (ae.relu, lambda a: np.maximum(a, 0)),
    "leaky_relu": (ae.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a)),
    "abs": (ae.abs, np.abs),
    "clip": (lambda t: ae.clip(t, 0.0, 1.0), lambda a: np.clip(a, 0.0, 1.0)),
    "add": (lambda t: t + 2 * t, lambda a: a + 2 * a),
    "divide": (lambda t: t / (t + 3), lambda a: a / (a + 3)),
    "power": (lambda t: t**t, lambda a: a**a),
    "maximum": (lambda t: ae.maximum(t, 0.5), lambda a: np.maximum(a, 0.5)),
    "where": (lambda t: ae.where(t.data > 1, t, -t), lambda a: np.where(a > 1, a, -a)),
    "astype": (lambda t: t.astype(np.float32), lambda a: a.astype(np.float32)),
    "sum": (ae.sum, np.sum),
    # a 0-d tensor accepts axis 0 and -1 (PyTorch; NumPy raises): the reduction is over "all" of it
    "sum axis 0": (lambda t: ae.sum(t, 0), lambda a: np.sum(a, 0 if a.ndim else None)),
    "mean": (ae.mean, np.mean),
    "mean axis 0": (lambda t: ae.mean(t, 0), lambda a: np.mean(a, 0 if a.ndim else None)),
    "max": (ae.max, np.max),
    "min axis -1": (lambda t: ae.min(t, -1), lambda a: np.min(a, -1 if a.ndim else None)),
    "logsumexp": (ae.logsumexp, lambda a: np.log(np.sum(np.exp(a)))),
    "var": (ae.var, np.var),
    "softmax": (ae.softmax, lambda a: np.exp(a) / np.sum(np.exp(a), axis=-1 if a.ndim else None, keepdims=True)),
    "log_softmax": (ae.log_softmax, lambda a: a - np.log(np.sum(np.exp(a), axis=-1 if a.ndim else None, keepdims=True))),
    "reshape": (lambda t: t.reshape(-1), lambda a: a.reshape(-1)),
    "transpose": (lambda t: t.T, lambda a: a.T),
    "broadcast_to": (lambda t: ae.broadcast_to(t, (2,) + t.shape), lambda a: np.broadcast_to(a, (2,) + a.shape)),
    "squeeze": (ae.squeeze, np.squeeze),
    "expand_dims": (lambda t: ae.expand_dims(t, 0), lambda a: np.expand_dims(a, 0)),
    "getitem ...": (lambda t: t[...], lambda a: a[...]),
    "getitem None": (lambda t: t[None], lambda a: a[None]),
    "getitem mask": (lambda t: t[t.data > 1], lambda a: a[a > 1]),
    "concatenate": (lambda t: ae.concatenate([t, t]), lambda a: np.concatenate([a, a])),
    "stack": (lambda t: ae.stack([t, t], axis=-1), lambda a: np.stack([a, a], axis=-1)),
    "pad": (lambda t: ae.pad(t, 1), lambda a: np.pad(a, 1)),
    "matmul": (lambda t: t @ t.T, lambda a: a @ a.T),
    "split": (lambda t: ae.split(t, 1)[0], lambda a: np.split(a, 1)[0]),
}


@pytest.mark.parametrize("shape", [(), (0,), (2, 0), (0, 3)], ids=str)
@pytest.mark.parametrize("name", sorted(OPS))
def test_0d_and_zero_size_tensors_go_through_every_op_that_numpy_allows(name, shape):
    engine, numpy_op = OPS[name]
    data = np.full(shape, 1.5)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            expected = np.asarray(numpy_op(data))
        except (ValueError, IndexError):
            with pytest.raises((ValueError, IndexError)):  # where NumPy refuses, the engine refuses too
                engine(ae.Tensor(data, requires_grad=True))
            return
        x = ae.Tensor(data.copy(), requires_grad=True)
        out = engine(x)
        out.backward(np.full(out.shape, 0.5))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-6, equal_nan=True)
    assert x.grad is not None and x.grad.shape == shape and x.grad.dtype == x.dtype


def test_zero_size_reductions_follow_numpy():
    value, (g,) = grads(ae.sum, np.zeros((0, 3)))
    assert_same(value, 0.0)
    assert g.shape == (0, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(ae.mean(ae.Tensor(np.zeros(0))).item())  # the mean of nothing is NaN, quietly
    assert_same(ae.mean(ae.Tensor(np.zeros((0, 3))), axis=0).data, [NAN] * 3)
    assert ae.mean(ae.Tensor(np.zeros((0, 3))), axis=1).shape == (0,)
    assert_same(ae.logsumexp(ae.Tensor(np.zeros((2, 0))), axis=1).data, [-INF, -INF])
    with pytest.raises(ValueError, match="max"):  # no identity: an error, as in NumPy and PyTorch
        ae.max(ae.Tensor(np.zeros(0)))


def test_0d_tensors_have_axis_0_and_minus_1_for_softmax():
    assert_same(ae.softmax(ae.Tensor(np.array(3.0))).data, 1.0)
    assert_same(ae.log_softmax(ae.Tensor(np.array(3.0)), axis=0).data, 0.0)
    with pytest.raises(ValueError, match="out of bounds"):
        ae.softmax(ae.Tensor(np.array(3.0)), axis=1)


# ----- dtypes: what carries a gradient ---------------------------------------------------------------------


@pytest.mark.parametrize("data", [np.arange(3), np.array([True, False]), np.array(2, dtype=np.uint8)], ids=str)
def test_integer_and_boolean_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="only floating tensors"):
        ae.Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="only floating tensors"):
        ae.Tensor(data).requires_grad_()


def test_ops_on_integer_tensors_do_not_require_grad():
    i = ae.Tensor(np.arange(3))
    assert not (i + 1).requires_grad and (i + 1).dtype == np.int64
    assert not ae.exp(i).requires_grad and ae.exp(i).dtype == np.float64
    x = ae.Tensor(np.array([0.5, 1.5]), requires_grad=True)
    rounded = x.astype(np.int64)
    assert rounded.dtype == np.int64 and not rounded.requires_grad and rounded.is_leaf
    mixed = x * ae.Tensor(np.array([2, 3]))  # an integer operand: the float result still carries x's gradient
    mixed.sum().backward()
    assert_same(x.grad, [2.0, 3.0])


def test_python_numbers_default_to_float32_and_may_require_grad():
    t = ae.Tensor(3, requires_grad=True)
    assert t.dtype == np.float32
    assert ae.Tensor([1, 2]).dtype == np.float32


def test_in_place_add_on_a_graph_tensor_rebinds_the_name():
    x = ae.Tensor(np.array([2.0]), requires_grad=True)
    y = x * x
    y2 = y
    y += 1
    assert y is not y2  # a new tensor (PyTorch would change y2 too)
    assert_same(y.data, [5.0])
    assert_same(y2.data, [4.0])
    y.sum().backward()
    assert_same(x.grad, [4.0])  # d(x*x + 1)/dx
    with ae.no_grad():  # outside the graph the update is in place, as in PyTorch
        z = x * x
        z2 = z
        z += 1
    assert z is z2 and z2.data[0] == 5.0


def test_gradients_have_the_dtype_of_their_input():
    x32 = ae.Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    x64 = ae.Tensor(np.array(2.0), requires_grad=True)
    y = x32 * x64  # promoted to float64
    assert y.dtype == np.float64
    y.sum().backward()
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64
    assert_same(x32.grad, [2.0, 2.0])
    assert_same(x64.grad, 2.0)
    h = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h.astype(np.float16).sum().backward()  # astype's gradient is cast back
    assert h.grad.dtype == np.float64


def test_comparisons_return_bool_arrays_without_gradient():
    x = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = ae.Tensor(np.array([2.0, 2.0]), requires_grad=True)
    for result in (x < y, x <= y, x > 1.5, x >= y, x == y, x != y, 1.5 < x):
        assert type(result) is np.ndarray and result.dtype == np.bool_
    assert_same(x == y, [False, True])
    assert type(ae.argmax(x)) is not ae.Tensor and ae.argmax(x) == 1
    assert ae.one_hot(np.array([0, 2]), 3).requires_grad is False


def test_where_condition_carries_no_gradient_and_unselected_branch_gets_zero():
    value, (ga, gb) = grads(lambda a, b: ae.where(a.data > 0, a, b), [1.0, -1.0], [5.0, 6.0])
    assert_same(value, [1.0, 6.0])
    assert_same(ga, [1.0, 0.0])
    assert_same(gb, [0.0, 1.0])


def test_repeated_indices_accumulate_their_gradient():
    value, (g,) = grads(lambda t: t[np.array([0, 0, 2, 0])], [10.0, 20.0, 30.0], upstream=[1.0, 2.0, 3.0, 4.0])
    assert_same(value, [10.0, 10.0, 30.0, 10.0])
    assert_same(g, [7.0, 0.0, 3.0])
    _, (g,) = grads(lambda t: ae.scatter_add(t, np.array([1, 1]), (3,)), [2.0, 5.0], upstream=[1.0, 4.0, 9.0])
    assert_same(g, [4.0, 4.0])
