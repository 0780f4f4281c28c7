"""F.unfold / nn.Unfold and F.fold / nn.Fold (nn/fold.py): against PyTorch float64 (values, channel
ordering, gradients) over a table of kernel sizes, strides, paddings and dilations; finite
differences (first and second order); fold(unfold(x)) = x times the overlap count; fold as the
transpose of unfold; convolution as a matrix product of unfolded columns; and the errors."""
import numpy as np
import pytest
from helpers import assert_gradcheck

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(181)
X = RNG.standard_normal((2, 3, 7, 6))
SIZE = (7, 6)

GEOMETRIES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 0), stride=(1, 2)),
    dict(kernel_size=3, dilation=2, padding=2, stride=3),
    dict(kernel_size=1),
    dict(kernel_size=(7, 6)),
    dict(kernel_size=(1, 4), stride=(3, 1), padding=(0, 2)),
]


def unfolded_shape(geometry):
    kernel = F.unfold(np.zeros((1, 1, *SIZE)), **geometry).shape
    return (2, 3 * kernel[1], kernel[2])


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_unfold_matches_pytorch(geometry):
    torch = pytest.importorskip("torch")
    t = torch.tensor(X, requires_grad=True)
    expected = torch.nn.functional.unfold(t, **geometry)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    x = ae.Tensor(X, requires_grad=True)
    out = F.unfold(x, **geometry)
    out.backward(upstream)
    np.testing.assert_array_equal(out.data, expected.detach().numpy())  # copies: the same ordering, exactly
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_fold_matches_pytorch(geometry):
    torch = pytest.importorskip("torch")
    columns = RNG.standard_normal(unfolded_shape(geometry))
    t = torch.tensor(columns, requires_grad=True)
    expected = torch.nn.functional.fold(t, SIZE, **geometry)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    c = ae.Tensor(columns, requires_grad=True)
    out = F.fold(c, SIZE, **geometry)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(c.grad, t.grad.numpy())


@pytest.mark.parametrize("geometry", GEOMETRIES[1:4], ids=str)
def test_gradients_match_finite_differences(geometry):
    assert_gradcheck(lambda x: F.unfold(x, **geometry), [X[:1]])
    assert_gradcheck(lambda c: F.fold(c, SIZE, **geometry), [RNG.standard_normal(unfolded_shape(geometry))[:1]])


def test_second_order_gradients_match_finite_differences():
    weights = RNG.standard_normal(unfolded_shape(GEOMETRIES[1]))[:1]

    def gradient(x):
        loss = ae.sum(F.unfold(x, **GEOMETRIES[1]) ** 3 * weights)
        return ae.grad(loss, x, create_graph=True)[0]

    assert_gradcheck(gradient, [X[:1]])


