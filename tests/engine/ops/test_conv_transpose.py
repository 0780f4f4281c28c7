"""conv_transpose2d: a scatter-loop reference of its definition over Hypothesis-drawn geometries
(stride, padding, output_padding, dilation, groups), the adjoint identity with conv2d, gradients
against finite differences and PyTorch, and the errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine.gradcheck import gradcheck

PROPERTY_TESTED = {"conv_transpose2d"}


def conv_transpose_reference(x, w, stride, padding, output_padding, dilation, groups):
    """The definition: every input pixel adds ``x[n, c, i, j] * w[c]`` into the output at
    ``(i*S + D*a - P, j*S + D*b - P)``, one pixel at a time."""
    n_images, c_in, height, width = x.shape
    _, c_group, kh, kw = w.shape
    (sh, sw), (ph, pw), (eh, ew), (dh, dw) = stride, padding, output_padding, dilation
    oh = (height - 1) * sh - 2 * ph + dh * (kh - 1) + eh + 1
    ow = (width - 1) * sw - 2 * pw + dw * (kw - 1) + ew + 1
    out = np.zeros((n_images, c_group * groups, oh, ow))
    per_group = c_in // groups
    for n in range(n_images):
        for c in range(c_in):
            first = (c // per_group) * c_group
            for i in range(height):
                for j in range(width):
                    for a in range(kh):
                        for b in range(kw):
                            r, s = i * sh + dh * a - ph, j * sw + dw * b - pw
                            if 0 <= r < oh and 0 <= s < ow:
                                out[n, first:first + c_group, r, s] += x[n, c, i, j] * w[c, :, a, b]
    return out


@st.composite
def geometries(draw):
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_group = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = tuple(
        draw(st.integers(0, max(0, ((n - 1) * s + d * (k - 1) + e) // 2)))
        for n, s, d, k, e in zip(size, stride, dilation, kernel, output_padding)
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((draw(st.integers(1, 2)), c_in, *size))
    w = rng.standard_normal((c_in, c_group, *kernel))
    return x, w, dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, groups=groups)


@given(geometries())
def test_forward_matches_the_definition(case):
    x, w, geometry = case
    expected = conv_transpose_reference(x, w, **geometry)
    np.testing.assert_allclose(ae.conv_transpose2d(x, w, **geometry).data, expected, rtol=1e-12, atol=1e-12)


@given(geometries())
def test_gradients_match_finite_differences(case):
    x, w, geometry = case
    b = np.linspace(-1.0, 1.0, w.shape[1] * geometry["groups"])
    report = gradcheck(lambda x, w, b: ae.conv_transpose2d(x, w, b, **geometry), [x, w, b])
    assert report.passed, report.table()


def test_it_is_the_adjoint_of_conv2d():
    """<conv2d(y, w), x> == <y, conv_transpose2d(x, w)> for every y and x of matching shapes."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 3, 3, 2))
    geometry = dict(stride=(2, 3), padding=(1, 0), dilation=(1, 2), groups=2)
    x = rng.standard_normal((2, 4, 5, 4))
    t = ae.conv_transpose2d(x, w, output_padding=(1, 0), **geometry)
    y = rng.standard_normal(t.shape)
    assert ae.conv2d(y, w, **geometry).shape == x.shape
    assert np.sum(ae.conv2d(y, w, **geometry).data * x) == pytest.approx(np.sum(y * t.data), rel=1e-12)


def test_values_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 4, 5, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(6)
    geometry = dict(stride=(2, 1), padding=(1, 1), output_padding=(1, 0), groups=2, dilation=(1, 2))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch.nn.functional.conv_transpose2d(tx, tw, tb, **geometry)
    upstream = rng.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    ex, ew, eb = (ae.Tensor(a, requires_grad=True) for a in (x, w, b))
    out = ae.conv_transpose2d(ex, ew, eb, **geometry)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for mine, theirs in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_stays_float32():
    x = ae.Tensor(np.ones((1, 2, 3, 3), np.float32), requires_grad=True)
    out = ae.conv_transpose2d(x, np.ones((2, 1, 2, 2), np.float32), stride=2)
    assert out.dtype == np.float32 and out.shape == (1, 1, 6, 6)
    out.sum().backward()
    assert x.grad.dtype == np.float32 and np.all(x.grad == 4.0)


def test_create_graph_is_refused_with_a_clear_error():
    x = ae.Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match="conv_transpose2d.*create_graph"):
        ae.grad(ae.conv_transpose2d(x, np.ones((1, 1, 2, 2))).sum(), [x], create_graph=True)


def test_bad_shapes_and_arguments_are_refused():
    x = np.ones((1, 4, 3, 3))
    with pytest.raises(ae.ShapeError, match=r"conv_transpose2d: the weights' first axis must be the input channels C_in=4"):
        ae.conv_transpose2d(x, np.ones((2, 4, 3, 3)))
    with pytest.raises(ae.ShapeError, match=r"conv_transpose2d: expected x of shape \(N, C, H, W\)"):
        ae.conv_transpose2d(np.ones((4, 3, 3)), np.ones((4, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(2, 2\) must be smaller than the stride \(2, 2\)"):
        ae.conv_transpose2d(x, np.ones((4, 1, 3, 3)), stride=2, output_padding=2)
    with pytest.raises(ae.ShapeError, match=r"conv_transpose2d: bias must have shape \(C_out,\) = \(2,\)"):
        ae.conv_transpose2d(x, np.ones((4, 1, 3, 3)), np.ones(3), groups=2)
    with pytest.raises(ae.ShapeError, match=r"groups=3 must divide the input channels C_in=4"):
        ae.conv_transpose2d(x, np.ones((4, 1, 3, 3)), groups=3)
    with pytest.raises(ae.ShapeError, match="the output size .* is < 1"):
        ae.conv_transpose2d(np.ones((1, 4, 1, 1)), np.ones((4, 1, 1, 1)), padding=1)
