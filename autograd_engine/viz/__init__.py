"""Drawing computational graphs: ops and leaves as nodes, values forward and gradients back.

    >>> import autograd_engine as ae
    >>> x, y, z = (ae.Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> q = x + y
    >>> f = q * z
    >>> f.backward()                    # a small graph: backward keeps its values and gradients
    >>> drawing = ae.draw(f)            # a graphviz.Digraph; shows inline in Jupyter
    >>> ae.save_svg(drawing, "circuit.svg")  # doctest: +SKIP

Rendering uses the system Graphviz ``dot`` when it is on PATH and the
pip-installed ``graphviz-pure`` otherwise (see :mod:`autograd_engine.viz.render`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from ..tensor import Tensor
from .graph import FAST_LAYOUT_NODES, draw, retain_grads
from .render import RENDERERS, Drawing, RendererNotFound, find_renderer, render_source, to_svg


def save_svg(graph_or_tensor: Any, path: str | os.PathLike[str], program: str | None = None, **draw_kwargs: Any) -> Path:
    """Write a drawing as an SVG file and return its path.

    ``graph_or_tensor`` is a drawing (any ``graphviz`` graph or source), a
    Tensor, or a list of Tensors -- these are drawn first with
    ``draw(*tensors, **draw_kwargs)``.  ``program`` forces a renderer
    (``"dot"``, ``"graphviz-pure"`` or a path); by default the system ``dot``
    is used when on PATH, else ``graphviz-pure``.
    """
    if isinstance(graph_or_tensor, Tensor | list | tuple):
        graph_or_tensor = draw(graph_or_tensor, **draw_kwargs)
    elif draw_kwargs:
        raise TypeError(f"save_svg: drawing options {sorted(draw_kwargs)} apply only when a tensor is given")
    if not isinstance(graph_or_tensor, graphviz.Graph | graphviz.Digraph | graphviz.Source | str):
        raise TypeError(
            f"save_svg: expected a drawing (from autograd_engine.draw) or a Tensor, got a {type(graph_or_tensor).__name__}"
        )
    path = Path(path)
    path.write_text(to_svg(graph_or_tensor, program or getattr(graph_or_tensor, "program", None)), encoding="utf-8")
    return path


def _draw_method(tensor: Tensor, **kwargs: Any) -> Any:
    """Draw the graph that produced this tensor (``ae.draw(tensor, **kwargs)``)."""
    return draw(tensor, **kwargs)


Tensor.draw = _draw_method

__all__ = [
    "draw", "save_svg", "retain_grads", "Drawing", "RendererNotFound", "find_renderer", "render_source", "to_svg",
    "RENDERERS", "FAST_LAYOUT_NODES",
]
