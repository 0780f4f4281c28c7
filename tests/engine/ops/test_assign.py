"""Assignment: ``x[key] = v`` in a recorded graph and its out-of-place forms ``index_put``,
``masked_fill``, ``scatter``, ``scatter_add``; and ``where``'s gradient to both branches.

Gradients against centred finite differences (float64) and, where installed, PyTorch float64; forward
values against NumPy's assignment or hand-written loops."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

PROPERTY_TESTED = {"index_put"}  # read by the coverage test in engine/ops/test_primitive_properties.py

RNG = np.random.default_rng(7)


def assigned(x: np.ndarray, key, values) -> np.ndarray:
    """NumPy's assignment into a copy: the reference of index_put."""
    out = x.copy()
    out[key] = values
    return out


def added(x: np.ndarray, key, values) -> np.ndarray:
    """Unbuffered addition element by element: the reference of index_put(accumulate=True)."""
    out = x.copy()
    positions = np.arange(x.size).reshape(x.shape)[key]
    for position, v in zip(np.ravel(positions), np.ravel(np.broadcast_to(values, positions.shape))):
        out.flat[position] += v
    return out


@st.composite
def index_put_cases(draw, repeats: bool):
    """x, a key into it, and values that broadcast to x[key] (drawn of that shape with some axes cut to 1)."""
    shape = draw(aet.shapes(max_dims=3, max_side=3, allow_zero_size=not repeats))
    if repeats:
        key = draw(aet.index_keys(shape))
    else:  # basic keys and masks never address a position twice
        key = draw(st.one_of(aet.basic_index_keys(shape), aet.boolean_mask_keys(shape)))
    target = np.empty(shape)[key].shape
    cut = draw(st.lists(st.booleans(), min_size=len(target), max_size=len(target)))
    values_shape = tuple(1 if c else n for c, n in zip(cut, target))[draw(st.integers(0, len(target))):]
    x = draw(aet.arrays(shape))
    values = draw(aet.arrays(values_shape))
    return x, key, values


@given(index_put_cases(repeats=False), st.integers(0, 2**16))
def test_index_put_matches_numpy_and_finite_differences(case, seed):
    x, key, values = case
    out = ae.index_put(ae.Tensor(x), key, ae.Tensor(values))
    np.testing.assert_array_equal(out.data, assigned(x, key, values))
    out32 = ae.index_put(ae.Tensor(x.astype(np.float32)), key, values.astype(np.float32))
    assert out32.dtype == np.float32

    def f(a, v):
        return ae.index_put(a, key, v)

    aet.assert_gradients_match(f, x, values, seed=seed)
    aet.assert_second_order_gradients_match(lambda a, v: f(a, v) * f(a, v), x, values, seed=seed)


@given(index_put_cases(repeats=True), st.integers(0, 2**16))
def test_index_put_with_accumulate_adds_repeats_and_matches_finite_differences(case, seed):
    x, key, values = case
    out = ae.index_put(x, key, values, accumulate=True)
    np.testing.assert_allclose(out.data, added(x, key, values), rtol=1e-12, atol=1e-12)

    def f(a, v):
        return ae.index_put(a, key, v, accumulate=True)

    aet.assert_gradients_match(f, x, values, seed=seed)
    aet.assert_second_order_gradients_match(lambda a, v: f(a, v) * f(a, v), x, values, seed=seed)


def test_index_put_with_repeated_indices_gives_every_repeat_its_positions_gradient_as_pytorch():
    torch = pytest.importorskip("torch")
    x, v = RNG.standard_normal(4), RNG.standard_normal(3)
    index = np.array([1, 1, 3])
    g = RNG.standard_normal(4)
    gx, gv = _grads(lambda a, b: ae.index_put(a, (index,), b), [x, v], g)
    tx, tv = torch.tensor(x, requires_grad=True), torch.tensor(v, requires_grad=True)
    torch.index_put(tx, (torch.tensor(index),), tv).backward(torch.tensor(g))
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(gv, tv.grad.numpy(), rtol=1e-15)
    np.testing.assert_array_equal(gv, g[index])  # both repeats get g[1], although one write was kept
    np.testing.assert_array_equal(gx, [g[0], 0.0, g[2], 0.0])


