"""One training step of a 3072-512-512-10 ReLU MLP (CIFAR-10 sized), batch 128, float32.

The step is forward, softmax cross-entropy loss, backward and a plain SGD update,
written three ways on the same data and the same initial weights:

- ``numpy``: hand-written forward and manual backprop, as in the CS231n
  assignments -- the zero-overhead floor;
- ``engine``: the same formulas with engine ops (``x @ W + b``, ``relu``,
  ``log_softmax``, picking the label entries by indexing, ``mean``);
- ``torch``: the same with PyTorch eager ops on CPU (when installed);
- ``bare GEMMs``: only the step's eight matrix products (NumPy), which dominate.

Before timing, the script checks that the three compute the same loss and that
everything stays float32.  The GEMMs dominate, so the engine's own cost shows as
its ratio to the NumPy step.

Run:  python benchmarks/mlp.py [--repeats N]
      OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/mlp.py [--cpu-time]
      (one BLAS thread, optionally timing CPU seconds: steadier on a busy machine)
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import Contender, compare, machine_info, table  # noqa: E402

import autograd_engine as ae  # noqa: E402

SIZES = (3072, 512, 512, 10)
BATCH = 128
LR = 1e-3


def make_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """A batch of inputs, labels, and He-initialised weights and zero biases (W1, b1, W2, b2, W3, b3)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], BATCH)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        params.append((rng.standard_normal((n_in, n_out), dtype=np.float32) * np.sqrt(2.0 / n_in)).astype(np.float32))
        params.append(np.zeros(n_out, dtype=np.float32))
    return x, labels, params


def numpy_step(x: np.ndarray, labels: np.ndarray, params: list[np.ndarray]) -> Callable[[], float]:
    """Forward and manual backprop of the MLP, then SGD in place on ``params``."""
    W1, b1, W2, b2, W3, b3 = params
    rows = np.arange(BATCH)

    def step() -> float:
        h1 = x @ W1 + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2 + b2
        a2 = np.maximum(h2, 0)
        scores = a2 @ W3 + b3
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[rows, labels].mean()

        dscores = np.exp(log_probs)
        dscores[rows, labels] -= 1
        dscores /= BATCH
        dW3 = a2.T @ dscores
        db3 = dscores.sum(axis=0)
        da2 = dscores @ W3.T
        dh2 = da2 * (h2 > 0)
        dW2 = a1.T @ dh2
        db2 = dh2.sum(axis=0)
        da1 = dh2 @ W2.T
        dh1 = da1 * (h1 > 0)
        dW1 = x.T @ dh1
        db1 = dh1.sum(axis=0)

        for p, d in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            p -= LR * d
        return float(loss)

    return step


def gemms_step(x: np.ndarray, labels: np.ndarray, params: list[np.ndarray]) -> Callable[[], None]:
    """Only the step's eight matrix products, on stand-in operands of the right shapes: the floor."""
    W1, _, W2, _, W3, _ = params
    h1, h2 = np.ones((BATCH, SIZES[1]), np.float32), np.ones((BATCH, SIZES[2]), np.float32)
    d = np.ones((BATCH, SIZES[3]), np.float32)

    def step() -> None:
        x @ W1, h1 @ W2, h2 @ W3  # forward
        h2.T @ d, d @ W3.T, h1.T @ h2, h2 @ W2.T, x.T @ h1  # backward: dW3, da2, dW2, da1, dW1

    return step


def engine_loss(x: np.ndarray, labels: np.ndarray, params: list[ae.Tensor]) -> ae.Tensor:
    W1, b1, W2, b2, W3, b3 = params
    a1 = ae.relu(x @ W1 + b1)
    a2 = ae.relu(a1 @ W2 + b2)
    scores = a2 @ W3 + b3
    return -ae.log_softmax(scores, axis=1)[np.arange(BATCH), labels].mean()


