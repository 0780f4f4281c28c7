"""PyTorch-compatible pooling options: ``ceil_mode`` and ``dilation``, ``return_indices``,
adaptive average pooling to sizes that do not divide the input (and None entries), and
adaptive max pooling -- against loop references in NumPy that follow PyTorch's rules,
gradient checks in float64, and a few hand-derived values."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
import nn
from autograd_engine import testing as aet
from autograd_engine.gradcheck import gradcheck

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


def reference_adaptive(x, out_size, kind):
    """PyTorch's adaptive bins: bin i covers floor(i*H/OH) <= row < ceil((i+1)*H/OH); (out, flat argmax)."""
    n_images, channels, height, width = x.shape
    oh, ow = out_size
    out, where = np.zeros((n_images, channels, oh, ow)), np.zeros((n_images, channels, oh, ow), dtype=np.int64)
    for i in range(oh):
        top, bottom = math.floor(i * height / oh), math.ceil((i + 1) * height / oh)
        for j in range(ow):
            left, right = math.floor(j * width / ow), math.ceil((j + 1) * width / ow)
            for n in range(n_images):
                for c in range(channels):
                    window = x[n, c, top:bottom, left:right]
                    if kind == "avg":
                        out[n, c, i, j] = window.sum() / window.size
                    else:
                        r, q = np.unravel_index(np.argmax(window), window.shape)
                        out[n, c, i, j], where[n, c, i, j] = window[r, q], (top + r) * width + left + q
    return out, where


# ----- strategies -----------------------------------------------------------------------------------


@st.composite
def pool_problems(draw, dilated=True):
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


@given(pool_problems())
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


@given(pool_problems(dilated=False), st.booleans())
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


def test_the_layers_return_indices_with_pytorch_argument_order():
    x = ae.Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    out, where = nn.MaxPool2d(2, 2, 0, 1, True)(x)  # (kernel_size, stride, padding, dilation, return_indices)
    np.testing.assert_array_equal(where.data[0, 0], [[5, 7], [13, 15]])
    out.sum().backward()
    assert x.grad.sum() == 4.0
    out, where = nn.functional.max_pool2d(x, 3, 1, 1, 1, True, True)  # (..., dilation, ceil_mode, return_indices)
    assert out.shape == where.shape == (1, 1, 4, 4)
    assert nn.AvgPool2d(2, 2, 0, True)(np.zeros((1, 1, 5, 5))).shape == (1, 1, 3, 3)  # ceil_mode is 4th
    assert nn.functional.avg_pool2d(np.zeros((1, 1, 5, 5)), 2, 2, 0, True).shape == (1, 1, 3, 3)
    assert repr(nn.MaxPool2d(2, ceil_mode=True, dilation=2)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=2, ceil_mode=True)"
    )


# ----- adaptive pooling -----------------------------------------------------------------------------


@st.composite
def adaptive_problems(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    (x,) = draw(aet.distinct_arrays(shape))
    size = draw(st.one_of(
        st.integers(1, 8),
        st.tuples(st.one_of(st.none(), st.integers(1, 8)), st.one_of(st.none(), st.integers(1, 8))),
    ))
    grid = (size, size) if isinstance(size, int) else tuple(s if v is None else v for v, s in zip(size, shape[2:]))
    return x, size, grid


@given(adaptive_problems())
def test_adaptive_average_pooling_matches_pytorch_bins(problem):
    x, size, grid = problem
    expected, _ = reference_adaptive(x, grid, "avg")
    out = nn.AdaptiveAvgPool2d(size)(x)
    assert out.shape == x.shape[:2] + grid
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14 * (1 + np.abs(x).max()))
    np.testing.assert_allclose(nn.functional.adaptive_avg_pool2d(x, size).data, out.data)
    assert nn.AdaptiveAvgPool2d(size)(x.astype(np.float32)).dtype == np.float32
    report = gradcheck(lambda x: nn.AdaptiveAvgPool2d(size)(x), [x])
    assert report, report.table()


@given(adaptive_problems())
def test_adaptive_max_pooling_matches_pytorch_bins(problem):
    x, size, grid = problem
    expected, expected_where = reference_adaptive(x, grid, "max")
    out, where = nn.AdaptiveMaxPool2d(size, return_indices=True)(x)
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(where.data, expected_where)
    assert where.dtype == np.int64 and not where.requires_grad
    assert nn.AdaptiveMaxPool2d(size)(x.astype(np.float32)).dtype == np.float32
    report = gradcheck(lambda x: nn.AdaptiveMaxPool2d(size)(x), [x])
    assert report and not report.kinks, report.table()


