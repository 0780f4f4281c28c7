"""F.interpolate and nn.Upsample (nn/interpolate.py): against PyTorch float64 (values and gradients)
over a table of shapes, modes, sizes, scale factors and align_corners; finite differences; values
worked out by hand; and the errors."""
import numpy as np
import pytest
from helpers import assert_gradcheck, check_module

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(18)
SEQUENCES = RNG.standard_normal((2, 3, 5))
IMAGES = RNG.standard_normal((2, 3, 4, 5))
VOLUMES = RNG.standard_normal((1, 2, 3, 4, 5))
INPUTS = {3: SEQUENCES, 4: IMAGES, 5: VOLUMES}
LINEAR = {3: "linear", 4: "bilinear", 5: "trilinear"}

RESIZES = [
    dict(scale_factor=2), dict(scale_factor=3), dict(scale_factor=2.1), dict(scale_factor=1.1),
    dict(scale_factor=0.5), dict(scale_factor=1 / 3), dict(scale_factor=0.34), dict(scale_factor=2.7),
    dict(size=7), dict(size=3), dict(size=1), dict(size=10),
]
PER_AXIS = {  # one size or scale factor per spatial axis
    4: [dict(size=(7, 2)), dict(scale_factor=(1.5, 0.6)), dict(scale_factor=[2, 1])],
    5: [dict(size=(2, 6, 3)), dict(scale_factor=(1, 2.5, 0.5))],
}
CASES = [
    (ndim, mode, align_corners, resize)
    for ndim in (3, 4, 5)
    for mode, corners in (("nearest", [None]), (LINEAR[ndim], [False, True]))
    for align_corners in corners
    for resize in RESIZES + PER_AXIS.get(ndim, [])
]


# PyTorch's 1-D and 3-D 'nearest' backward reads an output of n or 2n pixels as copies and repeats (its
# 2-D rule) while the forward used floor(dst / scale_factor): its gradient is not that of its own
# output there.  The engine differentiates its forward (finite differences check it, below).
PYTORCH_GRADIENT_DISAGREES = [(3, 2.1), (3, 1.1), (5, 2.1), (5, 1.1)]


def case_id(case):
    ndim, mode, align_corners, resize = case
    return f"{ndim}d-{mode}-{align_corners}-{resize}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_interpolate_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    ndim, mode, align_corners, resize = case
    t = torch.tensor(INPUTS[ndim], requires_grad=True)
    expected = torch.nn.functional.interpolate(t, mode=mode, align_corners=align_corners, **resize)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    x = ae.Tensor(INPUTS[ndim], requires_grad=True)
    out = F.interpolate(x, mode=mode, align_corners=align_corners, **resize)
    out.backward(upstream)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    if mode == "nearest" and (ndim, resize.get("scale_factor")) in PYTORCH_GRADIENT_DISAGREES:
        assert_gradcheck(lambda v: F.interpolate(v, mode=mode, **resize), [INPUTS[ndim]])
    else:
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode, align_corners, resize", [
    ("nearest", None, dict(scale_factor=(1.7, 0.6))),
    ("bilinear", False, dict(scale_factor=(1.7, 0.6))),
    ("bilinear", True, dict(size=(6, 3))),
])
def test_interpolate_gradients_match_finite_differences(mode, align_corners, resize):
    assert_gradcheck(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **resize), [IMAGES])


@pytest.mark.parametrize("ndim", [3, 5])
def test_linear_and_trilinear_gradients_match_finite_differences(ndim):
    assert_gradcheck(lambda x: F.interpolate(x, scale_factor=1.5, mode=LINEAR[ndim]), [INPUTS[ndim]])


def test_the_gradient_of_bilinear_is_differentiable_again():
    """Second order: the gradient of a cubic in the resized image, checked by finite differences."""
    def gradient(x):
        loss = ae.sum(F.interpolate(x, size=(5, 7), mode="bilinear") ** 3)
        return ae.grad(loss, x, create_graph=True)[0]

    assert_gradcheck(gradient, [IMAGES[:1, :1]])


def test_nearest_doubling_repeats_each_pixel_and_sums_their_gradients():
    x = ae.Tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    out = F.interpolate(x, scale_factor=2)
    np.testing.assert_array_equal(out.data[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 2, 2), 4.0))  # each pixel is read four times


