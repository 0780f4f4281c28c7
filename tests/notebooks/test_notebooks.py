"""Every notebook in notebooks/ runs from top to bottom without an error.

Each notebook runs in a fresh Jupyter kernel (nbclient) with the repository on
PYTHONPATH, so it works on a fresh clone without installing the package.  A
cell that raises fails the test with the cell's traceback.  Notebooks are
committed with their outputs cleared or small; the executed copy is not saved.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ROOT

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[dev]' installs nbformat and nbclient")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[dev]' installs nbformat and nbclient")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 600  # seconds per cell: generous, for a loaded 2-core machine
COMMITTED_SIZE_LIMIT = 1_000_000  # bytes: outputs cleared or small


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    client.execute(env=env)  # raises CellExecutionError (with the cell and traceback) on any error
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_small(path: Path) -> None:
    size = path.stat().st_size
    assert size < COMMITTED_SIZE_LIMIT, (
        f"{path.name} is {size} bytes: clear its outputs before committing "
        f"(jupyter nbconvert --clear-output --inplace {path.name})"
    )
