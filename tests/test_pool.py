"""max_pool2d and avg_pool2d: the CS231n check, loop references over drawn geometries,
gradient checks, the routing of ties (to one input, as PyTorch), NaN, global average pooling."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet
from autograd_engine.gradcheck import gradcheck, rel_error

PROPERTY_TESTED = {"max_pool2d", "avg_pool2d"}

DATA = Path(__file__).parent / "data"


def pool_reference(x, kernel, stride, padding, kind, count_include_pad=True):
    """One window at a time: max ignores the padding, the mean counts it as zeros (or not)."""
    n_images, channels, height, width = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    out = np.zeros((n_images, channels, oh, ow))
    for n in range(n_images):
        for c in range(channels):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * sh - ph, j * sw - pw
                    window = x[n, c, max(top, 0):top + kh, max(left, 0):left + kw]
                    if kind == "max":
                        out[n, c, i, j] = window.max()
                    else:
                        out[n, c, i, j] = window.sum() / (kh * kw if count_include_pad else window.size)
    return out


@st.composite
def pool_problems(draw, max_side=6):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    spatial = [draw(st.integers(max(1, k - 2 * p), max_side)) for k, p in zip(kernel, padding)]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *spatial)
    (x,) = draw(aet.distinct_arrays(shape))  # no ties: one winner per window, no kink straddled
    return x, kernel, stride, padding


def _kwargs(kernel, stride, padding):
    return {"kernel_size": kernel, "stride": stride, "padding": padding}


# ----- published check --------------------------------------------------------------------------


def test_cs231n_max_pool_forward_naive():
    cases = {c["name"]: c for c in json.loads((DATA / "cs231n_vectors.json").read_text())["cases"]}
    case, arrays = cases["max_pool_forward_naive"], np.load(DATA / "cs231n_vectors.npz")
    x, param = arrays[case["inputs"]["x"]["array"]], case["inputs"]["pool_param"]
    expected = arrays[case["expected"]["out"]["array"]]
    out = ae.max_pool2d(x, (param["pool_height"], param["pool_width"]), stride=param["stride"])
    assert out.shape == expected.shape == (2, 3, 2, 2)
    assert rel_error(out.data, expected) < case["tol"]["out"]


# ----- against loop references --------------------------------------------------------------------


@given(pool_problems())
def test_max_pool_matches_the_loop_reference_and_its_gradient_finite_differences(problem):
    x, kernel, stride, padding = problem
    out = ae.max_pool2d(x, **_kwargs(kernel, stride, padding))
    np.testing.assert_array_equal(out.data, pool_reference(x, kernel, stride, padding, "max"))
    out32 = ae.max_pool2d(x.astype(np.float32), **_kwargs(kernel, stride, padding))
    assert out32.dtype == np.float32
    report = gradcheck(lambda x: ae.max_pool2d(x, **_kwargs(kernel, stride, padding)), [x])
    assert report and not report.kinks, report.table()


@given(pool_problems(), st.booleans())
def test_avg_pool_matches_the_loop_reference_and_its_gradient_finite_differences(problem, include_pad):
    x, kernel, stride, padding = problem
    kwargs = {**_kwargs(kernel, stride, padding), "count_include_pad": include_pad}
    out = ae.avg_pool2d(x, **kwargs)
    expected = pool_reference(x, kernel, stride, padding, "avg", include_pad)
    # a window whose values cancel sums to rounding noise: the tolerance scales with the inputs
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14 * (1 + np.abs(x).max()))
    assert ae.avg_pool2d(x.astype(np.float32), **kwargs).dtype == np.float32
    report = gradcheck(lambda x: ae.avg_pool2d(x, **kwargs), [x])
    assert report, report.table()


def test_stride_defaults_to_the_kernel_size_and_sizes_floor():
    x = np.arange(2 * 7 * 9, dtype=np.float64).reshape(1, 2, 7, 9)
    out = ae.max_pool2d(x, 2)
    assert out.shape == (1, 2, 3, 4)  # (7 - 2) // 2 + 1 = 3, (9 - 2) // 2 + 1 = 4
    np.testing.assert_array_equal(out.data, x[:, :, 1:6:2, 1:8:2])  # the bottom-right corner of each window
    assert ae.avg_pool2d(x, (3, 2), stride=(2, 3)).shape == (1, 2, 3, 3)


# ----- ties, kinks, NaN ---------------------------------------------------------------------------


def test_a_tie_routes_the_whole_gradient_to_one_input():
    x = ae.Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    out = ae.max_pool2d(x, 2)
    g = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    out.backward(g)
    # each window's gradient goes to its first maximum in row-major order (the top-left), as PyTorch
    expected = np.zeros((4, 4))
    expected[::2, ::2] = g[0, 0]
    np.testing.assert_array_equal(x.grad[0, 0], expected)


def test_gradcheck_reports_a_tie_as_a_kink_instead_of_a_failure():
    x = np.array([[[[1.0, 1.0], [0.0, -1.0]]]])  # a tie between the two maxima
    report = gradcheck(lambda x: ae.max_pool2d(x, 2), [x])
    assert report.passed
    assert {coord for _, coord in report.kinks} == {(0, 0, 0, 0), (0, 0, 0, 1)}


def test_the_switches_survive_the_graph_being_freed():
    x = np.array([[[[1.0, 3.0], [2.0, -1.0]]]])
    out = ae.max_pool2d(ae.Tensor(x, requires_grad=True), 2)
    before = np.array(out.grad_fn.branch(out.data, x))
    out.sum().backward()  # releases the node's saved switches
    np.testing.assert_array_equal(out.grad_fn.branch(out.data, x), before)
    assert before.item() == 1  # row 0, column 1 of the plane


def test_a_nan_wins_its_window_and_propagates():
    x = np.array([[[[1.0, np.nan, 5.0, 2.0], [0.0, 3.0, 1.0, 1.0]]]])
    out = ae.max_pool2d(x, 2).data
    assert np.isnan(out[0, 0, 0, 0]) and out[0, 0, 0, 1] == 5.0


def test_negative_infinity_padding_never_wins():
    x = -np.ones((1, 1, 3, 3)) * np.arange(1.0, 10.0).reshape(3, 3)  # all negative
    out = ae.max_pool2d(x, 3, stride=1, padding=1).data
    assert out[0, 0, 0, 0] == -1.0 and out[0, 0, 2, 2] == -5.0


# ----- global average pooling -----------------------------------------------------------------------


def test_global_average_pooling_is_the_spatial_mean():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5))
    out = ae.global_avg_pool2d(x)
    assert out.shape == (2, 3, 1, 1)
    np.testing.assert_allclose(out.data[:, :, 0, 0], x.mean(axis=(2, 3)))
    assert ae.global_avg_pool2d(x, keepdims=False).shape == (2, 3)
    np.testing.assert_allclose(ae.avg_pool2d(x, (4, 5)).data, out.data)
    assert gradcheck(lambda x: ae.global_avg_pool2d(x), [x])


# ----- errors and dtypes ------------------------------------------------------------------------------


def test_too_much_padding_or_too_large_a_kernel_is_refused():
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) must be at most half the kernel size \(3, 3\)"):
        ae.max_pool2d(np.zeros((1, 1, 5, 5)), 3, padding=2)
    with pytest.raises(ae.ShapeError, match=r"avg_pool2d: the kernel width 4 is larger than the padded input width 3"):
        ae.avg_pool2d(np.zeros((1, 1, 5, 3)), 4)
    with pytest.raises(ae.ShapeError, match=r"\(N, C, H, W\)"):
        ae.max_pool2d(np.zeros((5, 5)), 2)


def test_float32_gradients_stay_float32_and_create_graph_is_refused():
    x = ae.Tensor(np.random.default_rng(1).standard_normal((2, 2, 4, 4)).astype(np.float32), requires_grad=True)
    (ae.max_pool2d(x, 2).sum() + ae.avg_pool2d(x, 2).sum()).backward()
    assert x.grad.dtype == np.float32
    for pool in (ae.max_pool2d, ae.avg_pool2d):
        with pytest.raises(RuntimeError, match="pool2d.*create_graph"):
            ae.grad(pool(x, 2).sum(), [x], create_graph=True)


def test_the_2x2_fast_path_agrees_with_the_general_kernel_on_ties_nan_and_infinities():
    from autograd_engine.kernels import pool

    rng = np.random.default_rng(2)
    x = rng.integers(-2, 3, size=(2, 3, 6, 8)).astype(np.float32)  # many ties
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan
    x[0, 1, 2, 2], x[0, 1, 3, 3] = np.inf, -np.inf
    x[1, 2, 4, 6] = -np.inf
    shape = (2, 3, 3, 4)
    fast, general = np.empty(shape, np.float32), np.empty(shape, np.float32)
    fast_switches, general_switches = np.empty(shape, np.int32), np.empty(shape, np.int32)
    pool.max_pool_2x2_forward(x, fast, fast_switches, 0, 6)
    pool.max_pool_forward(x, 2, 2, 2, 2, 0, 0, general, general_switches, 0, 6)
    np.testing.assert_array_equal(fast, general)
    np.testing.assert_array_equal(fast_switches, general_switches)
    assert np.isnan(fast[0, 0, 0, 0]) and fast_switches[0, 0, 0, 0] == 1  # the first NaN
    assert fast[0, 1, 1, 1] == np.inf
    np.testing.assert_array_equal(fast, pool_reference(x, (2, 2), (2, 2), (0, 0), "max").astype(np.float32))
