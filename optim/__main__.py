"""``python -m optim [plots folder]``: the layers and optimizers at work.  Trains the notes' spiral
net with ``nn`` and ``optim`` and draws the graph of one forward pass, clustered by module; then
runs the notes' image-classification pipeline on the 8x8 digits that scikit-learn ships: split,
normalise with the training split's statistics, train a ConvNet with batch norm and dropout
under the Trainer's babysitting (progress bar, validation), test once at the end, and write the
training plots.  (The engine's own demo is ``python -m autograd_engine``.)"""
from __future__ import annotations

import sys

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


def digits_convnet(plots: str = "digits_plots", epochs: int = 15) -> float:
    """The notes' pipeline on the bundled digits; returns the held-out test accuracy."""
    images, labels = nn.data.load_digits()
    order = np.random.default_rng(0).permutation(len(images))
    test, val, train = order[:360], order[360:540], order[540:]  # split once, before looking at anything
    normalize = nn.data.transforms.Normalize.fit(images[train] / 16)  # statistics of the training split only
    images = normalize(images / 16).astype(np.float32)
    print(f"{len(train)} training, {len(val)} validation and {len(test)} test images of {images.shape[1:]}")

    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(32 * 4 * 4, 10))
    train_loader = nn.data.DataLoader(nn.data.TensorDataset(images[train], labels[train]), batch_size=64,
                                      shuffle=True, seed=0)
    trainer = optim.Trainer(model, optim.Adam(model.parameters(), lr=3e-3), train_loader,
                            (images[val], labels[val]), epochs=epochs, print_every=1000)
    history = trainer.train()  # keeps the weights of the best validation epoch
    model.eval()
    accuracy = float((model(images[test]).data.argmax(axis=1) == labels[test]).mean())
    print(f"held-out test accuracy {accuracy:.1%} (best validation epoch {trainer.best_epoch})")
    written = history.plot(plots)
    print(f"training plots ({', '.join(p.name for p in written)}) written to {plots}/")
    return accuracy


if __name__ == "__main__":
    print("The notes' spiral data: nn.Sequential 2-100-3, softmax cross-entropy, optim.Adam")
    spiral_with_nn_and_optim()
    print("\nThe notes' image classification on scikit-learn's 8x8 digits: a ConvNet with batch norm and dropout")
    digits_convnet(sys.argv[1] if len(sys.argv) > 1 else "digits_plots")