def _grads(f, arrays, upstream):
    tensors = [ae.Tensor(a, requires_grad=True) for a in arrays]
    f(*tensors).backward(upstream)
    return [t.grad for t in tensors]


# ----- x[key] = v -------------------------------------------------------------------------------------------


def test_setitem_sends_the_gradient_to_the_values_and_to_the_previous_value_elsewhere():
    a = ae.Tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    v = ae.Tensor(RNG.standard_normal(2), requires_grad=True)
    x = ae.exp(a)
    x[1, 1:3] = v
    assert x.grad_fn.describe() == "index_put[1, 1:3]"
    g = RNG.standard_normal((3, 4))
    (x * g).sum().backward()
    expected_a = g * np.exp(a.data)
    expected_a[1, 1:3] = 0.0  # overwritten: no gradient to the old values
    np.testing.assert_allclose(a.grad, expected_a, rtol=1e-14)
    np.testing.assert_allclose(v.grad, g[1, 1:3], rtol=1e-15)
    np.testing.assert_array_equal(x.data[1, 1:3], v.data)


def test_setitem_of_broadcast_values_sums_their_gradient():
    x = ae.Tensor(np.zeros((2, 3, 4)))
    v = ae.Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)  # (3, 1) into x[0]: (3, 4)
    x[0] = v
    w = ae.Tensor(np.ones((1, 1, 3, 1)), requires_grad=True)  # a leading size-1 axis too: NumPy drops it
    x[1, :, :1] = w
    g = RNG.standard_normal((2, 3, 4))
    (x * g).sum().backward()
    np.testing.assert_allclose(v.grad, g[0].sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(w.grad, g[1, :, :1].reshape(1, 1, 3, 1), rtol=1e-14)


def filled_buffer(h0, h1, h2):
    """A constant buffer filled row by row, as an unrolled loop does; then an op that reads it."""
    out = ae.Tensor(np.zeros((4, 2)))
    out[0] = h0
    out[2] = ae.tanh(h1) * h0
    out[1:2] = h2
    out[2, 1] = h2[0, 0]  # a second write into a row that already has a graph
    return ae.exp(out) * out


def test_a_buffer_filled_in_a_loop_matches_finite_differences_first_and_second_order():
    arrays = [RNG.standard_normal(2), RNG.standard_normal(2), RNG.standard_normal((1, 2))]
    aet.assert_gradients_match(filled_buffer, *arrays)
    aet.assert_second_order_gradients_match(filled_buffer, *arrays)


def test_setitem_into_a_computed_tensor_matches_pytorch():
    torch = pytest.importorskip("torch")
    a0, v0, mask = RNG.standard_normal((3, 3)), RNG.standard_normal(3), RNG.standard_normal((3, 3)) > 0
    g = RNG.standard_normal((3, 3))
    a, v = ae.Tensor(a0, requires_grad=True), ae.Tensor(v0, requires_grad=True)
    x = ae.sigmoid(a)  # its rule reads its output: the assignment must not change that array
    x[mask] = 0.5
    x[:, 0] = v * 2
    (x * x * g).sum().backward()
    ta, tv = torch.tensor(a0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    tx = torch.sigmoid(ta).clone()  # PyTorch refuses to assign into sigmoid's saved output; the engine copies it
    tx[torch.tensor(mask)] = 0.5
    tx[:, 0] = tv * 2
    (tx * tx * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.data, tx.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(v.grad, tv.grad.numpy(), rtol=1e-13)


def test_setitem_on_a_leaf_that_requires_grad_is_refused_except_under_no_grad():
    w = ae.Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"t\[1:, \.\.\.\] = \.\.\.: in-place assignment into a leaf tensor that "
                                           r"requires grad \(shape \(3,\)\).*no_grad"):
        w[1:, ...] = 5.0  # the key as written (1:, not 1)
    np.testing.assert_array_equal(w.data, [0.0, 0.0, 0.0])
    with ae.no_grad():
        w[1] = 5.0
    np.testing.assert_array_equal(w.data, [0.0, 5.0, 0.0])
    assert w.is_leaf and w.requires_grad


def test_ops_that_used_the_tensor_before_the_assignment_refuse_backward():
    w = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = w * 3
    y = (x * x).sum()  # multiply used x's old values
    x[0] = 10.0
    with pytest.raises(RuntimeError, match=r"input 0 of multiply .* was modified by an in-place update"):
        y.backward()
    c = ae.Tensor(np.array([1.0, 2.0]))  # a constant that an op used, then assigned outside the graph
    z = (w * c).sum()
    c[1] = 7.0
    with pytest.raises(RuntimeError, match=r"input 1 of multiply .* was modified"):
        z.backward()


def test_the_previous_array_of_a_computed_tensor_is_left_alone():
    """A computed tensor gets a new array (its old one may be read by its node's rule); a constant is
    written in place, as NumPy and PyTorch write it, and its views see the write."""
    a = ae.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    x = a * 2
    old = x.data
    x[0] = 0.0
    np.testing.assert_array_equal(old, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(x.data, [0.0, 4.0, 6.0])
    array = np.zeros(3)
    c = ae.Tensor(array)
    c[2] = ae.Tensor(1.0, requires_grad=True)
    np.testing.assert_array_equal(array, [0.0, 0.0, 1.0])
    assert c.requires_grad and not c.is_leaf


def test_setitem_keeps_the_tensors_dtype_and_gives_the_values_their_own():
    x = ae.Tensor(np.zeros(3, np.float32))
    v = ae.Tensor(np.array([1.5, 2.5]), requires_grad=True)  # float64
    x[1:] = v
    assert x.dtype == np.float32
    (x * np.array([1.0, 2.0, 3.0], np.float32)).sum().backward()
    assert v.grad.dtype == np.float64
    np.testing.assert_array_equal(v.grad, [2.0, 3.0])


def test_values_that_require_grad_into_an_integer_tensor_are_refused():
    with pytest.raises(TypeError, match=r"t\[0\] = \.\.\.: values that require grad cannot be written into a int64"):
        ae.Tensor(np.zeros(2, np.int64))[0] = ae.Tensor(1.0, requires_grad=True)


def test_bad_assignments_name_the_key_and_the_shapes():
    x = ae.Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"t\[0\] = \.\.\.: could not broadcast .*tensor shape \(2, 3\), values shape \(2,\)"):
        x[0] = np.ones(2)
    with pytest.raises(IndexError, match=r"t\[5\] = \.\.\.: .*tensor shape \(2, 3\)"):
        x[5] = 1.0
    a = ae.Tensor(np.zeros((2, 3)), requires_grad=True) * 1
    with pytest.raises(ValueError, match=r"index_put\[0\]: could not broadcast"):
        a[0] = ae.Tensor(np.ones(2), requires_grad=True)


# ----- masked_fill, scatter, scatter_add, where --------------------------------------------------------------


def test_masked_fill_matches_pytorch_with_a_value_that_requires_grad():
    torch = pytest.importorskip("torch")
    x0, mask = RNG.standard_normal((3, 4)), RNG.standard_normal(4) > 0
    g = RNG.standard_normal((3, 4))
    x, value = ae.Tensor(x0, requires_grad=True), ae.Tensor(np.array(-2.0), requires_grad=True)
    out = x.masked_fill(mask, value)
    np.testing.assert_array_equal(out.data, np.where(mask, -2.0, x0))
    out.backward(g)
    tx, tv = torch.tensor(x0, requires_grad=True), torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
    tx.masked_fill(torch.tensor(mask), tv).backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(value.grad, tv.grad.numpy(), rtol=1e-14)
    assert ae.masked_fill(np.zeros(2, np.float32), [True, False], np.float64(3.0)).dtype == np.float32
    aet.assert_gradients_match(lambda a, b: ae.masked_fill(a, mask, b), x0, np.array(0.5))


def test_masked_fill_refuses_a_mask_that_does_not_fit():
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(3,\) does not broadcast to the tensor's shape \(3, 4\)"):
        ae.masked_fill(np.zeros((3, 4)), np.ones(3, bool), 1.0)
    with pytest.raises(TypeError, match=r"masked_fill: mask must be boolean, got dtype float64"):
        ae.masked_fill(np.zeros(3), np.ones(3), 1.0)


def scatter_reference(x, dim, index, src, add):
    """PyTorch's definition, one element at a time."""
    out = x.copy()
    for position in np.ndindex(index.shape):
        target = list(position)
        target[dim] = index[position]
        value = src[position] if np.ndim(src) else src
        out[tuple(target)] = out[tuple(target)] + value if add else value
    return out


@pytest.mark.parametrize("add", [False, True], ids=["scatter", "scatter_add"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_and_scatter_add_match_their_definition_and_finite_differences(dim, add):
    x, src = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5))
    index_shape = (2, 3)
    size = x.shape[dim]
    if add:
        index = RNG.integers(0, size, index_shape)  # repeats add up
    else:  # distinct targets along dim (PyTorch leaves which of two writes wins undefined)
        index = np.stack([RNG.permutation(size)[: index_shape[dim % 2]] for _ in range(index_shape[1 - dim % 2])],
                         axis=1 - dim % 2)
    op = ae.scatter_add if add else ae.scatter
    out = op(x, dim, index, src)
    np.testing.assert_allclose(out.data, scatter_reference(x, dim % 2, index, src, add), rtol=1e-14)
    aet.assert_gradients_match(lambda a, s: op(a, dim, index, s), x, src)
    aet.assert_second_order_gradients_match(lambda a, s: op(a, dim, index, s) ** 2, x, src)
    np.testing.assert_array_equal(getattr(ae.Tensor(x), op.__name__)(dim, index, src).data, out.data)  # the method


def test_scatter_and_scatter_add_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    x0, src0 = RNG.standard_normal((3, 4)), RNG.standard_normal((2, 4))
    index = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    g = RNG.standard_normal((3, 4))
    for name in ("scatter", "scatter_add"):
        x, src = ae.Tensor(x0, requires_grad=True), ae.Tensor(src0, requires_grad=True)
        out = getattr(ae, name)(x, 0, index, src)
        out.backward(g)
        tx, tsrc = torch.tensor(x0, requires_grad=True), torch.tensor(src0, requires_grad=True)
        tout = getattr(torch, name)(tx, 0, torch.tensor(index), tsrc)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-15)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-15)
        np.testing.assert_allclose(src.grad, tsrc.grad.numpy(), rtol=1e-15)


