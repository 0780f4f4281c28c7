"""Walking a recorded graph and writing it as DOT text.

``draw`` visits the graph from its outputs without recursion and turns every
op and every leaf into one DOT node (a line of text), every operand into an
edge from input to output, and every module scope into a cluster.  It reads
the graph and never changes it, and the drawing it returns holds only strings,
so it keeps no tensor alive.  The DOT lines are built as plain strings: with
``graphviz.Digraph.node``/``edge`` calls a 20,000-node graph took 1.3 s to
build, as strings 0.05 s.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import GraphFreedError
from ..tensor import Tensor
from .render import Drawing

FAST_LAYOUT_NODES = 2000
"""Above this many nodes ``fast_layout`` turns on by default (see :func:`draw`)."""

FAST_LAYOUT = {"nslimit": "0", "nslimit1": "0", "mclimit": "0.01", "splines": "line"}
"""Graphviz settings of ``fast_layout``: skip the network-simplex optimisations of ranks and of
positions within ranks, cut crossing minimisation short, and draw edges as straight lines."""

_FILL = {
    "op": "#dbe8f6", "parameter": "#fff2cc", "leaf": "#fff2cc", "input": "#eeeeee", "constant": "#eeeeee", "module": "#e2f0d9"
}


@dataclass(eq=False)
class _Node:
    """One node of the drawing: text only (no reference to a tensor)."""

    nid: str
    kind: str  # "op", "parameter", "leaf" (requires grad), "input" (a Tensor that does not), "constant", "module"
    lines: list[str]
    scope: str = ""
    output: bool = False
    consumers: list[_Node] = field(default_factory=list)  # for leaves: the op nodes that read them


def draw(
    *tensors: Tensor,
    params: Any = None,
    show_values: bool | Literal["auto"] = "auto",
    show_grads: bool = True,
    collapse: str | Iterable[str] | int | bool | None = None,
    rankdir: str = "LR",
    precision: int = 2,
    max_values: int = 4,
    fast_layout: bool | None = None,
) -> Drawing:
    """Draw the graph that computed ``tensors``: one node per op and per leaf, edges from inputs to outputs.

    Returns a :class:`Drawing` (a ``graphviz.Digraph``): it shows inline in
    Jupyter, ``save_svg(drawing, path)`` or ``drawing.render(outfile=...)``
    writes it, and ``drawing.source`` is its DOT text (available even when no
    Graphviz renderer is installed).

    - Op nodes show ``node.describe()`` (with scalar constant operands folded
      in, like the notes' gates ``*-1``, ``+1``: ``add(·, 1)``), then the
      output's shape and dtype.  A named output (``t.name = "q"``) reads
      ``q = add``.  Leaves show their name: the parameter name from
      ``params`` -- a module (anything with ``named_parameters()``) or a
      ``{name: tensor}`` mapping -- else ``tensor.name``, else ``leaf``
      (requires grad) or ``input`` (does not); array operands are
      ``constant`` nodes.  Outputs (the ``tensors`` given) have a double red
      border and SVG class ``output``; every node's SVG class says its kind
      (``op``, ``parameter``, ``leaf``, ``input``, ``constant``, ``module``).
    - Values: with ``show_values="auto"`` tensors of at most ``max_values``
      elements show ``data 3.00`` (``precision`` decimals); ``True`` also
      summarises larger ones (``data min -1.00 max 2.00``); ``False`` shows
      none.  With ``show_grads`` the gradient follows where one is stored:
      ``data 3.00 | grad -4.00``.  Leaves have ``.grad`` after
      ``backward()``; intermediate tensors only when their gradient was
      retained: call :func:`retain_grads` (or ``t.retain_grad()``) before
      ``backward``.  ``backward()`` frees the graph, so to draw afterwards
      call ``backward(retain_graph=True)``; drawing a freed graph raises
      ``GraphFreedError``.
    - Ops run inside an ``nn.Module`` carry its dotted path (``node.scope``);
      ops of one module are grouped in a labelled cluster, nested by path
      (``features`` contains ``features.0``); parameters and constants sit
      in the innermost cluster that reads them.  ``collapse`` draws modules
      as single nodes: a path, a list of paths, or an int ``d`` (every
      module at depth ``d``; ``True`` means 1).  Their ops, and the
      parameters and constants only they read, are hidden; the node counts
      them.
    - ``rankdir`` is Graphviz's direction (``"LR"`` left to right as in the
      notes, ``"TB"`` top to bottom).
    - ``fast_layout`` (default: on above 2,000 nodes) applies
      :data:`FAST_LAYOUT`: Graphviz skips its network-simplex optimisation
      of ranks and of positions within ranks, cuts crossing minimisation
      short and draws straight edges.  On 10,000-op graphs this turns minutes
      into seconds (see ``benchmarks/viz.py``), at the cost of a less
      compact layout.

    Drawing reads the graph and never changes it; the drawing holds only
    text, so it keeps no tensor alive.
    """
    roots = _roots(tensors)
    names = _parameter_names(params)
    labeller = _Labeller(show_values, show_grads, precision, max_values)
    nodes, edges = _walk(roots, names, labeller)
    if collapse is not None and collapse is not False:
        nodes, edges = _collapse(nodes, edges, collapse)
    if fast_layout is None:
        fast_layout = len(nodes) > FAST_LAYOUT_NODES
    graph_attr = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "10"}
    if fast_layout:
        graph_attr.update(FAST_LAYOUT)
    return Drawing(
        name="autograd",
        graph_attr=graph_attr,
        node_attr={"shape": "box", "style": "filled", "fontname": "Helvetica", "fontsize": "10", "height": "0.3"},
        edge_attr={"arrowsize": "0.6"},
        body=_dot_body(nodes, edges),
    )


def retain_grads(*tensors: Tensor) -> None:
    """Keep the gradient of every intermediate tensor in the graphs of ``tensors`` (``retain_grad()`` on each).

    Call it before ``backward`` so that a drawing shows the gradient at every
    gate, as the notes' circuit diagrams do (the outputs' own gradient, 1 for
    a scalar loss, included).
    """
    for t in _non_leaves(_roots(tensors)):
        t.retain_grad()


# ----- walking the graph ---------------------------------------------------------------
def _roots(tensors: Iterable[Any]) -> list[Tensor]:
    flat: list[Any] = []
    for t in tensors:
        flat.extend(t if isinstance(t, list | tuple) else [t])
    if not flat:
        raise ValueError("draw: give at least one tensor to draw, e.g. draw(loss)")
    for t in flat:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw: expected Tensors, got a {type(t).__name__}; wrap arrays with autograd_engine.Tensor(...)")
    return list({id(t): t for t in flat}.values())


def _parameter_names(params: Any) -> dict[int, str]:
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items = params.named_parameters()
    elif isinstance(params, Mapping):
        items = params.items()
    else:
        raise TypeError(
            f"draw: params must be a module (with named_parameters()) or a {{name: tensor}} mapping, "
            f"got a {type(params).__name__}"
        )
    return {id(t): str(name) for name, t in items if isinstance(t, Tensor)}


def _non_leaves(roots: list[Tensor]) -> list[Tensor]:
    """Every tensor computed by a recorded op, reachable from ``roots`` (iterative, each once)."""
    seen = {id(t) for t in roots if t._node is not None}
    stack = [t for t in roots if t._node is not None]
    found = []
    while stack:
        t = stack.pop()
        found.append(t)
        inputs = t._node.inputs
        if inputs is None:
            raise _freed(t._node)
        for x in inputs:
            if isinstance(x, Tensor) and x._node is not None and id(x) not in seen:
                seen.add(id(x))
                stack.append(x)
    return found


def _freed(node: Any) -> GraphFreedError:
    return GraphFreedError(
        f"draw: the graph through {node.describe()} was freed by backward(); call "
        f"backward(retain_graph=True) to draw the graph with its gradients, or draw it before backward()"
    )


def _walk(roots: list[Tensor], names: dict[int, str], label: _Labeller) -> tuple[list[_Node], list[tuple[_Node, _Node]]]:
    """The drawing's nodes and edges (input -> output) for the graphs of ``roots``."""
    nodes: list[_Node] = []
    edges: list[tuple[_Node, _Node]] = []
    by_id: dict[int, _Node] = {}
    root_ids = {id(t) for t in roots}

    def leaf(x: Any) -> _Node:
        key = id(x)
        node = by_id.get(key)
        if node is None:
            node = _Node(f"n{len(nodes)}", *label.leaf(x, names.get(key)), output=key in root_ids)
            by_id[key] = node
            nodes.append(node)
        return node

    for t in roots:
        if t._node is None:
            leaf(t)
    for t in _non_leaves(roots):
        op = t._node
        node = by_id.get(id(t))
        if node is None:
            node = by_id[id(t)] = _Node(f"n{len(nodes)}", "op", [], op.scope, id(t) in root_ids)
            nodes.append(node)
        node.lines = label.op(t, op)
        for x in op.inputs:
            if isinstance(x, Tensor) and x._node is not None:
                source = by_id.get(id(x))
                if source is None:
                    source = by_id[id(x)] = _Node(f"n{len(nodes)}", "op", [], x._node.scope, id(x) in root_ids)
                    nodes.append(source)
            elif isinstance(x, Tensor) or np.ndim(x) > 0:
                source = leaf(x)
                source.consumers.append(node)
            else:
                continue  # a scalar constant: folded into the op's label
            edges.append((source, node))
    return nodes, edges