def test_legacy_nearest_picks_by_hand():
    """src = floor(dst * in / out): 4 -> 6 picks 0, 0, 1, 2, 2, 3.  Scale factor 2.1 turns 4 pixels into
    8: the 1-D rule reads floor(dst / 2.1), the 2-D kernel repeats each pixel twice (PyTorch's)."""
    row = np.arange(4.0)
    assert F.interpolate(row[None, None], size=6).data[0, 0].tolist() == [0, 0, 1, 2, 2, 3]
    assert F.interpolate(row[None, None], scale_factor=2.1).data[0, 0].tolist() == [0, 0, 0, 1, 1, 2, 2, 3]
    image = F.interpolate(row[None, None, None], scale_factor=(1, 2.1))
    assert image.data[0, 0, 0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_the_nearest_gradient_is_that_of_the_forward_where_pytorchs_is_not():
    """4 pixels by 2.1 read 0, 0, 0, 1, 1, 2, 2, 3, so with upstream 1..8 pixel 0 gets 1 + 2 + 3, pixel 1
    gets 4 + 5, ... PyTorch's backward gives 3, 7, 11, 15: the gradient of 0, 0, 1, 1, 2, 2, 3, 3."""
    x = ae.Tensor(np.zeros((1, 1, 4)), requires_grad=True)
    F.interpolate(x, scale_factor=2.1).backward(np.arange(1.0, 9.0).reshape(1, 1, 8))
    assert x.grad[0, 0].tolist() == [6, 9, 13, 8]


def test_linear_by_hand():
    """align_corners=True keeps the ends and puts the new samples between them; False aligns the
    pixel centres: output k reads src = (k + 0.5) / 2 - 0.5, clamped at 0 and at the last pixel."""
    row = np.array([[[0.0, 4.0]]])
    np.testing.assert_allclose(F.interpolate(row, size=3, mode="linear", align_corners=True).data, [[[0, 2, 4]]])
    np.testing.assert_allclose(F.interpolate(row, scale_factor=2, mode="linear").data, [[[0, 1, 3, 4]]])
    corners = np.array([[[[0.0, 2.0], [4.0, 6.0]]]])  # f(y, x) = 4y + 2x, which bilinear reproduces
    out = F.interpolate(corners, size=(3, 5), mode="bilinear", align_corners=True)
    y, x = np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 1, 5), indexing="ij")
    np.testing.assert_allclose(out.data[0, 0], 4 * y + 2 * x, atol=1e-15)


def test_dtype_is_kept():
    images = IMAGES.astype(np.float32)
    assert F.interpolate(images, scale_factor=2, mode="bilinear").dtype == np.float32
    assert F.interpolate(images, size=3).dtype == np.float32


@pytest.mark.parametrize("mode, align_corners, resize", [
    ("nearest", None, dict(scale_factor=2)),
    ("bilinear", True, dict(size=(3, 7))),
    ("bilinear", None, dict(scale_factor=(0.5, 1.5))),
])
def test_the_upsample_module_matches_pytorch(mode, align_corners, resize):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Upsample(mode=mode, align_corners=align_corners, **resize)
    mine = nn.Upsample(mode=mode, align_corners=align_corners, **resize)
    np.testing.assert_allclose(mine(IMAGES).data, theirs(torch.tensor(IMAGES)).numpy(), rtol=1e-12, atol=1e-12)
    check_module(mine, IMAGES)


def test_upsample_repr():
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True)) == (
        "Upsample(size=(3, 4), mode='bilinear', align_corners=True)")


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="interpolate: give exactly one of size and scale_factor, got both"):
        F.interpolate(IMAGES, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="Upsample: give exactly one of size and scale_factor, got neither"):
        nn.Upsample()
    with pytest.raises(ValueError, match=r"interpolate: mode must be one of 'nearest', 'linear', 'bilinear', 'trilinear', got 'bicubic'"):
        F.interpolate(IMAGES, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"interpolate: align_corners can only be set with the modes .* mode='nearest'"):
        F.interpolate(IMAGES, scale_factor=2, align_corners=False)
    with pytest.raises(TypeError, match="interpolate: align_corners must be True or False, got 1"):
        F.interpolate(IMAGES, scale_factor=2, mode="bilinear", align_corners=1)
    with pytest.raises(ae.ShapeError, match=r"interpolate: mode 'bilinear' expects input of shape \(N, C, H, W\), got shape \(2, 3, 5\)"):
        F.interpolate(SEQUENCES, scale_factor=2, mode="bilinear")
    with pytest.raises(ae.ShapeError, match=r"got shape \(3, 4, 5\); add a batch axis"):
        F.interpolate(IMAGES[0], scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: size must be one number or 2 \(one per spatial axis of an input \(N, C, H, W\)\), got \(2, 3, 4\)"):
        F.interpolate(IMAGES, size=(2, 3, 4))
    with pytest.raises(ValueError, match=r"interpolate: scale_factor\[1\] must lie in \(0.0, inf\], got -2"):
        F.interpolate(IMAGES, scale_factor=(2, -2))
    with pytest.raises(ValueError, match=r"interpolate: scale_factor 0.1 makes the spatial size \(4, 5\) into \(0, 0\)"):
        F.interpolate(IMAGES, scale_factor=0.1)
    with pytest.raises(TypeError, match="interpolate: size must be a positive integer, got 2.5"):
        F.interpolate(IMAGES, size=2.5)
    with pytest.raises(ValueError, match="Upsample: size must be a positive integer, got 0"):
        nn.Upsample(size=0)
