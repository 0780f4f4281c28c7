"""Rendering DOT source with whatever Graphviz is available.

Two renderers are tried in order: the system Graphviz ``dot`` (when it is on
PATH) and the ``graphviz-pure`` command of the pip package of the same name (a
port of Graphviz that takes ``dot``'s flags; it is a dependency of this
project, so rendering works after ``pip install`` alone).  :class:`Drawing` is a
``graphviz.Digraph`` whose ``pipe``, ``render`` and Jupyter display go through
this choice instead of calling ``dot`` unconditionally.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import graphviz

RENDERERS = ("dot", "graphviz-pure")
"""Commands tried in this order: the system Graphviz first, then the pip-installed port."""

INSTALL_HINT = (
    "install one of them: `pip install graphviz-pure` (pure, no system package needed), "
    "or the system Graphviz (`apt-get install graphviz`, `brew install graphviz`, `conda install graphviz`)"
)


class RendererNotFound(graphviz.ExecutableNotFound):
    """Neither the system ``dot`` nor ``graphviz-pure`` could be found; the DOT source is still usable."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


def find_renderer(program: str | None = None) -> str | None:
    """Full path of the Graphviz command to render with, or ``None`` if there is none.

    Without ``program``: the system ``dot`` when it is on PATH, else
    ``graphviz-pure`` (looked up on PATH and then beside the running Python, so
    that a virtual environment's script is found even when the environment is
    not activated, as in some Jupyter kernels).  With ``program`` (a command
    name such as ``"graphviz-pure"``, or a path): that command only.
    """
    names = RENDERERS if program is None else (program,)
    for name in names:
        found = shutil.which(name)
        if found is None:
            found = shutil.which(name, path=sysconfig.get_path("scripts"))
        if found is not None:
            return found
    return None


def render_source(source: str, format: str = "svg", engine: str = "dot", program: str | None = None) -> bytes:
    """Lay out and render DOT ``source``; returns the output file's bytes (SVG text for ``"svg"``).

    ``format`` is any Graphviz output format (``svg``, ``png``, ``pdf``...);
    ``engine`` the layout engine (``dot``, ``neato``, ``sfdp``...); ``program``
    picks the command (see :func:`find_renderer`).  Raises
    :class:`RendererNotFound` naming how to install one when none is found,
    and ``RuntimeError`` with Graphviz's message when rendering fails.
    """
    executable = find_renderer(program)
    if executable is None:
        wanted = f"`{program}`" if program is not None else "neither the system Graphviz `dot` nor `graphviz-pure`"
        raise RendererNotFound(
            f"draw: cannot render the graph: {wanted} was found on PATH; {INSTALL_HINT}. "
            f"The DOT source is still available as text: `drawing.source` (or `drawing.save('graph.gv')`)."
        )
    command = [executable, f"-K{engine}", f"-T{format}"]
    result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(
            f"draw: {' '.join(command)} failed with exit status {result.returncode}: {message or '(no message)'}"
        )
    return result.stdout


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with :func:`find_renderer`'s choice of Graphviz.

    Everything of ``graphviz.Digraph`` works (``.source``, ``.save``,
    ``.pipe``, ``.render``, inline display in Jupyter); rendering uses the
    system ``dot`` when it is on PATH and ``graphviz-pure`` otherwise.  Set
    ``program`` on an instance (``"dot"``, ``"graphviz-pure"`` or a path) to
    force one.  A drawing holds only text: it keeps no tensor alive.
    """

    program: str | None = None

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: Any = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered graph as bytes, or as text when ``encoding`` is given (``graphviz``'s signature)."""
        output = format or self.format or "svg"
        if renderer is not None:  # graphviz's output renderer/formatter, as in ``-Tpng:cairo``
            output += f":{renderer}" + (f":{formatter}" if formatter is not None else "")
        data = render_source(self.source, output, engine or self.engine, self.program)
        return data.decode(encoding) if encoding is not None else data

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: Any = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source to ``filename`` and render it beside it (``filename.svg``) or to ``outfile``.

        Follows ``graphviz.Digraph.render``: the format defaults to the
        ``outfile``'s suffix, then to ``self.format``; ``cleanup`` removes the
        source file afterwards; returns the rendered file's path.
        """
        if outfile is not None:
            outfile = Path(outfile)
            format = format or outfile.suffix.lstrip(".") or None
            if filename is None:
                filename = outfile.with_suffix(".gv")
        format = format or self.format or "svg"
        source_path = Path(self.save(filename, directory=directory))
        target = outfile if outfile is not None else Path(f"{source_path}.{format}")
        if raise_if_result_exists and target.exists():
            raise FileExistsError(f"render: {target} exists already")
        target.write_bytes(self.pipe(format=format, renderer=renderer, formatter=formatter, engine=engine))
        if cleanup:
            source_path.unlink()
        if view:
            graphviz.view(str(target), quiet=quiet_view)
        return str(target)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except RendererNotFound as error:  # show why, instead of a traceback, in the notebook
            return {"text/plain": str(error)}

    def _repr_svg_(self) -> str:
        """The rendered SVG (for front ends that ask for ``_repr_svg_``)."""
        return self.pipe(format="svg", encoding="utf-8")


def to_svg(drawing: graphviz.Digraph | graphviz.Graph | graphviz.Source | str, program: str | None = None) -> str:
    """Render a ``graphviz`` object (or DOT source text) to SVG text with the available renderer."""
    source = drawing if isinstance(drawing, str) else drawing.source
    engine = "dot" if isinstance(drawing, str) else drawing.engine
    return render_source(source, "svg", engine, program).decode("utf-8")
