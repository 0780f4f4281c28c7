"""PyTorch-compatibility additions to ``nn`` found missing by a CS231n-student review:
Conv2d's padding='same'/'valid' and padding_mode, F.pad, Dropout2d and inplace=,
init.trunc_normal_/eye_/dirac_, F.one_hot, and AdaptiveAvgPool2d's shape error.

Expected values come from NumPy (``np.pad`` and a loop convolution written here) or are
derived by hand; gradients are checked against finite differences in float64."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
from autograd_engine.gradcheck import gradcheck
from nn import init

NUMPY_MODE = {"zeros": "constant", "constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def reference_conv(x_padded: np.ndarray, w: np.ndarray, b: np.ndarray, dilation=(1, 1)) -> np.ndarray:
    """Cross-correlation of an already padded (N, C, H, W) input, stride 1, one group, as loops over taps."""
    _, _, height, width = x_padded.shape
    _, _, kh, kw = w.shape
    dh, dw = dilation
    oh, ow = height - dh * (kh - 1), width - dw * (kw - 1)
    out = np.zeros((x_padded.shape[0], w.shape[0], oh, ow))
    for a in range(kh):
        for c in range(kw):
            patch = x_padded[:, :, a * dh : a * dh + oh, c * dw : c * dw + ow]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, a, c])
    return out + b[None, :, None, None]


def layer_gradcheck(layer: nn.Conv2d, x: np.ndarray):
    """gradcheck of ``layer`` with respect to its input, weight and bias."""
    return gradcheck(lambda x, w, b: nn.functional_call(layer, {"weight": w, "bias": b}, x),
                     [x, layer.weight.data, layer.bias.data], n_samples=25)


# ----- Conv2d padding='same' / 'valid' ------------------------------------------------


@pytest.mark.parametrize(
    "kernel, dilation, pads",
    [
        ((3, 3), (1, 1), ((1, 1), (1, 1))),  # odd kernel: symmetric
        ((4, 2), (1, 1), ((1, 2), (0, 1))),  # even kernel: total K-1 = 3 and 1, the odd pixel at bottom/right
        ((2, 3), (3, 2), ((1, 2), (2, 2))),  # dilated: total D*(K-1) = 3 and 4
        ((1, 1), (1, 1), ((0, 0), (0, 0))),
    ],
)
def test_conv2d_same_padding_matches_hand_derived_asymmetric_numpy_padding(kernel, dilation, pads):
    rng = np.random.default_rng(0)
    layer = nn.Conv2d(3, 4, kernel, padding="same", dilation=dilation, dtype=np.float64)
    x = rng.standard_normal((2, 3, 7, 6))
    out = layer(x)
    assert out.shape == (2, 4, 7, 6) and layer.output_shape(7, 6) == (7, 6)
    expected = reference_conv(np.pad(x, ((0, 0), (0, 0), *pads)), layer.weight.data, layer.bias.data, dilation)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.conv2d(x, layer.weight, layer.bias, padding="same", dilation=dilation).data,
                               expected, rtol=1e-12, atol=1e-12)


def test_conv2d_valid_padding_is_no_padding_and_keeps_the_string():
    rng = np.random.default_rng(1)
    layer = nn.Conv2d(2, 3, (3, 2), padding="valid", dtype=np.float64)
    x = rng.standard_normal((1, 2, 5, 6))
    np.testing.assert_allclose(layer(x).data, reference_conv(x, layer.weight.data, layer.bias.data), atol=1e-12)
    assert layer.padding == "valid" and layer.output_shape(5, 6) == (3, 5)
    assert "padding=valid" in repr(layer)
    assert nn.Conv2d(2, 3, 3, padding="same").padding == "same"
    assert nn.Conv2d(2, 3, 3, padding=1).padding == (1, 1)
    np.testing.assert_allclose(F.conv2d(x, layer.weight, layer.bias, padding="valid").data, layer(x).data)


def test_conv2d_same_padding_gradients_even_kernel():
    rng = np.random.default_rng(2)
    layer = nn.Conv2d(2, 3, (2, 4), padding="same", dtype=np.float64)
    report = layer_gradcheck(layer, rng.standard_normal((2, 2, 5, 5)))
    assert report, report.table()
    w, b = rng.standard_normal((3, 1, 3, 2)), rng.standard_normal(3)
    report = gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=2, groups=3),
                       [rng.standard_normal((1, 3, 6, 5)), w, b], n_samples=25)
    assert report, report.table()


def test_conv2d_padding_string_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"padding='same' is not supported for strided convolutions \(stride=\(2, 1\)\)"):
        nn.Conv2d(1, 1, 3, stride=(2, 1), padding="same")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"invalid padding string 'full', should be one of \('valid', 'same'\)"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="invalid padding string 'Same'"):
        F.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding="Same")
    with pytest.raises(ValueError, match=r"padding_mode must be one of .* but got padding_mode='zero'"):
        nn.Conv2d(1, 1, 3, padding_mode="zero")
    with pytest.raises(ae.ShapeError, match=r"expected x of shape \(N, C, H, W\), got shape \(1, 5, 5\)"):
        nn.Conv2d(1, 1, 2, padding="same")(np.ones((1, 5, 5)))


# ----- Conv2d padding_mode ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding, pads", [((1, 2), ((1, 1), (2, 2))), ("same", ((1, 2), (0, 1)))])
def test_conv2d_padding_modes_match_numpy_pad(mode, padding, pads):
    rng = np.random.default_rng(3)
    kernel = (3, 3) if padding != "same" else (4, 2)
    layer = nn.Conv2d(2, 3, kernel, padding=padding, padding_mode=mode, dtype=np.float64)
    x = rng.standard_normal((2, 2, 5, 4))
    expected = reference_conv(np.pad(x, ((0, 0), (0, 0), *pads), mode=NUMPY_MODE[mode]), layer.weight.data,
                              layer.bias.data)
    out = layer(x)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert out.shape[2:] == layer.output_shape(5, 4)
    report = layer_gradcheck(layer, x)
    assert report, report.table()
    assert (f"padding_mode={mode}" in repr(layer)) == (mode != "zeros")


def test_conv2d_reflect_padding_needs_padding_smaller_than_the_input():
    with pytest.raises(ValueError, match=r"mode='reflect' needs widths smaller than the axis size, got \(3, 3\)"):
        nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(np.ones((1, 1, 3, 8)))


# ----- F.pad --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "shape, torch_pad, numpy_pad",
    [
        ((3, 5), (2, 1), ((0, 0), (2, 1))),
        ((2, 3, 5), (1, 2, 0, 2), ((0, 0), (0, 2), (1, 2))),
        ((2, 3, 4, 5), (4, 0, 1, 3), ((0, 0), (0, 0), (1, 3), (4, 0))),
        ((1, 2, 3, 4, 5), (1, 1, 2, 0, 2, 1), ((0, 0), (0, 0), (2, 1), (2, 0), (1, 1))),
    ],
)
def test_pad_matches_numpy_pad_and_its_gradient_checks(mode, shape, torch_pad, numpy_pad):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    kwargs = {"value": 1.5} if mode == "constant" else {}
    numpy_kwargs = {"constant_values": 1.5} if mode == "constant" else {}
    out = F.pad(x, torch_pad, mode=mode, **kwargs)
    np.testing.assert_array_equal(out.data, np.pad(x, numpy_pad, mode=NUMPY_MODE[mode], **numpy_kwargs))
    report = gradcheck(lambda t: F.pad(t, torch_pad, mode=mode, **kwargs), [x])
    assert report and not report.kinks, report.table()


def test_pad_reflect_gradient_adds_up_at_mirrored_pixels():
    # x = [a, b, c], reflect (2, 2) -> [c, b, a, b, c, b, a]: a appears twice, b three times, c twice.
    x = ae.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    out = F.pad(x[None], (2, 2), mode="reflect")
    np.testing.assert_array_equal(out.data, [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]])
    (out * np.arange(1.0, 8.0)).sum().backward()
    np.testing.assert_array_equal(x.grad, [3 + 7, 2 + 4 + 6, 1 + 5])


def test_pad_negative_widths_crop_as_pytorch():
    x = np.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(F.pad(x, (-1, 2)).data, [[1, 2, 3, 4, 0, 0], [6, 7, 8, 9, 0, 0]])
    np.testing.assert_array_equal(F.pad(x, (0, -2, 1, -1), value=-1.0).data, [[-1, -1, -1], [0, 1, 2]])
    report = gradcheck(lambda t: F.pad(t, (-2, 1, 1, 0)), [np.random.default_rng(5).standard_normal((2, 5))])
    assert report, report.table()
    with pytest.raises(ValueError, match=r"widths \(-3, -3\) would crop more than axis 1 of size 5"):
        F.pad(x, (-3, -3))


def test_pad_errors_name_the_problem():
    x = np.ones((1, 2, 3))
    with pytest.raises(ValueError, match="its length must be even; got 3 values"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match=r"has 4 \(before, after\) pairs but the input has only 3 axes"):
        F.pad(x, (1,) * 8)
    with pytest.raises(ValueError, match=r"mode='circular' needs widths at most the axis size .* got \(4, 0\)"):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(ValueError, match="mode='reflect' takes no value"):
        F.pad(x, (1, 1), mode="reflect", value=2.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="edge")
    with pytest.raises(ValueError, match=r"pads the last 1, 2 or 3 axes .* got 1 pairs for shape \(3,\)"):
        F.pad(np.ones(3), (1, 1), mode="replicate")
    with pytest.raises(ValueError, match=r"needs non-negative widths, got \(-1, 1\)"):
        F.pad(x, (-1, 1), mode="replicate")
    with pytest.raises(TypeError, match="pad must be a sequence of ints"):
        F.pad(x, (1.0, 1.0))


# ----- Dropout2d ----------------------------------------------------------------------


def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    x = np.random.default_rng(6).uniform(1.0, 2.0, (40, 50, 3, 4))
    out = F.dropout2d(x, 0.3, generator=np.random.default_rng(7)).data
    ratio = (out / x).reshape(40, 50, 12)
    np.testing.assert_allclose(ratio, ratio[..., :1] * np.ones(12), rtol=1e-12)  # one factor per channel
    factors = ratio[..., 0]
    assert set(np.round(np.unique(factors), 12)) == {0.0, round(1 / 0.7, 12)}
    assert abs((factors == 0).mean() - 0.3) < 0.04  # 2000 channels: the standard error is 0.01
    # the same generator state gives the same mask; the mask is one uniform per (n, c)
    again = F.dropout2d(x, 0.3, generator=np.random.default_rng(7)).data
    np.testing.assert_array_equal(out, again)
    keep = np.random.default_rng(7).random((40, 50)) < 0.7
    np.testing.assert_array_equal(factors != 0, keep)


def test_dropout2d_unbatched_eval_and_edge_probabilities():
    x = np.random.default_rng(8).uniform(1.0, 2.0, (30, 2, 2))
    layer = nn.Dropout2d(0.5, generator=np.random.default_rng(9))
    out = layer(x).data
    assert out.shape == x.shape
    per_channel = (out / x).reshape(30, 4)
    np.testing.assert_allclose(per_channel, per_channel[:, :1] * np.ones(4))
    assert 0 < (per_channel[:, 0] == 0).sum() < 30
    layer.eval()
    assert layer(x) is x
    assert F.dropout2d(x, 0.0) is x and F.dropout2d(x, 0.7, training=False) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).data, np.zeros_like(x))
    with pytest.raises(ae.ShapeError, match=r"dropout2d: expected \(N, C, H, W\) or an unbatched \(C, H, W\), got "
                                            r"shape \(4, 5\); use dropout"):
        F.dropout2d(np.ones((4, 5)), 0.5)
    with pytest.raises(ae.ShapeError, match=r"Dropout2d: expected"):
        nn.Dropout2d()(np.ones((1, 2, 3, 4, 5)))
    with pytest.raises(ValueError, match="Dropout2d: p is the probability of dropping a unit and must be in"):
        nn.Dropout2d(1.5)


def test_dropout2d_gradient_is_the_mask():
    rng = np.random.default_rng(10)
    x = ae.Tensor(rng.uniform(1.0, 2.0, (3, 4, 2, 2)), requires_grad=True)
    out = F.dropout2d(x, 0.5, generator=np.random.default_rng(11))
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    np.testing.assert_allclose(x.grad, upstream * out.data / x.data, rtol=1e-12)
    report = gradcheck(lambda t: F.dropout2d(t, 0.4), [rng.standard_normal((2, 5, 3, 3))])
    assert report, report.table()


def test_inplace_is_accepted_and_changes_nothing():
    x = np.random.default_rng(12).standard_normal((2, 3, 2, 2))
    before = x.copy()
    for layer in (nn.Dropout(0.5, inplace=True), nn.Dropout2d(0.5, inplace=True)):
        assert "inplace=True" in repr(layer)
        out = layer(x)
        np.testing.assert_array_equal(x, before)
        assert (out.data == 0).any()
    assert repr(nn.Dropout2d(0.25)) == "Dropout2d(p=0.25)"
    out = F.dropout(x, 0.5, True, True)  # PyTorch's positional order: input, p, training, inplace
    np.testing.assert_array_equal(x, before)
    assert (out.data == 0).any()


# ----- init.trunc_normal_, eye_, dirac_ -----------------------------------------------


def test_trunc_normal_stays_in_bounds_and_has_the_truncated_mean_and_variance():
    weight = nn.Parameter(np.zeros((400, 500), np.float32))
    assert init.trunc_normal_(weight, mean=0.5, std=2.0, a=-1.0, b=3.0, generator=np.random.default_rng(13)) is weight
    values = weight.data.astype(np.float64)
    assert weight.dtype == np.float32
    assert values.min() >= -1.0 and values.max() <= 3.0
    # Truncated normal: alpha, beta = (a - mu)/s, (b - mu)/s; Z = Phi(beta) - Phi(alpha);
    # mean = mu + s * (phi(alpha) - phi(beta)) / Z; var = s^2 * (1 + (alpha phi(alpha) - beta phi(beta))/Z - ((phi(alpha) - phi(beta))/Z)^2)
    alpha, beta = -0.75, 1.25
    phi = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    Phi = lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2)))  # noqa: E731
    z = Phi(beta) - Phi(alpha)
    mean = 0.5 + 2.0 * (phi(alpha) - phi(beta)) / z
    var = 4.0 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2)
    assert abs(values.mean() - mean) < 0.01  # the standard error is about 0.0015
    assert abs(values.var() - var) < 0.01
    ae.seed(3)
    first = init.trunc_normal_(np.zeros(50)).copy()
    ae.seed(3)
    np.testing.assert_array_equal(init.trunc_normal_(np.zeros(50)), first)
    assert np.abs(first).max() <= 2.0 and first.std() > 0.5  # defaults: N(0, 1) cut at [-2, 2]


def test_trunc_normal_warnings_and_errors():
    with pytest.warns(UserWarning, match="more than 2 std"):
        values = init.trunc_normal_(np.zeros(100), mean=4.5, std=1.0, a=-2.0, b=2.0)
    assert values.min() >= -2.0 and values.max() <= 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.trunc_normal_(np.zeros(10), mean=3.5)  # 1.5 std from b: no warning
    with pytest.raises(ValueError, match=r"a < b, got a=2.0, b=-2.0"):
        init.trunc_normal_(np.zeros(3), a=2.0, b=-2.0)
    with pytest.raises(ValueError, match=r"holds only .* move mean into \[a, b\]"), pytest.warns(UserWarning):
        init.trunc_normal_(np.zeros(3), mean=100.0)
    with pytest.raises(TypeError, match="init.trunc_normal_: expected a floating"):
        init.trunc_normal_(np.zeros(3, np.int64))


def test_eye_fills_the_identity():
    for shape in ((3, 3), (2, 4), (4, 2)):
        weight = nn.Parameter(np.full(shape, 7.0, np.float32))
        assert init.eye_(weight) is weight and weight.dtype == np.float32
        expected = np.zeros(shape)
        for i in range(min(shape)):
            expected[i, i] = 1
        np.testing.assert_array_equal(weight.data, expected)
    with pytest.raises(ValueError, match=r"only 2-D weights are supported, got shape \(2, 2, 3\); for a convolution "
                                         r"use dirac_"):
        init.eye_(np.zeros((2, 2, 3)))


def test_dirac_fills_the_kernel_centres_and_makes_an_identity_convolution():
    weight = init.dirac_(np.full((4, 3, 2, 3), 5.0), groups=2)
    expected = np.zeros((4, 3, 2, 3))
    # 2 output channels per group, min(2, 3) = 2 deltas per group, centre (2 // 2, 3 // 2) = (1, 1)
    for out_channel, in_channel in ((0, 0), (1, 1), (2, 0), (3, 1)):
        expected[out_channel, in_channel, 1, 1] = 1
    np.testing.assert_array_equal(weight, expected)
    expected = np.zeros((2, 4, 3))
    expected[0, 0, 1] = expected[1, 1, 1] = 1
    np.testing.assert_array_equal(init.dirac_(np.ones((2, 4, 3))), expected)  # 3-D, more inputs than outputs
    assert init.dirac_(np.ones((3, 3, 3, 3, 3)))[2, 2, 1, 1, 1] == 1
    layer = nn.Conv2d(3, 3, 5, padding="same", bias=False, dtype=np.float64)
    init.dirac_(layer.weight)
    x = np.random.default_rng(14).standard_normal((2, 3, 6, 7))
    np.testing.assert_allclose(layer(x).data, x, atol=1e-14)
    with pytest.raises(ValueError, match=r"only 3-, 4- or 5-D weights .* got shape \(3, 3\); for a 2-D weight use eye_"):
        init.dirac_(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"groups=2 must be a positive int dividing dim 0 \(out channels = 3\)"):
        init.dirac_(np.zeros((3, 2, 3)), groups=2)


# ----- F.one_hot ----------------------------------------------------------------------


def test_one_hot_is_int64_identity_rows():
    labels = np.array([[0, 3], [2, 2]])
    out = F.one_hot(labels)
    assert out.dtype == np.int64 and out.shape == (2, 2, 4) and not out.requires_grad
    np.testing.assert_array_equal(out.data, np.eye(4, dtype=np.int64)[labels])
    np.testing.assert_array_equal(F.one_hot(ae.Tensor(np.array([1], np.int32)), 3).data, [[0, 1, 0]])
    assert F.one_hot(np.array([], np.int64), 5).shape == (0, 5)
    assert F.one_hot(np.array(2)).shape == (3,)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="class values must be non-negative, got -1"):
        F.one_hot(np.array([1, -1]))
    with pytest.raises(ValueError, match=r"label 3 is outside \[0, 3\)"):
        F.one_hot(np.array([1, 3]), 3)
    with pytest.raises(ValueError, match="cannot infer the number of classes from an empty tensor"):
        F.one_hot(np.array([], np.int64))
    with pytest.raises(TypeError, match="must hold integer class labels, got dtype float64"):
        F.one_hot(np.array([1.0]))
    with pytest.raises(ValueError, match="num_classes must be -1"):
        F.one_hot(np.array([1]), -2)


# ----- AdaptiveAvgPool2d's error ------------------------------------------------------


def test_adaptive_avg_pool_errors_name_the_module_and_the_expected_shape():
    with pytest.raises(ae.ShapeError, match=r"^AdaptiveAvgPool2d: expected x of shape \(N, C, H, W\), got shape "
                                            r"\(2, 3, 4\); add a batch axis"):
        nn.AdaptiveAvgPool2d(1)(np.ones((2, 3, 4)))
    with pytest.raises(ae.ShapeError, match=r"^AdaptiveAvgPool2d: expected x of shape \(N, C, H, W\)"):
        nn.AdaptiveAvgPool2d(2)(np.ones((3, 4)))
    with pytest.raises(ae.ShapeError, match=r"^adaptive_avg_pool2d: expected x of shape \(N, C, H, W\)"):
        F.adaptive_avg_pool2d(np.ones((2, 3, 4)), 1)


def test_a_generator_passed_where_it_stood_before_inplace_is_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"Dropout: inplace must be True or False, got a Generator; pass a generator by keyword"):
        nn.Dropout(0.5, rng)
    with pytest.raises(TypeError, match=r"dropout: inplace must be True or False"):
        nn.functional.dropout(np.ones(3), 0.5, True, rng)
