"""micrograd's habit: build, ``loss.backward()``, then ``ae.draw(loss)`` -- with no extra call.

A teaching-size graph keeps its values and gradients for the drawing; a larger one keeps only a
skeleton (op labels, shapes, the leaves that require grad) and releases every array it released
before; neither keeps saved arrays, and rebinding the loss frees all of it.
"""
from __future__ import annotations

import gc
import html
import re
import tracemalloc
import weakref

import numpy as np
import pytest
from helpers import notes_circuit

import autograd_engine as ae
from autograd_engine import skeleton as skeleton_module
from autograd_engine.errors import GraphFreedError
from autograd_engine.viz import render as render_module
from autograd_engine.viz import to_svg


def labels(drawing) -> dict[str, list[str]]:
    """{first line of the label: all its lines} of every node in a drawing's DOT source."""
    found = {}
    for label in re.findall(r'^\tn\d+ \[label="((?:[^"\\]|\\.)*)"', drawing.source, flags=re.M):
        lines = label.split("\\n")
        found[lines[0]] = lines
    return found


def circuit():
    """The notes' first example, as micrograd builds it: q = x + y, f = q * z at x=-2, y=5, z=-4."""
    x, y, z, _, f = notes_circuit(backward=False)
    return x, y, z, f


def large_model(rng=None):
    """A graph above the drawing budget: a (256, 512) batch through two linear layers."""
    rng = rng or np.random.default_rng(0)
    w1 = ae.Tensor(rng.standard_normal((512, 512)).astype(np.float32) * 0.05, requires_grad=True)
    w2 = ae.Tensor(rng.standard_normal((512, 1)).astype(np.float32) * 0.05, requires_grad=True)
    w1.name, w2.name = "w1", "w2"
    batch = ae.Tensor(rng.standard_normal((256, 512)).astype(np.float32))
    hidden = ae.relu(batch @ w1)
    loss = ((hidden @ w2) ** 2).mean()
    return w1, w2, batch, hidden, loss


# ----- a teaching-size graph: values and gradients of every node ----------------------------
def test_draw_after_backward_shows_every_value_and_gradient_of_a_small_graph():
    x, y, z, f = circuit()
    f.backward()  # no retain_graph, no retain_grads
    named = labels(ae.draw(f))
    assert set(named) == {"x", "y", "z", "q = add", "f = multiply"}
    # forward q = 3, f = -12; backward df/dq = z = -4, df/dz = q = 3, df/dx = df/dy = -4, df/df = 1
    assert named["f = multiply"][1:] == ["() float32", "data -12.00 | grad 1.00"]
    assert named["q = add"][1:] == ["() float32", "data 3.00 | grad -4.00"]
    assert named["x"][2] == "data -2.00 | grad -4.00"
    assert named["y"][2] == "data 5.00 | grad -4.00"
    assert named["z"][2] == "data -4.00 | grad 3.00"
    assert "label=" not in ae.draw(f).source.split("\n")[1]  # no note about released values


def test_the_intermediate_gradients_drawn_are_the_chain_rules():
    """A fork (tanh used twice) and a constant: every gradient drawn against finite differences."""
    x = ae.Tensor(np.array([0.3, -0.8], dtype=np.float64), requires_grad=True)
    x.name = "x"
    h = x.tanh()
    h.name = "h"
    loss = (h * h + 3.0 * h).sum()
    loss.backward()
    drawing = ae.draw(loss, show_values=True, precision=6)
    h_lines = labels(drawing)["h = tanh"]

    def loss_of_h(hv):
        return float((hv * hv + 3.0 * hv).sum())

    hv = np.tanh(x.data)
    expected = ae.numerical_gradient(loss_of_h, hv)  # centred differences

    def listed(values):
        return "[" + ", ".join(f"{v:.6f}" for v in values) + "]"

    assert h_lines[2] == f"data {listed(hv)} | grad {listed(expected)}"


def test_a_second_backward_through_a_drawn_small_graph_still_raises():
    *_, f = circuit()
    f.backward()
    ae.draw(f)
    with pytest.raises(ae.GraphFreedError, match="retain_graph=True"):
        f.backward()


def test_saved_arrays_are_released_although_the_small_graph_is_kept_for_drawing():
    class SavesItsSquare(ae.Primitive):
        """x**3 whose rule reads 3 x**2 saved in forward (the notes' cache)."""

        __slots__ = ()
        name = ""

        def forward(self, x):
            self.saved = 3 * x * x
            return x * x * x

        def backward(self, g, out, x):
            return (g * self.saved,)

    x = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = ae.apply(SavesItsSquare(), x)
    saved = weakref.ref(y._node.saved)
    pooled = ae.max_pool2d(ae.Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True), 2)
    switches = weakref.ref(pooled._node.saved)
    loss = y.sum() + pooled.sum()
    loss.backward()
    assert saved() is None and switches() is None
    np.testing.assert_array_equal(x.grad, [3.0, 12.0])
    assert labels(ae.draw(loss))["add"][2].startswith("data ")  # the drawing has its values


