"""How long drawing a big graph takes: building the DOT text, and laying it out and rendering SVG.

Graphs measured (each is built, then drawn with ``autograd_engine.draw`` and
rendered to SVG with the renderer ``find_renderer()`` picks -- the system
``dot`` when on PATH, else ``graphviz-pure``):

- ``chain``: a 10,000-op chain ``y = y * 0.999`` on a scalar (10,001 nodes;
  the scalar constant folds into the op's label);
- ``chain+leaves``: a 10,000-op chain ``y = y * w_i`` where each ``w_i`` is its
  own leaf (20,001 nodes, fan-in 2 at every op);
- ``neurons``: a layer of scalar-op neurons ``tanh(sum_i w_i x_i + b)`` as in
  micrograd, about 10,000 ops.

Each is rendered with the default layout choice (``fast_layout`` on above
2,000 nodes: ``autograd_engine.viz.FAST_LAYOUT``); ``--slow`` also renders the chains
with the full network-simplex placement for comparison (takes minutes).

Run: ``python benchmarks/viz.py`` (about half a minute on 2 cores).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd_engine as ae  # noqa: E402
from autograd_engine.viz import find_renderer, to_svg  # noqa: E402


def chain(n: int) -> ae.Tensor:
    y = ae.Tensor(0.5, requires_grad=True)
    for _ in range(n):
        y = y * 0.999
    return y


def chain_with_leaves(n: int) -> ae.Tensor:
    y = ae.Tensor(1.0, requires_grad=True)
    for _ in range(n):
        y = y * ae.Tensor(1.0, requires_grad=True)
    return y


def neurons(n_ops: int, fan_in: int = 24) -> ae.Tensor:
    """Scalar neurons: each costs 2 * fan_in + 1 ops (fan_in multiplies, fan_in adds, tanh)."""
    xs = [ae.Tensor(0.1 * i, requires_grad=False) for i in range(fan_in)]
    outs = []
    for _ in range(n_ops // (2 * fan_in + 1)):
        s = ae.Tensor(0.0, requires_grad=True)
        for x in xs:
            s = s + ae.Tensor(0.01, requires_grad=True) * x
        outs.append(ae.tanh(s))
    total = outs[0]
    for o in outs[1:]:
        total = total + o
    return total


def measure(name: str, root: ae.Tensor, fast_layout: bool | None = None) -> None:
    start = time.perf_counter()
    drawing = ae.draw(root, fast_layout=fast_layout)
    built = time.perf_counter() - start
    n_nodes = sum(1 for line in drawing.body if "[label=" in line)
    start = time.perf_counter()
    svg = to_svg(drawing)
    rendered = time.perf_counter() - start
    layout = "fast" if "nslimit=0" in drawing.source else "full"
    print(f"| {name} | {n_nodes} | {layout} | {built:.2f} | {rendered:.1f} | {len(svg) / 1e6:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--slow", action="store_true", help="also time the full layout (minutes)")
    args = parser.parse_args()
    print(f"renderer: {find_renderer()}  python {sys.version.split()[0]}")
    print("| graph | nodes | layout | DOT text (s) | render SVG (s) | SVG (MB) |")
    print("| --- | --- | --- | --- | --- | --- |")
    measure("chain", chain(args.ops))
    measure("chain+leaves", chain_with_leaves(args.ops))
    measure("neurons", neurons(args.ops))
    if args.slow:
        measure("chain", chain(args.ops), fast_layout=False)
        measure("chain+leaves", chain_with_leaves(args.ops), fast_layout=False)


if __name__ == "__main__":
    main()
