"""Pieces shared by several test files (imported as ``helpers``: tests/conftest.py puts ``tests/`` on sys.path).

Paths, tensors and data sets (with the CS231n published vectors), models, gradient and optimizer
checks, the optimizers' updates written out by hand, checkpoint files and writers killed mid-save,
and reading the SVG of a drawing."""
import functools
import io
import json
import math
import os
import re
import signal
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

import autograd_engine as ae
import nn
from autograd_engine.viz import retain_grads

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent  # the repository
DATA = TESTS / "data"


def leaf(values, dtype=np.float64):
    """A leaf that requires grad, holding a copy of ``values`` in ``dtype``."""
    return ae.Tensor(np.array(values, dtype=dtype), requires_grad=True)


_RANDN = np.random.default_rng(0)


def randn(*shape, scale=1.0):
    """Standard normal values of ``shape`` times ``scale``, from one generator seeded once."""
    return scale * _RANDN.standard_normal(shape)


# ----- data sets -------------------------------------------------------------------------------------------


def spiral(n_per_class: int, rng: np.random.Generator, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The notes' spiral data set (``nn.data.make_spiral``): ``classes`` arms of ``n_per_class`` points
    each, drawn from ``rng``.  Returns ``X`` (n_per_class * classes, 2) float64 and ``y`` int64."""
    return nn.data.make_spiral(n_per_class, classes, noise=0.2, seed=rng)


def spiral_data(*sizes, seed=0):
    """Spiral data sets of ``sizes[i]`` points per class, drawn one after another from
    ``default_rng(seed)``: a list of ``(X, y)`` with X in float32 and y int64."""
    rng = np.random.default_rng(seed)
    out = []
    for n_per_class in sizes:
        X, y = spiral(n_per_class, rng)
        out.append((X.astype(np.float32), y))
    return out


@functools.cache
def cs231n_vectors():
    """The CS231n notebooks' published checks (tests/data): ``({case name: case}, the arrays they name)``."""
    cases = {c["name"]: c for c in json.loads((DATA / "cs231n_vectors.json").read_text())["cases"]}
    return cases, np.load(DATA / "cs231n_vectors.npz")


def cs231n_rel_error(a, b):
    """The course's relative error, max |a - b| / max(1e-8, |a| + |b|): the published tolerances of
    the CS231n checks are bounds on this (``ae.rel_error`` divides by max(|a|, |b|), up to twice as much)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


# ----- models ----------------------------------------------------------------------------------------------


def two_layer_net(seed=0, hidden=100, dropout=0.0):
    """The notes' spiral classifier: Linear(2, hidden), ReLU, [Dropout], Linear(hidden, 3), seeded."""
    ae.seed(seed)
    layers = [nn.Linear(2, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, 3))


def net(seed=0, hidden=16):
    """A small spiral classifier: ``two_layer_net`` with 16 hidden units."""
    return two_layer_net(seed, hidden)


def small_net(seed=0):
    """A small spiral classifier with dropout: ``two_layer_net`` with 16 hidden units and Dropout(0.1)."""
    return two_layer_net(seed, hidden=16, dropout=0.1)


class TwoLayer(nn.Module):
    """A module with children, a buffer that counts the calls, and a plain attribute."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)
        self.register_buffer("calls", np.zeros((), dtype=np.int64))
        self.scale = 2.0  # a plain attribute, not state

    def forward(self, x):
        self.calls += 1
        return self.fc2(self.act(self.fc1(x))) * self.scale


def make_model():
    """A model with parameters, buffers, dropout and batch norm: TwoLayer, Dropout, BatchNorm1d, Linear."""
    ae.seed(0)
    return nn.Sequential(TwoLayer(), nn.Dropout(0.5), nn.BatchNorm1d(3), nn.Linear(3, 2))


# ----- gradient and optimizer checks -----------------------------------------------------------------------


class HalfSquare(ae.Primitive):
    """x ** 2 with a deliberately wrong rule (the factor 2 is missing).  ``name`` is empty,
    so it is never registered in PRIMITIVES."""

    __slots__ = ()
    name = ""

    def forward(self, x):
        return x * x

    def backward(self, g, out, x):
        return (g * x,)


def optimizer_trajectory(opt_factory, x0: np.ndarray, grads) -> list[np.ndarray]:
    """Build ``opt_factory([x])`` on a parameter starting at ``x0``, take one step per gradient in
    ``grads`` (set as ``.grad``), and return a copy of the parameter after each step."""
    x = ae.Tensor(x0.copy(), requires_grad=True)
    opt = opt_factory([x])
    trajectory = []
    for g in grads:
        x.grad = g.copy()
        opt.step()
        trajectory.append(x.data.copy())
    return trajectory


def check_module(module, *inputs, train=True, n_samples=None):
    """gradcheck of ``module`` with respect to its inputs and every parameter, in float64; most
    coordinates must be compared, not skipped as kinks (relu, maxout, ...)."""
    module.double().train(train)
    names = [name for name, _ in module.named_parameters()]
    values = [p.data.copy() for _, p in module.named_parameters()]
    k = len(inputs)

    def f(*args):
        return nn.functional_call(module, dict(zip(names, args[k:])), tuple(args[:k]))

    return assert_gradcheck(f, [*inputs, *values], n_samples=n_samples)


def largest_difference(a, b):
    """The largest absolute difference between two trajectories (lists of lists of arrays)."""
    return max(float(np.max(np.abs(x - y))) for sa, sb in zip(a, b) for x, y in zip(sa, sb))


def assert_gradcheck(f, inputs, min_compared_fraction: float = 0.9, **kwargs):
    """``ae.gradcheck(f, inputs, **kwargs)`` must pass *and* have compared most coordinates.

    gradcheck skips a coordinate whose perturbation flips a branch of relu, abs, maximum, clip,
    max-pooling, ... (a kink, where there is no derivative to compare), and its report is truthy
    even when every coordinate was skipped -- which proves nothing.  So for every checked input,
    at least ``min_compared_fraction`` of the coordinates drawn (and at least one) must have been
    compared with the numerical gradient; inputs away from the kinks make that hold.  Returns
    the report.
    """
    report = ae.gradcheck(f, inputs, **kwargs)
    assert report.passed, report.table()
    for r in report.inputs:
        compared = r.checked - len(r.kinks)
        assert compared >= max(1, math.ceil(min_compared_fraction * r.checked)), (
            f"gradcheck compared only {compared} of the {r.checked} coordinates drawn from input {r.index}; "
            f"the others sit on kinks: choose inputs away from them\n{report.table()}"
        )
    return report


def assert_loss_matches_torch(loss, torch_loss, arrays, reduction, rng):
    """``loss(reduction, *tensors)`` against ``torch_loss(torch.nn.functional, reduction, *tensors)`` in
    float64: the value, and every argument's gradient under a random upstream gradient from ``rng``."""
    torch = pytest.importorskip("torch")
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    expected = torch_loss(torch.nn.functional, reduction, *tensors)
    upstream = rng.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    leaves = [ae.Tensor(a, requires_grad=True) for a in arrays]
    actual = loss(reduction, *leaves)
    actual.backward(upstream)
    np.testing.assert_allclose(actual.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    for leaf_, tensor in zip(leaves, tensors):
        np.testing.assert_allclose(leaf_.grad, tensor.grad.numpy(), rtol=1e-10, atol=1e-13)


# ----- optimizer updates written out by hand (NumPy, one parameter at a time) ------------------------


def sgd_reference(x0, grads, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                  maximize=False):
    """The notes' SGD: ``v = mu * v - lr * g; x += v``, Nesterov ``x += -mu * v_prev + (1 + mu) * v``,
    with ``g = (-grad if maximize else grad) + weight_decay * x``.  Dampening scales the gradient
    from the second step on, ``v = mu * v - lr * (1 - dampening) * g`` (the first step is
    ``v = -lr * g``), which is PyTorch's buffer rule ``b = mu * b + (1 - dampening) * g`` with
    ``v = -lr * b``."""
    x, v, out = x0.copy(), None, []
    for grad in grads:
        g = (-grad if maximize else grad) + weight_decay * x
        if momentum == 0:
            x = x - lr * g
        else:
            v_prev = np.zeros_like(x) if v is None else v
            v = -lr * g if v is None else momentum * v - lr * (1 - dampening) * g
            x = x + (-momentum * v_prev + (1 + momentum) * v if nesterov else v)
        out.append(x)
    return out


def adagrad_reference(x0, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                      eps=1e-10, maximize=False):
    """``cache += g ** 2; x -= lr_t * g / (sqrt(cache) + eps)`` with ``lr_t = lr / (1 + (t - 1) * lr_decay)``
    at step ``t`` and ``cache`` starting at ``initial_accumulator_value``."""
    x, cache, out = x0.copy(), np.full_like(x0, initial_accumulator_value), []
    for t, grad in enumerate(grads, start=1):
        g = (-grad if maximize else grad) + weight_decay * x
        cache = cache + g**2
        x = x - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(cache) + eps)
        out.append(x)
    return out


def rmsprop_reference(x0, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                      maximize=False):
    """``cache = alpha * cache + (1 - alpha) * g ** 2``; the step divides ``g`` by ``sqrt(cache) + eps``,
    or with ``centered`` by ``sqrt(cache - mean ** 2) + eps`` where ``mean`` is the same leaky average
    of ``g``; with ``momentum`` the quotient feeds ``b = momentum * b + quotient`` and ``x -= lr * b``."""
    x, cache, mean, buffer, out = x0.copy(), np.zeros_like(x0), np.zeros_like(x0), np.zeros_like(x0), []
    for grad in grads:
        g = (-grad if maximize else grad) + weight_decay * x
        cache = alpha * cache + (1 - alpha) * g**2
        if centered:
            mean = alpha * mean + (1 - alpha) * g
            quotient = g / (np.sqrt(cache - mean**2) + eps)
        else:
            quotient = g / (np.sqrt(cache) + eps)
        if momentum > 0:
            buffer = momentum * buffer + quotient
            x = x - lr * buffer
        else:
            x = x - lr * quotient
        out.append(x)
    return out


def adam_reference(x0, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   maximize=False, decoupled=False):
    """Adam (Kingma & Ba) at step ``t``: ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g ** 2``,
    ``x -= lr * (m / (1 - b1 ** t)) / (sqrt(v / (1 - b2 ** t)) + eps)``; AMSGrad uses the running
    maximum of ``v`` in place of ``v``.  Weight decay is added to ``g`` (L2) or, ``decoupled``
    (AdamW), shrinks ``x *= 1 - lr * weight_decay`` first; ``maximize`` negates the gradient first."""
    beta1, beta2 = betas
    x, m, v, v_max, out = x0.copy(), np.zeros_like(x0), np.zeros_like(x0), np.zeros_like(x0), []
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        if decoupled:
            x = x * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * x
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(x)
    return out


def adamw_reference(x0, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                    maximize=False):
    """AdamW (Loshchilov & Hutter): Adam with decoupled weight decay (default 1e-2)."""
    return adam_reference(x0, grads, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled=True)


# ----- checkpoint files and writers killed mid-save --------------------------------------------------------


def data_offsets(data):
    """The byte offsets of every member's stored data (what the CRC-32 checks) in the zip ``data``."""
    offsets = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            local = info.header_offset
            name_length = int.from_bytes(data[local + 26:local + 28], "little")
            extra_length = int.from_bytes(data[local + 28:local + 30], "little")
            start = local + 30 + name_length + extra_length
            offsets.extend(range(start, start + info.compress_size))
    return offsets


def in_child(work):
    """Run ``work()`` in a forked process; return its pid.  The child exits with status 1 if
    ``work`` raises, 0 if it returns."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            work()
            status = 0
        finally:
            os._exit(status)
    return pid


def kill(pid):
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)  # reaped: the process is gone


def temporaries(directory):
    return sorted(name for name in os.listdir(directory) if name.startswith(".tmp-"))


def wait_for_temporary(directory, pid):
    """Wait until the child ``pid`` is writing (a temporary appears in ``directory``, which has
    none before) -- so the kill that follows lands in a save, at a random point of it."""
    deadline = time.monotonic() + 30.0
    while not temporaries(directory):
        if time.monotonic() > deadline:
            kill(pid)
            pytest.fail(f"the writer {pid} did not start saving into {directory}")
        time.sleep(0.0005)


# ----- drawings --------------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> tuple[dict[str, dict], set[tuple[str, str]], list[dict]]:
    """Nodes {dot name: {"texts", "classes", "box"}}, edges {(from, to)} and clusters of an SVG from Graphviz."""
    root = ET.fromstring(svg)
    nodes, edges, clusters = {}, set(), []
    for g in root.iter(f"{SVG}g"):
        classes = g.get("class", "").split()
        title = g.findtext(f"{SVG}title")
        texts = [t.text or "" for t in g.iter(f"{SVG}text")]
        if "node" in classes:
            nodes[title] = {"texts": texts, "classes": set(classes), "box": bbox(g)}
        elif "edge" in classes:
            a, b = title.split("->")
            edges.add((a, b))
        elif "cluster" in classes:
            clusters.append({"label": texts[0] if texts else "", "box": bbox(g)})
    return nodes, edges, clusters


def bbox(g: ET.Element) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for shape in g.iter():
        if shape.tag in (f"{SVG}polygon", f"{SVG}polyline"):
            for point in shape.get("points").split():
                x, y = point.split(",")
                xs.append(float(x))
                ys.append(float(y))
        elif shape.tag == f"{SVG}path":  # rounded boxes and clusters
            for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", shape.get("d")):
                xs.append(float(x))
                ys.append(float(y))
        elif shape.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
    return min(xs), min(ys), max(xs), max(ys)


def by_first_line(nodes: dict[str, dict]) -> dict[str, dict]:
    return {n["texts"][0]: n for n in nodes.values()}


def notes_circuit(retain: bool = True, backward: bool = True):
    """The notes' first example, with named tensors: q = x + y, f = q * z at x=-2, y=5, z=-4; returns
    ``(x, y, z, q, f)``.  With ``backward``, ``f.backward(retain_graph=True)`` has run, after
    ``retain_grads(f)`` if ``retain``; without it the graph is only built."""
    x, y, z = (ae.Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    x.name, y.name, z.name = "x", "y", "z"
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    if backward:
        if retain:
            retain_grads(f)
        f.backward(retain_graph=True)
    return x, y, z, q, f