def test_scatter_refuses_bad_indices_naming_the_op():
    x = np.zeros((2, 3))
    with pytest.raises(IndexError, match=r"scatter: index 3 is out of bounds for dim 1 of size 3"):
        ae.scatter(x, 1, np.array([[3]]), 1.0)
    with pytest.raises(ValueError, match=r"scatter_add: index must have as many dimensions as the tensor"):
        ae.scatter_add(x, 0, np.array([0]), np.ones(1))
    with pytest.raises(TypeError, match=r"scatter: index must hold integers"):
        ae.scatter(x, 0, np.array([[0.0]]), 1.0)
    with pytest.raises(ValueError, match=r"scatter_add: dim must be an int in \[-2, 2\)"):
        ae.scatter_add(x, 2, np.array([[0]]), np.ones((1, 1)))


def test_scatter_add_with_three_arguments_is_the_adjoint_of_indexing():
    out = ae.scatter_add(np.array([1.0, 2.0, 4.0]), np.array([0, 2, 0]), (3,))
    np.testing.assert_array_equal(out.data, [5.0, 0.0, 2.0])


def test_where_sends_the_gradient_to_both_branches_over_broadcast_shapes():
    torch = pytest.importorskip("torch")
    cond = RNG.standard_normal((3, 1)) > 0
    a0, b0 = RNG.standard_normal((1, 4)), RNG.standard_normal((2, 3, 4))
    g = RNG.standard_normal((2, 3, 4))
    a, b = ae.Tensor(a0, requires_grad=True), ae.Tensor(b0, requires_grad=True)
    ae.where(cond, a, b).backward(g)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    torch.where(torch.tensor(cond), ta, tb).backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-14)
