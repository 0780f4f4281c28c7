"""nn regularization: L2/L1 penalties (biases and norm parameters skipped by default) and the max-norm constraint."""
import helpers
import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

# ----- regularization ---------------------------------------------------------------------------


def model():
    ae.seed(4)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()


def test_penalties_skip_biases_and_norm_parameters_by_default():
    m = model()
    weights = [m[0].weight.data, m[3].weight.data]
    everything = [p.data for p in m.parameters()]
    assert nn.l2_penalty(m).item() == pytest.approx(sum((w**2).sum() for w in weights))
    assert nn.l2_penalty(m, exclude_biases=False).item() == pytest.approx(sum((w**2).sum() for w in everything))
    assert nn.l1_penalty(m, strength=0.5).item() == pytest.approx(0.5 * sum(np.abs(w).sum() for w in weights))
    assert nn.elastic_net_penalty(m, l1=0.3, l2=0.7).item() == pytest.approx(
        sum(0.3 * np.abs(w).sum() + 0.7 * (w**2).sum() for w in weights)
    )
    assert nn.l2_penalty(m.named_parameters()).item() == pytest.approx(nn.l2_penalty(m).item())
    assert nn.l2_penalty([]).item() == 0.0
    decay, no_decay = nn.split_decay_parameters(m)
    assert [p.shape for p in decay] == [(4, 3), (2, 4)] and len(no_decay) == 4


def test_penalty_gradients():
    m = model()
    nn.l2_penalty(m, strength=0.5).backward()
    np.testing.assert_allclose(m[0].weight.grad, m[0].weight.data)  # d/dW 0.5 * sum(W**2) = W
    assert m[0].bias.grad is None
    # the L1 term's abs has a kink at 0: random weights stay off it, so every coordinate is compared
    helpers.assert_gradcheck(lambda w: nn.elastic_net_penalty([w], l1=0.2, l2=0.9),
                             [np.random.default_rng(0).standard_normal((3, 4))])


def test_max_norm_constraint_projects_each_unit_onto_the_ball():
    layer = nn.Linear(5, 6).double()
    layer.weight.data[...] = np.random.default_rng(0).standard_normal((6, 5))
    layer.weight.data[0] = 0.1  # a unit already inside the ball
    before = layer.weight.data.copy()
    bias = layer.bias.data.copy()
    largest = nn.clip_weight_norm_(layer, max_norm=1.0)
    norms = np.linalg.norm(layer.weight.data, axis=1)
    assert largest == pytest.approx(np.linalg.norm(before, axis=1).max())
    assert np.all(norms <= 1.0 + 1e-12)
    np.testing.assert_array_equal(layer.weight.data[0], before[0])
    big_rows = np.linalg.norm(before, axis=1) > 1
    np.testing.assert_allclose(norms[big_rows], 1.0)
    np.testing.assert_allclose(layer.weight.data[big_rows] / before[big_rows],
                               (1 / np.linalg.norm(before[big_rows], axis=1))[:, None] * np.ones((1, 5)))
    np.testing.assert_array_equal(layer.bias.data, bias)


def test_l2_penalty_from_the_fc_net_equals_the_hand_sum():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).double()
    expected = sum((layer.weight.data**2).sum() for layer in model)
    assert nn.l2_penalty(model).item() == pytest.approx(expected)
    loss = F.mse_loss(model(np.ones((1, 3))), np.zeros((1, 2)))
    assert loss.item() >= 0
