"""One training step of an LSTM language-model layer, five ways.

    out, _ = LSTM(D=64, H=128)(x)           x: (T=50, N=32, D), float32
    loss = cross_entropy(Linear(H, 64)(out) at every step, labels (T, N))
    loss.backward()                          gradients of every parameter

- **hand-written NumPy**: the forward and the backward pass through time written out by hand
  (CS231n ``lstm_forward``/``lstm_backward`` style, the input projection and the weight
  gradients batched over all steps) -- the reference;
- **autograd_engine nn.LSTM**: ``nn.LSTM`` + ``nn.Linear`` + ``nn.functional.cross_entropy``,
  differentiated by the engine; the LSTM runs its recurrence as one engine primitive
  (``ae.lstm_recurrence``);
- **autograd_engine composed steps**: the same with the recurrence composed from primitives,
  ``ae.lstm_step`` (fifteen nodes) per time step, as ``nn.LSTM`` ran before it had the primitive;
- **PyTorch fused nn.LSTM**: ``torch.nn.LSTM`` (one fused kernel per layer);
- **PyTorch eager cell loop**: the same cell written with torch ops in a Python loop.

All five start from the same weights and must agree on the loss and the gradients before
anything is timed.  Timing is interleaved (``_timing.compare``); judge the ratios.

Run:  python benchmarks/lstm.py [--repeats N] [--single-thread [--cpu-time]]
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time

if "--single-thread" in sys.argv:  # must precede the NumPy import to reach OpenBLAS
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import Contender, compare, machine_info, table  # noqa: E402

import autograd_engine as ae  # noqa: E402
import nn  # noqa: E402

T, N, D, H, C = 50, 32, 64, 128, 64
PROBLEM = f"LSTM T={T}, N={N}, D={D}, H={H} + Linear to {C} classes + cross-entropy"


def make_problem(seed: int = 0) -> dict[str, np.ndarray]:
    """Weights in PyTorch's layout (gates i, f, g, o) and one batch of data, float32."""
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(H)

    def u(*shape: int) -> np.ndarray:
        return rng.uniform(-k, k, shape).astype(np.float32)

    return {
        "weight_ih": u(4 * H, D), "weight_hh": u(4 * H, H), "bias_ih": u(4 * H), "bias_hh": u(4 * H),
        "weight_out": u(C, H), "bias_out": u(C),
        "x": rng.standard_normal((T, N, D)).astype(np.float32),
        "y": rng.integers(0, C, (T, N)),
    }


# ----- the hand-written reference ----------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class NumpyLSTM:
    """Forward and backward written by hand; returns the loss and the gradients."""

    def __init__(self, p: dict[str, np.ndarray]) -> None:
        self.p = p

    def step(self) -> tuple[float, dict[str, np.ndarray]]:
        p = self.p
        x, y = p["x"], p["y"].reshape(-1)
        w_hh_t = p["weight_hh"].T
        # forward: the input projection of all steps in one product
        x_gates = (x.reshape(T * N, D) @ p["weight_ih"].T + (p["bias_ih"] + p["bias_hh"])).reshape(T, N, 4 * H)
        acts = np.empty((T, N, 4 * H), np.float32)  # i, f, g, o after their nonlinearities
        cs = np.empty((T + 1, N, H), np.float32)
        hs = np.empty((T + 1, N, H), np.float32)
        tanh_cs = np.empty((T, N, H), np.float32)
        hs[0] = cs[0] = 0
        for t in range(T):
            a = acts[t]
            np.add(x_gates[t], hs[t] @ w_hh_t, out=a)
            a[:, : 2 * H] = _sigmoid(a[:, : 2 * H])
            a[:, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])
            a[:, 3 * H :] = _sigmoid(a[:, 3 * H :])
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            cs[t + 1] = f * cs[t] + i * g
            tanh_cs[t] = np.tanh(cs[t + 1])
            hs[t + 1] = o * tanh_cs[t]
        h_all = hs[1:].reshape(T * N, H)
        scores = h_all @ p["weight_out"].T + p["bias_out"]
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        rows = np.arange(T * N)
        loss = float(-np.log(probs[rows, y]).mean())
        # backward
        dscores = probs
        dscores[rows, y] -= 1
        dscores /= T * N
        grads = {"weight_out": dscores.T @ h_all, "bias_out": dscores.sum(axis=0)}
        dh_all = (dscores @ p["weight_out"]).reshape(T, N, H)
        dgates = np.empty((T, N, 4 * H), np.float32)
        dh = np.zeros((N, H), np.float32)
        dc = np.zeros((N, H), np.float32)
        for t in reversed(range(T)):
            a = acts[t]
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            dh += dh_all[t]
            dc += dh * o * (1 - tanh_cs[t] ** 2)
            da = dgates[t]
            da[:, :H] = dc * g * i * (1 - i)
            da[:, H : 2 * H] = dc * cs[t] * f * (1 - f)
            da[:, 2 * H : 3 * H] = dc * i * (1 - g * g)
            da[:, 3 * H :] = dh * tanh_cs[t] * o * (1 - o)
            dc *= f
            dh = da @ p["weight_hh"]
        dgates_all = dgates.reshape(T * N, 4 * H)
        grads["weight_hh"] = dgates_all.T @ hs[:-1].reshape(T * N, H)
        grads["weight_ih"] = dgates_all.T @ x.reshape(T * N, D)
        grads["bias_ih"] = grads["bias_hh"] = dgates_all.sum(axis=0)
        return loss, grads


