"""The pooling layers and adaptive pooling: PyTorch's argument order and ``return_indices``,
adaptive average pooling to sizes that do not divide the input (and None entries), and adaptive
max pooling -- against loop references in NumPy that follow PyTorch's rules, gradient checks in
float64, and a few hand-derived values."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
import nn
import nn.functional as F
from autograd_engine import testing as aet
from autograd_engine.gradcheck import gradcheck


def test_adaptive_average_pooling():
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 4))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).data, x.mean(axis=(2, 3), keepdims=True))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d((3, 2))(x).data, x.reshape(2, 3, 3, 2, 2, 2).mean(axis=(3, 5)))
    # a size that does not divide: PyTorch's bins, rows [floor(i*6/4), ceil((i+1)*6/4)) = [0,2), [1,3), [3,5), [4,6)
    rows = [(0, 2), (1, 3), (3, 5), (4, 6)]
    expected = np.stack([x[:, :, a:b, :].mean(axis=2) for a, b in rows], axis=2)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(4)(x).data, expected)


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


# ----- AdaptiveAvgPool2d's error ------------------------------------------------------


def test_adaptive_avg_pool_errors_name_the_module_and_the_expected_shape():
    with pytest.raises(ae.ShapeError, match=r"^AdaptiveAvgPool2d: expected x of shape \(N, C, H, W\), got shape "
                                            r"\(2, 3, 4\); add a batch axis"):
        nn.AdaptiveAvgPool2d(1)(np.ones((2, 3, 4)))
    with pytest.raises(ae.ShapeError, match=r"^AdaptiveAvgPool2d: expected x of shape \(N, C, H, W\)"):
        nn.AdaptiveAvgPool2d(2)(np.ones((3, 4)))
    with pytest.raises(ae.ShapeError, match=r"^adaptive_avg_pool2d: expected x of shape \(N, C, H, W\)"):
        F.adaptive_avg_pool2d(np.ones((2, 3, 4)), 1)
