"""Graph drawing: the SVG's nodes, labels, values, gradients, clusters; big graphs; no leaks."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from helpers import by_first_line, notes_circuit, parse

import autograd_engine as ae
from autograd_engine.grad_mode import this_thread
from autograd_engine.viz import to_svg


def inside(inner: tuple, outer: tuple) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


# ----- the notes' circuit ---------------------------------------------------------------
def test_notes_circuit_shows_values_and_gradients():
    *_, f = notes_circuit()
    nodes, edges, _ = parse(to_svg(ae.draw(f)))
    assert len(nodes) == 5  # two ops, three leaves
    named = by_first_line(nodes)
    assert set(named) == {"x", "y", "z", "q = add", "f = multiply"}
    # values forward: q = 3, f = -12; gradients back: df/dq = z = -4, df/dz = q = 3, df/dx = df/dy = -4
    assert "data -2.00 | grad -4.00" in named["x"]["texts"]
    assert "data 5.00 | grad -4.00" in named["y"]["texts"]
    assert "data -4.00 | grad 3.00" in named["z"]["texts"]
    assert "data 3.00 | grad -4.00" in named["q = add"]["texts"]
    assert "data -12.00 | grad 1.00" in named["f = multiply"]["texts"]
    assert "() float32" in named["q = add"]["texts"]
    assert {"op", "output"} <= named["f = multiply"]["classes"]
    assert "output" not in named["q = add"]["classes"]
    assert {"leaf"} <= named["x"]["classes"]
    title = {n["texts"][0]: t for t, n in nodes.items()}
    expected = {("x", "q = add"), ("y", "q = add"), ("q = add", "f = multiply"), ("z", "f = multiply")}
    assert edges == {(title[a], title[b]) for a, b in expected}


def test_intermediate_gradients_appear_only_when_retained():
    *_, f = notes_circuit(retain=False)
    named = by_first_line(parse(to_svg(ae.draw(f)))[0])
    assert "data 3.00" in named["q = add"]["texts"]  # value, no gradient stored for q
    assert not any("grad" in t for t in named["q = add"]["texts"])
    assert "data -2.00 | grad -4.00" in named["x"]["texts"]  # leaves always have theirs


def test_value_options():
    *_, f = notes_circuit()
    no_values = by_first_line(parse(to_svg(ae.draw(f, show_values=False)))[0])
    assert not any("data" in t or "grad" in t for n in no_values.values() for t in n["texts"])
    no_grads = by_first_line(parse(to_svg(ae.draw(f, show_grads=False, precision=1)))[0])
    assert "data -12.0" in no_grads["f = multiply"]["texts"]
    big = ae.Tensor(np.arange(12, dtype=np.float64).reshape(3, 4) - 2, requires_grad=True)
    big.name = "big"
    loss = (big * 2.0).sum()
    loss.backward(retain_graph=True)
    auto = by_first_line(parse(to_svg(ae.draw(loss)))[0])
    assert auto["big"]["texts"] == ["big", "(3, 4) float64"]  # too big to list under "auto"
    full = by_first_line(parse(to_svg(ae.draw(loss, show_values=True)))[0])
    assert full["big"]["texts"][2:] == ["data min -2.00 max 9.00", "grad min 2.00 max 2.00"]
    assert "data [-2.00, -1.00]" in by_first_line(parse(to_svg(ae.draw(big[0, :2].sum())))[0])["getitem[0, :2]"]["texts"]
    with pytest.raises(ValueError, match="show_values"):
        ae.draw(loss, show_values="yes")


def test_drawing_does_not_change_the_graph():
    x, y, z, q, f = notes_circuit()
    inputs_before = (q._node.inputs, f._node.inputs)
    ae.draw(f, params={"x": x}, collapse=None)
    assert q._node.inputs is inputs_before[0] and f._node.inputs is inputs_before[1]
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4, -4, 3, -4, 1)
    f.backward()  # the graph still runs (retained), and accumulates as usual
    assert (x.grad, y.grad, z.grad) == (-8, -8, 6)


# ----- labels ---------------------------------------------------------------------------
def test_scalar_constants_fold_into_gates_and_arrays_become_constant_nodes():
    x = ae.Tensor(1.5, requires_grad=True)
    s = 1.0 / (1.0 + ae.exp(-x))
    v = ae.Tensor(np.ones(3), requires_grad=True) * np.array([1.0, 2.0, 3.0])
    nodes, edges, _ = parse(to_svg(ae.draw(s, v.sum())))
    named = by_first_line(nodes)
    assert {"negative", "exp", "add(1, ·)", "divide(1, ·)", "multiply", "sum(axis=(0,))"} <= set(named)
    assert "data 0.82" in named["divide(1, ·)"]["texts"]  # sigmoid(1.5) = 0.8176
    assert {"constant"} <= named["constant"]["classes"]
    assert "data [1.00, 2.00, 3.00]" in named["constant"]["texts"]
    outputs = [n["texts"][0] for n in nodes.values() if "output" in n["classes"]]
    assert sorted(outputs) == ["divide(1, ·)", "sum(axis=(0,))"]
    assert len(nodes) == 9 and len(edges) == 7  # x, v, constant; 6 ops


def test_parameter_names_from_a_mapping_and_from_a_module():
    rng = np.random.default_rng(0)
    W = ae.Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = ae.Tensor(np.zeros(2), requires_grad=True)
    x = ae.Tensor(rng.standard_normal((4, 3)))
    x.name = "images"
    loss = (x @ W + b).sum()
    named = by_first_line(parse(to_svg(ae.draw(loss, params={"fc.weight": W, "fc.bias": b})))[0])
    assert {"fc.weight", "fc.bias", "images"} <= set(named)
    assert "parameter" in named["fc.weight"]["classes"] and "input" in named["images"]["classes"]
    assert "(3, 2) float64" in named["fc.weight"]["texts"]

    class Model:  # anything with named_parameters() counts as a module
        def named_parameters(self):
            yield "layer.W", W
            yield "layer.b", b

    assert {"layer.W", "layer.b"} <= set(by_first_line(parse(to_svg(ae.draw(loss, params=Model())))[0]))
    with pytest.raises(TypeError, match="named_parameters"):
        ae.draw(loss, params=[W, b])


def test_labels_are_escaped():
    x = ae.Tensor(1.0, requires_grad=True)
    x.name = 'say "hi" \\N {x|y} <b>'
    named = by_first_line(parse(to_svg(ae.draw(x * 2.0)))[0])
    assert 'say "hi" \\N {x|y} <b>' in named


def test_a_leaf_alone_and_shared_subgraphs():
    x = ae.Tensor(3.0, requires_grad=True)
    nodes, edges, _ = parse(to_svg(ae.draw(x)))
    assert len(nodes) == 1 and not edges and {"leaf", "output"} <= next(iter(nodes.values()))["classes"]
    h = x * x  # x enters twice: two edges
    a, b = h.exp(), h.sin()
    nodes, edges, _ = parse(to_svg(ae.draw(a, [b, a])))
    assert len(nodes) == 4  # x, multiply, exp, sin: the shared part drawn once
    assert sum(1 for n in nodes.values() if "output" in n["classes"]) == 2
    assert "x" not in by_first_line(nodes) and "leaf" in by_first_line(nodes)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="at least one tensor"):
        ae.draw()
    with pytest.raises(TypeError, match="ndarray"):
        ae.draw(np.ones(3))


# ----- module scopes --------------------------------------------------------------------
def scoped_model():
    """Ops recorded under module scopes, as nn.Module.__call__ sets them."""
    rng = np.random.default_rng(1)
    params = {name: ae.Tensor(rng.standard_normal(shape), requires_grad=True) for name, shape in
              [("enc.fc1.weight", (3, 4)), ("enc.fc2.weight", (4, 4)), ("head.weight", (4, 1))]}
    x = ae.Tensor(rng.standard_normal((2, 3)))
    previous = this_thread.mode.scope
    try:
        this_thread.mode.scope = "enc.fc1"
        h = (x @ params["enc.fc1.weight"]).relu()
        this_thread.mode.scope = "enc.fc2"
        h = (h @ params["enc.fc2.weight"]).tanh()
        this_thread.mode.scope = "head"
        out = h @ params["head.weight"]
    finally:
        this_thread.mode.scope = previous
    return out.sum(), params


def test_ops_of_a_module_are_clustered_and_clusters_nest():
    loss, params = scoped_model()
    nodes, _, clusters = parse(to_svg(ae.draw(loss, params=params)))
    boxes = {c["label"]: c["box"] for c in clusters}
    assert set(boxes) == {"enc", "enc.fc1", "enc.fc2", "head"}
    assert inside(boxes["enc.fc1"], boxes["enc"]) and inside(boxes["enc.fc2"], boxes["enc"])
    assert not inside(boxes["head"], boxes["enc"])
    named = by_first_line(nodes)
    assert inside(named["relu"]["box"], boxes["enc.fc1"]) and inside(named["enc.fc1.weight"]["box"], boxes["enc.fc1"])
    assert inside(named["tanh"]["box"], boxes["enc.fc2"])
    total = next(n for label, n in named.items() if label.startswith("sum"))  # computed outside any module
    assert not any(inside(total["box"], box) for box in boxes.values())
    assert not inside(named["input"]["box"], boxes["enc"])  # the model's input comes from outside


def test_collapse_draws_a_module_as_one_node():
    loss, params = scoped_model()
    nodes, edges, clusters = parse(to_svg(ae.draw(loss, params=params, collapse="enc")))
    named = by_first_line(nodes)
    assert "enc" in named and "module" in named["enc"]["classes"]
    assert "4 ops, 2 leaves" in named["enc"]["texts"]  # matmul, relu, matmul, tanh; both weights
    assert not {"relu", "tanh", "enc.fc1.weight"} & set(named)
    assert {c["label"] for c in clusters} == {"head"}
    title = {n["texts"][0]: t for t, n in nodes.items()}
    assert (title["input"], title["enc"]) in edges
    assert sum(1 for a, b in edges if a == title["enc"]) == 1  # one edge out, into head's matmul
    by_depth = by_first_line(parse(to_svg(ae.draw(loss, collapse=2)))[0])
    assert {"enc.fc1", "enc.fc2"} <= set(by_depth) and "head" not in by_depth
    with pytest.raises(ValueError, match=r"'decoder'.*enc, enc.fc1, enc.fc2, head"):
        ae.draw(loss, collapse=["decoder"])


def test_clusters_with_real_modules():
    nn = pytest.importorskip("nn")  # the nn package sets the scope; skip only if it cannot be imported

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 4)
            self.fc2 = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    net = Net()
    loss = net(ae.Tensor(np.ones((2, 3), dtype=np.float32))).sum()
    nodes, _, clusters = parse(to_svg(ae.draw(loss, params=net)))
    boxes = {c["label"]: c["box"] for c in clusters}
    assert {"fc1", "fc2"} <= set(boxes)
    named = by_first_line(nodes)
    assert inside(named["fc1.weight"]["box"], boxes["fc1"]) and inside(named["fc2.bias"]["box"], boxes["fc2"])


# ----- big graphs -----------------------------------------------------------------------
def test_a_10000_op_chain_draws_renders_and_is_collected_afterwards():
    def chain(n):
        x = ae.Tensor(1.0, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 0.999
        return weakref.ref(x), y

    leaf, y = chain(10_000)
    middle = y
    for _ in range(5_000):
        middle = middle._node.inputs[0]
    middle, last = weakref.ref(middle), weakref.ref(y)
    drawing = ae.draw(y)
    assert "nslimit=0" in drawing.source  # fast layout for big graphs
    svg = to_svg(drawing)
    assert svg.count('class="node op') == 10_000 and svg.count('class="node leaf') == 1
    assert svg.count('class="edge"') == 10_000
    del y, svg
    gc.collect()
    assert last() is None and middle() is None and leaf() is None  # while the drawing lives on, as text
    assert drawing.source.count("multiply(·, 0.999)") == 10_000
