"""normalize, cosine_similarity, pairwise_distance (nn/distance.py): against finite differences and
PyTorch float64, with a zero vector among the inputs (gradient 0, not NaN), and the modules."""
import numpy as np
import pytest
from helpers import assert_gradcheck

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(7)
X1, X2 = RNG.standard_normal((2, 4, 5))
WITH_ZERO = X1.copy()
WITH_ZERO[1] = 0.0

FUNCTIONS = {
    "normalize": (lambda x, y: F.normalize(x) * y, lambda tf, x, y: tf.normalize(x) * y),
    "normalize, p=1, dim=0": (lambda x, y: F.normalize(x, 1.0, 0) * y, lambda tf, x, y: tf.normalize(x, 1.0, 0) * y),
    "cosine_similarity": (F.cosine_similarity, lambda tf, x, y: tf.cosine_similarity(x, y)),
    "cosine_similarity, dim=0, broadcast": (
        lambda x, y: F.cosine_similarity(x, y[:1], dim=0), lambda tf, x, y: tf.cosine_similarity(x, y[:1], dim=0)),
    "pairwise_distance": (F.pairwise_distance, lambda tf, x, y: tf.pairwise_distance(x, y)),
    "pairwise_distance, p=3, keepdim": (
        lambda x, y: F.pairwise_distance(x, y, p=3.0, keepdim=True),
        lambda tf, x, y: tf.pairwise_distance(x, y, p=3.0, keepdim=True)),
    "pairwise_distance, p=inf": (
        lambda x, y: F.pairwise_distance(x, y, p=np.inf), lambda tf, x, y: tf.pairwise_distance(x, y, p=np.inf)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradients_match_finite_differences(name):
    assert_gradcheck(FUNCTIONS[name][0], [X1, X2])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("first", [X1, WITH_ZERO], ids=["generic", "a zero vector"])
def test_values_and_gradients_match_pytorch(name, first):
    torch = pytest.importorskip("torch")
    f, torch_f = FUNCTIONS[name]
    a, b = (torch.tensor(v, requires_grad=True) for v in (first, X2))
    expected = torch_f(torch.nn.functional, a, b)
    upstream = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    x, y = ae.Tensor(first, requires_grad=True), ae.Tensor(X2, requires_grad=True)
    actual = f(x, y)
    actual.backward(upstream)
    np.testing.assert_allclose(actual.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(x.grad, a.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(y.grad, b.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_values_by_hand():
    np.testing.assert_allclose(F.normalize(np.array([[3.0, 4.0]])).data, [[0.6, 0.8]])
    assert float(F.cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0]), dim=0).data) == pytest.approx(2**-0.5)
    assert float(F.pairwise_distance(np.array([0.0, 0.0]), np.array([3.0, 4.0]), eps=0.0).data) == pytest.approx(5.0)


def test_modules():
    np.testing.assert_array_equal(nn.CosineSimilarity(dim=0)(X1, X2).data, F.cosine_similarity(X1, X2, dim=0).data)
    np.testing.assert_array_equal(nn.PairwiseDistance(p=1.0)(X1, X2).data, F.pairwise_distance(X1, X2, p=1.0).data)
    assert repr(nn.PairwiseDistance()) == "PairwiseDistance(p=2.0, eps=1e-06, keepdim=False)"


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"normalize: p must lie in \(0.0, inf\], got -1"):
        F.normalize(X1, p=-1)
    with pytest.raises(ae.ShapeError, match=r"cosine_similarity: x1 of shape \(4, 5\) and x2 of shape \(3,\) do not broadcast"):
        F.cosine_similarity(X1, np.ones(3))
    with pytest.raises(TypeError, match="pairwise_distance: keepdim must be True or False"):
        F.pairwise_distance(X1, X2, keepdim="no")