def test_uneven_adaptive_bins_overlap_as_in_pytorch():
    x = np.arange(5.0).reshape(1, 1, 1, 5)
    # width 5 to 3: bins [0, 2), [1, 4), [3, 5)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d((None, 3))(x).data[0, 0, 0], [0.5, 2.0, 3.5])
    out, where = nn.AdaptiveMaxPool2d((1, 3), return_indices=True)(x)
    np.testing.assert_array_equal(out.data[0, 0, 0], [1.0, 3.0, 4.0])
    np.testing.assert_array_equal(where.data[0, 0, 0], [1, 3, 4])
    # more outputs than inputs repeat pixels: width 2 to 3 gives bins [0, 1), [0, 2), [1, 2)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d((1, 3))(np.array([[[[2.0, 4.0]]]])).data[0, 0, 0], [2, 3, 4])


def test_adaptive_gradients_are_hand_derived_and_ties_go_to_one_input():
    x = ae.Tensor(np.zeros((1, 1, 1, 5)), requires_grad=True)
    nn.AdaptiveAvgPool2d((1, 3))(x).backward(np.array([[[[2.0, 3.0, 4.0]]]]))
    # bins [0, 2), [1, 4), [3, 5) spread 2/2, 3/3, 4/2; columns 1 and 3 belong to two bins
    np.testing.assert_allclose(x.grad[0, 0, 0], [1.0, 2.0, 1.0, 3.0, 2.0])
    x = ae.Tensor(np.ones((1, 1, 1, 5)), requires_grad=True)  # every bin a tie
    out, where = nn.AdaptiveMaxPool2d((1, 3), return_indices=True)(x)
    np.testing.assert_array_equal(where.data[0, 0, 0], [0, 1, 3])  # the first maximum of each bin
    out.backward(np.array([[[[2.0, 3.0, 4.0]]]]))
    np.testing.assert_array_equal(x.grad[0, 0, 0], [2.0, 3.0, 0.0, 4.0, 0.0])


def test_sizes_that_divide_keep_the_pooling_fast_path_with_the_same_result():
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 4))
    out = nn.AdaptiveAvgPool2d((3, 2))(x)
    assert out.grad_fn is None or out.grad_fn.name == "avg_pool2d"
    xt = ae.Tensor(x, requires_grad=True)
    assert nn.AdaptiveAvgPool2d((3, 2))(xt).grad_fn.name == "avg_pool2d"
    assert nn.AdaptiveMaxPool2d((3, 2))(xt).grad_fn.name == "max_pool2d"
    np.testing.assert_allclose(out.data, reference_adaptive(x, (3, 2), "avg")[0], rtol=1e-12)
    out, where = nn.AdaptiveMaxPool2d((3, 2), return_indices=True)(x)
    expected, expected_where = reference_adaptive(x, (3, 2), "max")
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(where.data, expected_where)


def test_uneven_adaptive_average_is_differentiable_twice():
    x = np.random.default_rng(5).standard_normal((1, 2, 5, 3))
    aet.assert_second_order_gradients_match(lambda x: nn.AdaptiveAvgPool2d((2, 2))(x) ** 2, x)


def test_adaptive_errors_name_the_layer_and_the_problem():
    with pytest.raises(TypeError, match=r"AdaptiveMaxPool2d: output_size must be an int or a pair"):
        nn.AdaptiveMaxPool2d((2, 2, 2))(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be >= 1"):
        nn.pooling.adaptive_max_pool2d(np.zeros((1, 1, 4, 4)), 0)
    with pytest.raises(ae.ShapeError, match=r"AdaptiveMaxPool2d: expected x of shape \(N, C, H, W\)"):
        nn.AdaptiveMaxPool2d(2)(np.zeros((4, 4)))
    with pytest.raises(ae.ShapeError, match=r"AdaptiveAvgPool2d: the input's spatial size \(0, 3\) is empty"):
        nn.AdaptiveAvgPool2d(2)(np.zeros((1, 1, 0, 3)))
