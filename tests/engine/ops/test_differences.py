"""Composed ops: ``diff`` and ``gradient`` (autograd_engine/ops/differences.py) and ``var_mean``,
``std_mean``, ``ptp`` (ops/statistics.py) -- forward against NumPy (and PyTorch), gradients against
centred finite differences in both orders."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet

from .properties import NONEMPTY_SHAPES, SEEDS, Case, check_case, variants


@st.composite
def diff_case(draw):
    shape = draw(NONEMPTY_SHAPES)
    axis = draw(aet.single_axis(len(shape)))
    n = draw(st.integers(0, 3))
    prepend = draw(st.sampled_from([None, 1.5]))
    x = draw(aet.arrays(shape))
    return Case(lambda t: ae.diff(t, n=n, axis=axis, prepend=prepend),
                lambda a: np.diff(a, n=n, axis=axis, **({} if prepend is None else {"prepend": prepend})),
                (x,), f"n={n}, axis={axis}, prepend={prepend}")


@st.composite
def gradient_case(draw):
    edge_order = draw(st.sampled_from([1, 2]))
    shape = draw(aet.shapes(min_dims=1, max_dims=3, min_side=edge_order + 1, max_side=4))
    axis = draw(st.one_of(st.none(), aet.single_axis(len(shape))))
    spacing = draw(st.sampled_from([(), (0.5,)]))
    x = draw(aet.arrays(shape))

    def joined(result):  # one output: the gradients along each axis, flattened and joined
        parts = result if isinstance(result, tuple) else (result,)
        return [p.reshape(-1) * (i + 1) for i, p in enumerate(parts)]

    return Case(lambda t: ae.concatenate(joined(ae.gradient(t, *spacing, axis=axis, edge_order=edge_order))),
                lambda a: np.concatenate(joined(np.gradient(a, *spacing, axis=axis, edge_order=edge_order))),
                (x,), f"axis={axis}, spacing={spacing}, edge_order={edge_order}")


@st.composite
def moments_case(draw, engine, reference):
    shape = draw(aet.shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    axis = draw(aet.single_axis(len(shape)))
    (x,) = draw(aet.distinct_arrays(shape))
    return Case(lambda t: ae.stack(list(engine(t, axis=axis))), lambda a: np.stack(reference(a, axis)), (x,),
                f"axis={axis}")


SPECS = {
    "diff": {"": diff_case()},
    "gradient": {"": gradient_case()},
    "var_mean": {"": moments_case(ae.var_mean, lambda a, axis: (np.var(a, axis=axis, ddof=1), np.mean(a, axis=axis)))},
    "std_mean": {"": moments_case(ae.std_mean, lambda a, axis: (np.std(a, axis=axis, ddof=1), np.mean(a, axis=axis)))},
    "ptp": {"no ties": NONEMPTY_SHAPES.flatmap(lambda s: aet.distinct_arrays(s)).map(
        lambda xs: Case(lambda t: ae.ptp(t, axis=-1), lambda a: np.ptp(a, axis=-1), xs, "axis=-1"))},
}


@pytest.mark.parametrize("variant", variants(SPECS))
@given(data=st.data())
def test_forward_first_and_second_order(variant, data):
    check_case(data.draw(variant, label="case"), data.draw(SEEDS, label="seed"))


def test_diff_gradient_is_the_negated_forward_difference():
    x = ae.Tensor(np.array([1.0, 4.0, 9.0, 16.0]), requires_grad=True)
    out = x.diff()
    np.testing.assert_array_equal(out.data, [3.0, 5.0, 7.0])
    out.backward(np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(x.grad, [-1.0, -9.0, -90.0, 100.0])


def test_gradient_returns_one_tensor_per_axis_as_numpy():
    x = np.arange(12.0).reshape(3, 4) ** 2
    ours = ae.gradient(x)
    assert isinstance(ours, tuple) and len(ours) == 2
    for o, n in zip(ours, np.gradient(x)):
        np.testing.assert_allclose(o.data, n)
    with pytest.raises(ae.ShapeError, match=r"gradient: axis 0 of shape \(1,\) has 1 elements"):
        ae.gradient(np.ones(1))


def test_var_mean_and_std_mean_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 4))
    for ours, theirs in [(ae.var_mean, torch.var_mean), (ae.std_mean, torch.std_mean)]:
        got = ours(x, dim=1, ddof=1, keepdim=True)
        expected = theirs(torch.tensor(x), dim=1, correction=1, keepdim=True)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g.data, e.numpy(), rtol=1e-13)


def test_ptp_splits_tied_ends_as_max_and_min():
    x = ae.Tensor(np.array([2.0, 5.0, 5.0, 1.0]), requires_grad=True)
    x.ptp().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, -1.0])