def engine_step(x: np.ndarray, labels: np.ndarray, params: list[ae.Tensor]) -> Callable[[], float]:
    def step() -> float:
        loss = engine_loss(x, labels, params)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
            p.grad = None
        return float(loss.data)

    return step


def torch_step(x: np.ndarray, labels: np.ndarray, params: list) -> Callable[[], float]:
    import torch

    tx, tlabels, rows = torch.from_numpy(x), torch.from_numpy(labels), torch.arange(BATCH)

    def step() -> float:
        W1, b1, W2, b2, W3, b3 = params
        a1 = torch.relu(tx @ W1 + b1)
        a2 = torch.relu(a1 @ W2 + b2)
        loss = -torch.log_softmax(a2 @ W3 + b3, dim=1)[rows, tlabels].mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss.item()

    return step


def check_same_step(x: np.ndarray, labels: np.ndarray, init: list[np.ndarray]) -> None:
    """The engine's loss and gradients equal the hand-written ones, and everything is float32."""
    ours = [ae.Tensor(p.copy(), requires_grad=True) for p in init]
    loss = engine_loss(x, labels, ours)
    loss.backward()
    assert loss.dtype == np.float32, loss.dtype
    assert all(p.grad.dtype == np.float32 and p.data.dtype == np.float32 for p in ours)

    reference = [p.copy() for p in init]
    numpy_loss = numpy_step(x, labels, reference)()
    np.testing.assert_allclose(float(loss.data), numpy_loss, rtol=1e-5)
    for p, before, after in zip(ours, init, reference):
        assert after.dtype == np.float32
        np.testing.assert_allclose(p.grad, (before - after) / LR, rtol=2e-2, atol=1e-4)
    print(f"engine and hand-written NumPy agree: loss {numpy_loss:.6f}, float32 end to end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--cpu-time", action="store_true", help="time CPU seconds, not wall clock (needs one BLAS thread)")
    args = parser.parse_args()
    ae.keep_freed_memory()  # as the Trainer does: freed arrays are reused by the next step (every contender gains)
    one_thread = os.environ.get("OMP_NUM_THREADS") == "1" and os.environ.get("OPENBLAS_NUM_THREADS") == "1"
    if args.cpu_time and not one_thread:
        parser.error("--cpu-time needs OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 (several threads' CPU time is not a duration)")

    x, labels, init = make_problem()
    check_same_step(x, labels, init)
    contenders = [
        Contender("numpy (hand-written backprop)", numpy_step(x, labels, [p.copy() for p in init])),
        Contender("engine", engine_step(x, labels, [ae.Tensor(p.copy(), requires_grad=True) for p in init])),
        Contender("bare GEMMs (numpy)", gemms_step(x, labels, init)),
    ]
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: skipped (pip install -e '.[bench]')")
    else:
        torch_loss = torch_step(x, labels, [torch.tensor(p, requires_grad=True) for p in init])()
        numpy_loss = numpy_step(x, labels, [p.copy() for p in init])()
        np.testing.assert_allclose(torch_loss, numpy_loss, rtol=1e-5)
        print(f"PyTorch agrees: loss {torch_loss:.6f}")
        contenders.append(Contender("torch", torch_step(x, labels, [torch.tensor(p, requires_grad=True) for p in init])))

    for c in contenders:
        c.clock = time.thread_time if args.cpu_time else time.perf_counter
    compare(contenders, repeats=args.repeats, warmup=2, pause=0.2, title="mlp step")
    how = f"{args.repeats} interleaved repeats, {'CPU time' if args.cpu_time else 'wall clock'}, {'one' if one_thread else 'default'} BLAS threads"
    print(f"\n### One SGD step of a 3072-512-512-10 ReLU MLP, batch {BATCH}, float32 ({how})\n")
    print(table(contenders, "numpy (hand-written backprop)", unit="ms", per_label="step"))
    print()
    print(machine_info())


if __name__ == "__main__":
    main()
