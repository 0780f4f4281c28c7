"""Rendering a drawing: the pip-installed renderer and the system ``dot`` (tried first), the error
that says how to install one, Jupyter display and files, and Graphviz's own message on a failure."""
from __future__ import annotations

import shutil

import pytest
from helpers import by_first_line, notes_circuit, parse

import autograd_engine as ae
from autograd_engine.viz import render as render_module
from autograd_engine.viz import to_svg


# ----- renderers ------------------------------------------------------------------------
def test_the_pip_renderer_is_installed_and_renders():
    path = render_module.find_renderer("graphviz-pure")
    assert path is not None, "graphviz-pure is a dependency: pip install graphviz-pure"
    *_, f = notes_circuit()
    nodes, _, _ = parse(to_svg(ae.draw(f), program="graphviz-pure"))
    assert len(nodes) == 5


@pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz not installed (apt-get install graphviz)")
def test_the_system_dot_renders_the_same_nodes():
    *_, f = notes_circuit()
    drawing = ae.draw(f)
    drawing.program = "dot"
    assert by_first_line(parse(drawing.pipe(format="svg", encoding="utf-8"))[0]).keys() == {
        "x", "y", "z", "q = add", "f = multiply"
    }


def fake_which(available):
    def which(name, path=None):
        return f"/fake/{name}" if name in available else None

    return which


def test_the_system_dot_comes_first(monkeypatch):
    monkeypatch.setattr(render_module.shutil, "which", fake_which({"dot", "graphviz-pure"}))
    assert render_module.find_renderer() == "/fake/dot"
    monkeypatch.setattr(render_module.shutil, "which", fake_which({"graphviz-pure"}))
    assert render_module.find_renderer() == "/fake/graphviz-pure"


def test_without_a_renderer_the_error_says_how_to_install_one_and_the_source_remains(monkeypatch, tmp_path):
    monkeypatch.setattr(render_module.shutil, "which", fake_which(set()))
    *_, f = notes_circuit()
    drawing = ae.draw(f)
    with pytest.raises(render_module.RendererNotFound, match=r"pip install graphviz-pure.*apt-get install graphviz"):
        drawing.pipe()
    with pytest.raises(render_module.RendererNotFound):
        ae.save_svg(drawing, tmp_path / "g.svg")
    assert "data -12.00 | grad 1.00" in drawing.source and drawing.source.startswith("digraph")
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "graphviz-pure" in bundle["text/plain"]


def test_jupyter_display_and_files(tmp_path):
    *_, f = notes_circuit()
    drawing = f.draw()
    bundle = drawing._repr_mimebundle_()
    assert len(parse(bundle["image/svg+xml"])[0]) == 5
    assert len(parse(drawing._repr_svg_())[0]) == 5
    out = drawing.render(outfile=tmp_path / "circuit.svg")
    assert len(parse(open(out, encoding="utf-8").read())[0]) == 5
    assert (tmp_path / "circuit.gv").read_text().startswith("digraph")
    path = ae.save_svg(f, tmp_path / "direct.svg", show_values=False)
    assert "data" not in path.read_text(encoding="utf-8")
    assert drawing.pipe(format="png")[:4] == b"\x89PNG"


def test_a_renderer_failure_reports_graphvizs_message():
    with pytest.raises(RuntimeError, match=r"exit status 1.*syntax error"):
        render_module.render_source("digraph { a -> }")
