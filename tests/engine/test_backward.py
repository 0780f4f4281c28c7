"""The backward machinery: forks, accumulation, retain_graph, release of the graph, deep chains,
hooks, retain_grad, detach, and the rule that gradients never alias anything; bad arguments to
backward() and grad() are refused by name, before the backward pass runs."""
from __future__ import annotations

import copy
import gc
import math
import pickle
import tracemalloc
import weakref

import numpy as np
import pytest
from helpers import leaf

import autograd_engine as ae
from autograd_engine import skeleton as skeleton_module

# ----- forks and accumulation ---------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_zero_d_value_used_many_times_accumulates_every_use(dtype):
    x = leaf(2.0, dtype)
    (x + x + x + x).backward()
    assert x.grad == 4 and x.grad.dtype == dtype and isinstance(x.grad, np.ndarray)

    x.zero_grad()
    (x * x * x).backward()  # d/dx x^3 = 3 x^2
    assert x.grad == 12

    x.zero_grad()
    out = x
    for _ in range(3):
        out = out * x + x  # x^4 + x^3 + x^2 + x
    out.backward()
    assert x.grad == 4 * 8 + 3 * 4 + 2 * 2 + 1


def test_an_intermediate_value_used_by_several_consumers_gets_the_sum_of_their_gradients():
    x = leaf([0.5, -1.0, 2.0])
    h = x.tanh()
    loss = (h * 3.0 + h * h + h.exp()).sum()  # h feeds four ops
    loss.backward()
    t = np.tanh(x.data)
    np.testing.assert_allclose(x.grad, (3 + 2 * t + np.exp(t)) * (1 - t * t), rtol=1e-12)


def test_gradients_accumulate_across_backward_calls_until_cleared():
    x = leaf([1.0, 2.0])
    for calls in range(1, 4):
        (x * x).sum().backward()
        np.testing.assert_array_equal(x.grad, calls * 2 * x.data)
    x.zero_grad()
    assert x.grad is None
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    x.grad = None  # what optimizers' zero_grad does
    (x * 7.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])


def test_a_leaf_root_gets_the_seed_as_its_gradient():
    x = leaf(3.0)
    x.backward()
    assert x.grad == 1.0
    y = leaf([1.0, 2.0])
    y.backward(np.array([0.5, -2.0]))
    np.testing.assert_array_equal(y.grad, [0.5, -2.0])


def test_backward_works_inside_no_grad_and_records_nothing():
    x = leaf([1.0, -2.0])
    loss = (x * x).sum()
    with ae.no_grad():
        loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)


def test_a_constant_branch_gets_no_gradient_and_integer_inputs_are_fine():
    x = leaf([1.0, 2.0])
    c = ae.Tensor([3.0, 4.0])  # does not require grad
    i = ae.Tensor(np.array([2, 3]))  # integer data, never requires grad
    (x * c + x * i + c).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])
    assert c.grad is None and i.grad is None and not i.requires_grad


# ----- retain_graph and freeing ------------------------------------------------------------


