"""``python -m optim``: the layers and optimizers at work.  Trains the notes' spiral net with
``nn`` and ``optim`` and draws the graph of one forward pass, clustered by module (the engine's
own demo is ``python -m autograd_engine``)."""
from __future__ import annotations

import numpy as np

import autograd_engine as ae
import nn
import optim


def spiral_with_nn_and_optim(steps: int = 1000) -> None:
    """The notes' spiral case study with nn and optim: a 2-layer ReLU net, softmax loss, Adam."""
    classes = 3
    inputs, labels = nn.data.make_spiral(n_per_class=100, classes=classes, noise=0.2, seed=0)
    inputs = inputs.astype(np.float32)

    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, classes))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    for step in range(steps + 1):
        scores = model(inputs)
        loss = nn.functional.cross_entropy(scores, labels) + 1e-3 * nn.l2_penalty(model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 250 == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}  train accuracy {(scores.argmax(axis=1) == labels).mean():.1%}")
    print(model)

    scores = model(inputs[:4])
    nn.functional.cross_entropy(scores, labels[:4]).backward(retain_graph=True)
    path = ae.save_svg(ae.draw(scores, params=model), "spiral_net_graph.svg")
    print(f"graph of one forward pass (clustered by module) written to {path}")


if __name__ == "__main__":
    print("The notes' spiral data: nn.Sequential 2-100-3, softmax cross-entropy, optim.Adam")
    spiral_with_nn_and_optim()
