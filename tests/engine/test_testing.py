"""The Hypothesis strategies and gradient assertions of ``autograd_engine.testing``: the strategies
draw what they promise, and the assertions catch wrong rules."""
from __future__ import annotations

import helpers
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

# ----- the strategies and assertions of autograd_engine.testing themselves -------------------------------------------


class _SquareWithoutGraph(ae.Primitive):
    """x * x whose rule reads the input's value: right in first order, but under
    create_graph it records nothing, so its second derivative comes out 0."""

    __slots__ = ()
    name = ""  # never registered
    differentiable_twice = True  # claimed, wrongly: the assertion below must catch it

    def forward(self, x):
        return x * x

    def backward(self, g, out, x):
        return (g * 2 * ae.ops.dispatch.value(x),)


def test_assertions_fail_on_wrong_rules():
    x = np.array([0.5, -1.5, 2.0])
    aet.assert_gradients_match(lambda t: ae.apply(_SquareWithoutGraph(), t), x)  # first order is right
    with pytest.raises(AssertionError, match="do not match"):
        aet.assert_gradients_match(lambda t: ae.apply(helpers.HalfSquare(), t), x)
    with pytest.raises(AssertionError, match="second-order gradient mismatch"):
        aet.assert_second_order_gradients_match(lambda t: ae.apply(_SquareWithoutGraph(), t), x)
    aet.assert_second_order_gradients_match(lambda t: t * t, x)
    with pytest.raises(AssertionError, match="kinks"):
        aet.assert_gradients_match(ae.relu, np.array([0.0, 1.0]))
    assert aet.assert_gradients_match(ae.relu, np.array([0.0, 1.0]), allow_kinks=True).kinks == [(0, (0,))]


def test_second_order_assertion_on_a_hand_computed_case():
    # f(x) = x**3 with upstream u: grad = 3 x**2 u, and d/dx <3 x**2 u, w> . v = 6 x u w v
    analytic, numerical = aet.assert_second_order_gradients_match(lambda t: t**3, np.array(2.0), seed=5)
    rng = np.random.default_rng(5)
    u, w, v = rng.standard_normal(()), rng.standard_normal(()), rng.standard_normal(())
    assert analytic == pytest.approx(6 * 2.0 * u * w * v, rel=1e-12)
    assert numerical == pytest.approx(analytic, rel=1e-6)


@given(aet.shapes(max_dims=4, max_side=3, allow_zero_size=True))
def test_shapes_strategy(shape):
    assert len(shape) <= 4 and all(0 <= n <= 3 for n in shape)


@given(aet.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@given(aet.shapes().flatmap(lambda s: aet.arrays(s, np.float32, min_value=-2.0, max_value=5.0, kinks=(0.0, 1.0), margin=0.2)))
def test_arrays_stay_in_bounds_and_away_from_kinks(x):
    assert x.dtype == np.float32
    assert np.all((x >= -2.0) & (x <= 5.0))
    assert np.all(np.abs(x) >= 0.2) and np.all(np.abs(x - 1.0) >= 0.2)


@given(aet.broadcastable_shapes(2).flatmap(lambda shapes: aet.distinct_arrays(*shapes, gap=0.05)))
def test_distinct_arrays_are_gap_apart_across_arrays(arrays):
    values = np.sort(np.concatenate([a.ravel() for a in arrays]))
    assert np.all(np.diff(values) >= 0.05 * (1 - 1e-9))


@given(aet.float_dtypes())
def test_float_dtypes(dtype):
    assert dtype in (np.float16, np.float32, np.float64) and dtype.isnative


@given(st.data())
def test_axes_and_index_keys_are_valid(data):
    shape = data.draw(aet.shapes(max_dims=4, allow_zero_size=True), label="shape")
    x = np.zeros(shape)
    np.sum(x, axis=data.draw(aet.axes(len(shape)), label="axis"))
    key = data.draw(aet.index_keys(shape), label="key")
    x[key]  # NumPy accepts it
    if shape:
        assert -len(shape) <= data.draw(aet.single_axis(len(shape))) < len(shape)
