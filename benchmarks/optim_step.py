"""Optimizer step cost against NumPy's own in-place arithmetic on the same arrays.

The parameters are those of the MLP benchmark (3072x512, 512, 512x512, 512,
512x10, 10; float32, 1.84 M values) with fixed random gradients.  For every
optimizer three contenders run interleaved:

- ``numpy in-place``: the update written by hand with ufuncs and ``out=`` into a
  preallocated work array -- the least NumPy can do for that formula;
- ``optim``: ``optimizer.step()`` (the same arithmetic plus the optimizer's loop
  over parameters, state look-ups and hyperparameter reads);
- ``numpy naive``: the textbook one-liners (``w -= lr * g`` ...), which allocate
  temporaries; and ``torch`` (``torch.optim``, eager, CPU) when installed.

The target is ``optim / numpy in-place <= 1.10``.  Each timed call runs
``--steps`` steps.  On a busy machine the ratio of two ~10 ms timings wanders
by +-15%, so the summary also measures the optimizer's own cost directly:
``step()`` minus the same hand-written update on one-element parameters.

The two compute identical arithmetic (the script asserts the results agree bit for
bit), so a ratio away from 1 in one run is the machine's load, not the optimizer.
Results: ``RESULTS.md``.

Run:  python benchmarks/optim_step.py [--repeats N] [--steps N] [--only adam,sgd]
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import Contender, compare, machine_info, table  # noqa: E402

import autograd_engine as ae  # noqa: E402
import optim  # noqa: E402

SHAPES = [(3072, 512), (512,), (512, 512), (512,), (512, 10), (10,)]
LR, MU, EPS, ALPHA, BETAS, WD = 1e-3, 0.9, 1e-8, 0.99, (0.9, 0.999), 1e-2


def make_arrays(shapes: list[tuple[int, ...]] = SHAPES) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(0)
    weights = [(0.01 * rng.standard_normal(s)).astype(np.float32) for s in shapes]
    grads = [(0.01 * rng.standard_normal(s)).astype(np.float32) for s in shapes]
    return weights, grads


# ----- the updates written by hand, in place -----------------------------------------
def inplace_sgd(ws, gs, state, t):
    for w, g, tmp in zip(ws, gs, state["tmp"]):
        np.multiply(g, LR, out=tmp)
        w -= tmp


def inplace_momentum(ws, gs, state, t):
    for w, g, v, tmp in zip(ws, gs, state["v"], state["tmp"]):
        v *= MU
        np.multiply(g, LR, out=tmp)
        v -= tmp
        w += v


def inplace_nesterov(ws, gs, state, t):
    for w, g, v, tmp in zip(ws, gs, state["v"], state["tmp"]):
        v *= MU
        np.multiply(g, LR, out=tmp)
        v -= tmp
        w -= tmp
        np.multiply(v, MU, out=tmp)
        w += tmp


def inplace_adagrad(ws, gs, state, t):
    for w, g, c, tmp in zip(ws, gs, state["c"], state["tmp"]):
        np.multiply(g, g, out=tmp)
        c += tmp
        np.sqrt(c, out=tmp)
        tmp += EPS
        np.divide(g, tmp, out=tmp)
        tmp *= LR
        w -= tmp


def inplace_rmsprop(ws, gs, state, t):
    for w, g, c, tmp in zip(ws, gs, state["c"], state["tmp"]):
        c *= ALPHA
        np.multiply(g, g, out=tmp)
        tmp *= 1 - ALPHA
        c += tmp
        np.sqrt(c, out=tmp)
        tmp += EPS
        np.divide(g, tmp, out=tmp)
        tmp *= LR
        w -= tmp


def inplace_adam(ws, gs, state, t, decoupled=0.0):
    b1, b2 = BETAS
    for w, g, m, v, tmp in zip(ws, gs, state["m"], state["v"], state["tmp"]):
        if decoupled:
            w *= 1 - LR * decoupled
        m *= b1
        np.multiply(g, 1 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(1 - b2**t)
        tmp += EPS
        np.divide(m, tmp, out=tmp)
        tmp *= LR / (1 - b1**t)
        w -= tmp


def inplace_adamw(ws, gs, state, t):
    inplace_adam(ws, gs, state, t, decoupled=WD)


# ----- the textbook one-liners (temporaries) ---------------------------------------------
def naive_sgd(ws, gs, state, t):
    for w, g in zip(ws, gs):
        w -= LR * g


def naive_momentum(ws, gs, state, t):
    for w, g, v in zip(ws, gs, state["v"]):
        v[...] = MU * v - LR * g
        w += v


def naive_nesterov(ws, gs, state, t):
    for w, g, v in zip(ws, gs, state["v"]):
        v_prev = v.copy()
        v[...] = MU * v - LR * g
        w += -MU * v_prev + (1 + MU) * v


def naive_adagrad(ws, gs, state, t):
    for w, g, c in zip(ws, gs, state["c"]):
        c += g**2
        w += -LR * g / (np.sqrt(c) + EPS)


def naive_rmsprop(ws, gs, state, t):
    for w, g, c in zip(ws, gs, state["c"]):
        c[...] = ALPHA * c + (1 - ALPHA) * g**2
        w += -LR * g / (np.sqrt(c) + EPS)


def naive_adam(ws, gs, state, t, decoupled=0.0):
    b1, b2 = BETAS
    for w, g, m, v in zip(ws, gs, state["m"], state["v"]):
        if decoupled:
            w *= 1 - LR * decoupled
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * g**2
        w += -LR * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + EPS)


def naive_adamw(ws, gs, state, t):
    naive_adam(ws, gs, state, t, decoupled=WD)


OPTIMIZERS = {
    "sgd": (lambda p: optim.SGD(p, lr=LR), "SGD", dict(lr=LR)),
    "momentum": (lambda p: optim.SGD(p, lr=LR, momentum=MU), "SGD", dict(lr=LR, momentum=MU)),
    "nesterov": (lambda p: optim.SGD(p, lr=LR, momentum=MU, nesterov=True), "SGD",
                 dict(lr=LR, momentum=MU, nesterov=True)),
    "adagrad": (lambda p: optim.Adagrad(p, lr=LR, eps=EPS), "Adagrad", dict(lr=LR, eps=EPS)),
    "rmsprop": (lambda p: optim.RMSprop(p, lr=LR, alpha=ALPHA, eps=EPS), "RMSprop", dict(lr=LR, alpha=ALPHA, eps=EPS)),
    "adam": (lambda p: optim.Adam(p, lr=LR, betas=BETAS, eps=EPS), "Adam", dict(lr=LR, betas=BETAS, eps=EPS)),
    "adamw": (lambda p: optim.AdamW(p, lr=LR, betas=BETAS, eps=EPS, weight_decay=WD), "AdamW",
              dict(lr=LR, betas=BETAS, eps=EPS, weight_decay=WD)),
}


def numpy_state(weights: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    zeros = lambda: [np.zeros_like(w) for w in weights]  # noqa: E731
    return {"tmp": zeros(), "v": zeros(), "c": zeros(), "m": zeros()}


def contenders_for(name: str, steps: int, shapes: list[tuple[int, ...]] = SHAPES,
                   extras: bool = True) -> list[Contender]:
    make_optimizer, torch_name, torch_kwargs = OPTIMIZERS[name]
    weights, grads = make_arrays(shapes)
    inplace, naive = globals()[f"inplace_{name}"], globals()[f"naive_{name}"]

    def numpy_runner(update):
        ws = [w.copy() for w in weights]
        state = numpy_state(ws)
        if name == "adam" or name == "adamw":
            state["v"] = [np.zeros_like(w) for w in ws]
        counter = [0]

        def run():
            for _ in range(steps):
                counter[0] += 1
                update(ws, grads, state, counter[0])

        return run

    params = [ae.Tensor(w.copy(), requires_grad=True) for w in weights]
    for p, g in zip(params, grads):
        p.grad = g
    opt = make_optimizer(params)

    def optim_run():
        for _ in range(steps):
            opt.step()

    found = [
        Contender("numpy in-place", numpy_runner(inplace)),
        Contender("optim", optim_run),
    ]
    if not extras:
        return found
    found.append(Contender("numpy naive", numpy_runner(naive)))
    try:
        import torch
    except ImportError:
        return found
    tensors = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    for t, g in zip(tensors, grads):
        t.grad = torch.from_numpy(g)
    torch_opt = getattr(torch.optim, torch_name)(tensors, **torch_kwargs)

    def torch_run():
        with torch.no_grad():
            for _ in range(steps):
                torch_opt.step()

    found.append(Contender("torch", torch_run))
    return found


def python_overhead(name: str, number: int = 2000, repeat: int = 15) -> float:
    """The optimizer's own cost per step, in seconds: ``step()`` minus the hand-written update, both on the
    six parameters shrunk to one element (so the arithmetic is negligible); best of ``repeat`` runs."""
    weights, grads = make_arrays([(1,)] * len(SHAPES))
    state = numpy_state(weights)
    inplace = globals()[f"inplace_{name}"]
    params = [ae.Tensor(w.copy(), requires_grad=True) for w in weights]
    for p, g in zip(params, grads):
        p.grad = g
    opt = OPTIMIZERS[name][0](params)
    numpy_time = min(timeit.repeat(lambda: inplace(weights, grads, state, 1), number=number, repeat=repeat))
    optim_time = min(timeit.repeat(opt.step, number=number, repeat=repeat))
    return (optim_time - numpy_time) / number


def check_agreement(name: str) -> float:
    """Largest difference between ``optim`` and the in-place NumPy update after 3 steps."""
    make_optimizer = OPTIMIZERS[name][0]
    weights, grads = make_arrays()
    ws = [w.copy() for w in weights]
    state = numpy_state(ws)
    params = [ae.Tensor(w.copy(), requires_grad=True) for w in weights]
    for p, g in zip(params, grads):
        p.grad = g
    opt = make_optimizer(params)
    for t in range(1, 4):
        globals()[f"inplace_{name}"](ws, grads, state, t)
        opt.step()
    return max(float(np.abs(p.data - w).max()) for p, w in zip(params, ws))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=5, help="optimizer steps per timed call")
    parser.add_argument("--only", default="", help="comma-separated subset of " + ",".join(OPTIMIZERS))
    args = parser.parse_args()
    ae.keep_freed_memory()  # as the Trainer does: freed arrays are reused by the next step (every contender gains)
    names = [n for n in OPTIMIZERS if not args.only or n in args.only.split(",")]

    summary = []
    for name in names:
        difference = check_agreement(name)
        assert difference == 0.0, f"{name}: optim and the hand-written update disagree by {difference}"
        contenders = contenders_for(name, args.steps)
        compare(contenders, repeats=args.repeats, pause=0.05, title=name)
        print(f"\n### {name}: one step over the MLP's parameters (float32, 1.84 M values), "
              f"{args.repeats} interleaved repeats\n")
        print(table(contenders, "numpy in-place", unit="ms", per=args.steps, per_label="step"))
        by_name = {c.name: c for c in contenders}
        big = statistics.median(by_name["numpy in-place"].times) / args.steps
        ratio = statistics.median(by_name["optim"].times) / args.steps / big
        overhead = python_overhead(name)
        summary.append((name, ratio, big, overhead))
    print("\n### Summary (target: optim <= 1.10 x numpy in-place)\n")
    print("The overhead column is step() minus the hand-written update on the same six parameters shrunk to one\n"
          "element (best of 15 x 2000 steps): the optimizer's own Python cost, which a busy machine cannot hide,\n"
          "as a share of the full step.\n")
    print("| optimizer | optim / numpy in-place (median) | numpy in-place step (ms) | optim overhead per step (us) "
          "| overhead / step |\n| --- | ---: | ---: | ---: | ---: |")
    for name, ratio, big, overhead in summary:
        print(f"| {name} | {ratio:.3f} | {big * 1e3:.2f} | {overhead * 1e6:.1f} | {overhead / big:.2%} |")
    print()
    print(machine_info())


if __name__ == "__main__":
    main()
