"""Reordering and copying (flip, rot90, roll, tile, repeat, sort, topk, take, take_along_axis,
put_along_axis): forward against NumPy, gradient against finite differences, second order; PyTorch
float64 as a second oracle; sort ties.

These ops are composed of indexing, joining and shape primitives (no primitive of their own), so
each is checked here as a composed op (the primitives' own property tests are in
``test_primitive_properties.py``)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import Case, check_forward, check_second_order

SHAPES = aet.shapes(max_dims=3, max_side=3, allow_zero_size=True)
NONEMPTY = aet.shapes(min_dims=1, max_dims=3, max_side=3)


def check(case: Case, seed: int) -> None:
    """Forward vs NumPy (float64 and float32), gradient and second-order gradient vs finite differences."""
    check_forward(case)
    aet.assert_gradients_match(case.f, *case.arrays, seed=seed)
    check_second_order(case, seed)


@st.composite
def flip_case(draw):
    shape = draw(SHAPES)
    axis = draw(aet.axes(len(shape)))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.flip(t, axis), lambda a: np.flip(a, axis), (x,), f"axis={axis}")


@st.composite
def rot90_case(draw):
    shape = draw(aet.shapes(min_dims=2, max_dims=3, max_side=3))
    first, second = draw(st.permutations(range(len(shape))))[:2]
    k = draw(st.integers(-5, 5))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.rot90(t, k, (first, second)), lambda a: np.rot90(a, k, (first, second)), (x,),
                f"k={k}, axes=({first}, {second})")


@st.composite
def roll_case(draw):
    shape = draw(SHAPES)
    x = draw(aet.arrays(shape))
    if not shape or draw(st.booleans()):
        shift = draw(st.integers(-7, 7))
        return Case(lambda t: ae.roll(t, shift), lambda a: np.roll(a, shift), (x,), f"shift={shift}, axis=None")
    axes = tuple(draw(st.lists(aet.single_axis(len(shape)), min_size=1, max_size=3)))
    shifts = tuple(draw(st.integers(-4, 4)) for _ in axes)
    return Case(lambda t: ae.roll(t, shifts, axes), lambda a: np.roll(a, shifts, axes), (x,), f"shift={shifts}, axis={axes}")


@st.composite
def tile_case(draw):
    shape = draw(SHAPES)
    reps = tuple(draw(st.lists(st.integers(0, 3), max_size=4)))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.tile(t, reps), lambda a: np.tile(a, reps), (x,), f"reps={reps}")


@st.composite
def repeat_case(draw):
    shape = draw(SHAPES)
    x = draw(aet.arrays(shape))
    axis = draw(st.none() | aet.single_axis(len(shape))) if shape else None
    length = x.size if axis is None else shape[axis]
    repeats = draw(st.integers(0, 3) | st.lists(st.integers(0, 3), min_size=length, max_size=length))
    return Case(lambda t: ae.repeat(t, repeats, axis), lambda a: np.repeat(a, repeats, axis), (x,),
                f"repeats={repeats}, axis={axis}")


@st.composite
def sort_case(draw):
    shape = draw(NONEMPTY)
    (x,) = draw(aet.distinct_arrays(shape))  # ties are kinks of the values' gradient: tested apart below
    axis = draw(st.none() | aet.single_axis(len(shape)))
    return Case(lambda t: ae.sort(t, axis), lambda a: np.sort(a, axis), (x,), f"axis={axis}")


@st.composite
def topk_case(draw):
    shape = draw(NONEMPTY)
    (x,) = draw(aet.distinct_arrays(shape))
    dim = draw(aet.single_axis(len(shape)))
    k = draw(st.integers(0, shape[dim]))
    largest = draw(st.booleans())

    def reference(a):
        ordered = np.sort(a, axis=dim)
        ordered = np.flip(ordered, dim) if largest else ordered
        return np.take(ordered, np.arange(k), axis=dim)

    return Case(lambda t: ae.topk(t, k, dim, largest=largest).values, reference, (x,), f"k={k}, dim={dim}, largest={largest}")


@st.composite
def take_along_axis_case(draw):
    shape = draw(NONEMPTY)
    axis = draw(aet.single_axis(len(shape)))
    n = shape[axis]
    index_shape = tuple(draw(st.integers(0, 4)) if d == axis % len(shape) else draw(st.sampled_from([1, s]))
                        for d, s in enumerate(shape))
    indices = draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(index_shape)),
                            max_size=int(np.prod(index_shape)))).copy()
    indices = np.array(indices, dtype=np.int64).reshape(index_shape)  # repeats included: their gradients add
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.take_along_axis(t, indices, axis), lambda a: np.take_along_axis(a, indices, axis), (x,),
                f"indices {indices.tolist()}, axis={axis}")


@st.composite
def put_along_axis_case(draw):
    shape = draw(NONEMPTY)
    axis = draw(aet.single_axis(len(shape)))
    n = shape[axis]
    index_shape = tuple(draw(st.integers(1, 3)) if d == axis % len(shape) else s for d, s in enumerate(shape))
    indices = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(index_shape)),
                                     max_size=int(np.prod(index_shape)))), dtype=np.int64).reshape(index_shape)
    values_shape = draw(st.sampled_from([index_shape, (), index_shape[-1:]]))
    x, v = draw(aet.arrays(shape)), draw(aet.arrays(values_shape))

    def reference(a, b):
        out = a.copy()
        np.put_along_axis(out, indices, b, axis)
        return out

    return Case(lambda t, u: ae.put_along_axis(t, indices, u, axis), reference, (x, v),
                f"indices {indices.tolist()}, axis={axis}")


@st.composite
def take_case(draw):
    shape = draw(NONEMPTY)
    x = draw(aet.arrays(shape))
    axis = draw(st.none() | aet.single_axis(len(shape)))
    n = x.size if axis is None else shape[axis]
    indices = np.array(draw(st.lists(st.integers(-n, n - 1), max_size=4)), dtype=np.int64)
    if draw(st.booleans()):
        indices = indices[:1].reshape(()) if indices.size else np.array(0)
    return Case(lambda t: ae.take(t, indices, axis), lambda a: np.take(a, indices, axis), (x,),
                f"indices {indices.tolist()}, axis={axis}")


CASES = {
    "flip": flip_case(),
    "flipud": NONEMPTY.flatmap(aet.arrays).map(lambda x: Case(ae.flipud, np.flipud, (x,))),
    "fliplr": aet.shapes(min_dims=2, max_dims=3).flatmap(aet.arrays).map(lambda x: Case(ae.fliplr, np.fliplr, (x,))),
    "rot90": rot90_case(),
    "roll": roll_case(),
    "tile": tile_case(),
    "repeat": repeat_case(),
    "sort": sort_case(),
    "topk": topk_case(),
    "take_along_axis": take_along_axis_case(),
    "put_along_axis": put_along_axis_case(),
    "take": take_case(),
}


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_forward_gradient_and_second_order(name, data):
    case = data.draw(CASES[name], label="case")
    check(case, data.draw(st.integers(0, 2**16), label="seed"))


# ----- sort and its ties ------------------------------------------------------------------------------


def test_sort_is_stable_and_each_value_takes_its_own_gradient():
    """Ties keep their order (NumPy kind='stable', PyTorch stable=True): the k-th sorted value's
    gradient goes to the element it was read from, all of it (no splitting among ties)."""
    x = ae.Tensor([2.0, 1.0, 2.0, 1.0, 0.0], requires_grad=True)
    ae.sort(x).backward(np.array([10.0, 20.0, 30.0, 40.0, 50.0]))
    np.testing.assert_array_equal(ae.argsort(x.data), [4, 1, 3, 0, 2])
    np.testing.assert_array_equal(x.grad, [40.0, 20.0, 50.0, 30.0, 10.0])
    x.grad = None
    ae.sort(x, descending=True).backward(np.array([10.0, 20.0, 30.0, 40.0, 50.0]))
    np.testing.assert_array_equal(ae.argsort(x.data, descending=True), [0, 2, 1, 3, 4])  # ties still in order
    np.testing.assert_array_equal(x.grad, [10.0, 30.0, 20.0, 40.0, 50.0])


def test_sort_puts_nan_last_and_routes_its_gradient():
    x = ae.Tensor([np.nan, 1.0, -1.0], requires_grad=True)
    out = ae.sort(x)
    np.testing.assert_array_equal(out.data, [-1.0, 1.0, np.nan])
    out.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 2.0, 1.0])


def test_sort_topk_and_argsort_match_pytorch_with_ties():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (3, 6)).astype(np.float64)  # many ties
    g = rng.standard_normal((3, 6))
    ours = ae.Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    for descending in (False, True):
        ours.grad, theirs.grad = None, None
        ae.sort(ours, axis=1, descending=descending).backward(g)
        values, indices = torch.sort(theirs, dim=1, descending=descending, stable=True)
        values.backward(torch.tensor(g))
        np.testing.assert_array_equal(ae.argsort(x, axis=1, descending=descending), indices.numpy())
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=0, atol=1e-15)
    y = rng.standard_normal((4, 5))  # distinct values: PyTorch's topk order among ties is unspecified
    for largest in (True, False):
        ours, theirs = ae.Tensor(y, requires_grad=True), torch.tensor(y, requires_grad=True)
        values, indices = ae.topk(ours, 3, dim=0, largest=largest)
        expected = torch.topk(theirs, 3, dim=0, largest=largest)
        np.testing.assert_array_equal(indices, expected.indices.numpy())
        np.testing.assert_allclose(values.data, expected.values.detach().numpy(), rtol=0, atol=0)
        gk = rng.standard_normal(values.shape)
        values.backward(gk)
        expected.values.backward(torch.tensor(gk))
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=0, atol=1e-15)


def test_topk_breaks_ties_towards_the_earlier_element():
    values, indices = ae.Tensor([1.0, 3.0, 3.0, 2.0, 3.0]).topk(2)
    np.testing.assert_array_equal(indices, [1, 2])
    values, indices = ae.topk([1.0, 0.0, 0.0], 2, largest=False)
    np.testing.assert_array_equal(indices, [1, 2])


def test_topk_refuses_k_beyond_the_axis():
    with pytest.raises(ValueError, match=r"topk: k=4 is larger than the 3 elements along dim -1"):
        ae.topk(np.ones(3), 4)


def test_tensor_sort_method_points_to_the_functions():
    with pytest.raises(TypeError, match=r"sorts in place .* \(values, indices\); use ae.sort"):
        ae.Tensor([2.0, 1.0]).sort()


# ----- repeat, tile and PyTorch's repeat -----------------------------------------------------------------


def test_repeat_is_numpys_and_pytorchs_repeat_is_tile():
    """x.repeat(2) repeats each element (NumPy); PyTorch's x.repeat(2) repeats the whole (ae.tile)."""
    x = ae.Tensor([1.0, 2.0])
    np.testing.assert_array_equal(x.repeat(2).data, [1.0, 1.0, 2.0, 2.0])
    np.testing.assert_array_equal(ae.tile(x, 2).data, [1.0, 2.0, 1.0, 2.0])
    np.testing.assert_array_equal(ae.repeat_interleave(x, 2).data, [1.0, 1.0, 2.0, 2.0])  # PyTorch's name
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(torch.tensor([1.0, 2.0]).repeat(2).numpy(), ae.tile(x, 2).data)


