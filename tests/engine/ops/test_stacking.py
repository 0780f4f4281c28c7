"""NumPy's joining and splitting helpers and axis bookkeeping (hstack, vstack, row_stack, dstack,
column_stack, append, array_split, hsplit, vsplit, dsplit, atleast_1d/2d/3d, rollaxis, unflatten),
composed of concatenate, slicing, reshape and transpose: forward against NumPy, gradient against
finite differences, second order."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import Case, check_forward, check_second_order

SHAPES = aet.shapes(max_dims=3, max_side=3)


def joined(pieces):
    """Several outputs as one: the flattened pieces, each scaled differently so that order matters."""
    return [p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)]


@st.composite
def stack_case(draw, engine, numpy_f, axis_of):
    """Inputs of one shape except along the axis the stacking joins (as each function sees it)."""
    shape = draw(SHAPES)
    k = draw(st.integers(1, 3))
    probe = numpy_f([np.zeros(shape)])
    axis = axis_of(probe.ndim, len(shape))
    shapes = []
    for _ in range(k):
        length = draw(st.integers(1, 3))
        if axis is None or len(shape) <= axis:
            shapes.append(shape)
        else:
            shapes.append(shape[:axis] + (length,) + shape[axis + 1 :])
    arrays = tuple(draw(aet.arrays(s)) for s in shapes)
    return Case(lambda *ts: engine(list(ts)), lambda *a: numpy_f(list(a)), arrays, f"{k} of {shapes}")


@st.composite
def append_case(draw):
    shape = draw(aet.shapes(min_dims=1, max_dims=3, max_side=3))
    x = draw(aet.arrays(shape))
    if draw(st.booleans()):
        y = draw(aet.arrays(draw(SHAPES)))
        return Case(lambda s, t: ae.append(s, t), lambda a, b: np.append(a, b), (x, y), "axis=None")
    axis = draw(aet.single_axis(len(shape)))
    other = shape[: axis % len(shape)] + (draw(st.integers(0, 2)),) + shape[axis % len(shape) + 1 :]
    y = draw(aet.arrays(other))
    return Case(lambda s, t: ae.append(s, t, axis), lambda a, b: np.append(a, b, axis), (x, y), f"axis={axis}")


@st.composite
def array_split_case(draw):
    shape = draw(aet.shapes(min_dims=1, max_dims=3, max_side=4))
    axis = draw(aet.single_axis(len(shape)))
    sections = draw(st.integers(1, 5) | st.lists(st.integers(0, shape[axis]), max_size=3).map(sorted))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.concatenate(joined(ae.array_split(t, sections, axis))),
                lambda a: np.concatenate(joined(np.array_split(a, sections, axis))), (x,), f"{sections}, axis={axis}")


@st.composite
def named_split_case(draw, engine, numpy_f, min_dims, axis):
    shape = list(draw(aet.shapes(min_dims=min_dims, max_dims=3, max_side=3)))
    along = axis if len(shape) > 1 or axis == 0 else 0
    shape[along] = draw(st.sampled_from([2, 4, 6]))
    sections = draw(st.sampled_from([1, 2]) | st.lists(st.integers(0, shape[along]), max_size=2).map(sorted))
    x = draw(aet.arrays(tuple(shape)))
    return Case(lambda t: ae.concatenate(joined(engine(t, sections))),
                lambda a: np.concatenate(joined(numpy_f(a, sections))), (x,), f"{sections}")


@st.composite
def rollaxis_case(draw):
    shape = draw(aet.shapes(min_dims=1, max_dims=4, max_side=3))
    n = len(shape)
    axis, start = draw(st.integers(-n, n - 1)), draw(st.integers(-n, n))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.rollaxis(t, axis, start), lambda a: np.rollaxis(a, axis, start), (x,), f"{axis}, {start}")


@st.composite
def unflatten_case(draw):
    shape = draw(aet.shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(aet.single_axis(len(shape)))
    n = shape[axis]
    sizes = draw(st.sampled_from([(n,), (1, n), (n, 1), (-1, 1), (1, -1, 1)]))
    x = draw(aet.arrays(shape))
    cut = axis % len(shape)
    target = shape[:cut] + tuple(n if s == -1 else s for s in sizes) + shape[cut + 1 :]
    return Case(lambda t: ae.unflatten(t, axis, sizes), lambda a: a.reshape(target), (x,), f"axis={axis}, sizes={sizes}")


def atleast(engine, numpy_f):
    return SHAPES.flatmap(aet.arrays).map(lambda x: Case(engine, numpy_f, (x,)))


CASES = {
    "hstack": stack_case(ae.hstack, np.hstack, lambda out, n: 0 if out == 1 else 1),
    "vstack": stack_case(ae.vstack, np.vstack, lambda out, n: 0 if n >= 2 else None),
    "row_stack": stack_case(ae.row_stack, np.vstack, lambda out, n: 0 if n >= 2 else None),
    "dstack": stack_case(ae.dstack, np.dstack, lambda out, n: 2 if n >= 3 else None),
    "column_stack": stack_case(ae.column_stack, np.column_stack, lambda out, n: 1 if n >= 2 else None),
    "append": append_case(),
    "array_split": array_split_case(),
    "hsplit": named_split_case(ae.hsplit, np.hsplit, 1, 1),
    "vsplit": named_split_case(ae.vsplit, np.vsplit, 2, 0),
    "dsplit": named_split_case(ae.dsplit, np.dsplit, 3, 2),
    "atleast_1d": atleast(ae.atleast_1d, np.atleast_1d),
    "atleast_2d": atleast(ae.atleast_2d, np.atleast_2d),
    "atleast_3d": atleast(ae.atleast_3d, np.atleast_3d),
    "rollaxis": rollaxis_case(),
    "unflatten": unflatten_case(),
}


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_forward_gradient_and_second_order(name, data):
    case = data.draw(CASES[name], label="case")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    check_forward(case)
    aet.assert_gradients_match(case.f, *case.arrays, seed=seed)
    check_second_order(case, seed)


def test_atleast_nd_of_several_inputs_gives_a_list():
    a, b = ae.atleast_2d(1.0, [1.0, 2.0])
    assert a.shape == (1, 1) and b.shape == (1, 2)


def test_unflatten_is_the_inverse_of_flatten_and_a_method():
    x = ae.Tensor(np.arange(24.0).reshape(2, 12))
    assert x.unflatten(1, (3, 4)).shape == (2, 3, 4)
    assert ae.unflatten(x, dim=-1, sizes=(2, -1, 3)).flatten(1).shape == (2, 12)
    with pytest.raises(ae.ShapeError, match=r"unflatten: sizes \(5, -1\) do not divide axis 1 of length 12"):
        x.unflatten(1, (5, -1))


def test_splitting_errors_name_the_op():
    with pytest.raises(ae.ShapeError, match=r"vsplit: the input must have at least 2 dimension\(s\), got shape \(4,\)"):
        ae.vsplit(np.ones(4), 2)
    with pytest.raises(ae.ShapeError, match=r"split: axis 1 of length 3 does not divide into 2 equal sections"):
        ae.hsplit(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match=r"array_split: indices_or_sections must be a positive integer, got 0"):
        ae.array_split(np.ones(3), 0)
    with pytest.raises(TypeError, match=r"hstack: expected a non-empty list or tuple of tensors, got Tensor"):
        ae.hstack(ae.Tensor([1.0]))
