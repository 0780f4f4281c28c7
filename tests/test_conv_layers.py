"""The CONV and POOL layers: PyTorch's initialisation, 1x1 convolutions, the notes'
FC-to-CONV conversion, gradient checks of the modules, and a small ConvNet that
overfits 50 examples."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_engine as ae
import nn
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


def test_adaptive_average_pooling():
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 4))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).data, x.mean(axis=(2, 3), keepdims=True))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d((3, 2))(x).data, x.reshape(2, 3, 3, 2, 2, 2).mean(axis=(3, 5)))
    # a size that does not divide: PyTorch's bins, rows [floor(i*6/4), ceil((i+1)*6/4)) = [0,2), [1,3), [3,5), [4,6)
    rows = [(0, 2), (1, 3), (3, 5), (4, 6)]
    expected = np.stack([x[:, :, a:b, :].mean(axis=2) for a, b in rows], axis=2)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(4)(x).data, expected)


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