# ----- labels --------------------------------------------------------------------------
class _Labeller:
    """Formats node labels: op description, shape and dtype, values and gradients."""

    def __init__(self, show_values: bool | str, show_grads: bool, precision: int, max_values: int) -> None:
        if show_values not in (True, False, "auto"):
            raise ValueError(f"draw: show_values must be True, False or 'auto', got {show_values!r}")
        self.show_values = show_values
        self.show_grads = show_grads
        self.precision = precision
        self.max_values = max_values

    def op(self, t: Tensor, op: Any) -> list[str]:
        text = _shorten(op.describe())
        constants = [None if isinstance(x, Tensor) or np.ndim(x) > 0 else x for x in op.inputs]
        if any(c is not None for c in constants):
            text += "(" + ", ".join("·" if c is None else _constant(c) for c in constants) + ")"
        if t.name:
            text = f"{t.name} = {text}"
        return [text, _shape(t.data), *self._values(t.data, t.grad)]

    def leaf(self, x: Any, name: str | None) -> tuple[str, list[str]]:
        if isinstance(x, Tensor):
            kind = "parameter" if name is not None else "leaf" if x.requires_grad else "input"
            title = name or x.name or kind
            return kind, [title, _shape(x.data), *self._values(x.data, x.grad)]
        array = np.asarray(x)
        return "constant", ["constant", _shape(array), *self._values(array, None)]

    def _values(self, data: np.ndarray, grad: np.ndarray | None) -> list[str]:
        if self.show_values is False or data.dtype.kind not in "biufc":
            return []
        if data.size <= self.max_values:
            parts = [f"data {self._format(data)}"]
            if self.show_grads and grad is not None:
                parts.append(f"grad {self._format(grad)}")
            return [" | ".join(parts)]
        if self.show_values is True and data.size > 0:
            parts = [f"data {self._summary(data)}"]
            if self.show_grads and grad is not None:
                parts.append(f"grad {self._summary(grad)}")
            return parts
        return []

    def _number(self, v: Any) -> str:
        v = complex(v) if np.iscomplexobj(v) else float(v)
        if isinstance(v, complex):
            return str(np.round(v, self.precision))
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 0.5 * 10.0**-self.precision):
            return f"{v:.{self.precision}e}"
        return f"{v:.{self.precision}f}"

    def _format(self, array: np.ndarray) -> str:
        if array.ndim == 0:
            return self._number(array)
        return "[" + ", ".join(self._number(v) for v in np.ravel(array)) + "]"

    def _summary(self, array: np.ndarray) -> str:
        if array.dtype.kind == "c":
            array = np.abs(array)
        return f"min {self._number(np.min(array))} max {self._number(np.max(array))}"