# ----- autograd_engine -----------------------------------------------------------------------


class EngineLSTM:
    def __init__(self, p: dict[str, np.ndarray]) -> None:
        self.lstm, self.head = nn.LSTM(D, H), nn.Linear(H, C)
        self.lstm.load_state_dict({f"{k}_l0": p[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
        self.head.load_state_dict({"weight": p["weight_out"], "bias": p["bias_out"]})
        self.x, self.y = ae.Tensor(p["x"]), p["y"].reshape(-1)

    def step(self) -> tuple[float, dict[str, np.ndarray]]:
        self.lstm.zero_grad()
        self.head.zero_grad()
        loss = nn.functional.cross_entropy(self.head(self.hidden_states()), self.y)
        loss.backward()
        grads = {k[:-3]: v.grad for k, v in self.lstm.named_parameters()}
        grads.update(weight_out=self.head.weight.grad, bias_out=self.head.bias.grad)
        return loss.item(), grads

    def hidden_states(self):
        """The LSTM's hidden state at every step, (T*N, H)."""
        return self.lstm(self.x)[0].reshape(T * N, H)


class EngineComposedLSTM(EngineLSTM):
    """:class:`EngineLSTM` with the time loop composed from ``ae.lstm_step``, one node per op."""

    def hidden_states(self):
        lstm = self.lstm
        x_gates = ae.linear(ae.reshape(self.x, (T * N, D)), lstm.weight_ih_l0, lstm.bias_ih_l0 + lstm.bias_hh_l0)
        x_gates = ae.reshape(x_gates, (T, N, 4 * H))
        h = c = np.zeros((N, H), np.float32)
        outputs = []
        for t in range(T):
            h, c = ae.lstm_step(x_gates[t], h, c, lstm.weight_hh_l0)
            outputs.append(h)
        return ae.concatenate(outputs, axis=0)


# ----- PyTorch ---------------------------------------------------------------------------------


class TorchLSTM:
    """``fused=True``: torch.nn.LSTM; ``fused=False``: the same cell in a Python loop of torch ops."""

    def __init__(self, p: dict[str, np.ndarray], fused: bool) -> None:
        import torch

        self.torch, self.fused = torch, fused
        self.lstm, self.head = torch.nn.LSTM(D, H), torch.nn.Linear(H, C)
        with torch.no_grad():
            for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self.lstm, f"{k}_l0").copy_(torch.from_numpy(p[k]))
            self.head.weight.copy_(torch.from_numpy(p["weight_out"]))
            self.head.bias.copy_(torch.from_numpy(p["bias_out"]))
        self.x, self.y = torch.from_numpy(p["x"]), torch.from_numpy(p["y"].reshape(-1))

    def _eager_forward(self):
        torch, lstm = self.torch, self.lstm
        w_ih, w_hh = lstm.weight_ih_l0, lstm.weight_hh_l0
        x_gates = self.x @ w_ih.T + (lstm.bias_ih_l0 + lstm.bias_hh_l0)
        h = c = torch.zeros(N, H)
        outputs = []
        for t in range(T):
            i, f, g, o = (x_gates[t] + h @ w_hh.T).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs)

    def step(self) -> tuple[float, dict[str, np.ndarray]]:
        self.lstm.zero_grad()
        self.head.zero_grad()
        out = self.lstm(self.x)[0] if self.fused else self._eager_forward()
        loss = self.torch.nn.functional.cross_entropy(self.head(out).reshape(T * N, C), self.y)
        loss.backward()
        grads = {k[:-3]: v.grad.numpy() for k, v in self.lstm.named_parameters()}
        grads.update(weight_out=self.head.weight.grad.numpy(), bias_out=self.head.bias.grad.numpy())
        return loss.item(), grads


def check_agreement(contenders: dict[str, object]) -> None:
    """Every contender computes the reference's loss and gradients (float32 tolerance)."""
    ref_loss, ref_grads = contenders["hand-written NumPy"].step()
    for name, model in contenders.items():
        loss, grads = model.step()
        worst = max(float(np.abs(grads[k] - g).max() / np.abs(g).max()) for k, g in ref_grads.items())
        if abs(loss - ref_loss) > 1e-5 * ref_loss or worst > 1e-4:
            raise AssertionError(f"{name} disagrees with the hand-written step: loss {loss} vs {ref_loss}, gradients {worst:.2e}")


def time_and_report(
    models: dict[str, object], repeats: int, title: str, heading: str, kind: type[Contender] = Contender
) -> None:
    """Check that the models agree, time their steps interleaved, print the table."""
    check_agreement(models)
    contenders = [kind(name, model.step) for name, model in models.items()]
    compare(contenders, repeats=repeats, warmup=2, pause=0.2, title=title)
    print(heading + "\n")
    print(machine_info() + "\n")
    print(table(contenders, reference="hand-written NumPy", unit="ms"))


class CpuTimeContender(Contender):
    """Times the process's CPU time instead of the wall clock: on a loaded machine a single-threaded
    run is then charged only for its own work (use with ``--single-thread``)."""

    def time_once(self) -> float:
        args = () if self.setup is None else (self.setup(),)
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            self.run(*args)
            return time.process_time() - start
        finally:
            gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--single-thread", action="store_true", help="one BLAS thread, one torch thread")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU seconds, not wall clock (with --single-thread)")
    args = parser.parse_args()
    ae.keep_freed_memory()  # as the Trainer does: freed arrays are reused by the next step (every contender gains)
    if args.cpu_time and not args.single_thread:
        parser.error("--cpu-time needs --single-thread (several threads' CPU time is not a duration)")

    p = make_problem()
    models: dict[str, object] = {
        "hand-written NumPy": NumpyLSTM(p),
        "autograd_engine nn.LSTM": EngineLSTM(p),
        "autograd_engine composed steps": EngineComposedLSTM(p),
    }
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: timing NumPy and autograd_engine only")
    else:
        if args.single_thread:
            torch.set_num_threads(1)
        models["PyTorch fused nn.LSTM"] = TorchLSTM(p, fused=True)
        models["PyTorch eager cell loop"] = TorchLSTM(p, fused=False)
    clock = "CPU time" if args.cpu_time else "wall clock"
    threads = "one thread" if args.single_thread else "default threads"
    heading = f"## One training step: {PROBLEM}, float32 ({clock}, {threads})"
    time_and_report(models, args.repeats, "lstm step", heading, CpuTimeContender if args.cpu_time else Contender)


if __name__ == "__main__":
    main()
