"""Per-op overhead: a 1,000-op chain of 4x4 multiplies and adds, forward and backward.

    y = x;  500 times: y = y * a + b;   then backward from y with an upstream of ones

All arrays are float32 4x4.  Two variants:

- ``weights``: ``x``, ``a`` and ``b`` all require grad, so every op produces two
  gradients, and ``a`` and ``b`` (reused by every step) accumulate theirs at
  500-way forks;
- ``constants``: only ``x`` requires grad; ``a`` and ``b`` are constants.

On such tiny arrays the arithmetic costs about a microsecond; everything else is
the framework's own overhead.  Reported in microseconds per op, beside raw NumPy
doing the same forward arithmetic, PyTorch (eager, CPU) and MyGrad when installed.

Each forward+backward is also timed ten times back to back, as a training loop runs its steps.
Below each table, the median over rounds of the engine's time over PyTorch's in the same round:
steadier on a noisy machine than the ratio of the minima.

Run:  python benchmarks/overhead.py [--repeats N] [--cpu-time]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import Contender, compare, in_a_row, machine_info, paired_ratio, table  # noqa: E402

import autograd_engine as ae  # noqa: E402

STEPS = 500  # each step is one multiply and one add
OPS = 2 * STEPS
CHAINS_IN_A_ROW = 10
VARIANTS = {"weights": True, "constants": False}  # does (a, b) require grad?


def make_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 4)).astype(np.float32)
    a = (1 + 0.01 * rng.standard_normal((4, 4))).astype(np.float32)
    b = (0.01 * rng.standard_normal((4, 4))).astype(np.float32)
    return x, a, b


def chain(x, a, b):
    """The benchmarked arithmetic, for any array or tensor type."""
    y = x
    for _ in range(STEPS):
        y = y * a + b
    return y


def engine_leaves(arrays: tuple, weights: bool) -> list[ae.Tensor]:
    x, a, b = (v.copy() for v in arrays)
    return [ae.Tensor(x, requires_grad=True), ae.Tensor(a, requires_grad=weights), ae.Tensor(b, requires_grad=weights)]


def engine_contenders(arrays: tuple, weights: bool) -> list[Contender]:
    def forward_backward(leaves):
        y = chain(*leaves)
        y.backward(np.ones_like(y.data))

    def leaves():
        return engine_leaves(arrays, weights)

    return [
        Contender("engine forward", lambda ls: chain(*ls), setup=leaves),
        Contender("engine forward+backward", forward_backward, setup=leaves),
    ]


def torch_contenders(arrays: tuple, weights: bool) -> list[Contender]:
    import torch

    def leaves():
        x, a, b = arrays
        return [torch.tensor(x, requires_grad=True), torch.tensor(a, requires_grad=weights), torch.tensor(b, requires_grad=weights)]

    def forward_backward(leaves):
        y = chain(*leaves)
        y.backward(torch.ones_like(y))

    return [
        Contender("torch forward", lambda ls: chain(*ls), setup=leaves),
        Contender("torch forward+backward", forward_backward, setup=leaves),
    ]


def mygrad_contenders(arrays: tuple, weights: bool) -> list[Contender]:
    import mygrad as mg

    def leaves():
        x, a, b = (v.copy() for v in arrays)
        return [mg.tensor(x), mg.tensor(a, constant=not weights), mg.tensor(b, constant=not weights)]

    def forward_backward(leaves):
        y = chain(*leaves)
        y.backward(np.ones_like(y.data))

    return [Contender("mygrad forward+backward", forward_backward, setup=leaves)]


def check_gradients(arrays: tuple, weights: bool) -> None:
    """The engine's gradients of the chain agree with PyTorch's (float32 throughout)."""
    import torch

    ours = engine_leaves(arrays, weights)
    theirs = [torch.tensor(v, requires_grad=t.requires_grad) for v, t in zip(arrays, ours)]
    chain(*ours).backward(np.ones((4, 4), np.float32))
    chain(*theirs).backward(torch.ones(4, 4))
    for o, p in zip(ours, theirs):
        if o.requires_grad:
            assert o.grad.dtype == np.float32
            np.testing.assert_allclose(o.grad, p.grad.numpy(), rtol=1e-4, atol=1e-4)


def print_paired_ratio(contenders: list[Contender]) -> None:
    """The engine's forward+backward over PyTorch's, the median over rounds (see ``paired_ratio``)."""
    by_name = {c.name: c for c in contenders}
    engine, torch_ = by_name.get("engine forward+backward"), by_name.get("torch forward+backward")
    if engine is not None and torch_ is not None and engine.times and torch_.times:
        print(f"\nengine / torch forward+backward, median over rounds of the two timed in one round: "
              f"{paired_ratio(engine, torch_):.2f}x")


def installed(module: str, note: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        print(f"{module} is not installed: skipped ({note})")
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--cpu-time", action="store_true", help="time CPU seconds, not wall clock (steadier on a busy machine)")
    args = parser.parse_args()
    ae.keep_freed_memory()  # as the Trainer does: freed arrays are reused by the next step (every contender gains)
    clock = time.thread_time if args.cpu_time else time.perf_counter

    has_torch = installed("torch", "pip install -e '.[bench]'")
    has_mygrad = installed("mygrad", "pip install mygrad to include it")
    arrays = make_arrays()
    for variant, weights in VARIANTS.items():
        if has_torch:
            check_gradients(arrays, weights)
        contenders = [
            Contender("numpy forward", lambda: chain(*arrays)),
            *engine_contenders(arrays, weights),
            *(torch_contenders(arrays, weights) if has_torch else []),
            *(mygrad_contenders(arrays, weights) if has_mygrad else []),
        ]
        for c in contenders:
            c.clock = clock
        compare(contenders, repeats=args.repeats, pause=0.1, title=f"overhead ({variant})")
        reference = "torch forward+backward" if has_torch else "numpy forward"
        print(
            f"\n### Per-op overhead, {variant}: {OPS}-op chain of 4x4 float32 multiplies and adds "
            f"({args.repeats} interleaved repeats, {'CPU time' if args.cpu_time else 'wall clock'})\n"
        )
        print(table(contenders, reference, unit="us", per=OPS, per_label="op"))
        print_paired_ratio(contenders)

        # As a training loop runs its steps: one chain after another, caches and allocator warm.
        back_to_back = [in_a_row(c, CHAINS_IN_A_ROW) for c in contenders if c.name.endswith("forward+backward")]
        compare(back_to_back, repeats=max(3, args.repeats // 3), pause=0.1, title=f"chains in a row ({variant})")
        print(f"\n### The same, {CHAINS_IN_A_ROW} chains back to back (each with new leaves), time per op\n")
        print(table(back_to_back, "torch forward+backward" if has_torch else back_to_back[0].name, unit="us",
                    per=OPS * CHAINS_IN_A_ROW, per_label="op"))
        print_paired_ratio(back_to_back)
    print()
    print(machine_info())


if __name__ == "__main__":
    main()