def test_retain_graph_allows_a_second_backward_and_without_it_the_second_one_raises():
    x = leaf([1.0, 2.0])
    loss = (x.exp() * x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    loss.backward()  # allowed: the first call kept the graph
    np.testing.assert_allclose(x.grad, 2 * first)
    with pytest.raises(ae.GraphFreedError, match="retain_graph=True") as info:
        loss.backward()
    assert "multiply" in str(info.value) or "exp" in str(info.value) or "sum" in str(info.value)
    np.testing.assert_allclose(x.grad, 2 * first)  # the failed call changed nothing


def test_a_freed_graph_is_also_detected_from_a_new_root_that_shares_it():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    (h + 1.0).sum().backward()
    with pytest.raises(ae.GraphFreedError, match="retain_graph=True"):
        (h * 3.0).sum().backward()
    with pytest.raises(ae.GraphFreedError, match="retain_graph=True"):
        ae.grad((h * 3.0).sum(), x)


def test_grad_also_frees_the_graph_unless_asked_to_keep_it():
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    (g,) = ae.grad(loss, x, retain_graph=True)
    (g2,) = ae.grad(loss, x)
    np.testing.assert_array_equal(g.data, g2.data)
    with pytest.raises(ae.GraphFreedError):
        ae.grad(loss, x)
    assert x.grad is None  # grad() never touches .grad


def _weak_intermediates():
    """A small graph whose intermediates only the graph itself holds; weak references to them."""
    x = leaf(np.linspace(-1, 1, 6).reshape(2, 3))
    h = x.tanh()
    s = h * h
    loss = s.sum()
    refs = [weakref.ref(h), weakref.ref(s), weakref.ref(h.data), weakref.ref(s.data)]
    return x, loss, refs


@pytest.mark.parametrize("drawing", ["skeleton", "none"])
def test_backward_releases_intermediates_and_their_arrays(monkeypatch, drawing):
    """Above the drawing budget (a teaching-size graph keeps its values: test_draw_after_backward),
    whether backward keeps the graph's skeleton for drawing or nothing."""
    monkeypatch.setattr(skeleton_module, "DRAW_BUDGET", -1)
    if drawing == "skeleton":
        monkeypatch.setattr(skeleton_module, "SKELETON_MIN_BYTES", 0)
    x, loss, refs = _weak_intermediates()
    assert all(r() is not None for r in refs), "the graph holds its intermediates before backward"
    loss.backward()
    assert all(r() is None for r in refs), "intermediates (and their arrays) outlived backward"
    assert loss.grad_fn is not None and loss.grad_fn.inputs is None
    assert (getattr(loss.grad_fn, "skeleton", None) is not None) == (drawing == "skeleton")


def test_a_node_that_no_gradient_reaches_still_runs_and_is_released():
    """A rule may return None for an input that requires grad (no gradient flows there): the nodes
    below still run -- with no gradient -- and are released, as the rest of the graph is."""

    class StopsGradient(ae.Primitive):
        __slots__ = ()
        name = ""

        def forward(self, x):
            return x.copy()

        def backward(self, g, out, x):
            return (None,)

    x = leaf([0.5, -1.0])
    h = x.tanh()
    loss = (ae.apply(StopsGradient(), h) + x).sum()
    tanh_node = h.grad_fn
    loss.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])  # through the sum only
    assert tanh_node.inputs is None  # released
    with pytest.raises(ae.GraphFreedError):
        h.sum().backward()


def test_each_tensor_gets_its_complete_gradient_after_all_its_consumers_ran():
    """Nodes run latest first: a tensor's hook sees the gradient only once every op that used it
    (recorded later) has added its part -- here b uses a, and c uses both."""
    x = leaf([1.0, 2.0])
    a = x * 2.0
    b = a * 3.0
    c = a + b
    seen = []
    for name, t in (("a", a), ("b", b), ("c", c)):
        t.register_hook(lambda g, name=name: seen.append((name, g.copy())))
    c.sum().backward()
    assert [name for name, _ in seen] == ["c", "b", "a"]
    np.testing.assert_array_equal(dict(seen)["a"], [4.0, 4.0])  # 1 from c directly, 3 through b


@pytest.mark.parametrize("copier", ["copy", "deepcopy", "pickle"])
def test_copies_of_a_computed_tensor_differentiate_beside_the_original(copier):
    """A copy shares or repeats its original's node: backward orders equal ticks without comparing
    the tensors (whose < is elementwise).  Gradients by hand: d/dx sum(y * w) with y = 2x."""
    x = leaf([1.0, 2.0])
    y = x * 2.0
    if copier == "copy":
        w = copy.copy(y)  # the same node: it runs twice, so the graph must be retained
        (y * w).sum().backward(retain_graph=True)
        np.testing.assert_array_equal(x.grad, [8.0, 16.0])  # 2 * (2 * 2x)
        return
    w = copy.deepcopy(y) if copier == "deepcopy" else pickle.loads(pickle.dumps(y))
    (y * w).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])  # w's graph starts at a copy of x: w is 2x there
    assert w.grad_fn.tick > y.grad_fn.tick  # a restored node is newer than the nodes recorded before


