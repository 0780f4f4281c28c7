"""One SGD step of a 3072-512-512-10 ReLU MLP built from ``nn`` modules, beside hand-written NumPy.

    model = nn.Sequential(nn.Linear(3072, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    loss = nn.functional.cross_entropy(model(x), y); model.zero_grad(); loss.backward(); p.data -= lr * p.grad

against the same step written by hand in NumPy with manual backprop (the CS231n
assignment's affine/relu/softmax layers), batch 128, float32.  The question is
whether the module system (attribute lookup, ``__call__``, scope tagging,
``parameters()``) costs anything next to the matrix products: the target is a
ratio within 1.10x.

Both steps are checked to compute the same loss and update before timing.  On a
machine shared with other jobs, wall-clock times of BLAS calls swing by several
times; ``OPENBLAS_NUM_THREADS=1`` gives steadier ratios.  Part of any gap is BLAS
itself: ``x @ W.T`` with PyTorch's (out, in) weight layout is slower than ``x @ W`` with
the assignments' (in, out) layout for these shapes.  Results: ``RESULTS.md``.

Run:  python benchmarks/mlp_nn.py [--repeats N]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import Contender, compare, machine_info, table  # noqa: E402

import autograd_engine as ae  # noqa: E402
import nn  # noqa: E402

SIZES = (3072, 512, 512, 10)
BATCH = 128
LR = 1e-3


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH)
    return x, y


class NumpyMLP:
    """The hand-written reference: weights (in, out) as in the CS231n assignments."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.params = []
        for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
            bound = 1 / np.sqrt(fan_in)
            self.params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
            self.params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        h1 = np.maximum(x @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        scores = h2 @ w3 + b3
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = x.shape[0]
        loss = -log_p[np.arange(n), y].mean()
        dscores = np.exp(log_p)
        dscores[np.arange(n), y] -= 1
        dscores /= n
        dw3, db3 = h2.T @ dscores, dscores.sum(axis=0)
        dh2 = dscores @ w3.T
        dh2 *= h2 > 0
        dw2, db2 = h1.T @ dh2, dh2.sum(axis=0)
        dh1 = dh2 @ w2.T
        dh1 *= h1 > 0
        dw1, db1 = x.T @ dh1, dh1.sum(axis=0)
        for p, g in zip(self.params, (dw1, db1, dw2, db2, dw3, db3)):
            p -= LR * g
        return float(loss)


def make_model() -> nn.Module:
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def nn_step(model: nn.Module, params: list[nn.Parameter], x: np.ndarray, y: np.ndarray) -> float:
    loss = nn.functional.cross_entropy(model(x), y)
    model.zero_grad()
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
    return float(loss.item())


def check_same_step() -> float:
    """Both contenders, from the same weights, must compute the same loss and update."""
    rng = np.random.default_rng(1)
    ref = NumpyMLP(rng)
    model = make_model()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for i, layer in enumerate(linears):
        layer.weight.data[...] = ref.params[2 * i].T
        layer.bias.data[...] = ref.params[2 * i + 1]
    x, y = make_data(rng)
    a, b = ref.step(x, y), nn_step(model, list(model.parameters()), x, y)
    worst = max(float(np.abs(layer.weight.data - ref.params[2 * i].T).max()) for i, layer in enumerate(linears))
    if abs(a - b) > 1e-4 * abs(a) or worst > 1e-6:
        raise AssertionError(f"the nn step and the NumPy step disagree: loss {b} vs {a}, weights differ by {worst}")
    return a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    ae.keep_freed_memory()  # as the Trainer does: freed arrays are reused by the next step (every contender gains)

    check_same_step()
    rng = np.random.default_rng(0)
    x, y = make_data(rng)
    reference = NumpyMLP(rng)
    ae.seed(0)
    model = make_model()
    params = list(model.parameters())
    contenders = [
        Contender("hand-written NumPy", lambda: reference.step(x, y)),
        Contender("nn.Sequential + autograd", lambda: nn_step(model, params, x, y)),
    ]
    compare(contenders, repeats=args.repeats, warmup=2, pause=0.2, title="mlp step")
    print(f"## One SGD step, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32\n")
    print(machine_info() + "\n")
    print(table(contenders, reference="hand-written NumPy", unit="ms"))


if __name__ == "__main__":
    main()
