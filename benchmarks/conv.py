"""One training step of a small ConvNet on CIFAR-sized images, batch 64, float32.

    conv(3->32, 3x3, pad 1) - relu - maxpool 2 - conv(32->64, 3x3, pad 1) - relu - maxpool 2
    - linear(4096 -> 10) - softmax cross-entropy - backward - SGD update

written three ways on the same data and the same initial weights:

- ``engine``: ``nn.Conv2d``/``nn.MaxPool2d``/... modules on the engine's primitives
  (im2col + BLAS GEMMs, Numba kernels for im2col/col2im/pooling);
- ``torch``: the same model in PyTorch eager mode on CPU, with the same number of threads;
- ``numpy``: hand-written forward and backward with a NumPy im2col
  (``sliding_window_view``), col2im by adding the 9 shifted tap planes, and max
  pooling by the reshape trick -- the CS231n fast layers without Cython.

The same step is also timed ten times back to back, as a training loop runs it.
Then a per-kernel breakdown (conv forward, conv backward for the input and for the
weights, pool forward and backward) beside the matching PyTorch kernels, and the
first-call cost of the Numba kernels in a fresh process: with an empty cache (compile)
and with a warm cache (load), each as the first step's time minus a steady step's.

Run:  python benchmarks/conv.py [--repeats N] [--threads T] [--no-compile]

``--threads 1`` compares single-threaded work, which a busy machine disturbs less.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

if "--threads" in sys.argv:  # must be set before NumPy (OpenBLAS) starts its threads
    _threads = sys.argv[sys.argv.index("--threads") + 1]
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["AUTOGRAD_ENGINE_NUM_THREADS"] = _threads

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

BATCH, LR = 64, 1e-3


def make_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Images, labels and the weights (PyTorch layouts, PyTorch-like scale), all float32."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, size=BATCH)

    def uniform(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    weights = {
        "w1": uniform((32, 3, 3, 3), 27), "b1": uniform(32, 27),
        "w2": uniform((64, 32, 3, 3), 288), "b2": uniform(64, 288),
        "w3": uniform((10, 4096), 4096), "b3": uniform(10, 4096),
    }
    return x, y, weights


# ----- the engine ------------------------------------------------------------------------------


def engine_model(weights):
    import nn

    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4096, 10),
    )
    for layer, (w, b) in zip((model[0], model[3], model[7]), (("w1", "b1"), ("w2", "b2"), ("w3", "b3"))):
        layer.weight.data[...] = weights[w]
        layer.bias.data[...] = weights[b]
    return model


def engine_step_fn(x, y, weights):
    import nn
    import optim

    model = engine_model(weights)
    optimizer = optim.SGD(model.parameters(), lr=LR)

    def step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step, model


# ----- PyTorch ----------------------------------------------------------------------------------


def torch_step_fn(x, y, weights):
    import torch

    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(4096, 10),
    )
    with torch.no_grad():
        for layer, (w, b) in zip((model[0], model[3], model[7]), (("w1", "b1"), ("w2", "b2"), ("w3", "b3"))):
            layer.weight.copy_(torch.from_numpy(weights[w]))
            layer.bias.copy_(torch.from_numpy(weights[b]))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(tx), ty)
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step


# ----- hand-written NumPy -------------------------------------------------------------------------


def np_im2col(x, k=3, pad=1):
    """(C*k*k, N*H*W) columns of a stride-1, 'same'-padded convolution."""
    n, c, h, w = x.shape
    windows = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))), (k, k), axis=(2, 3))
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * k * k, n * h * w)


def np_conv_forward(x, w, b):
    f = w.shape[0]
    n, _, h, width = x.shape
    cols = np_im2col(x)
    out = (w.reshape(f, -1) @ cols).reshape(f, n, h, width).transpose(1, 0, 2, 3) + b[None, :, None, None]
    return np.ascontiguousarray(out), cols


def np_conv_backward(dout, cols, x_shape, w, need_dx, k=3, pad=1):
    f = w.shape[0]
    n, c, h, width = x_shape
    dout_fm = dout.transpose(1, 0, 2, 3).reshape(f, -1)
    dw = (dout_fm @ cols.T).reshape(w.shape)
    db = dout_fm.sum(axis=1)
    if not need_dx:
        return None, dw, db
    dcols = (w.reshape(f, -1).T @ dout_fm).reshape(c, k, k, n, h, width)
    dx_pad = np.zeros((n, c, h + 2 * pad, width + 2 * pad), dtype=dout.dtype)
    for i in range(k):  # col2im: add each tap's plane at its shift (9 adds, no loop over pixels)
        for j in range(k):
            dx_pad[:, :, i:i + h, j:j + width] += dcols[:, i, j].transpose(1, 0, 2, 3)
    return dx_pad[:, :, pad:-pad, pad:-pad], dw, db


def np_pool_forward(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def np_pool_backward(dout, x, out):
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2)
    mask = windows == out[:, :, :, None, :, None]
    return (mask * dout[:, :, :, None, :, None]).reshape(x.shape)


def numpy_step_fn(x, y, weights):
    params = {k: v.copy() for k, v in weights.items()}

    def step():
        p = params
        a1, cols1 = np_conv_forward(x, p["w1"], p["b1"])
        r1 = np.maximum(a1, 0)
        p1 = np_pool_forward(r1)
        a2, cols2 = np_conv_forward(p1, p["w2"], p["b2"])
        r2 = np.maximum(a2, 0)
        p2 = np_pool_forward(r2)
        flat = p2.reshape(BATCH, -1)
        scores = flat @ p["w3"].T + p["b3"]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(BATCH), y].mean()
        dscores = np.exp(log_probs)
        dscores[np.arange(BATCH), y] -= 1
        dscores /= BATCH
        grads = {"w3": dscores.T @ flat, "b3": dscores.sum(axis=0)}
        dp2 = (dscores @ p["w3"]).reshape(p2.shape)
        da2 = np_pool_backward(dp2, r2, p2) * (a2 > 0)
        dp1, grads["w2"], grads["b2"] = np_conv_backward(da2, cols2, p1.shape, p["w2"], need_dx=True)
        da1 = np_pool_backward(dp1, r1, p1) * (a1 > 0)
        _, grads["w1"], grads["b1"] = np_conv_backward(da1, cols1, x.shape, p["w1"], need_dx=False)
        for k, g in grads.items():
            p[k] -= LR * g
        return float(loss)

    return step, params


# ----- per-kernel breakdown ---------------------------------------------------------------------------


def kernel_contenders(threads: int, with_torch: bool):
    """(title, [Contender engine, Contender torch]) for each kernel at the benchmark's sizes."""
    from _timing import Contender

    import autograd_engine as ae

    rng = np.random.default_rng(1)
    x1 = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    w1 = rng.standard_normal((32, 3, 3, 3)).astype(np.float32)
    x2 = rng.standard_normal((BATCH, 32, 16, 16)).astype(np.float32)
    w2 = rng.standard_normal((64, 32, 3, 3)).astype(np.float32)
    b1, b2 = np.zeros(32, np.float32), np.zeros(64, np.float32)
    r1 = rng.standard_normal((BATCH, 32, 32, 32)).astype(np.float32)

    def node(fn, *inputs):
        tensors = [ae.Tensor(a, requires_grad=True) for a in inputs]
        out = fn(*tensors)
        return out.grad_fn, out.data, [t.data for t in tensors]

    def backward_only(fn, needs, *inputs):
        op, out, arrays = node(fn, *inputs)
        g = np.ones_like(out)

        def run():
            op.needs_grad = needs
            op.backward(g, out, *arrays)

        return run

    def conv(x, w, b):
        return ae.conv2d(x, w, b, padding=1)

    def pool(x):
        return ae.max_pool2d(x, 2)

    def no_grad(fn, *args):
        def run():
            with ae.no_grad():
                fn(*args)
        return run

    engine = {
        "conv1 forward (3->32, 32x32)": no_grad(conv, x1, w1, b1),
        "conv2 forward (32->64, 16x16)": no_grad(conv, x2, w2, b2),
        "conv2 backward, input": backward_only(conv, (True, False, False), x2, w2, b2),
        "conv1 backward, weight+bias": backward_only(conv, (False, True, True), x1, w1, b1),
        "conv2 backward, weight+bias": backward_only(conv, (False, True, True), x2, w2, b2),
        "pool1 forward (32x32x32)": no_grad(pool, r1),
        "pool1 backward": backward_only(pool, (True,), r1),
    }
    torch_runs = {}
    if with_torch:
        import torch

        t = {k: torch.from_numpy(v) for k, v in {"x1": x1, "w1": w1, "x2": x2, "w2": w2, "b1": b1, "b2": b2,
                                                 "r1": r1}.items()}
        out1 = torch.nn.functional.conv2d(t["x1"], t["w1"], t["b1"], padding=1)
        out2 = torch.nn.functional.conv2d(t["x2"], t["w2"], t["b2"], padding=1)
        pooled, indices = torch.ops.aten.max_pool2d_with_indices(t["r1"], [2, 2], [2, 2])
        g1, g2, gp = torch.ones_like(out1), torch.ones_like(out2), torch.ones_like(pooled)

        def conv_backward(g, x, w, mask):
            return lambda: torch.ops.aten.convolution_backward(
                g, x, w, [w.shape[0]], [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)

        torch_runs = {
            "conv1 forward (3->32, 32x32)": lambda: torch.nn.functional.conv2d(t["x1"], t["w1"], t["b1"], padding=1),
            "conv2 forward (32->64, 16x16)": lambda: torch.nn.functional.conv2d(t["x2"], t["w2"], t["b2"], padding=1),
            "conv2 backward, input": conv_backward(g2, t["x2"], t["w2"], [True, False, False]),
            "conv1 backward, weight+bias": conv_backward(g1, t["x1"], t["w1"], [False, True, True]),
            "conv2 backward, weight+bias": conv_backward(g2, t["x2"], t["w2"], [False, True, True]),
            "pool1 forward (32x32x32)": lambda: torch.ops.aten.max_pool2d_with_indices(t["r1"], [2, 2], [2, 2]),
            "pool1 backward": lambda: torch.ops.aten.max_pool2d_with_indices_backward(
                gp, t["r1"], [2, 2], [2, 2], [0, 0], [1, 1], False, indices),
        }
    for title, run in engine.items():
        contenders = [Contender("engine", run)]
        if title in torch_runs:
            contenders.append(Contender("torch", torch_runs[title]))
        yield title, contenders


# ----- first-call cost in a fresh process ---------------------------------------------------------------


def first_step_child() -> None:
    """In a fresh process: import time, then the first step and a steady step (JSON on stdout)."""
    start = time.perf_counter()
    import autograd_engine  # noqa: F401
    import nn  # noqa: F401
    import optim  # noqa: F401

    imported = time.perf_counter()
    x, y, weights = make_problem()
    step, _ = engine_step_fn(x, y, weights)
    t0 = time.perf_counter()
    step()
    t1 = time.perf_counter()
    steady = min(_timed(step) for _ in range(3))
    print(json.dumps({"import": imported - start, "first": t1 - t0, "steady": steady}))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def first_call_costs() -> list[str]:
    lines = ["| cache | import autograd_engine, nn, optim (s) | first step (s) | steady step (s) | first-call extra (s) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("empty (compile)", "warm (load)"):
            result = subprocess.run([sys.executable, os.path.abspath(__file__), "--first-step-child"], env=env,
                                    capture_output=True, text=True, check=True)
            r = json.loads(result.stdout.strip().splitlines()[-1])
            lines.append(f"| {label} | {r['import']:.2f} | {r['first']:.2f} | {r['steady']:.3f} | "
                         f"{r['first'] - r['steady']:.2f} |")
    return lines


# ----- main ---------------------------------------------------------------------------------------------


STEPS_IN_A_ROW = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--no-compile", action="store_true", help="skip the fresh-process compile measurements")
    parser.add_argument("--threads", type=int, help="threads for BLAS, the kernels and PyTorch (default: all cores)")
    parser.add_argument("--first-step-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_step_child:
        first_step_child()
        return

    from _timing import Contender, compare, in_a_row, machine_info, table

    import autograd_engine as ae
    from autograd_engine.kernels.threads import get_num_threads

    ae.keep_freed_memory()  # as the Trainer does: freed arrays are reused by the next step (every contender gains)
    threads = get_num_threads()
    x, y, weights = make_problem()
    engine_step, model = engine_step_fn(x, y, weights)
    numpy_step, _ = numpy_step_fn(x, y, weights)
    losses = {"engine": engine_step(), "numpy": numpy_step()}
    assert model[0].weight.grad.dtype == np.float32, "the engine's gradients left float32"
    contenders = [Contender("engine", engine_step), Contender("numpy (hand-written im2col)", numpy_step)]
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: skipped (pip install -e '.[bench]')")
    else:
        torch.set_num_threads(threads)
        torch_step = torch_step_fn(x, y, weights)
        losses["torch"] = torch_step()
        contenders.insert(1, Contender("torch", torch_step))
    assert max(losses.values()) - min(losses.values()) < 1e-4, f"the contenders disagree on the loss: {losses}"
    print(f"first-step losses agree: {losses}")
    reference = "torch" if torch is not None else "numpy (hand-written im2col)"

    compare(contenders, repeats=args.repeats, title="training step")
    print(f"\n### One SGD step of the ConvNet, batch {BATCH}, 3x32x32, float32, {threads} threads "
          f"({args.repeats} interleaved repeats)\n")
    print(table(contenders, reference, unit="ms", per_label="step"))

    # A training loop runs its steps back to back: no pause lets the threads of one step
    # (BLAS's spinning workers, the kernels' pool) settle before the next.
    back_to_back = [in_a_row(c, STEPS_IN_A_ROW) for c in contenders
                    if c.name != "numpy (hand-written im2col)" or torch is None]
    compare(back_to_back, repeats=max(3, args.repeats // 3), title="steps in a row")
    print(f"\n### {STEPS_IN_A_ROW} steps back to back, time per step\n")
    print(table(back_to_back, reference, unit="ms", per=STEPS_IN_A_ROW, per_label="step"))

    print("\n### Per kernel (engine beside the matching PyTorch kernel)\n")
    print("| kernel | engine min (ms) | engine median (ms) | torch min (ms) | engine / torch (min) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for title, kernel_contenders_ in kernel_contenders(threads, torch is not None):
        compare(kernel_contenders_, repeats=max(5, args.repeats // 2), pause=0.05, title=title)
        e = kernel_contenders_[0]
        tc = kernel_contenders_[1] if len(kernel_contenders_) > 1 else None
        t_min = f"{min(tc.times) * 1e3:.2f}" if tc else "-"
        ratio = f"{min(e.times) / min(tc.times):.2f}x" if tc else "-"
        print(f"| {title} | {min(e.times) * 1e3:.2f} | {np.median(e.times) * 1e3:.2f} | {t_min} | {ratio} |")

    if not args.no_compile:
        print("\n### First call of the Numba kernels in a fresh process (float32 step)\n")
        print("\n".join(first_call_costs()))
    print()
    print(machine_info())


if __name__ == "__main__":
    main()
