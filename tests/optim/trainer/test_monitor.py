"""The Trainer's monitoring: update:weight ratios, dead-ReLU fractions and layer histograms."""
import helpers
import numpy as np
import pytest
from helpers import two_layer_net

import optim

TRAIN, VAL = helpers.spiral_data(100, 100)


def test_update_ratio_is_the_step_norm_over_the_weight_norm():
    model = two_layer_net(0, hidden=8)
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = {name: p.data.copy() for name, p in model.named_parameters()}
    batch = (TRAIN[0][:20], TRAIN[1][:20])
    trainer = optim.Trainer(model, opt, [batch], epochs=1, ratio_every=1, monitor_samples=0, verbose=False,
                            restore_best=False)
    trainer.train()
    for name, p in model.named_parameters():
        expected = 0.1 * np.linalg.norm(p.grad) / np.linalg.norm(before[name])
        assert trainer.history.update_ratio[name] == [pytest.approx(expected, rel=1e-5)]


def test_dead_relu_fraction_and_layer_histograms():
    model = two_layer_net(0, hidden=10)
    model[0].bias.data[:4] = -100.0  # four of ten hidden units can never fire on inputs in [-1, 1]
    model[0].weight.data[:4] = 0.1
    opt = optim.SGD(model.parameters(), lr=0.0)
    trainer = optim.Trainer(model, opt, TRAIN, epochs=1, monitor_samples=64, verbose=False)
    history = trainer.train()
    assert history.dead_relu["1"] == [pytest.approx(0.4)]

    inputs = TRAIN[0][:64]
    hidden = inputs @ model[0].weight.data.T + model[0].bias.data
    first = history.activations[0]["0"]
    assert first["counts"].sum() == 64 * 10
    assert first["mean"] == pytest.approx(float(hidden.mean()), rel=1e-5)
    assert first["edges"][0] == pytest.approx(float(hidden.min()))
    # d(mean cross-entropy)/d(scores) = (softmax - one_hot) / N: each row sums to zero, so the mean is 0
    scores_grad = history.gradients[0]["2"]
    assert scores_grad["counts"].sum() == 64 * 3 and abs(scores_grad["mean"]) < 1e-9
    assert all(p.grad is not None for p in model.parameters())  # the monitoring pass restored the grads
