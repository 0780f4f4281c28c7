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
from ..function import Primitive
from ..operands import value
from ..skeleton import DRAW_BUDGET, SKELETON_MIN_BYTES
from ..tensor import Tensor
from .render import Drawing

FAST_LAYOUT_NODES = 2000
"""Above this many nodes ``fast_layout`` turns on by default (see :func:`draw`)."""

FAST_LAYOUT = {"nslimit": "0", "nslimit1": "0", "mclimit": "0.01", "splines": "line"}
"""Graphviz settings of ``fast_layout``: skip the network-simplex optimisations of ranks and of
positions within ranks, cut crossing minimisation short, and draw edges as straight lines."""

RELEASED_NOTE = (
    "backward() released the values and gradients of the intermediate tensors of this graph (above "
    f"{DRAW_BUDGET >> 20} MiB); to draw them, call ae.retain_grads(loss) before loss.backward(), "
    "or draw before backward"
)
"""The drawing's title when backward released intermediate values: how to keep them."""

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
      ``backward()``; intermediate tensors show theirs when retained
      (:func:`retain_grads` or ``t.retain_grad()`` before ``backward``) or,
      after a plain ``backward()``, in a small graph (below).
    - After ``loss.backward()`` (micrograd's habit: build, backward, draw)
      ``draw(loss)`` draws the graph just differentiated, although backward
      released it: a teaching-size graph -- the values and gradients of its
      intermediate tensors, the values of its inputs, and about 512 bytes a
      node, totalling at most 1 MiB (``backward.DRAW_BUDGET``) -- with every
      value and gradient; a larger one with its ops, shapes, and the values
      and gradients of the leaves that require grad (the drawing's title says
      how to keep the intermediate ones: ``retain_grads`` before
      ``backward``).  A graph of many small ops above the budget (its
      tensors averaging under 16 KiB) keeps no drawing: drawing it raises
      ``GraphFreedError`` -- draw before ``backward``, or call
      ``backward(retain_graph=True)``.
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
    text, so it keeps no tensor alive.  What backward keeps for it holds no
    saved array, and goes with the graph's output (rebind ``loss`` and it is
    freed).
    """
    roots = _roots(tensors)
    names = _parameter_names(params)
    labeller = _Labeller(show_values, show_grads, precision, max_values)
    nodes, edges, released = _walk(roots, names, labeller)
    if collapse is not None and collapse is not False:
        nodes, edges = _collapse(nodes, edges, collapse)
    if fast_layout is None:
        fast_layout = len(nodes) > FAST_LAYOUT_NODES
    graph_attr = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "10"}
    if fast_layout:
        graph_attr.update(FAST_LAYOUT)
    if released and (show_values or show_grads):
        graph_attr.update(labelloc="t", label=RELEASED_NOTE, fontcolor="#7f3f00")
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
            raise GraphFreedError(
                f"retain_grads: the graph through {t._node.describe()} was already freed by backward(); "
                f"call retain_grads before backward() to keep the gradients of the intermediate tensors"
            )
        for x in inputs:
            if isinstance(x, Tensor) and x._node is not None and id(x) not in seen:
                seen.add(id(x))
                stack.append(x)
    return found


def _operands(node: Primitive) -> tuple[Any, Any, tuple | None]:
    """``(operands, grad, outline)`` of a node: its live inputs, or what backward kept of a released
    node (``Primitive.skeleton``)."""
    if node.inputs is not None:
        return node.inputs, None, None
    skeleton = getattr(node, "skeleton", None)
    if skeleton is None:
        raise GraphFreedError(
            f"draw: the graph through {node.describe()} was freed by backward() without keeping a drawing "
            f"(backward keeps none of a graph of many small ops: one above {DRAW_BUDGET >> 20} MiB whose "
            f"tensors average under {SKELETON_MIN_BYTES >> 10} KiB per node); draw it before backward(), "
            f"or call backward(retain_graph=True) and draw it afterwards"
        )
    return skeleton


def _describe(node: Primitive) -> str:
    try:
        return node.describe()
    except Exception:  # noqa: BLE001  (a user primitive's describe() may read what release() dropped)
        return Primitive.describe(node)


def _walk(
    roots: list[Tensor], names: dict[int, str], label: _Labeller
) -> tuple[list[_Node], list[tuple[_Node, _Node]], bool]:
    """The drawing's nodes and edges (input -> output) for the graphs of ``roots``, and whether some
    intermediate values were released by backward (shown without them).

    Walks live graphs and what backward kept of released ones alike: an operand is a Tensor, a
    node (a released operand's producer), an outline ``(kind, shape, dtype, name)`` or a scalar.
    An op is keyed by its node, so that reaching it through a live tensor and through a skeleton
    draws it once.
    """
    nodes: list[_Node] = []
    edges: list[tuple[_Node, _Node]] = []
    by_key: dict[int, _Node] = {}
    stack: list[tuple[_Node, Any]] = []
    released = False

    def key_of(item: Any) -> int:
        return id(item._node) if isinstance(item, Tensor) and item._node is not None else id(item)

    root_keys = {key_of(t) for t in roots}

    def box(item: Any) -> _Node:
        key = key_of(item)
        found = by_key.get(key)
        if found is not None:
            return found
        output = key in root_keys
        if isinstance(item, Tensor) and item._node is not None:
            found = _Node(f"n{len(nodes)}", "op", [], item._node.scope, output)
            stack.append((found, item))
        elif isinstance(item, Primitive):
            found = _Node(f"n{len(nodes)}", "op", [], item.scope, output)
            stack.append((found, item))
        elif isinstance(item, tuple):  # an outline
            kind, shape, dtype, name = item
            if kind == "unlinked":
                found = _Node(f"n{len(nodes)}", "op", [f"{name} = ?" if name else "?", _shape_of(shape, dtype),
                                                       "(its op was not differentiated)"])
            else:
                found = _Node(f"n{len(nodes)}", kind, [name or kind, _shape_of(shape, dtype)])
        else:
            found = _Node(f"n{len(nodes)}", *label.leaf(item, names.get(id(item))), output=output)
        by_key[key] = found
        nodes.append(found)
        return found

    for t in roots:
        box(t)
    while stack:
        node, item = stack.pop()
        if isinstance(item, Tensor):
            op = item._node
            operands, grad, _ = _operands(op)
            grad = item.grad if item.grad is not None else grad
            node.lines = label.op(_describe(op), operands, item.name, item.data.shape, item.dtype, item.data, grad)
        else:
            op = item
            operands, grad, outline = _operands(op)
            _, shape, dtype, name = outline or ("op", None, None, None)
            node.lines = label.op(_describe(op), operands, name, shape, dtype, None, None)
            released = True
        for x in operands:
            if not isinstance(x, Tensor | Primitive | tuple) and np.ndim(x) == 0:
                continue  # a scalar constant: folded into the op's label
            source = box(x)
            if source.kind in ("parameter", "leaf", "input", "constant"):
                source.consumers.append(node)
            edges.append((source, node))
    return nodes, edges, released


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

    def op(
        self, text: str, operands: Any, name: str | None, shape: Any, dtype: Any, data: Any, grad: Any
    ) -> list[str]:
        """An op's lines: its description (scalar operands folded in, the output's name before it),
        the output's shape and dtype (when known), and its values and gradient (when kept)."""
        text = _shorten(text)
        constants = [None if isinstance(x, Tensor | Primitive | tuple) or np.ndim(x) > 0 else x for x in operands]
        if any(c is not None for c in constants):
            text += "(" + ", ".join("·" if c is None else _constant(c) for c in constants) + ")"
        if name:
            text = f"{name} = {text}"
        lines = [text] if shape is None else [text, _shape_of(shape, dtype)]
        if data is not None:
            lines += self._values(data, value(grad))
        return lines

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
    return _shape_of(array.shape, array.dtype)


def _shape_of(shape: tuple[int, ...], dtype: np.dtype) -> str:
    return f"{tuple(shape)} {_dtype_name(dtype)}"


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
