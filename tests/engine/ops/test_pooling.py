"""max_pool2d and avg_pool2d: the CS231n check, loop references over drawn geometries,
gradient checks, the routing of ties (to one input, as PyTorch), NaN, global average pooling;
PyTorch's ``ceil_mode``, ``dilation`` and ``return_indices``."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import DATA
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import testing as aet
from autograd_engine.gradcheck import gradcheck, rel_error

PROPERTY_TESTED = {"max_pool2d", "avg_pool2d"}


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


# ----- loop references ----------------------------------------------------------------------------


def reference_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's rule, written out: floor or ceil of (size + 2P - D*(K-1) - 1) / S, plus one; in ceil
    mode a last window that would start past the input and its left padding is dropped."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil(span / stride) if ceil_mode else math.floor(span / stride)) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def reference_taps(o, size, kernel, stride, padding, dilation):
    """The input rows (or columns) that window ``o`` reads, and how many of its taps lie in the padded input."""
    start = o * stride - padding
    taps = [start + dilation * j for j in range(kernel)]
    return [t for t in taps if 0 <= t < size], sum(1 for t in taps if t < size + padding)


def reference_pool(x, kernel, stride, padding, dilation=(1, 1), ceil_mode=False, kind="max", count_include_pad=True):
    """One window at a time: (out, flat indices of the winners) for max, (out, None) for avg.

    Max: the first maximum in row-major order.  Avg: the window's sum over the input divided by
    its taps inside the padded input (count_include_pad) or inside the input."""
    n_images, channels, height, width = x.shape
    oh, ow = (reference_output_size(s, k, st_, p, d, ceil_mode)
              for s, k, st_, p, d in zip((height, width), kernel, stride, padding, dilation))
    out, where = np.zeros((n_images, channels, oh, ow)), np.zeros((n_images, channels, oh, ow), dtype=np.int64)
    for i in range(oh):
        rows, padded_rows = reference_taps(i, height, kernel[0], stride[0], padding[0], dilation[0])
        for j in range(ow):
            cols, padded_cols = reference_taps(j, width, kernel[1], stride[1], padding[1], dilation[1])
            for n in range(n_images):
                for c in range(channels):
                    values = [(x[n, c, r, q], r * width + q) for r in rows for q in cols]
                    if kind == "max":
                        best = values[0]
                        for v in values[1:]:
                            if v[0] > best[0]:
                                best = v
                        out[n, c, i, j], where[n, c, i, j] = best
                    else:
                        count = padded_rows * padded_cols if count_include_pad else len(values)
                        out[n, c, i, j] = sum(v for v, _ in values) / count
    return out, (where if kind == "max" else None)


# ----- strategies -----------------------------------------------------------------------------------


@st.composite
def ceil_mode_pool_problems(draw, dilated=True):
    """A max/avg pooling geometry with ceil_mode drawn, and distinct inputs (no ties, no kinks)."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilated else (1, 1)
    ceil_mode = draw(st.booleans())
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    (x,) = draw(aet.distinct_arrays(shape))
    return x, kernel, stride, padding, dilation, ceil_mode


def _pool_refusal(x, kernel, stride, padding, dilation, ceil_mode):
    """Why the engine must refuse this geometry (None if it must not): no output, or a window with no input pixel."""
    for size, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation):
        out = reference_output_size(size, k, s, p, d, ceil_mode)
        if out < 1 or (not ceil_mode and d * (k - 1) + 1 > size + 2 * p):
            return ae.ShapeError
        if any(not reference_taps(o, size, k, s, p, d)[0] for o in range(out)):
            return ValueError
    return None


# ----- ceil_mode and dilation ------------------------------------------------------------------------


@given(ceil_mode_pool_problems())
def test_max_pool_with_ceil_mode_and_dilation_matches_the_loop_reference(problem):
    x, kernel, stride, padding, dilation, ceil_mode = problem
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    refusal = _pool_refusal(x, kernel, stride, padding, dilation, ceil_mode)
    if refusal is not None:
        with pytest.raises(refusal, match="max_pool2d"):
            ae.max_pool2d(x, **kwargs)
        return
    expected, expected_where = reference_pool(x, kernel, stride, padding, dilation, ceil_mode, "max")
    out, where = ae.max_pool2d(x, **kwargs, return_indices=True)
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(where.data, expected_where)
    assert where.dtype == np.int64 and not where.requires_grad
    assert ae.max_pool2d(x.astype(np.float32), **kwargs).dtype == np.float32
    report = gradcheck(lambda x: ae.max_pool2d(x, **kwargs), [x])
    assert report and not report.kinks, report.table()


@given(ceil_mode_pool_problems(dilated=False), st.booleans())
def test_avg_pool_with_ceil_mode_matches_the_loop_reference(problem, include_pad):
    x, kernel, stride, padding, _, ceil_mode = problem
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=include_pad)
    refusal = _pool_refusal(x, kernel, stride, padding, (1, 1), ceil_mode)
    if refusal is not None:
        with pytest.raises(refusal, match="avg_pool2d"):
            ae.avg_pool2d(x, **kwargs)
        return
    expected, _ = reference_pool(x, kernel, stride, padding, (1, 1), ceil_mode, "avg", include_pad)
    out = ae.avg_pool2d(x, **kwargs)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14 * (1 + np.abs(x).max()))
    report = gradcheck(lambda x: ae.avg_pool2d(x, **kwargs), [x])
    assert report, report.table()


