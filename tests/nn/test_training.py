"""End-to-end training with nn modules and plain gradient descent (no optimizer package needed):
the notes' spiral case study and overfitting a tiny subset."""
import helpers
import numpy as np

import autograd_engine as ae
import nn
import nn.functional as F


def spiral(n=100, k=3, seed=0):
    """The notes' generator (see helpers.spiral), with its data in float64 and its labels in uint8."""
    x, y = helpers.spiral(n, np.random.default_rng(seed), k)
    return x, y.astype("uint8")


def small_init_(model, seed):
    """The notes' initialisation for the case study: W = 0.01 * randn, b = 0."""
    rng = np.random.default_rng(seed)
    for name, p in model.named_parameters():
        if name.endswith("weight"):
            nn.init.small_random_(p, 0.01, generator=rng)
        else:
            nn.init.zeros_(p)


def train(model, x, y, steps, step_size=1.0, reg=1e-3):
    """Full-batch gradient descent on softmax loss + 0.5 * reg * sum(W**2), as the notes."""
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y) + 0.5 * reg * nn.l2_penalty(model)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= step_size * p.grad
    return loss.item()


def accuracy(model, x, y):
    with ae.no_grad():
        return float((model(x).argmax(axis=1) == y).mean())


def test_spiral_linear_softmax_reaches_about_49_percent():
    x, y = spiral()
    model = nn.Linear(2, 3, dtype=np.float64)
    small_init_(model, seed=1)
    initial = F.cross_entropy(model(x), y).item()
    assert abs(initial - np.log(3)) < 0.01
    final = train(model, x, y, steps=200)
    assert final < 0.8  # the notes: about 0.786 after 200 iterations
    assert 0.45 <= accuracy(model, x, y) <= 0.56  # the notes: 0.49


def test_spiral_two_layer_relu_net_reaches_at_least_97_percent():
    x, y = spiral()
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 3)).double()
    small_init_(model, seed=2)
    train(model, x, y, steps=2500)  # the notes run 10000; 2500 already passes 97% on this data
    assert accuracy(model, x, y) >= 0.97  # the notes: 0.98


def test_two_layer_net_overfits_twenty_examples():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20, 30))
    y = rng.integers(0, 10, size=20)
    ae.seed(3)
    model = nn.Sequential(nn.Linear(30, 50), nn.ReLU(), nn.Linear(50, 10)).double()
    train(model, x, y, steps=150, step_size=0.5, reg=0.0)
    assert accuracy(model, x, y) == 1.0
