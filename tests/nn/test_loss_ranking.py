"""margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss, triplet_margin_loss
(nn/loss_ranking.py): values by hand, forward and gradients against PyTorch float64 for every
reduction, the hinge's gradient at the hinge, the modules and the errors.  Finite-difference
checks of every argument are in test_loss_gradients.py."""
import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(181)
N, D = 6, 3
X1, X2 = RNG.standard_normal((2, N))
SIGNS = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0])
A, P, NEG = RNG.standard_normal((3, N, D))
DISTANCES = RNG.uniform(0.0, 2.0, (N, D))
PAIR_SIGNS = np.where(RNG.standard_normal((N, D)) > 0, 1.0, -1.0)


def _t(a):
    torch = pytest.importorskip("torch")
    return torch.tensor(a, dtype=torch.float64)


CASES = {
    "margin_ranking_loss": (
        lambda r, a, b: F.margin_ranking_loss(a, b, SIGNS, margin=0.2, reduction=r),
        lambda tf, r, a, b: tf.margin_ranking_loss(a, b, _t(SIGNS), margin=0.2, reduction=r), [X1, X2]),
    "hinge_embedding_loss": (
        lambda r, x: F.hinge_embedding_loss(x, PAIR_SIGNS, margin=1.5, reduction=r),
        lambda tf, r, x: tf.hinge_embedding_loss(x, _t(PAIR_SIGNS), margin=1.5, reduction=r), [DISTANCES]),
    "cosine_embedding_loss": (
        lambda r, a, b: F.cosine_embedding_loss(a, b, SIGNS, margin=-0.3, reduction=r),
        lambda tf, r, a, b: tf.cosine_embedding_loss(a, b, _t(SIGNS), margin=-0.3, reduction=r), [A, P]),
    "triplet_margin_loss": (
        lambda r, a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, reduction=r),
        lambda tf, r, a, p, n: tf.triplet_margin_loss(a, p, n, margin=2.0, reduction=r), [A, P, NEG]),
    "triplet_margin_loss, p=1, swap": (
        lambda r, a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, p=1.0, swap=True, reduction=r),
        lambda tf, r, a, p, n: tf.triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True, reduction=r), [A, P, NEG]),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_pytorch(name, reduction):
    loss, torch_loss, arrays = CASES[name]
    helpers.assert_loss_matches_torch(loss, torch_loss, arrays, reduction, RNG)


def test_values_by_hand():
    assert F.margin_ranking_loss([1.0, 0.0], [0.0, 1.0], [1.0, 1.0], margin=0.5, reduction="none").data.tolist() == [0.0, 1.5]
    assert F.hinge_embedding_loss([0.3, 0.3], [1.0, -1.0], margin=1.0, reduction="none").data.tolist() == pytest.approx([0.3, 0.7])
    cos = F.cosine_embedding_loss([[1.0, 0.0], [1.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]], [1.0, -1.0], reduction="none")
    assert cos.data.tolist() == pytest.approx([1 - 2**-0.5, 2**-0.5], rel=1e-6)
    triplet = F.triplet_margin_loss([[0.0, 0.0]], [[3.0, 4.0]], [[6.0, 8.0]], margin=1.0, eps=0.0)
    assert float(triplet.data) == pytest.approx(max(0.0, 5.0 - 10.0 + 1.0))
    assert float(F.triplet_margin_loss([[0.0, 0.0]], [[6.0, 8.0]], [[3.0, 4.0]], margin=1.0, eps=0.0).data) == pytest.approx(6.0)


def test_the_gradient_at_the_hinge_is_one_as_pytorchs_clamp_min():
    a = ae.Tensor(np.array([1.0]), requires_grad=True)
    F.margin_ranking_loss(a, np.array([0.5]), np.array([1.0]), margin=0.5).backward()  # exactly at the hinge
    assert a.grad.tolist() == [-1.0]


def test_modules_call_their_functions():
    assert float(nn.MarginRankingLoss(0.2)(X1, X2, SIGNS).data) == float(F.margin_ranking_loss(X1, X2, SIGNS, 0.2).data)
    assert float(nn.HingeEmbeddingLoss(1.5, "sum")(DISTANCES, PAIR_SIGNS).data) == float(
        F.hinge_embedding_loss(DISTANCES, PAIR_SIGNS, 1.5, "sum").data)
    assert float(nn.CosineEmbeddingLoss(-0.3)(A, P, SIGNS).data) == float(F.cosine_embedding_loss(A, P, SIGNS, -0.3).data)
    assert float(nn.TripletMarginLoss(swap=True)(A, P, NEG).data) == float(F.triplet_margin_loss(A, P, NEG, swap=True).data)


def test_bad_inputs_are_refused_with_the_loss_named():
    with pytest.raises(ae.ShapeError, match=r"margin_ranking_loss: target of shape \(2,\) does not broadcast"):
        F.margin_ranking_loss(X1, X2, np.ones(2))
    with pytest.raises(ae.ShapeError, match=r"cosine_embedding_loss: input1 and input2 must have one shape"):
        F.cosine_embedding_loss(A, P[:, :2], SIGNS)
    with pytest.raises(ae.ShapeError, match=r"cosine_embedding_loss: target must have shape \(6,\)"):
        F.cosine_embedding_loss(A, P, 1.0)
    with pytest.raises(ae.ShapeError, match="triplet_margin_loss: anchor, positive and negative must have one shape"):
        F.triplet_margin_loss(A, P, NEG[:3])
    with pytest.raises(TypeError, match="triplet_margin_loss: swap must be True or False, got 1"):
        F.triplet_margin_loss(A, P, NEG, swap=1)
    with pytest.raises(ValueError, match=r"CosineEmbeddingLoss: margin must lie in \[-1.0, 1.0\], got 2"):
        nn.CosineEmbeddingLoss(margin=2)
    with pytest.raises(ValueError, match=r"TripletMarginLoss: p must lie in \(0.0, inf\], got 0"):
        nn.TripletMarginLoss(p=0)
