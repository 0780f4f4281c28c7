"""Per-op overhead: a 1,000-op chain of 4x4 multiplies and adds, forward and backward.

    y = x;  500 times: y = y * a + b;   then backward from y with an upstream of ones

``x``, ``a`` and ``b`` are float32 4x4 leaves that require grad (``a`` and ``b``
are reused by every step, so their gradients accumulate at 500-way forks).  On
such tiny arrays the arithmetic costs about a microsecond; everything else is
the framework's own overhead.  Reported in microseconds per op, beside raw NumPy
doing the same forward arithmetic, PyTorch (eager, CPU) and MyGrad when installed.

Run:  python benchmarks/overhead.py [--repeats N]
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

STEPS = 500  # each step is one multiply and one add
OPS = 2 * STEPS


def make_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 4)).astype(np.float32)
    a = (1 + 0.01 * rng.standard_normal((4, 4))).astype(np.float32)
    b = (0.01 * rng.standard_normal((4, 4))).astype(np.float32)
    return x, a, b


def numpy_forward(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    y = x
    for _ in range(STEPS):
        y = y * a + b
    return y


def engine_contenders(arrays: tuple) -> list[Contender]:
    def leaves():
        return [ae.Tensor(v.copy(), requires_grad=True) for v in arrays]

    def forward(x, a, b):
        y = x
        for _ in range(STEPS):
            y = y * a + b
        return y

    def forward_backward(leaves):
        y = forward(*leaves)
        y.backward(np.ones_like(y.data))

    return [
        Contender("engine forward", lambda ls: forward(*ls), setup=leaves),
        Contender("engine forward+backward", forward_backward, setup=leaves),
    ]


def torch_contenders(arrays: tuple) -> list[Contender]:
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: skipped (pip install -e '.[bench]')")
        return []

    def leaves():
        return [torch.tensor(v, requires_grad=True) for v in arrays]

    def forward(x, a, b):
        y = x
        for _ in range(STEPS):
            y = y * a + b
        return y

    def forward_backward(leaves):
        y = forward(*leaves)
        y.backward(torch.ones_like(y))

    return [
        Contender("torch forward", lambda ls: forward(*ls), setup=leaves),
        Contender("torch forward+backward", forward_backward, setup=leaves),
    ]


def mygrad_contenders(arrays: tuple) -> list[Contender]:
    try:
        import mygrad as mg
    except ImportError:
        print("MyGrad is not installed: skipped (pip install mygrad to include it)")
        return []

    def leaves():
        return [mg.tensor(v.copy()) for v in arrays]

    def forward_backward(leaves):
        y = leaves[0]
        for _ in range(STEPS):
            y = y * leaves[1] + leaves[2]
        y.backward(np.ones_like(y.data))

    return [Contender("mygrad forward+backward", forward_backward, setup=leaves)]


def check_gradients(arrays: tuple) -> None:
    """The engine's gradients of the chain agree with PyTorch's (when installed)."""
    try:
        import torch
    except ImportError:
        return
    ours = [ae.Tensor(v.copy(), requires_grad=True) for v in arrays]
    theirs = [torch.tensor(v, requires_grad=True) for v in arrays]
    y, t = ours[0], theirs[0]
    for _ in range(STEPS):
        y, t = y * ours[1] + ours[2], t * theirs[1] + theirs[2]
    y.backward(np.ones((4, 4), np.float32))
    t.backward(torch.ones(4, 4))
    for o, p in zip(ours, theirs):
        assert o.grad.dtype == np.float32
        np.testing.assert_allclose(o.grad, p.grad.numpy(), rtol=1e-4, atol=1e-4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    arrays = make_arrays()
    check_gradients(arrays)
    contenders = [
        Contender("numpy forward", lambda: numpy_forward(*arrays)),
        *engine_contenders(arrays),
        *torch_contenders(arrays),
        *mygrad_contenders(arrays),
    ]
    compare(contenders, repeats=args.repeats, pause=0.1, title="overhead")
    reference = "torch forward+backward" if any(c.name.startswith("torch") for c in contenders) else "numpy forward"
    print(f"\n### Per-op overhead: {OPS}-op chain of 4x4 float32 multiplies and adds ({args.repeats} interleaved repeats)\n")
    print(table(contenders, reference, unit="us", per=OPS, per_label="op"))
    print()
    print(machine_info())


if __name__ == "__main__":
    main()
