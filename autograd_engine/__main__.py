"""``python -m autograd_engine``: the engine's demo.  Runs the CS231n backprop examples, trains a
tiny MLP with engine ops and draws the sigmoid neuron's circuit, printing what a reader of the
notes would check.  ``python -m optim`` goes on with the layers and optimizers built on top."""
from __future__ import annotations

import numpy as np

import autograd_engine as ae


def backprop_examples() -> None:
    x, y, z = (ae.Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    print(f"f = (x + y) * z = {f.item():g};  df/dx = {x.grad:g}, df/dy = {y.grad:g}, df/dz = {z.grad:g}")

    w = ae.Tensor([2.0, -3.0, -3.0], requires_grad=True)
    xs = ae.Tensor([-1.0, -2.0], requires_grad=True)
    neuron = ae.sigmoid(w[0] * xs[0] + w[1] * xs[1] + w[2])
    neuron.backward()
    print(f"sigmoid neuron = {neuron.item():.4f};  dw = {np.round(w.grad, 2)}, dx = {np.round(xs.grad, 2)}")


def tiny_mlp(steps: int = 200) -> None:
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((64, 2)).astype(np.float32)
    labels = (inputs[:, 0] * inputs[:, 1] > 0).astype(np.int64)  # XOR of the signs
    w1 = ae.Tensor(rng.standard_normal((2, 16)) * np.sqrt(2 / 2), requires_grad=True, dtype=np.float32)
    b1 = ae.Tensor(np.zeros(16), requires_grad=True, dtype=np.float32)
    w2 = ae.Tensor(rng.standard_normal((16, 2)) * np.sqrt(2 / 16), requires_grad=True, dtype=np.float32)
    b2 = ae.Tensor(np.zeros(2), requires_grad=True, dtype=np.float32)
    params = [w1, b1, w2, b2]
    for step in range(steps + 1):
        scores = ae.relu(inputs @ w1 + b1) @ w2 + b2
        loss = -ae.log_softmax(scores, axis=1)[np.arange(len(labels)), labels].mean()
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
        if step % 50 == 0:
            accuracy = (scores.argmax(axis=1) == labels).mean()
            print(f"step {step:3d}  loss {loss.item():.4f}  train accuracy {accuracy:.0%}")


def draw_neuron() -> str:
    """The sigmoid neuron's circuit after backward: every node's value and gradient, as the notes draw it."""
    w = ae.Tensor([2.0, -3.0, -3.0], requires_grad=True)
    xs = ae.Tensor([-1.0, -2.0], requires_grad=True)
    neuron = ae.sigmoid(w[0] * xs[0] + w[1] * xs[1] + w[2])
    neuron.backward()
    return ae.save_svg(ae.draw(neuron), "neuron_graph.svg")  # after backward, as micrograd's users draw


if __name__ == "__main__":
    print("CS231n backprop examples")
    backprop_examples()
    print("\nA 2-16-2 ReLU MLP learning XOR of the signs, engine ops and plain SGD")
    tiny_mlp()
    print(f"\nthe sigmoid neuron's circuit, values and gradients, written to {draw_neuron()}")
    print("next: python -m optim trains the notes' spiral net with nn and optim")