def test_rebinding_the_loss_frees_the_small_graph_kept_for_drawing():
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # freed by reference counting alone: the kept graph has no cycles
    try:
        x, y, z, f = circuit()
        q = f.grad_fn.inputs[0]
        refs = [weakref.ref(t) for t in (q, z, x, y, q.data)]
        del q, x, y, z
        f.backward()
        assert all(r() is not None for r in refs)  # kept for the drawing while f lives
        f = None
        assert [r() for r in refs] == [None] * len(refs)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


# ----- a larger graph: its skeleton, no values ------------------------------------------------
def test_draw_after_backward_of_a_large_graph_shows_ops_shapes_and_leaf_gradients():
    w1, w2, batch, hidden, loss = large_model()
    del hidden
    loss.backward()
    drawing = ae.draw(loss)
    named = labels(drawing)
    assert named["relu"] == ["relu", "(256, 512) float32"]  # no values: released
    assert named["matmul"][1] in ("(256, 512) float32", "(256, 1) float32")
    assert named["input"] == ["input", "(256, 512) float32"]
    assert named["w1"][:2] == ["w1", "(512, 512) float32"]
    assert named["w2"][:2] == ["w2", "(512, 1) float32"]
    full = labels(ae.draw(loss, show_values=True))
    assert full["w2"][3] == f"grad min {w2.grad.min():.2f} max {w2.grad.max():.2f}"  # leaves keep theirs
    note = drawing.source.split("\n")[1]
    assert "backward() released the values and gradients of the intermediate tensors" in note
    assert "ae.retain_grads(loss) before loss.backward()" in note
    edges = re.findall(r"^\t(n\d+) -> (n\d+)$", drawing.source, flags=re.M)
    assert len(edges) == 7  # batch, w1 -> matmul -> relu; relu, w2 -> matmul -> power -> mean


def test_the_nodes_run_before_the_budget_was_spent_keep_no_values_either():
    """Backward keeps values until the budget is spent (at relu here, after mean, power and the second
    matmul ran); the nodes that kept theirs become outlines too, so the drawing is all of one kind."""
    w1, w2, batch, hidden, loss = large_model()
    del hidden
    loss.backward()
    drawing = ae.draw(loss, show_values=True)
    named = labels(drawing)
    assert named["power(·, 2)"] == ["power(·, 2)", "(256, 1) float32"]  # kept its values until relu ran
    assert named["relu"] == ["relu", "(256, 512) float32"]
    assert drawing.source.count("\\ndata ") == 3  # the loss itself (alive), and the two weights


def test_retain_grads_before_backward_draws_a_large_graphs_intermediates_too():
    w1, w2, batch, hidden, loss = large_model()
    ae.retain_grads(loss)
    del hidden
    loss.backward()
    full = labels(ae.draw(loss, show_values=True))
    assert full["relu"][2].startswith("data min 0.00 max ")
    assert full["relu"][3].startswith("grad min ")
    assert "released the values" not in ae.draw(loss).source


def test_a_large_graph_releases_its_intermediates_at_backward_while_the_loss_lives():
    w1, w2, batch, hidden, loss = large_model()
    refs = [weakref.ref(hidden), weakref.ref(hidden.data), weakref.ref(batch)]
    del hidden, batch
    loss.backward()
    assert [r() for r in refs] == [None] * 3
    assert labels(ae.draw(loss))["input"] == ["input", "(256, 512) float32"]
    with pytest.raises(ae.GraphFreedError, match="retain_graph=True"):
        loss.backward()


def test_a_loss_kept_after_backward_holds_no_arrays_of_a_large_graph():
    """A training loop that holds the previous loss while the next forward runs keeps only the
    skeleton of the previous graph: a few hundred bytes per node, not its activations."""
    w1, w2, batch, hidden, loss = large_model()
    del hidden, batch
    tracemalloc.start()
    try:
        loss.backward()
        with_loss = tracemalloc.get_traced_memory()[0]
        grads = (w1.grad, w2.grad)  # (held either way)
        loss = None
        without_loss = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert grads[0] is not None
    assert with_loss - without_loss < 16 << 10  # the (256, 512) activations alone are 512 KiB