def test_unfold_by_hand():
    """A 3 x 3 image, 2 x 2 blocks, stride 1: four blocks, each a column read row by row; the rows
    of the result are the kernel's positions (0, 0), (0, 1), (1, 0), (1, 1)."""
    image = np.arange(9.0).reshape(1, 1, 3, 3)
    expected = [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    np.testing.assert_array_equal(F.unfold(image, 2).data[0], expected)
    two_channels = np.stack([image[0, 0], -image[0, 0]])[None]  # channel 0's four rows, then channel 1's
    np.testing.assert_array_equal(F.unfold(two_channels, 2).data[0], expected + [[-v for v in r] for r in expected])


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_fold_of_unfold_is_x_times_the_overlap_count(geometry):
    counts = F.fold(F.unfold(np.ones((1, 1, *SIZE)), **geometry), SIZE, **geometry).data
    np.testing.assert_allclose(F.fold(F.unfold(X, **geometry), SIZE, **geometry).data, X * counts, rtol=1e-14)


def test_overlap_counts_by_hand():
    counts = F.fold(F.unfold(np.ones((1, 1, 3, 3)), 2), (3, 3), 2).data[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    spaced = F.fold(F.unfold(np.ones((1, 1, 4, 4)), 3, padding=1, stride=2), (4, 4), 3, padding=1, stride=2).data[0, 0]
    np.testing.assert_array_equal(spaced, [[1, 2, 1, 1], [2, 4, 2, 2], [1, 2, 1, 1], [1, 2, 1, 1]])


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_fold_is_the_transpose_of_unfold(geometry):
    """<unfold(x), y> == <x, fold(y)> for any x and y."""
    y = RNG.standard_normal(unfolded_shape(geometry))
    left = np.sum(F.unfold(X, **geometry).data * y)
    right = np.sum(X * F.fold(y, SIZE, **geometry).data)
    np.testing.assert_allclose(left, right, rtol=1e-12)


def test_a_convolution_is_a_matrix_product_of_the_columns():
    w = RNG.standard_normal((4, 3, 3, 2))
    out = F.conv2d(X, w, stride=2, padding=1, dilation=(1, 2))
    columns = F.unfold(X, (3, 2), dilation=(1, 2), padding=1, stride=2)
    np.testing.assert_allclose((w.reshape(4, -1) @ columns.data).reshape(out.shape), out.data, rtol=1e-12, atol=1e-12)


def test_unbatched_inputs():
    columns = F.unfold(X[0], 3, padding=1)
    np.testing.assert_array_equal(columns.data, F.unfold(X[:1], 3, padding=1).data[0])
    np.testing.assert_array_equal(F.fold(columns, SIZE, 3, padding=1).data, F.fold(columns.data[None], SIZE, 3, padding=1).data[0])


def test_infinities_stay_in_their_own_blocks():
    image = np.zeros((1, 1, 4, 4))
    image[0, 0, 0, 0] = np.inf
    columns = F.unfold(image, 2, stride=2).data[0]
    assert np.isinf(columns[0, 0]) and np.isfinite(np.delete(columns.ravel(), 0)).all()
    assert np.isfinite(F.fold(columns, (4, 4), 2, stride=2).data.ravel()[1:]).all()


def test_the_modules_match_the_functions_and_pytorchs_repr():
    unfold, fold = nn.Unfold(3, padding=1, stride=2), nn.Fold(SIZE, 3, padding=1, stride=2)
    np.testing.assert_array_equal(unfold(X).data, F.unfold(X, 3, padding=1, stride=2).data)
    np.testing.assert_array_equal(fold(unfold(X)).data, F.fold(unfold(X), SIZE, 3, padding=1, stride=2).data)
    assert repr(unfold) == "Unfold(kernel_size=(3, 3), dilation=(1, 1), padding=(1, 1), stride=(2, 2))"
    assert repr(fold).startswith("Fold(output_size=(7, 6), kernel_size=(3, 3)")
    assert list(unfold.parameters()) == [] and list(fold.parameters()) == []


def test_errors_name_the_argument():
    with pytest.raises(ae.ShapeError, match=r"unfold: expected input of shape \(N, C, H, W\) or \(C, H, W\), got shape \(7, 6\)"):
        F.unfold(X[0, 0], 2)
    with pytest.raises(ae.ShapeError, match=r"unfold: the padded height 7 \+ 2 \* 0 is smaller than the dilated kernel 2 \* \(5 - 1\) \+ 1 = 9"):
        F.unfold(X, 5, dilation=2)
    with pytest.raises(ValueError, match=r"unfold: stride must be >= 1, got 0"):
        F.unfold(X, 2, stride=0)
    with pytest.raises(TypeError, match=r"Unfold: kernel_size must be an int or a pair of ints \(height, width\), got 2.5"):
        nn.Unfold(2.5)
    with pytest.raises(ae.ShapeError, match=r"fold: the input's 10 rows \(axis 1\) must be C \* KH \* KW, a multiple of the kernel's 2 \* 2 = 4"):
        F.fold(np.zeros((1, 10, 42)), SIZE, 2)
    with pytest.raises(ae.ShapeError, match=r"fold: an output_size of \(7, 6\) holds 6 \* 5 = 30 blocks .* but the input has L = 31 columns"):
        F.fold(np.zeros((1, 4, 31)), SIZE, 2)
    with pytest.raises(ae.ShapeError, match=r"fold: expected input of shape \(N, C \* KH \* KW, L\) or \(C \* KH \* KW, L\), got shape \(2, 3, 7, 6\)"):
        F.fold(X, SIZE, 2)
    with pytest.raises(ValueError, match=r"Fold: output_size must be >= 1, got \(0, 6\)"):
        nn.Fold((0, 6), 2)