def _shape(array: np.ndarray) -> str:
    return f"{tuple(array.shape)} {_dtype_name(array.dtype)}"


@functools.lru_cache(maxsize=64)
def _dtype_name(dtype: np.dtype) -> str:
    return str(dtype)  # str(dtype) is slow enough to matter when drawing a big graph


def _constant(value: Any) -> str:
    value = value.item() if isinstance(value, np.ndarray | np.generic) else value
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----- collapsing modules -------------------------------------------------------------
def _collapse(
    nodes: list[_Node], edges: list[tuple[_Node, _Node]], spec: str | Iterable[str] | int | bool
) -> tuple[list[_Node], list[tuple[_Node, _Node]]]:
    """Replace the ops of each collapsed module (and the leaves only they read) by one node."""
    scopes = {n.scope for n in nodes if n.kind == "op" and n.scope}
    known = {prefix for s in scopes for prefix in _prefixes(s)}
    if isinstance(spec, bool | int):
        depth = int(spec)
        if depth < 1:
            raise ValueError(f"draw: collapse depth must be at least 1, got {spec}")

        def group_of(scope: str) -> str | None:
            parts = scope.split(".")
            return ".".join(parts[:depth]) if scope and len(parts) >= depth else None
    else:
        wanted = {spec} if isinstance(spec, str) else set(spec)
        unknown = sorted(wanted - known)
        if unknown:
            raise ValueError(
                f"draw: collapse names {', '.join(map(repr, unknown))}, but no op of this graph ran in "
                f"{'that module' if len(unknown) == 1 else 'those modules'}; the graph's modules are: "
                f"{', '.join(sorted(known)) or '(none: no op ran inside an nn.Module)'}"
            )

        def group_of(scope: str) -> str | None:
            return next((p for p in _prefixes(scope) if p in wanted), None)

    groups: dict[str, _Node] = {}
    mapped: dict[int, _Node] = {}
    counts: dict[str, list[int]] = {}
    for n in nodes:
        path = group_of(n.scope) if n.kind == "op" else None
        if path is None:
            continue
        group = groups.get(path)
        if group is None:
            group = groups[path] = _Node(f"m{len(groups)}", "module", [path], _parent(path))
            counts[path] = [0, 0]
        group.output |= n.output
        counts[path][0] += 1
        mapped[id(n)] = group
    for n in nodes:  # leaves read only inside one collapsed module disappear into it
        if n.kind in ("parameter", "leaf", "constant") and not n.output and n.consumers:
            targets = {id(mapped.get(id(c), c)) for c in n.consumers}
            group = mapped.get(id(n.consumers[0]))
            if group is not None and targets == {id(group)}:
                mapped[id(n)] = group
                counts[group.lines[0]][1] += 1
    for path, group in groups.items():
        ops, leaves = counts[path]
        group.lines.append(f"{ops} op{'s' * (ops != 1)}" + (f", {leaves} leaves" if leaves else ""))
    kept = [n for n in nodes if id(n) not in mapped] + list(groups.values())
    for n in kept:
        n.consumers = [mapped.get(id(c), c) for c in n.consumers]
    new_edges: list[tuple[_Node, _Node]] = []
    seen: set[tuple[int, int]] = set()
    for a, b in edges:
        a, b = mapped.get(id(a), a), mapped.get(id(b), b)
        if a is b:
            continue
        if a.kind == "module" or b.kind == "module":
            key = (id(a), id(b))
            if key in seen:
                continue
            seen.add(key)
        new_edges.append((a, b))
    return kept, new_edges


