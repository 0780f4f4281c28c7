"""The CONV layer: PyTorch's initialisation, padding='same'/'valid' and padding_mode (against
``np.pad`` and a loop convolution), ``F.pad``, 1x1 convolutions, the notes' FC-to-CONV
conversion, gradient checks of the CONV and POOL modules, and a small ConvNet that overfits 50
examples."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from autograd_engine.gradcheck import gradcheck


def test_conv2d_layer_shapes_and_pytorch_default_initialisation():
    ae.seed(0)
    layer = nn.Conv2d(6, 32, (5, 3), stride=2, padding=1, groups=2)
    assert layer.weight.shape == (32, 3, 5, 3) and layer.bias.shape == (32,)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    bound = 1 / math.sqrt(3 * 5 * 3)  # kaiming_uniform_(a=sqrt(5)): 1/sqrt(fan_in), fan_in = C/groups*KH*KW
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound
    assert abs(layer.weight.data.std() - bound / math.sqrt(3)) < 0.1 * bound  # uniform's std: bound/sqrt(3)
    out = layer(np.zeros((2, 6, 9, 7), np.float32))
    assert out.shape == (2, 32, *layer.output_shape(9, 7)) == (2, 32, 4, 4)
    assert nn.Conv2d(3, 4, 3, bias=False).bias is None
    with pytest.raises(ValueError, match="groups=4 must be positive and divide in_channels=6"):
        nn.Conv2d(6, 8, 3, groups=4)


def test_layers_pass_gradcheck():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 6))
    for layer in (nn.Conv2d(4, 3, 3, stride=2, padding=1), nn.Conv2d(4, 4, 3, dilation=2, groups=4), nn.Conv2d(4, 2, 1)):
        layer.double()
        report = gradcheck(lambda x, w, b: ae.conv2d(x, w, b, layer.stride, layer.padding, layer.dilation, layer.groups),
                           [x, layer.weight, layer.bias], n_samples=30)
        assert report, report.table()
        np.testing.assert_allclose(layer(x).data, ae.conv2d(x, layer.weight, layer.bias, layer.stride, layer.padding,
                                                            layer.dilation, layer.groups).data)
    x = rng.permutation(2 * 4 * 6 * 6).reshape(2, 4, 6, 6) / 10.0  # distinct values: no ties
    for layer in (nn.MaxPool2d(2), nn.MaxPool2d(3, stride=2, padding=1), nn.AvgPool2d(3, 1, 1), nn.AdaptiveAvgPool2d(1),
                  nn.AdaptiveAvgPool2d((3, 2))):
        report = gradcheck(layer, [x])
        assert report and not report.kinks, (layer, report.table())


def test_one_by_one_convolution_mixes_channels_at_each_pixel():
    layer = nn.Conv2d(5, 3, 1, dtype=np.float64)
    x = np.random.default_rng(2).standard_normal((2, 5, 4, 4))
    expected = np.einsum("nchw,fc->nfhw", x, layer.weight.data[:, :, 0, 0]) + layer.bias.data[:, None, None]
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)


def test_fc_to_conv_conversion_gives_the_same_scores():
    # The notes: an FC layer looking at a 7x7x512 volume is a CONV layer with F=7, P=0, S=1, K=4096.
    # Smaller here: a 4x4x8 volume and 10 scores.
    rng = np.random.default_rng(3)
    fc = nn.Linear(8 * 4 * 4, 10, dtype=np.float64)
    conv = nn.Conv2d.from_linear(fc, (8, 4, 4))
    assert conv.weight.shape == (10, 8, 4, 4)
    x = rng.standard_normal((3, 8, 4, 4))
    fc_scores = fc(ae.flatten(x, 1)).data
    conv_scores = conv(x).data
    assert conv_scores.shape == (3, 10, 1, 1)
    np.testing.assert_allclose(conv_scores[:, :, 0, 0], fc_scores, rtol=1e-10)
    # On a larger image the converted layer slides: one pass gives the FC scores at every 4x4 window.
    big = rng.standard_normal((1, 8, 6, 7))
    grid = conv(big).data
    assert grid.shape == (1, 10, 3, 4)
    for i in range(3):
        for j in range(4):
            window = big[:, :, i:i + 4, j:j + 4].reshape(1, -1)
            np.testing.assert_allclose(grid[:, :, i, j], fc(window).data, rtol=1e-10)
    with pytest.raises(ValueError, match=r"takes 128 features but the input volume \(8, 4, 5\) has C\*H\*W = 160"):
        nn.Conv2d.from_linear(fc, (8, 4, 5))


def test_a_small_convnet_overfits_50_examples():
    # [CONV-RELU-POOL] x 2 - FC on 8x8 RGB images with random labels: memorisation must reach 100%.
    ae.seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 3, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, size=50)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    )
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    accuracy = 0.0
    for _ in range(300):
        optimizer.zero_grad()
        scores = model(x)
        loss = nn.functional.cross_entropy(scores, y)
        loss.backward()
        optimizer.step()
        accuracy = float(np.mean(scores.data.argmax(axis=1) == y))
        if accuracy == 1.0:
            break
    assert accuracy == 1.0, f"training accuracy {accuracy} after 300 steps (loss {loss.item():.3f})"
    assert model[0].weight.grad.dtype == np.float32


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


CONV_REPRS = [  # each as PyTorch 2.13 prints the same layer
    (lambda m: m.Conv2d(3, 8, 3), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"),
    (lambda m: m.Conv2d(3, 8, 3, padding="same", bias=False, padding_mode="reflect"),
     "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, bias=False, padding_mode=reflect)"),
    (lambda m: m.Conv2d(4, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
     "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)"),
    (lambda m: m.Conv1d(3, 8, 3, padding="same", dilation=2),
     "Conv1d(3, 8, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,))"),
    (lambda m: m.Conv1d(3, 8, 3, stride=2, padding=1, bias=False, padding_mode="circular"),
     "Conv1d(3, 8, kernel_size=(3,), stride=(2,), padding=(1,), bias=False, padding_mode=circular)"),
    (lambda m: m.ConvTranspose2d(3, 8, 3, stride=2, output_padding=1),
     "ConvTranspose2d(3, 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"),
    (lambda m: m.ConvTranspose2d(3, 8, 3, padding=1, dilation=2, bias=False),
     "ConvTranspose2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(2, 2), bias=False)"),
]


@pytest.mark.parametrize(("make", "printed"), CONV_REPRS, ids=[p.split(",")[0] + ")" for _, p in CONV_REPRS])
def test_convolution_layers_print_their_arguments_as_pytorch_does(make, printed):
    assert repr(make(nn)).split("  #")[0] == printed  # the engine adds a comment with the parameter shapes
    torch = pytest.importorskip("torch")
    assert repr(make(torch.nn)) == printed
