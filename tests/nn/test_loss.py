"""nn losses: values against loop-by-loop NumPy references of the documented formulas (PyTorch's and
the notes'), gradients against finite differences (float64), label validation, the notes' sanity checks."""
import math

import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

RNG = np.random.default_rng(7)


def scores_and_labels(n=6, c=4, scale=2.0):
    return scale * RNG.standard_normal((n, c)), RNG.integers(0, c, size=n)


def log_softmax_rows(s):
    out = []
    for row in s:
        m = max(row)
        out.append([v - m - math.log(sum(math.exp(u - m) for u in row)) for v in row])
    return np.array(out)


def reduce(values, reduction, denominator=None):
    values = np.asarray(values, dtype=np.float64)
    if reduction == "sum":
        return values.sum()
    if reduction == "mean":
        return values.sum() / (len(values) if denominator is None else denominator)
    return values


# ----- cross-entropy and nll --------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_is_minus_log_softmax_of_the_label(reduction):
    s, y = scores_and_labels()
    log_p = log_softmax_rows(s)
    expected = reduce([-log_p[i, y[i]] for i in range(len(y))], reduction)
    np.testing.assert_allclose(F.cross_entropy(s, y, reduction=reduction).data, expected, rtol=1e-12)
    np.testing.assert_allclose(F.nll_loss(ae.Tensor(log_p), y, reduction=reduction).data, expected, rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_class_weights_uses_the_weighted_mean(reduction):
    s, y = scores_and_labels()
    w = np.array([0.5, 2.0, 1.0, 3.0])
    log_p = log_softmax_rows(s)
    terms = [-w[y[i]] * log_p[i, y[i]] for i in range(len(y))]
    expected = reduce(terms, reduction, denominator=sum(w[y[i]] for i in range(len(y))))
    np.testing.assert_allclose(F.cross_entropy(s, y, weight=w, reduction=reduction).data, expected, rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_label_smoothing_mixes_the_target_with_the_uniform_distribution(reduction):
    s, y = scores_and_labels()
    eps, c = 0.2, s.shape[1]
    log_p = log_softmax_rows(s)
    q = np.full(s.shape, eps / c)
    q[np.arange(len(y)), y] += 1 - eps
    expected = reduce([-(q[i] * log_p[i]).sum() for i in range(len(y))], reduction)
    np.testing.assert_allclose(F.cross_entropy(s, y, label_smoothing=eps, reduction=reduction).data, expected, rtol=1e-12)
    # the same as soft targets
    np.testing.assert_allclose(F.cross_entropy(s, q, reduction=reduction).data, expected, rtol=1e-12)


def test_label_smoothing_with_weights_follows_pytorch():
    # PyTorch: (1 - eps) * weighted nll + eps / C * sum_i sum_c w_c (-log p_ic) / sum_i w_{y_i}
    s, y = scores_and_labels()
    eps, c = 0.1, s.shape[1]
    w = np.array([1.0, 2.0, 0.5, 1.5])
    log_p = log_softmax_rows(s)
    norm = sum(w[y[i]] for i in range(len(y)))
    nll = sum(-w[y[i]] * log_p[i, y[i]] for i in range(len(y))) / norm
    smooth = sum(-(w * log_p[i]).sum() for i in range(len(y))) / norm
    expected = (1 - eps) * nll + eps / c * smooth
    np.testing.assert_allclose(F.cross_entropy(s, y, weight=w, label_smoothing=eps).item(), expected, rtol=1e-12)


def test_ignore_index_drops_entries_from_sum_and_count():
    s, y = scores_and_labels(n=5)
    y[[1, 3]] = -100
    log_p = log_softmax_rows(s)
    kept = [i for i in range(5) if y[i] != -100]
    expected = sum(-log_p[i, y[i]] for i in kept) / len(kept)
    np.testing.assert_allclose(F.cross_entropy(s, y).item(), expected, rtol=1e-12)
    none = F.cross_entropy(s, y, reduction="none").data
    assert none[1] == 0 and none[3] == 0


def test_cross_entropy_over_extra_axes_matches_the_flattened_version():
    s = RNG.standard_normal((2, 4, 3))  # (N, C, d)
    y = RNG.integers(0, 4, size=(2, 3))
    flat = F.cross_entropy(np.moveaxis(s, 1, -1).reshape(-1, 4), y.reshape(-1))
    np.testing.assert_allclose(F.cross_entropy(s, y).item(), flat.item(), rtol=1e-12)
    assert F.cross_entropy(s, y, reduction="none").shape == (2, 3)


def test_cross_entropy_is_stable_for_huge_scores():
    s = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]])
    loss = F.cross_entropy(s, np.array([0, 0]), reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 1e4])