def test_rebinding_the_loss_frees_the_skeleton_and_the_leaves_only_it_held():
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        w1, w2, batch, hidden, loss = large_model()
        refs = [weakref.ref(w1), weakref.ref(w2), weakref.ref(w1.data)]
        del w1, w2, batch, hidden
        loss.backward()
        assert all(r() is not None for r in refs)  # the drawing shows the weights and their gradients
        labels(ae.draw(loss))
        gc.collect()  # (whatever the drawing's graphviz objects left)
        loss = ae.Tensor(0.0)  # the next step's loss
        assert [r() for r in refs] == [None] * 3
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_where_releases_its_mask_and_user_primitives_their_cache_in_a_kept_skeleton():
    class Cube(ae.Primitive):  # no __slots__: keeps its cache in the instance's __dict__
        name = ""

        def __init__(self, power=3):
            self.power = power

        def describe(self):
            return f"cube(power={self.power})"

        def forward(self, x):
            self.cache = (x, 3 * x * x)
            return x ** self.power

        def backward(self, g, out, x):
            return (g * self.cache[1],)

    w1, w2, batch, hidden, loss = large_model()
    cubed = ae.apply(Cube(), hidden)
    mask = hidden.data > 0.1
    loss = ae.where(mask, cubed, hidden).mean()
    cache = weakref.ref(cubed._node.cache[1])
    condition = weakref.ref(loss._node.inputs[0]._node.condition)
    del hidden, cubed, mask
    loss.backward()
    assert cache() is None and condition() is None
    named = labels(ae.draw(loss))
    assert named["cube(power=3)"] == ["cube(power=3)", "(256, 512) float32"]
    assert named["where"] == ["where", "(256, 512) float32"]


def test_a_large_graph_differentiated_by_grad_keeps_none_of_the_part_it_did_not_need():
    w1, w2, batch, hidden, loss = large_model()
    side = ae.Tensor(np.ones((256, 512), np.float32), requires_grad=True)
    branch = batch * side  # leads to side, not to w1
    total = loss + branch.mean()
    branch_ref = weakref.ref(branch)
    del hidden, branch
    (gw1,) = ae.grad(total, w1)
    assert branch_ref() is None  # not kept alive through the drawing
    named = labels(ae.draw(total))
    assert named["?"] == ["?", "() float32", "(its op was not differentiated)"]
    assert named["relu"] == ["relu", "(256, 512) float32"]
    assert w1.grad is None and gw1.shape == (512, 512)


def test_a_drawing_after_backward_renders_without_a_system_dot():
    path = render_module.find_renderer("graphviz-pure")
    assert path is not None, "graphviz-pure is a dependency: pip install graphviz-pure"
    *_, f = circuit()
    f.backward()
    svg = html.unescape(to_svg(ae.draw(f), program="graphviz-pure"))
    assert "data 3.00 | grad -4.00" in svg
    w1, w2, batch, hidden, loss = large_model()
    loss.backward()
    assert "relu" in to_svg(ae.draw(loss), program="graphviz-pure")


def test_the_budget_counts_values_gradients_and_nodes(monkeypatch):
    """Just under the budget the values are kept, just over it only the skeleton."""
    x = ae.Tensor(np.ones(1000), requires_grad=True)  # float64: 8,000 bytes per tensor
    nodes = 3  # exp, exp, sum
    kept = 2 * (2 * 8000 + 8) + nodes * skeleton_module.NODE_BYTES  # values and gradients of 3 tensors
    for budget, values_kept in ((kept, True), (kept - 1, False)):
        monkeypatch.setattr(skeleton_module, "DRAW_BUDGET", budget)
        monkeypatch.setattr(skeleton_module, "SKELETON_MIN_BYTES", 0)
        loss = x.exp().exp().sum()
        loss.backward()
        first = labels(ae.draw(loss, show_values=True))["exp"]
        assert (len(first) > 2) == values_kept


def test_past_the_budget_the_whole_graph_decides_between_a_skeleton_and_nothing(monkeypatch):
    """Which nodes run first does not matter: large tensors near the loss above many tiny ops keep
    nothing (the graph averages a few bytes per node), tiny ops near the loss above large tensors
    keep the skeleton (it averages above the minimum)."""
    monkeypatch.setattr(skeleton_module, "DRAW_BUDGET", 100_000)
    monkeypatch.setattr(skeleton_module, "SKELETON_MIN_BYTES", 1024)
    x = ae.Tensor(np.float32(1.0), requires_grad=True)
    y = x
    for _ in range(500):
        y = y * 1.001
    loss = (ae.Tensor(np.ones((128, 128), np.float32)) * y).sum()  # 64 KiB at the second node
    loss.backward()
    with pytest.raises(GraphFreedError):
        ae.draw(loss)

    w = ae.Tensor(np.ones((64, 64), np.float32), requires_grad=True)
    h = w
    for _ in range(200):
        h = h * 1.001  # 16 KiB each: 3.2 MB over 701 nodes
    s = h.sum()
    for _ in range(500):
        s = s * 0.999  # the budget is spent in these
    s.backward()
    assert set(labels(ae.draw(s))) == {"leaf", "multiply(·, 1.001)", "sum(axis=(0, 1))", "multiply(·, 0.999)"}


def test_draw_after_backward_of_a_graph_of_many_small_ops_says_how_to_keep_the_graph():
    """A graph of thousands of scalar ops keeps no drawing after backward (see test_draw_after_backward)."""
    x = ae.Tensor(2.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 0.999
    y.backward()
    with pytest.raises(GraphFreedError, match=r"draw it before backward\(\), or call backward\(retain_graph=True\)"):
        ae.draw(y)