def test_an_unpickled_graph_runs_in_order_beside_nodes_recorded_after_it():
    """Ticks order the nodes of one process: an unpickled node takes a new one, so that a node
    recorded after the unpickling (a, which reads y) runs before it, whatever tick y's node had in
    the process that pickled it (here far ahead of this one's clock)."""
    x = leaf([1.0, 2.0])
    y = x * 2.0
    y.grad_fn.tick = 10**15  # as if recorded by a process whose clock ran far ahead
    blob = pickle.dumps((x, y))
    x, y = pickle.loads(blob)
    seen = []
    y.register_hook(lambda g: seen.append(g.copy()))
    a = y * 3.0
    (a + y).sum().backward()
    np.testing.assert_array_equal(seen[0], [4.0, 4.0])  # complete: 3 through a, 1 directly
    np.testing.assert_array_equal(x.grad, [8.0, 8.0])


def test_an_assignment_node_takes_the_tick_of_its_own_update():
    """x[key] = v rebinds x to a node that must count as recorded at the update, not at whatever
    update ran last in another thread (an equal tick there made two nodes tie)."""
    x = leaf([1.0, 2.0, 3.0]) * 1.0
    x[0] = x[1] * 2.0
    assert x.grad_fn.tick == x._version[0]


def test_a_backward_that_reaches_a_freed_node_changes_no_grad():
    """The error is raised when backward reaches the freed node (nodes recorded after it have run
    by then, as in PyTorch), and leaves' gradients are delivered only at the end: none changes."""
    w = leaf([1.0, 2.0])
    a = w * 2.0
    a.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0])
    loss = (a * 3.0).sum() + (w * 4.0).sum()
    with pytest.raises(ae.GraphFreedError, match="multiply"):
        loss.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0])


def test_retain_graph_keeps_intermediates_until_the_graph_is_dropped(monkeypatch):
    monkeypatch.setattr(skeleton_module, "DRAW_BUDGET", -1)  # above the drawing budget: released by backward
    x, loss, refs = _weak_intermediates()
    loss.backward(retain_graph=True)
    assert all(r() is not None for r in refs), "retain_graph=True must keep the saved values"
    loss.backward()
    assert all(r() is None for r in refs)


def _build_and_drop(backward: str) -> list:
    """Build a graph, run one kind of backward through it, drop it; weak references to its parts."""
    x = leaf([0.3, -0.7, 1.1])
    h = x.tanh()
    e = h.exp()
    loss = (h * h + e * x).sum()
    refs = [weakref.ref(t) for t in (h, e, loss)] + [weakref.ref(t.data) for t in (h, e, loss)]
    if backward == "retain":
        loss.backward(retain_graph=True)
    elif backward == "free":
        loss.backward()
    elif backward == "create_graph":
        (g,) = ae.grad(loss, x, create_graph=True)
        (g * g).sum().backward()
        refs += [weakref.ref(g), weakref.ref(g.data)]
    elif backward == "hooks":
        h.register_hook(lambda g: g * 2)
        e.retain_grad()
        loss.backward(retain_graph=True)
    return refs


@pytest.mark.parametrize("backward", ["none", "retain", "free", "create_graph", "hooks"])
def test_a_graph_has_no_reference_cycles(backward):
    """With the cyclic collector off, dropping the last reference must free every tensor and array of
    the graph by reference counting alone, and the collector must then find no garbage at all."""
    _build_and_drop(backward)  # once first, so that lazy imports and caches are not counted
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        refs = _build_and_drop(backward)
        alive = [r() for r in refs if r() is not None]
        assert not alive, f"after backward={backward!r} these survived reference counting: {alive}"
        assert gc.collect() == 0, "the graph left cyclic garbage behind"
    finally:
        if was_enabled:
            gc.enable()


# ----- deep graphs ---------------------------------------------------------------------------


def test_a_chain_of_100000_ops_differentiates_without_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    assert y.grad_fn is not None
    y.backward()
    np.testing.assert_allclose(x.grad, math.exp(100_000 * math.log1p(1e-5)), rtol=1e-9)