LOSS_GRADCHECKS = [
    ("cross_entropy", lambda s, y: F.cross_entropy(s, y)),
    ("cross_entropy_sum", lambda s, y: F.cross_entropy(s, y, reduction="sum")),
    ("cross_entropy_none", lambda s, y: F.cross_entropy(s, y, reduction="none")),
    ("cross_entropy_weighted_smoothed", lambda s, y: F.cross_entropy(s, y, weight=np.array([1, 2, .5, 3.]), label_smoothing=.2)),
    ("nll_loss", lambda s, y: F.nll_loss(ae.log_softmax(s, axis=1), y)),
    ("multiclass_hinge", lambda s, y: F.multiclass_hinge_loss(s, y)),
    ("multiclass_squared_hinge", lambda s, y: F.multiclass_hinge_loss(s, y, delta=0.5, p=2)),
    ("multi_margin", lambda s, y: F.multi_margin_loss(s, y, weight=np.array([1, 2, .5, 3.]))),
    ("multi_margin_p2_none", lambda s, y: F.multi_margin_loss(s, y, p=2, reduction="none")),
]


@pytest.mark.parametrize("name, loss", LOSS_GRADCHECKS, ids=[g[0] for g in LOSS_GRADCHECKS])
def test_classification_loss_gradients_match_finite_differences(name, loss):
    s, y = scores_and_labels()
    helpers.assert_gradcheck(lambda t: loss(t, y), [s])  # hinges: most coordinates off their kinks


@pytest.mark.parametrize("cls, kwargs", [(nn.CrossEntropyLoss, {"label_smoothing": 0.1}), (nn.NLLLoss, {}),
                                         (nn.MultiClassHingeLoss, {"p": 2}), (nn.MultiMarginLoss, {})])
def test_loss_modules_match_their_functions(cls, kwargs):
    s, y = scores_and_labels()
    fn = {nn.CrossEntropyLoss: F.cross_entropy, nn.NLLLoss: F.nll_loss,
          nn.MultiClassHingeLoss: F.multiclass_hinge_loss, nn.MultiMarginLoss: F.multi_margin_loss}[cls]
    assert cls(**kwargs)(s, y).item() == fn(s, y, **kwargs).item()


# ----- margin losses ------------------------------------------------------------------------


def hinge_reference(s, y, delta, p):
    return [sum(max(0.0, s[i, j] - s[i, y[i]] + delta) ** p for j in range(s.shape[1]) if j != y[i]) for i in range(len(y))]


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multiclass_hinge_is_the_weston_watkins_sum(p, reduction):
    s, y = scores_and_labels()
    expected = reduce(hinge_reference(s, y, 1.5, p), reduction)
    np.testing.assert_allclose(F.multiclass_hinge_loss(s, y, delta=1.5, p=p, reduction=reduction).data, expected, rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_divides_the_hinge_sum_by_the_class_count(p):
    s, y = scores_and_labels()
    w = np.array([0.5, 1.0, 2.0, 1.5])
    per_example = [w[y[i]] * h / s.shape[1] for i, h in enumerate(hinge_reference(s, y, 1.0, p))]
    np.testing.assert_allclose(F.multi_margin_loss(s, y, p=p, weight=w).item(), np.mean(per_example), rtol=1e-12)


def test_binary_hinge_sums_over_attributes_and_averages_over_examples():
    f = RNG.standard_normal((5, 3))
    y = RNG.choice([-1, 1], size=(5, 3))
    expected = np.mean([sum(max(0.0, 1 - y[i, j] * f[i, j]) for j in range(3)) for i in range(5)])
    np.testing.assert_allclose(F.binary_hinge_loss(f, y).item(), expected, rtol=1e-12)
    helpers.assert_gradcheck(lambda t: F.binary_hinge_loss(t, y), [f])
    with pytest.raises(ValueError, match="-1 or \\+1"):
        F.binary_hinge_loss(f, (y > 0).astype(int))


# ----- binary cross-entropy -------------------------------------------------------------------


def test_bce_with_logits_matches_the_logistic_loss_and_is_stable():
    x = 3 * RNG.standard_normal((4, 3))
    t = RNG.random((4, 3))
    sig = 1 / (1 + np.exp(-x))
    expected = -(t * np.log(sig) + (1 - t) * np.log(1 - sig))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t, reduction="none").data, expected, rtol=1e-10)
    pw = np.array([1.0, 3.0, 0.5])
    expected_pw = -(pw * t * np.log(sig) + (1 - t) * np.log(1 - sig))
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction="none").data, expected_pw, rtol=1e-10
    )
    huge = ae.Tensor(np.array([-1e4, 1e4, 0.0]), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(huge, np.array([1.0, 0.0, 1.0]), reduction="sum")
    loss.backward()
    np.testing.assert_allclose(loss.item(), 2e4 + math.log(2))
    np.testing.assert_allclose(huge.grad, [-1.0, 1.0, -0.5])  # sigmoid(x) - t


@pytest.mark.parametrize("kwargs", [{}, {"pos_weight": np.array([2.0, 0.5, 1.0])}, {"weight": np.array([1.0, 0.0, 2.0])}])
def test_bce_with_logits_gradients_match_finite_differences(kwargs):
    x, t = 2 * RNG.standard_normal((4, 3)), RNG.random((4, 3))
    helpers.assert_gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kwargs), [x, t])
    assert nn.BCEWithLogitsLoss(**kwargs)(x, t).item() == F.binary_cross_entropy_with_logits(x, t, **kwargs).item()