def _prefixes(scope: str) -> list[str]:
    """``"a.b.c"`` -> ``["a", "a.b", "a.b.c"]`` (outermost first)."""
    parts = scope.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _parent(scope: str) -> str:
    return scope.rpartition(".")[0]


# ----- DOT text ------------------------------------------------------------------------
def _dot_body(nodes: list[_Node], edges: list[tuple[_Node, _Node]]) -> list[str]:
    """The DOT statements: nodes inside nested clusters (one per module scope), then the edges."""
    members: dict[str, list[str]] = {}
    for n in nodes:
        if n.kind in ("op", "module"):
            scope = n.scope
        else:  # parameters and constants sit in the innermost module that reads them; inputs outside
            scope = "" if n.kind == "input" else _common_scope([c.scope for c in n.consumers])
        members.setdefault(scope, []).append(_node_line(n))
    children: dict[str, list[str]] = {}
    for scope in sorted(s for s in members if s):
        for prefix in _prefixes(scope):
            siblings = children.setdefault(_parent(prefix), [])
            if prefix not in siblings:
                siblings.append(prefix)
    body = list(members.get("", []))
    counter = [0]

    def cluster(scope: str, indent: str) -> None:
        counter[0] += 1
        body.append(f'{indent}subgraph cluster_{counter[0]} {{\n')
        body.append(f'{indent}\tlabel="{_escape(scope)}" style="rounded,dashed" color="#7f7f7f" fontcolor="#404040"\n')
        body.extend(indent + line for line in members.get(scope, []))
        for child in children.get(scope, []):
            cluster(child, indent + "\t")
        body.append(f"{indent}}}\n")

    for top in children.get("", []):
        cluster(top, "\t")
    body.extend(f"\t{a.nid} -> {b.nid}\n" for a, b in edges)
    return body


def _common_scope(scopes: list[str]) -> str:
    """The innermost module path that contains all ``scopes`` (``""`` if none)."""
    if not scopes:
        return ""
    common = scopes[0].split(".") if scopes[0] else []
    for s in scopes[1:]:
        parts = s.split(".") if s else []
        i = 0
        while i < len(common) and i < len(parts) and common[i] == parts[i]:
            i += 1
        del common[i:]
        if not common:
            break
    return ".".join(common)


def _node_line(n: _Node) -> str:
    label = "\\n".join(_escape(line) for line in n.lines)
    css = f"{n.kind} output" if n.output else n.kind
    extra = ' peripheries=2 penwidth=1.5 color="#c00000"' if n.output else ""
    if n.kind == "op":
        extra += ' style="rounded,filled"'
    elif n.kind == "module":
        extra += " shape=box3d"
    return f'\t{n.nid} [label="{label}" class="{css}" fillcolor="{_FILL[n.kind]}"{extra}]\n'


def _escape(text: str) -> str:
    """Quote ``text`` for a DOT double-quoted string (backslashes would start escapes such as ``\\N``)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
