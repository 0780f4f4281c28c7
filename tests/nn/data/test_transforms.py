"""nn.data.transforms against hand-computed results: ToFloat's x / 255, Normalize per channel (and its
statistics from the training images, chunked), RandomCrop's windows equal slices of the zero-padded
image, RandomHorizontalFlip reverses exactly the chosen images, Compose passes the generator on; the
same generator gives the same batch; arguments and inputs are checked."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine.testing import arrays, shapes
from nn.data import DataLoader, TensorDataset
from nn.data.transforms import Compose, Normalize, RandomCrop, RandomHorizontalFlip, ToFloat, channel_stats


def uint8_images(n=6, c=3, h=5, w=7, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, c, h, w), dtype=np.uint8)


# ----- ToFloat ---------------------------------------------------------------------------------------
def test_to_float_divides_uint8_by_255_into_float32():
    images = np.array([0, 1, 128, 254, 255], dtype=np.uint8).reshape(1, 1, 1, 5)
    out = ToFloat()(images)
    assert out.dtype == np.float32 and out.shape == images.shape
    assert out.reshape(-1).tolist() == [np.float32(v) / np.float32(255) for v in (0, 1, 128, 254, 255)]
    assert out.min() == 0.0 and out.max() == 1.0
    with pytest.raises(TypeError, match="ToFloat: expected uint8 images .* got dtype float32"):
        ToFloat()(out)


# ----- Normalize and its statistics -----------------------------------------------------------------
@given(arrays(shapes(min_dims=4, max_dims=4, max_side=4), dtype=np.float64, min_value=-5, max_value=5))
def test_normalize_is_per_channel_mean_and_std(images):
    channels = images.shape[1]
    mean = np.arange(channels) * 0.5 - 1.0
    std = np.arange(channels) + 0.5
    out = Normalize(mean, std)(images)
    for c in range(channels):
        assert np.allclose(out[:, c], (images[:, c] - mean[c]) / std[c], rtol=1e-12, atol=1e-12)
    assert np.array_equal(Normalize(2.0, 4.0)(images), (images - 2.0) / 4.0)  # one value for every channel


def test_normalize_keeps_float32():
    images = np.ones((2, 3, 2, 2), dtype=np.float32)
    assert Normalize([0.5, 0.5, 0.5], [0.25, 0.5, 1.0])(images).dtype == np.float32


@given(images=st.builds(uint8_images, n=st.integers(1, 9), c=st.integers(1, 3), h=st.integers(1, 4),
                        w=st.integers(1, 4), seed=st.integers(0, 100)),
       chunk=st.integers(1, 4))
def test_channel_stats_of_uint8_are_those_of_to_float(images, chunk):
    mean, std = channel_stats(images, chunk=chunk)
    scaled = images.astype(np.float64) / 255
    assert np.allclose(mean, scaled.mean(axis=(0, 2, 3)), rtol=1e-12, atol=1e-15)
    assert np.allclose(std, scaled.std(axis=(0, 2, 3)), rtol=1e-10, atol=1e-15)


def test_normalize_fit_standardises_the_training_images():
    rng = np.random.default_rng(1)
    train = (rng.standard_normal((50, 3, 4, 4)) * [[[2.0]], [[0.5]], [[3.0]]] + [[[1.0]], [[-2.0]], [[0.0]]])
    normalize = Normalize.fit(train.astype(np.float32))
    out = normalize(train.astype(np.float32)).astype(np.float64)
    assert np.allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5) and np.allclose(out.std(axis=(0, 2, 3)), 1, atol=1e-5)
    with pytest.raises(ValueError, match=r"Normalize.fit: channel 1 of the images is constant \(std 0\)"):
        Normalize.fit(np.stack([train[:, 0], np.ones_like(train[:, 1])], axis=1))


def test_normalize_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match=r"Normalize: std\[1\] must lie in \(0.0, inf\], got 0.0"):
        Normalize([0, 0], [1.0, 0.0])
    with pytest.raises(ValueError, match="mean has 3 values and std 2"):
        Normalize([0, 0, 0], [1, 1])
    with pytest.raises(TypeError, match=r"Normalize: expected float images, got dtype uint8; .*ToFloat\(\) first"):
        Normalize([0.5] * 3, [0.5] * 3)(uint8_images())
    with pytest.raises(ValueError, match=r"the images have 3 channels \(shape \(6, 3, 5, 7\)\) but mean and std have 2"):
        Normalize([0.5] * 2, [0.5] * 2)(uint8_images().astype(np.float32))
    with pytest.raises(ValueError, match=r"Normalize: expected a batch of images of shape \(N, C, H, W\), got "
                                         r"shape \(3, 5, 7\)"):
        Normalize([0.5] * 3, [0.5] * 3)(uint8_images()[0].astype(np.float32))


# ----- RandomCrop ------------------------------------------------------------------------------------
@given(n=st.integers(1, 5), h=st.integers(1, 6), w=st.integers(1, 6), padding=st.integers(0, 3),
       data=st.data())
def test_random_crop_windows_are_slices_of_the_zero_padded_image(n, h, w, padding, data):
    images = uint8_images(n, 2, h, w, seed=n * h * w)
    crop_h = data.draw(st.integers(1, h + 2 * padding))
    crop_w = data.draw(st.integers(1, w + 2 * padding))
    seed = data.draw(st.integers(0, 1000))
    out = RandomCrop((crop_h, crop_w), padding)(images, rng=np.random.default_rng(seed))
    assert out.shape == (n, 2, crop_h, crop_w) and out.dtype == np.uint8
    padded = np.pad(images, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    rng = np.random.default_rng(seed)  # the windows drawn: top for every image, then left
    tops = rng.integers(0, h + 2 * padding - crop_h + 1, size=n)
    lefts = rng.integers(0, w + 2 * padding - crop_w + 1, size=n)
    for i in range(n):
        assert np.array_equal(out[i], padded[i, :, tops[i]:tops[i] + crop_h, lefts[i]:lefts[i] + crop_w])


def test_random_crop_draws_every_shift_and_each_image_its_own():
    images = np.broadcast_to(np.arange(4, dtype=np.float32), (400, 1, 4, 4)).copy()
    out = RandomCrop(4, padding=1)(images, rng=np.random.default_rng(0))
    # every row is 0 1 2 3; padded by one zero each side, its 4-wide windows start at 0, 1 or 2
    first = out[:, 0, 1, 0]
    assert set(first.tolist()) == {0.0, 1.0}
    shifts = {tuple(row) for row in out[:, 0, 1, :].tolist()}
    assert shifts == {(0.0, 0.0, 1.0, 2.0), (0.0, 1.0, 2.0, 3.0), (1.0, 2.0, 3.0, 0.0)}


def test_random_crop_errors():
    with pytest.raises(ValueError, match=r"RandomCrop: the crop size \(9, 9\) is larger than the padded images "
                                         r"\(7, 9\) \(images 5x7, padding 1\)"):
        RandomCrop(9, padding=1)(uint8_images())
    with pytest.raises(ValueError, match="RandomCrop: padding must be a non-negative integer, got -1"):
        RandomCrop(3, padding=-1)
    with pytest.raises(TypeError, match=r"RandomCrop: size \(an int, or a pair \(height, width\)\) must be a positive"):
        RandomCrop(3.5)
    with pytest.raises(ValueError, match=r"RandomCrop: size must be an int or a pair"):
        RandomCrop((1, 2, 3))


# ----- RandomHorizontalFlip -----------------------------------------------------------------------------
@given(p=st.floats(0, 1), seed=st.integers(0, 1000), n=st.integers(1, 20))
def test_flip_reverses_the_last_axis_exactly_where_chosen(p, seed, n):
    images = uint8_images(n, 2, 3, 4, seed=seed)
    original = images.copy()
    out = RandomHorizontalFlip(p)(images, rng=np.random.default_rng(seed))
    chosen = np.random.default_rng(seed).random(n) < p
    for i in range(n):
        assert np.array_equal(out[i], images[i, :, :, ::-1] if chosen[i] else images[i])
    assert np.array_equal(images, original)  # the input is not changed
    if p == 0:
        assert np.array_equal(out, images)
    if p == 1:
        assert np.array_equal(out, images[..., ::-1])


def test_flip_probability_is_checked():
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: p must lie in \[0.0, 1.0\], got 1.5"):
        RandomHorizontalFlip(1.5)


# ----- Compose, generators -----------------------------------------------------------------------------
def test_compose_applies_in_turn_and_passes_the_generator_on():
    images = uint8_images(8)
    pipeline = Compose([ToFloat(), RandomCrop(5, 2), RandomHorizontalFlip(), lambda x: x * 2])
    a = pipeline(images, rng=np.random.default_rng(3))
    rng = np.random.default_rng(3)
    expected = RandomHorizontalFlip()(RandomCrop(5, 2)(ToFloat()(images), rng=rng), rng=rng) * 2
    assert a.dtype == np.float32 and np.array_equal(a, expected)
    with pytest.raises(TypeError, match=r"Compose: transforms\[1\] must be a function"):
        Compose([ToFloat(), 3])
    with pytest.raises(TypeError, match="Compose: transforms must be a list of transforms"):
        Compose(ToFloat())


def test_without_a_generator_the_librarys_seed_repeats_a_transform():
    images = uint8_images(16)
    ae.seed(5)
    first = RandomCrop(5, 2)(images)
    ae.seed(5)
    assert np.array_equal(first, RandomCrop(5, 2)(images))


def test_the_cifar_pipeline_through_a_loader():
    images, labels = uint8_images(10, 3, 8, 8), np.arange(10)
    normalize = Normalize.fit(images)
    transform = Compose([ToFloat(), normalize, RandomCrop(8, 2), RandomHorizontalFlip()])
    for inputs, batch_labels in DataLoader(TensorDataset(images, labels), 4, shuffle=True, seed=0,
                                           transform=transform):
        assert inputs.dtype == np.float32 and inputs.shape == (len(batch_labels), 3, 8, 8)