# ----- regression ---------------------------------------------------------------------------


def test_regression_losses_match_their_formulas():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    d = a - b
    np.testing.assert_allclose(F.mse_loss(a, b).item(), np.mean(d**2))
    np.testing.assert_allclose(F.l1_loss(a, b, reduction="sum").item(), np.abs(d).sum())
    beta = 0.7
    huber = np.where(np.abs(d) < beta, 0.5 * d**2 / beta, np.abs(d) - 0.5 * beta)
    np.testing.assert_allclose(F.smooth_l1_loss(a, b, beta=beta, reduction="none").data, huber)
    assert nn.MSELoss()(a, b).item() == F.mse_loss(a, b).item()
    assert nn.L1Loss()(a, b).item() == F.l1_loss(a, b).item()
    assert nn.SmoothL1Loss(beta=beta)(a, b).item() == F.smooth_l1_loss(a, b, beta=beta).item()


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.smooth_l1_loss])
def test_regression_gradients_match_finite_differences(loss):
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    helpers.assert_gradcheck(loss, [a, b])  # l1 and smooth l1: most coordinates off their kinks


def test_regression_losses_refuse_mismatched_shapes():
    with pytest.raises(ae.ShapeError, match=r"mse_loss: input shape \(3, 1\) and target shape \(3,\)"):
        F.mse_loss(np.zeros((3, 1)), np.zeros(3))


# ----- bad labels ---------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss, F.multiclass_hinge_loss, F.multi_margin_loss])
def test_bad_labels_raise_clear_errors(loss):
    s = np.zeros((3, 4))
    name = loss.__name__
    with pytest.raises(ValueError, match=rf"{name}: label 4 at position \(1,\) is outside \[0, 4\)"):
        loss(s, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=rf"{name}: label -2"):
        loss(s, np.array([0, -2, 1]))
    with pytest.raises((TypeError, ae.ShapeError), match=rf"{name}: "):
        loss(s, np.array([0.0, 1.0, 2.0]))  # float labels of the wrong shape for probabilities
    with pytest.raises(ae.ShapeError, match=rf"{name}: labels have shape \(2,\).*\(3,\)"):
        loss(s, np.array([0, 1]))


def test_float_labels_for_integer_losses_suggest_the_conversion():
    with pytest.raises(TypeError, match="astype"):
        F.multiclass_hinge_loss(np.zeros((3, 4)), np.array([0.0, 1.0, 2.0]))


def test_reduction_must_be_known():
    with pytest.raises(ValueError, match="reduction must be"):
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), reduction="avg")


# ----- the notes' sanity checks ---------------------------------------------------------------


def small_weight_scores(n=200, d=50, c=10):
    x = RNG.standard_normal((n, d))
    w = 1e-4 * RNG.standard_normal((d, c))
    return x @ w, RNG.integers(0, c, size=n)


def test_softmax_loss_with_small_weights_starts_at_log_c():
    s, y = small_weight_scores()
    assert abs(F.cross_entropy(s, y).item() - math.log(10)) < 1e-2


def test_svm_loss_with_small_weights_and_delta_one_starts_at_c_minus_one():
    s, y = small_weight_scores()
    assert abs(F.multiclass_hinge_loss(s, y, delta=1.0).item() - 9.0) < 1e-2


def test_raising_the_l2_strength_raises_the_loss():
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    x, y = RNG.standard_normal((10, 5)), RNG.integers(0, 3, size=10)
    losses = [(F.cross_entropy(model(x), y) + reg * nn.l2_penalty(model)).item() for reg in (0.0, 1e-3, 1e-1, 1.0)]
    assert losses == sorted(losses) and losses[0] < losses[-1]


def test_class_indices_made_with_tensor_are_float_and_the_error_says_how_to_keep_them_integer():
    labels = ae.tensor([0, 2, 1])  # Python numbers become the default float dtype
    with pytest.raises(ae.ShapeError, match=r"cross_entropy: float targets.*dtype=np.int64"):
        F.cross_entropy(np.zeros((3, 4)), labels)
    loss = F.cross_entropy(np.zeros((3, 4)), ae.tensor([0, 2, 1], dtype=np.int64))
    assert loss.item() == pytest.approx(np.log(4))
