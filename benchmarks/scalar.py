"""Scalar graphs: micrograd's demo (every number a node) and a 60,000-node-deep chain.

1. micrograd's demo step: an MLP 2-16-16-1 (ReLU, linear output) on 100 "moons"
   points, SVM max-margin loss plus L2 regularisation, forward, backward and an
   SGD update -- every scalar a graph node (~65,000 nodes per step).  The same
   code runs with micrograd's ``Value``, the engine's 0-d Tensors (float64, as
   micrograd's Python floats) and PyTorch 0-d tensors (float64).
2. A chain of 60,000 scalar ops (``y = y * a + b``, 30,000 times) and its backward:
   micrograd's recursive topological sort raises RecursionError there.

Run:  python benchmarks/scalar.py [--repeats N] [--cpu-time]
"""
from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import Contender, compare, machine_info, table  # noqa: E402

import autograd_engine as ae  # noqa: E402

SIZES = (2, 16, 16, 1)
POINTS = 100
CHAIN_STEPS = 30_000  # two ops each


def make_moons(n: int = POINTS, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's make_moons), labels -1 / +1."""
    rng = np.random.default_rng(seed)
    outer = np.linspace(0, np.pi, n - n // 2)
    inner = np.linspace(0, np.pi, n // 2)
    X = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], 1), np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], 1)])
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([-np.ones(n - n // 2), np.ones(n // 2)])
    return X, y


def initial_weights(seed: int = 1337) -> list[list[tuple[list[float], float]]]:
    """Per layer, per neuron: (weights, bias), uniform in [-1, 1] for weights and 0 for biases
    (micrograd's initialisation), shared by every contender."""
    rnd = random.Random(seed)
    return [
        [([rnd.uniform(-1, 1) for _ in range(n_in)], 0.0) for _ in range(n_out)]
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:])
    ]


class ScalarMLP:
    """micrograd's MLP written once for any scalar type: ``make(value)`` wraps a parameter,
    ``relu(v)`` applies the nonlinearity."""

    def __init__(self, weights: list, make: Callable[[float], Any], relu: Callable[[Any], Any]) -> None:
        self.layers = [[([make(w) for w in ws], make(b)) for ws, b in layer] for layer in weights]
        self.relu = relu

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for ws, b in layer for p in (*ws, b)]

    def __call__(self, x: list[Any]) -> Any:
        for i, layer in enumerate(self.layers):
            outs = [sum((wi * xi for wi, xi in zip(ws, x)), b) for ws, b in layer]
            x = outs if i == len(self.layers) - 1 else [self.relu(v) for v in outs]
        return x[0]


def demo_loss(model: ScalarMLP, inputs: list[list[Any]], labels: list[float]) -> Any:
    """micrograd demo's loss: mean SVM max-margin loss plus 1e-4 times the sum of squared parameters."""
    scores = [model(x) for x in inputs]
    losses = [model.relu(1 + -yi * score) for yi, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


# ----- one training step per framework ----------------------------------------

def micrograd_step(X: np.ndarray, y: np.ndarray, weights: list) -> Callable[[], float]:
    from micrograd.engine import Value

    model = ScalarMLP(weights, Value, lambda v: v.relu())
    labels = [float(v) for v in y]

    def step() -> float:
        inputs = [[Value(float(v)) for v in row] for row in X]
        loss = demo_loss(model, inputs, labels)
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        return loss.data

    return step


def engine_step(X: np.ndarray, y: np.ndarray, weights: list) -> Callable[[], float]:
    model = ScalarMLP(weights, lambda v: ae.Tensor(np.float64(v), requires_grad=True), ae.relu)
    labels = [float(v) for v in y]

    def step() -> float:
        inputs = [[ae.Tensor(v) for v in row] for row in X]  # 0-d float64 tensors
        loss = demo_loss(model, inputs, labels)
        for p in model.parameters():
            p.grad = None
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        return float(loss.data)

    return step


def torch_step(X: np.ndarray, y: np.ndarray, weights: list) -> Callable[[], float]:
    import torch

    model = ScalarMLP(weights, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), torch.relu)
    labels = [float(v) for v in y]

    def step() -> float:
        inputs = [[torch.tensor(v, dtype=torch.float64) for v in row] for row in X]
        loss = demo_loss(model, inputs, labels)
        for p in model.parameters():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        return loss.item()

    return step


# ----- the deep chain -------------------------------------------------------------

def chain(make: Callable[[float], Any]) -> Callable[[], None]:
    def run() -> None:
        x, a, b = make(0.5), make(0.999), make(0.001)
        y = x
        for _ in range(CHAIN_STEPS):
            y = y * a + b
        y.backward()

    return run


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: skipped (pip install -e '.[bench]')")
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cpu-time", action="store_true", help="time CPU seconds, not wall clock (steadier on a busy machine)")
    args = parser.parse_args()
    ae.keep_freed_memory()  # as the Trainer does: freed arrays are reused by the next step (every contender gains)
    clock = time.thread_time if args.cpu_time else time.perf_counter
    how = f"{args.repeats} interleaved repeats, {'CPU time' if args.cpu_time else 'wall clock'}"
    has_torch = _has_torch()

    X, y = make_moons()
    weights = initial_weights()
    steps = {"micrograd": micrograd_step(X, y, weights), "engine": engine_step(X, y, weights)}
    if has_torch:
        steps["torch"] = torch_step(X, y, weights)
    # Same data, same weights: the first losses agree (then each trains its own copy).
    first = {name: step() for name, step in steps.items()}
    assert all(math.isclose(v, first["micrograd"], rel_tol=1e-9) for v in first.values()), first
    print(f"first-step loss of every contender: {first['micrograd']:.12f}")

    # The garbage collector's work is part of the cost here (micrograd's nodes form reference
    # cycles, so most of its step time goes to the collector): time with it on, as users run it,
    # and again with it off to show what the collector costs each framework.
    for collector in (True, False):
        contenders = [Contender(name, step, collector=collector, clock=clock) for name, step in steps.items()]
        compare(contenders, repeats=args.repeats, pause=0.2, title="scalar MLP")
        print(
            f"\n### micrograd's demo step: MLP 2-16-16-1 on {POINTS} points, every scalar a node, "
            f"garbage collector {'on (as users run it)' if collector else 'off'} ({how})\n"
        )
        print(table(contenders, "micrograd", unit="s", per_label="step"))

    from micrograd.engine import Value

    makers = {"micrograd": Value, "engine": lambda v: ae.Tensor(np.float64(v), requires_grad=True)}
    if has_torch:
        import torch

        makers["torch"] = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)
    contenders = [Contender(name, chain(make), collector=True, clock=clock) for name, make in makers.items()]
    compare(contenders, repeats=args.repeats, pause=0.2, title="deep chain")
    print(f"\n### A {2 * CHAIN_STEPS:,}-op-deep scalar chain, forward and backward, collector on ({how})\n")
    print(table(contenders, "engine", unit="s", per_label="chain"))
    print()
    print(machine_info())


if __name__ == "__main__":
    main()