def test_roll_flip_tile_and_rot90_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4))
    calls = [
        (lambda t: ae.roll(t, (1, -2), (0, 2)), lambda t: torch.roll(t, (1, -2), (0, 2))),
        (lambda t: ae.flip(t, (0, 2)), lambda t: torch.flip(t, (0, 2))),
        (lambda t: ae.tile(t, (2, 1, 1, 2)), lambda t: t.repeat(2, 1, 1, 2)),
        (lambda t: ae.rot90(t, 3, (1, 2)), lambda t: torch.rot90(t, 3, (1, 2))),
        (lambda t: ae.repeat(t, [1, 0, 2], axis=1), lambda t: torch.repeat_interleave(t, torch.tensor([1, 0, 2]), dim=1)),
        (lambda t: ae.take_along_axis(t, np.array([[[3, 0, 3]]]), 2),
         lambda t: torch.take_along_dim(t, torch.tensor([[[3, 0, 3]]]), 2)),
    ]
    for ours_f, theirs_f in calls:
        ours, theirs = ae.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = ours_f(ours), theirs_f(theirs)
        np.testing.assert_array_equal(out.data, expected.detach().numpy())
        g = rng.standard_normal(out.shape)
        out.backward(g)
        expected.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-15, atol=1e-15)


def test_put_along_axis_is_out_of_place_and_the_last_write_wins():
    x = ae.Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    v = ae.Tensor([[10.0, 20.0]], requires_grad=True)
    out = ae.put_along_axis(x, np.array([[2, 2]]), v, axis=1)
    np.testing.assert_array_equal(x.data, [[1.0, 2.0, 3.0]])  # unchanged
    np.testing.assert_array_equal(out.data, [[1.0, 2.0, 20.0]])
    out.backward(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(x.grad, [[1.0, 2.0, 0.0]])  # overwritten: no gradient
    np.testing.assert_array_equal(v.grad, [[0.0, 3.0]])  # the value overwritten in turn gets none either


def test_bad_indices_name_the_op_and_the_shapes():
    with pytest.raises(ae.ShapeError, match=r"take_along_axis: indices of shape \(2,\) need as many dimensions as "
                                            r"the input of shape \(2, 3\)"):
        ae.take_along_axis(np.ones((2, 3)), np.array([0, 1]), 1)
    with pytest.raises(TypeError, match=r"take: indices must be integers, got dtype float64"):
        ae.take(np.ones(3), np.array([0.0]))
    with pytest.raises(IndexError, match=r"getitem.*out of bounds"):
        ae.take(np.ones(3), [5])
    with pytest.raises(ae.ShapeError, match=r"fliplr: the input must have at least 2 dimensions, got shape \(3,\)"):
        ae.fliplr(np.ones(3))


def test_flip_and_take_are_tensor_methods_too():
    x = ae.Tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(x.flip(0).data, [[3.0, 4.0], [1.0, 2.0]])  # PyTorch's x.flip(dims)
    np.testing.assert_array_equal(x.flip(dim=(0, 1)).data, [[4.0, 3.0], [2.0, 1.0]])
    np.testing.assert_array_equal(x.take([3, 0]).data, [4.0, 1.0])  # NumPy's and PyTorch's x.take