def test_each_node_runs_once_even_when_paths_multiply():
    """60 diamonds in a row give 2**60 paths from the root to x: a backward pass that walked paths
    instead of nodes would never finish. Each intermediate's hook must run exactly once."""
    x = leaf(1.0)
    y, calls = x, []
    for layer in range(60):
        y = y * 0.5 + y * 0.5625  # two branches that meet again: d/dy = 1.0625
        y.register_hook(lambda g, layer=layer: calls.append(layer))
    y.backward()
    assert sorted(calls) == list(range(60))
    np.testing.assert_allclose(x.grad, 1.0625**60, rtol=1e-12)


def test_dropping_a_deep_unfreed_graph_does_not_overflow_the_stack():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    del y  # deallocation walks 100,000 nested nodes


def _backward_peak_bytes(length: int) -> int:
    x = leaf(np.ones(4))
    y = x
    for _ in range(length):
        y = y * 1.0001
    loss = y.sum()
    del y
    tracemalloc.start()
    try:
        loss.backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_backward_memory_grows_linearly_with_the_chain():
    """Twice the chain, about twice the memory (backward releases as it goes, so in fact less)."""
    short, long = _backward_peak_bytes(3_000), _backward_peak_bytes(6_000)
    assert long < 3 * short + 100_000, f"3,000 ops: {short} bytes; 6,000 ops: {long} bytes"


def test_a_gradient_summed_back_to_a_broadcast_input_is_freed_before_the_next_rule_runs():
    """``x * gamma`` with gamma (8,) broadcast along x's rows: the rule returns gamma's gradient in the
    output's shape and backward sums it back; that output-sized array must not live on while the next
    rule (here ``w * 1.0``'s) runs, or each broadcasting op raises the pass's peak by an activation."""
    rows = 50_000
    w, gamma = leaf(np.ones((rows, 8))), leaf(np.ones(8))
    loss = ((w * 1.0) * gamma).sum()
    activation = rows * 8 * 8  # bytes of one (rows, 8) float64 array
    tracemalloc.start()
    try:
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # at the peak: the upstream gradient of w * 1.0 and w's own, which its rule allocates
    assert peak < 2.5 * activation, f"peak {peak / activation:.2f} activations"
    np.testing.assert_array_equal(gamma.grad, np.full(8, float(rows)))


# ----- hooks, retain_grad, detach ----------------------------------------------------------


def test_a_hook_sees_the_complete_gradient_summed_over_forks():
    x = leaf([1.0, 2.0])
    h = x * 1.0
    seen_h, seen_x = [], []
    h.register_hook(lambda g: seen_h.append(np.array(g)))
    x.register_hook(lambda g: seen_x.append(np.array(g)))
    (h * 3.0 + h * h + x).sum().backward()
    assert len(seen_h) == 1 and len(seen_x) == 1, "a hook runs once, on the finished gradient"
    np.testing.assert_array_equal(seen_h[0], 3 + 2 * h.data)
    np.testing.assert_array_equal(seen_x[0], 3 + 2 * x.data + 1)
    np.testing.assert_array_equal(x.grad, seen_x[0])


def test_a_hook_may_replace_the_gradient_and_its_handle_removes_it():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    handle = h.register_hook(lambda g: g * 10)
    (h * h).sum().backward(retain_graph=True)  # dh = 2h, replaced by 20h; dx = 2 * 20h
    np.testing.assert_array_equal(x.grad, 40 * h.data)

    handle.remove()
    handle.remove()  # removing twice is harmless
    x.zero_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad, 4 * h.data)


def test_a_hook_on_a_leaf_changes_what_lands_in_grad():
    x = leaf([1.0, -1.0])
    x.register_hook(lambda g: g + 100)
    x.register_hook(lambda g: None)  # returning None keeps the gradient
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [103.0, 103.0])


