"""Every loss passes a gradient to every Tensor argument that requires one (input, float targets,
class weights, pos_weight, hyperparameters given as Tensors), checked against centred finite
differences in float64 and, where PyTorch differentiates the same argument, against PyTorch.
Arguments that have no gradient (integer labels, the -1/+1 labels of the binary hinge) are refused
with a clear error rather than silently treated as constants."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
from autograd_engine import testing

RNG = np.random.default_rng(2026)
N, C = 4, 3
SCORES = RNG.standard_normal((N, C))
LABELS = np.array([0, 2, 1, 2])
LABELS_WITH_IGNORED = np.array([0, -100, 1, 2])
CLASS_WEIGHT = RNG.uniform(0.5, 2.0, C)
PROBABILITIES = RNG.uniform(0.1, 1.0, (N, C))
PROBABILITIES /= PROBABILITIES.sum(axis=1, keepdims=True)
IMAGE_SCORES = RNG.standard_normal((2, C, 2, 2))  # PyTorch's (N, C, d1, d2) layout
IMAGE_PROBABILITIES = RNG.dirichlet(np.ones(C), size=(2, 2, 2)).transpose(0, 3, 1, 2)
LOGITS = RNG.standard_normal((N, C))
BCE_TARGETS = RNG.uniform(0.0, 1.0, (N, C))
ELEMENT_WEIGHT = RNG.uniform(0.5, 2.0, (N, C))
POS_WEIGHT = RNG.uniform(0.5, 2.0, C)
PREDICTIONS, TARGETS = RNG.standard_normal((N, C)), RNG.standard_normal((N, C))
SIGNS = np.where(RNG.standard_normal((N, C)) > 0, 1.0, -1.0)
COUNTS = RNG.poisson(3.0, (N, C)).astype(np.float64)

# Each case: a loss of the floating arrays listed after it (all of them are differentiated, so each
# must get its gradient); integer labels are fixed inside the call.
CASES = {
    "cross_entropy, class indices: input and weight": (
        lambda x, w: F.cross_entropy(x, LABELS, weight=w), SCORES, CLASS_WEIGHT),
    "cross_entropy, class indices, sum": (
        lambda x, w: F.cross_entropy(x, LABELS, weight=w, reduction="sum"), SCORES, CLASS_WEIGHT),
    "cross_entropy, class indices, none": (
        lambda x, w: F.cross_entropy(x, LABELS, weight=w, reduction="none"), SCORES, CLASS_WEIGHT),
    "cross_entropy, ignore_index and label smoothing": (
        lambda x, w: F.cross_entropy(x, LABELS_WITH_IGNORED, weight=w, label_smoothing=0.2), SCORES, CLASS_WEIGHT),
    "cross_entropy, label smoothing as a Tensor": (
        lambda x, eps: F.cross_entropy(x, LABELS, label_smoothing=eps), SCORES, np.array(0.15)),
    "cross_entropy, (N, C, d1, d2) scores": (
        lambda x, w: F.cross_entropy(x, LABELS[:4].reshape(2, 2, 1).repeat(2, axis=2) % C, weight=w),
        IMAGE_SCORES, CLASS_WEIGHT),
    "cross_entropy, probabilities: input, target and weight": (
        lambda x, p, w: F.cross_entropy(x, p, weight=w), SCORES, PROBABILITIES, CLASS_WEIGHT),
    "cross_entropy, probabilities, label smoothing, sum": (
        lambda x, p: F.cross_entropy(x, p, label_smoothing=0.1, reduction="sum"), SCORES, PROBABILITIES),
    "cross_entropy, (N, C, d1, d2) probabilities": (
        lambda x, p, w: F.cross_entropy(x, p, weight=w), IMAGE_SCORES, IMAGE_PROBABILITIES, CLASS_WEIGHT),
    "CrossEntropyLoss module: weight": (
        lambda x, w: nn.CrossEntropyLoss(weight=w)(x, LABELS), SCORES, CLASS_WEIGHT),
    "nll_loss: input and weight": (
        lambda x, w: F.nll_loss(x, LABELS, weight=w), SCORES, CLASS_WEIGHT),
    "nll_loss, ignore_index": (
        lambda x, w: F.nll_loss(x, LABELS_WITH_IGNORED, weight=w), SCORES, CLASS_WEIGHT),
    "NLLLoss module: weight, sum": (
        lambda x, w: nn.NLLLoss(weight=w, reduction="sum")(x, LABELS), SCORES, CLASS_WEIGHT),
    "multiclass_hinge_loss: input, weight and delta": (
        lambda x, w, d: F.multiclass_hinge_loss(x, LABELS, delta=d, weight=w), SCORES, CLASS_WEIGHT, np.array(1.0)),
    "multiclass_hinge_loss, squared": (
        lambda x, w: F.multiclass_hinge_loss(x, LABELS, p=2, weight=w, reduction="none"), SCORES, CLASS_WEIGHT),
    "multi_margin_loss: input, weight and margin": (
        lambda x, w, m: F.multi_margin_loss(x, LABELS, margin=m, weight=w), SCORES, CLASS_WEIGHT, np.array(0.8)),
    "binary_hinge_loss: input and margin": (
        lambda x, m: F.binary_hinge_loss(x, SIGNS, margin=m), SCORES, np.array(1.0)),
    "binary_cross_entropy_with_logits: input and target": (
        lambda x, t: F.binary_cross_entropy_with_logits(x, t), LOGITS, BCE_TARGETS),
    "binary_cross_entropy_with_logits: weight and pos_weight": (
        lambda x, t, w, pw: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw),
        LOGITS, BCE_TARGETS, ELEMENT_WEIGHT, POS_WEIGHT),
    "BCEWithLogitsLoss module: weight and pos_weight, sum": (
        lambda x, t, w, pw: nn.BCEWithLogitsLoss(weight=w, reduction="sum", pos_weight=pw)(x, t),
        LOGITS, BCE_TARGETS, ELEMENT_WEIGHT[0], POS_WEIGHT),
    "mse_loss: input and target": (lambda x, y: F.mse_loss(x, y), PREDICTIONS, TARGETS),
    "l1_loss: input and target": (lambda x, y: F.l1_loss(x, y, reduction="sum"), PREDICTIONS, TARGETS),
    "smooth_l1_loss: input, target and beta": (
        lambda x, y, b: F.smooth_l1_loss(x, y, beta=b), PREDICTIONS, TARGETS, np.array(0.9)),
    "SmoothL1Loss module, none": (
        lambda x, y: nn.SmoothL1Loss(reduction="none", beta=0.5)(x, y), PREDICTIONS, TARGETS),
    "huber_loss: input and target": (lambda x, y: F.huber_loss(x, y, delta=0.8), PREDICTIONS, TARGETS),
    "binary_cross_entropy: input, target and weight": (
        lambda p, t, w: F.binary_cross_entropy(p, t, w), PROBABILITIES, BCE_TARGETS, ELEMENT_WEIGHT),
    "kl_div: input and target": (
        lambda x, t: F.kl_div(x, t, reduction="batchmean"), np.log(PROBABILITIES), PROBABILITIES[::-1].copy()),
    "kl_div, log_target": (
        lambda x, t: F.kl_div(x, t, log_target=True), np.log(PROBABILITIES), np.log(PROBABILITIES[::-1])),
    "poisson_nll_loss: log-rates and counts": (lambda x, t: F.poisson_nll_loss(x, t), PREDICTIONS, COUNTS),
    "poisson_nll_loss, rates, full": (
        lambda x, t: F.poisson_nll_loss(x, t, log_input=False, full=True), PROBABILITIES, COUNTS + 0.25),
    "gaussian_nll_loss: input, target and var": (
        lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True), PREDICTIONS, TARGETS, ELEMENT_WEIGHT),
    "margin_ranking_loss: both inputs": (
        lambda a, b: F.margin_ranking_loss(a, b, SIGNS, margin=0.1), PREDICTIONS, TARGETS),
    "hinge_embedding_loss: input": (lambda x: F.hinge_embedding_loss(x, SIGNS, margin=2.0), PROBABILITIES),
    "cosine_embedding_loss: both inputs": (
        lambda a, b: F.cosine_embedding_loss(a, b, SIGNS[:, 0], margin=-0.5), PREDICTIONS, TARGETS),
    "triplet_margin_loss: anchor, positive and negative": (
        lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=3.0), PREDICTIONS, TARGETS, SCORES),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_floating_argument_gets_its_gradient(name):
    loss, *arrays = CASES[name]
    report = testing.assert_gradients_match(loss, *arrays)
    assert len(report.inputs) == len(arrays)  # every argument was differentiated and checked


def test_every_loss_of_nn_functional_has_a_case():
    losses = {n for n in F.__all__ if n.endswith("_loss") or n in ("cross_entropy", "binary_cross_entropy_with_logits")}
    covered = {name.split(":")[0].split(",")[0] for name in CASES}
    assert losses <= covered, f"add cases to tests/nn/test_loss_gradients.py for {sorted(losses - covered)}"


def test_probability_targets_of_cross_entropy_get_a_gradient():
    """The reported bug: the target distribution was read as a constant (no gradient)."""
    x = ae.Tensor(SCORES, requires_grad=True)
    p = ae.Tensor(PROBABILITIES, requires_grad=True)
    F.cross_entropy(x, p).backward()
    assert p.grad is not None
    expected = -ae.log_softmax(ae.Tensor(SCORES), axis=1).data / N  # d/dp of -mean_i sum_c p_ic log q_ic
    np.testing.assert_allclose(p.grad, expected, rtol=1e-12)


def test_lists_of_tensors_as_targets_and_weights_keep_their_gradients():
    rows = [ae.Tensor(row, requires_grad=True) for row in PROBABILITIES]
    weights = [ae.Tensor(w, requires_grad=True) for w in CLASS_WEIGHT]
    F.cross_entropy(SCORES, rows, weight=weights).backward()
    whole_p = ae.Tensor(PROBABILITIES, requires_grad=True)
    whole_w = ae.Tensor(CLASS_WEIGHT, requires_grad=True)
    F.cross_entropy(SCORES, whole_p, weight=whole_w).backward()
    np.testing.assert_allclose(np.stack([r.grad for r in rows]), whole_p.grad, rtol=1e-12)
    np.testing.assert_allclose([w.grad for w in weights], whole_w.grad, rtol=1e-12)


def test_a_float32_weight_of_a_float64_loss_gets_a_float32_gradient():
    w = ae.Tensor(CLASS_WEIGHT.astype(np.float32), requires_grad=True)
    F.cross_entropy(SCORES, LABELS, weight=w).backward()
    assert w.grad is not None and w.grad.dtype == np.float32


# ----- no gradient to give: refused ------------------------------------------------------------------


def test_labels_of_the_binary_hinge_that_require_grad_are_refused():
    labels = ae.Tensor(SIGNS, requires_grad=True)
    with pytest.raises(TypeError, match=r"binary_hinge_loss: the labels require grad.*-1 or \+1.*detach"):
        F.binary_hinge_loss(ae.Tensor(SCORES, requires_grad=True), labels)


def test_float_class_labels_are_refused_by_the_class_index_losses():
    float_labels = ae.Tensor(LABELS.astype(np.float64), requires_grad=True)
    for loss in (F.nll_loss, F.multiclass_hinge_loss, F.multi_margin_loss):
        with pytest.raises(TypeError, match="labels must be integer class indices"):
            loss(SCORES, float_labels)
    with pytest.raises(ae.ShapeError, match="cross_entropy: float targets are class probabilities"):
        F.cross_entropy(SCORES, float_labels)  # float targets are probabilities of the input's shape


def test_cross_entropy_of_a_0d_score_says_it_needs_a_class_axis():
    with pytest.raises(ae.ShapeError, match=r"cross_entropy: the input must have a class axis.*0-d"):
        F.cross_entropy(ae.Tensor(1.0, requires_grad=True), np.array(0))


# ----- against PyTorch, where PyTorch differentiates the same argument ------------------------------


def torch_gradients(torch_loss, *arrays):
    torch = pytest.importorskip("torch")
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    value = torch_loss(*tensors)
    value.backward()
    return value.item(), [t.grad.numpy() for t in tensors]


def engine_gradients(loss, *arrays):
    tensors = [ae.Tensor(a, requires_grad=True) for a in arrays]
    value = loss(*tensors)
    value.backward()
    return value.item(), [t.grad for t in tensors]


def test_probability_targets_and_weights_match_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    for smoothing in (0.0, 0.25):
        expected = torch_gradients(
            lambda x, p, w: tf.cross_entropy(x, p, weight=w, label_smoothing=smoothing), SCORES, PROBABILITIES, CLASS_WEIGHT
        )
        actual = engine_gradients(
            lambda x, p, w: F.cross_entropy(x, p, weight=w, label_smoothing=smoothing), SCORES, PROBABILITIES, CLASS_WEIGHT
        )
        assert actual[0] == pytest.approx(expected[0], rel=1e-12)
        for a, e in zip(actual[1], expected[1]):
            np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy_with_logits"])
def test_targets_of_regression_and_logistic_losses_match_pytorch(name):
    torch = pytest.importorskip("torch")
    targets = BCE_TARGETS if name.startswith("binary") else TARGETS
    expected = torch_gradients(getattr(torch.nn.functional, name), PREDICTIONS, targets)
    actual = engine_gradients(getattr(F, name), PREDICTIONS, targets)
    assert actual[0] == pytest.approx(expected[0], rel=1e-12)
    for a, e in zip(actual[1], expected[1]):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)