def test_ceil_mode_output_sizes_follow_pytorch_rule():
    x = np.zeros((1, 1, 5, 5))
    assert ae.max_pool2d(x, 2).shape == (1, 1, 2, 2)
    assert ae.max_pool2d(x, 2, ceil_mode=True).shape == (1, 1, 3, 3)  # ceil((5 - 2) / 2) + 1
    # ceil((5 + 2 - 3) / 3) + 1 = 3, but window 2 would start at 2*3 - 1 = 5, past the input: dropped
    assert ae.max_pool2d(x, 3, stride=3, padding=1, ceil_mode=True).shape == (1, 1, 2, 2)
    assert ae.avg_pool2d(np.zeros((1, 1, 6, 6)), 3, 2, 1, ceil_mode=True).shape == (1, 1, 4, 4)
    # a kernel larger than the input is allowed in ceil mode while one window fits: ceil((2 - 3) / 3) + 1 = 1
    assert ae.avg_pool2d(np.zeros((1, 1, 2, 2)), 3, stride=3, ceil_mode=True).shape == (1, 1, 1, 1)


def test_ceil_mode_average_divides_by_the_pixels_inside_the_padded_input():
    ones = np.ones((1, 1, 6, 6))
    # window rows (and columns) [-1, 2), [1, 4), [3, 6), [5, 8): the padded input ends at row 7, so the
    # last window has 2 rows in it of which 1 is input; counted: 3, 3, 3, 2 rows -- inputs 2, 3, 3, 1
    out = ae.avg_pool2d(ones, 3, 2, 1, ceil_mode=True).data[0, 0]
    inputs, padded = np.array([2, 3, 3, 1]), np.array([3, 3, 3, 2])
    np.testing.assert_allclose(out, np.outer(inputs, inputs) / np.outer(padded, padded))
    np.testing.assert_allclose(out[3], [2 / 6, 3 / 6, 3 / 6, 1 / 4])
    np.testing.assert_allclose(ae.avg_pool2d(ones, 3, 2, 1, ceil_mode=True, count_include_pad=False).data, 1.0)
    # without padding the overhanging window averages its input pixels either way
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    for include_pad in (True, False):
        out = ae.avg_pool2d(x, 2, ceil_mode=True, count_include_pad=include_pad).data[0, 0]
        assert out[2, 2] == 24.0 and out[0, 2] == (4.0 + 9.0) / 2 and out[2, 0] == (20.0 + 21.0) / 2


def test_ceil_mode_windows_get_their_gradient():
    x = ae.Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    ae.avg_pool2d(x, 2, ceil_mode=True).sum().backward()
    expected = np.full((5, 5), 0.25)
    expected[4, :4] = expected[:4, 4] = 0.5  # edge windows of two pixels
    expected[4, 4] = 1.0  # the corner window of one pixel
    np.testing.assert_array_equal(x.grad[0, 0], expected)
    x.grad = None
    ae.max_pool2d(x, 2, ceil_mode=True).sum().backward()
    winners = np.zeros((5, 5))
    winners[1::2, 1::2] = winners[4, 1::2] = winners[1::2, 4] = winners[4, 4] = 1.0
    np.testing.assert_array_equal(x.grad[0, 0], winners)


def test_dilation_reads_every_dth_pixel():
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    out, where = ae.max_pool2d(x, 2, stride=1, dilation=2, return_indices=True)
    assert out.shape == (1, 1, 4, 4)  # (6 - 2*(2-1) - 1) // 1 + 1
    np.testing.assert_array_equal(out.data[0, 0], x[0, 0, 2:, 2:])  # the bottom-right tap wins each window
    np.testing.assert_array_equal(where.data[0, 0], np.arange(36).reshape(6, 6)[2:, 2:])
    recorded = ae.max_pool2d(ae.Tensor(x, requires_grad=True), 2, stride=1, dilation=2)
    assert recorded.grad_fn.describe() == "max_pool2d(kernel=(2, 2), stride=(1, 1), padding=(0, 0), dilation=(2, 2))"


def test_a_dilated_window_with_no_input_pixel_is_refused():
    # kernel 2, dilation 3, padding 1 over width 2: the first window reads columns -1 and 2, neither in the input
    with pytest.raises(ValueError, match=r"max_pool2d: the window of output column 0 reads input columns \[-1, 2\]"):
        ae.max_pool2d(np.zeros((1, 1, 2, 2)), (1, 2), stride=1, padding=(0, 1), dilation=(1, 3))
    with pytest.raises(TypeError, match="max_pool2d: ceil_mode must be True or False, got 'yes'"):
        ae.max_pool2d(np.zeros((1, 1, 2, 2)), 2, ceil_mode="yes")
    with pytest.raises(ae.ShapeError, match=r"avg_pool2d: with ceil_mode the output height .* = -1 is < 1"):
        ae.avg_pool2d(np.zeros((1, 1, 1, 4)), (3, 1), stride=(1, 1), ceil_mode=True)


# ----- return_indices --------------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [2, 3])
def test_indices_gather_the_output_and_send_ties_to_the_first_maximum(kernel):
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=(2, 3, 6, 8)).astype(np.float32)  # many ties; kernel 2: the 2x2 fast path
    out, where = ae.max_pool2d(x, kernel, return_indices=True)
    assert where.shape == out.shape and where.dtype == np.int64
    gathered = np.take_along_axis(x.reshape(2, 3, -1), where.data.reshape(2, 3, -1), axis=2).reshape(out.shape)
    np.testing.assert_array_equal(gathered, out.data)
    expected, expected_where = reference_pool(x, (kernel, kernel), (kernel, kernel), (0, 0))
    np.testing.assert_array_equal(where.data, expected_where)
    np.testing.assert_array_equal(out.data, expected.astype(np.float32))