def test_register_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ae.Tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    kept = x * 4.0
    kept.retain_grad()
    (h * kept).sum().backward()
    assert h.grad is None, "non-leaf gradients are not kept unless asked"
    np.testing.assert_array_equal(kept.grad, h.data)
    np.testing.assert_array_equal(x.grad, 24 * x.data)
    assert not np.shares_memory(kept.grad, h.data)


def test_retain_grad_accumulates_across_calls_like_a_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    h.retain_grad()
    loss = (h * h).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(h.grad, 2 * 2 * h.data)


def test_detach_cuts_the_graph_and_shares_the_data():
    x = leaf([1.0, 2.0])
    h = x * x
    d = h.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.data, h.data)
    (h * d).sum().backward()  # d is a constant: dx = d * 2x
    np.testing.assert_array_equal(x.grad, h.data * 2 * x.data)


# ----- no aliasing, no mutation -----------------------------------------------------------------


CASES = {
    "add passes the gradient through": lambda a, b: a + b,
    "add of one value to itself": lambda a, b: a + a + b,
    "subtract": lambda a, b: a - b,
    "reshape is a view": lambda a, b: a.reshape(3, 2).reshape(2, 3) + b,
    "transpose is a view": lambda a, b: a.T.T + b.T.T,
    "getitem of a slice": lambda a, b: ae.concatenate([a[:, :2], b[:, 2:]], axis=1),
    "getitem of everything": lambda a, b: a[...] + b[:],
    "broadcast": lambda a, b: ae.broadcast_to(a[0], (2, 3)) + b,
    "broadcasting add": lambda a, b: a + b[0],
    "expand_dims and squeeze": lambda a, b: ae.squeeze(ae.expand_dims(a, 0), 0) + b,
    "pad": lambda a, b: ae.pad(a, 1)[1:-1, 1:-1] + b,
    "astype round trip": lambda a, b: a.astype(np.float32).astype(np.float64) + b,
    # a non-leaf's first gradient is the upstream array itself (add hands it back): its second and third
    # gradients must be added out of place, then into the engine's own sum
    "a non-leaf used twice": lambda a, b: (lambda h: h + h)(a * 1.0 + b),
    "a non-leaf used three times": lambda a, b: (lambda h: h + h + h)(a - b),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("retain", [False, True])
def test_gradients_never_alias_and_backward_never_mutates(name, retain):
    rng = np.random.default_rng(0)
    a, b = leaf(rng.normal(size=(2, 3))), leaf(rng.normal(size=(2, 3)))
    out = CASES[name](a, b)
    if retain:
        out.retain_grad()
    upstream = rng.normal(size=out.shape)
    snapshots = {"a": a.data.copy(), "b": b.data.copy(), "out": out.data.copy(), "upstream": upstream.copy()}
    out.backward(upstream)

    for label, array in (("a", a.data), ("b", b.data), ("out", out.data), ("upstream", upstream)):
        np.testing.assert_array_equal(array, snapshots[label], err_msg=f"backward wrote into {label}")
    grads = {"a.grad": a.grad, "b.grad": b.grad} | ({"out.grad": out.grad} if retain else {})
    others = {"a": a.data, "b": b.data, "out": out.data, "upstream": upstream}
    for label, g in grads.items():
        assert isinstance(g, np.ndarray) and g.flags.writeable, label
        for other_label, other in {**others, **grads}.items():
            if other is not g:
                assert not np.shares_memory(g, other), f"{label} shares memory with {other_label}"
    # and the values are right: writing into one gradient must not change another
    a.grad += 1000
    assert np.all(np.abs(b.grad) < 100) and np.all(np.abs(upstream) < 100)


def test_the_seed_of_a_zero_d_leaf_is_copied():
    x = leaf(1.5)
    seed = np.array(2.0)
    x.backward(seed)
    assert x.grad == 2.0 and not np.shares_memory(x.grad, seed)
    x.grad += 1
    assert seed == 2.0


def test_grad_results_do_not_alias_inputs_or_upstream():
    a = leaf(np.ones((2, 3)))
    b = leaf(np.ones((2, 3)))
    out = a.reshape(6) + b.reshape(6)
    upstream = np.arange(6.0)
    ga, gb = ae.grad(out, [a, b], grad_outputs=upstream)
    assert not np.shares_memory(ga.data, gb.data)
    assert not np.shares_memory(ga.data, upstream) and not np.shares_memory(gb.data, upstream)
    ga.data += 1
    np.testing.assert_array_equal(upstream, np.arange(6.0))


# ----- grad() runs only the part of the graph that leads to its inputs ---------------------------


def test_grad_stops_at_its_inputs_leaving_the_rest_of_the_graph_alone():
    x = ae.Tensor(np.array([0.5, 1.0]), requires_grad=True)
    fired = []
    x.register_hook(fired.append)
    h = ae.exp(x)
    y, z = (h * h).sum(), h.sum()
    (gh,) = ae.grad(y, h)
    np.testing.assert_allclose(gh.data, 2 * np.exp(x.data))
    assert fired == []  # x is below the input asked for: its hook does not run
    z.backward()  # exp's node was not run, so not released: it still works
    np.testing.assert_allclose(x.grad, np.exp(x.data))


def test_grad_past_a_freed_branch_that_leads_elsewhere_and_after_a_refused_grad():
    x = ae.Tensor(np.array([0.3, -0.7]), requires_grad=True)
    w1 = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w2 = ae.Tensor(np.array([-1.0, 0.5]), requires_grad=True)
    h = ae.tanh(x * 2)  # a shared encoder
    (h * w1).sum().backward()  # frees tanh's node
    loss2 = (h * w2).sum()
    (g2,) = ae.grad(loss2, w2, retain_graph=True)  # the freed branch does not lead to w2 (PyTorch allows it)
    np.testing.assert_allclose(g2.data, h.data)
    loss2.backward(inputs=[w2], retain_graph=True)
    np.testing.assert_allclose(w2.grad, h.data)
    with pytest.raises(ae.GraphFreedError):
        ae.grad(loss2, x)  # x is below the freed node: still the freed-graph error
    # a grad() that raises on the way (conv2d has no second derivative) leaves the graph usable
    image = ae.Tensor(np.random.default_rng(0).standard_normal((1, 1, 4, 4)), requires_grad=True)
    kernel = ae.Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    y = (ae.conv2d(image, kernel) ** 2).sum()
    with pytest.raises(RuntimeError, match="runs on raw arrays only"):
        ae.grad(y, image, create_graph=True)
    y.backward()
    assert kernel.grad is not None and np.abs(kernel.grad).sum() > 0  # the kernel's gradient was not dropped


def test_grad_with_nested_inputs_and_a_target_whose_node_was_freed():
    a = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = a * 3
    c = (b * b).sum()
    gb, ga = ae.grad(c, [b, a])
    np.testing.assert_array_equal(gb.data, 2 * b.data)
    np.testing.assert_array_equal(ga.data, 18 * a.data)
    h = ae.exp(a)
    h.sum().backward()  # frees exp's node
    (gh,) = ae.grad((h * 2).sum(), h)  # h's own node is not needed: PyTorch allows this too
    np.testing.assert_array_equal(gh.data, [2.0, 2.0])
    with pytest.raises(ae.GraphFreedError):
        ae.grad((h * 2).sum(), a)  # through the freed node: still an error


def test_backward_inputs_accumulates_only_into_those_and_create_graph_is_refused():
    w = ae.Tensor(np.array([2.0, -1.0]), requires_grad=True)
    x = ae.Tensor(np.array([0.5, 3.0]), requires_grad=True)
    h = w * x
    loss = (h * h).sum()
    loss.backward(inputs=[x, h], retain_graph=True)
    np.testing.assert_array_equal(x.grad, 2 * h.data * w.data)
    np.testing.assert_array_equal(h.grad, 2 * h.data)  # a non-leaf gets its .grad too, as in PyTorch
    assert w.grad is None
    loss.backward(inputs=x)  # accumulates
    np.testing.assert_array_equal(x.grad, 4 * h.data * w.data)
    with pytest.raises(RuntimeError, match=r"create_graph=True\): .grad holds NumPy arrays.*use ae.grad"):
        (w * w).sum().backward(create_graph=True)


def _y():
    x = ae.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    return x, x * 3


@pytest.mark.parametrize("inputs, got", [(5, "int"), ("x", "str"), (None, "NoneType"), (np.ones(2), "ndarray")])
def test_grad_with_inputs_that_are_not_tensors_says_what_inputs_must_be(inputs, got):
    _, y = _y()
    with pytest.raises(TypeError, match=rf"grad: inputs must be a Tensor or a sequence of Tensors, got {got}"):
        ae.grad(y.sum(), inputs)


def test_grad_with_a_non_tensor_inside_inputs_names_its_position():
    x, y = _y()
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Tensor, got ndarray"):
        ae.grad(y.sum(), [x, np.ones(2)])


@pytest.mark.parametrize("outputs, got", [(5, "int"), (3.0, "float")])
def test_grad_with_outputs_that_are_not_tensors_says_what_outputs_must_be(outputs, got):
    x, _ = _y()
    with pytest.raises(TypeError, match=rf"grad: outputs must be a Tensor or a sequence of Tensors, got {got}"):
        ae.grad(outputs, x)
    with pytest.raises(TypeError, match=rf"grad: outputs\[0\] must be a Tensor, got {got}"):
        ae.grad([outputs], x)


def test_grad_with_no_outputs_says_so():
    x, _ = _y()
    with pytest.raises(ValueError, match="grad: outputs is empty"):
        ae.grad([], x)


def test_backward_inputs_that_are_not_tensors_are_named():
    _, y = _y()
    with pytest.raises(TypeError, match=r"backward: inputs must be a Tensor or a sequence of Tensors, got int"):
        y.sum().backward(inputs=5)


def test_backward_with_a_gradient_of_strings_names_the_argument_its_dtype_and_what_is_expected():
    x, y = _y()
    with pytest.raises(TypeError) as info:
        y.backward(np.array(["a", "b"]))
    message = str(info.value)
    assert "backward: grad has dtype <U1" in message
    assert "a numeric array of the tensor's shape (2,)" in message
    assert x.grad is None


@pytest.mark.parametrize("bad, dtype", [(np.array([True, False]), "bool"), (np.array([1, 2], dtype=object), "object"),
                                        (np.array([1j, 2j]), "complex128")])
def test_backward_with_a_gradient_that_is_not_real_numbers_is_refused(bad, dtype):
    x, y = _y()
    with pytest.raises(TypeError, match=rf"backward: grad has dtype {dtype}; a numeric array"):
        y.backward(bad)
    assert x.grad is None


def test_backward_with_a_ragged_gradient_says_it_is_not_an_array_of_numbers():
    _, y = _y()
    with pytest.raises(TypeError, match=r"backward: grad \(a list\) is not an array of numbers .*shape \(2,\)"):
        y.backward([1.0, [2.0, 3.0]])


def test_backward_accepts_integer_and_list_gradients_as_numbers():
    x, y = _y()
    y.backward([1, 2])  # integers are numbers: cast to the tensor's dtype
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])


@pytest.mark.parametrize("grad_outputs, got", [("ones", "str"), ({"y": 1.0}, "dict"), ({1.0, 2.0}, "set")])
def test_grad_outputs_of_the_wrong_type_are_refused_by_name(grad_outputs, got):
    x, y = _y()
    with pytest.raises(TypeError, match=rf"grad: grad_outputs must be None, a Tensor or array .*got a {got}"):
        ae.grad(y, x, grad_outputs=grad_outputs)


def test_grad_outputs_of_strings_name_which_one():
    x, y = _y()
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[1\] has dtype <U1"):
        ae.grad([y, y * 2], x, grad_outputs=[np.ones(2), np.array(["a", "b"])])


def test_a_number_is_the_grad_output_of_a_single_scalar_output():
    x, y = _y()
    (g,) = ae.grad(y.sum(), x, grad_outputs=2.0)  # as backward(2.0) would seed it
    np.testing.assert_array_equal(g.data, [6.0, 6.0])
