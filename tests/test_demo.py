"""The README's demo command (`python -m autograd_engine`) prints what the notes say and trains."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_reproduces_the_notes_and_trains(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-m", "autograd_engine"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "f = (x + y) * z = -12;  df/dx = -4, df/dy = -4, df/dz = 3" in out
    assert "dw = [-0.2  -0.39  0.2 ], dx = [ 0.39 -0.59]" in out
    assert "step 200  loss" in out and out.split("step 200")[1].split("\n")[0].endswith("train accuracy 100%")
    spiral_accuracies = [float(a) for a in re.findall(r"step 1000  loss \S+  train accuracy ([\d.]+)%", out)]
    assert spiral_accuracies and spiral_accuracies[0] >= 97.0
    svg = (tmp_path / "spiral_net_graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:500]


def test_the_readme_primitive_example_runs_and_is_right_in_both_orders(capsys):
    import numpy as np

    import autograd_engine as ae
    import autograd_engine.testing as aet

    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Your own primitive")[1].split("```python")[1].split("```")[0]
    namespace: dict = {}
    try:
        exec(block, namespace)  # the README's own example
        assert "gradcheck passed" in capsys.readouterr().out
        aet.assert_second_order_gradients_match(namespace["swish"], np.array([0.7, -1.3, 2.1]))
    finally:
        ae.PRIMITIVES.pop("swish", None)  # the table's coverage test expects the engine's own primitives only


def test_the_readme_recurrent_example_learns_its_sequence_and_carries_no_graph():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Recurrent networks")[1].split("```python")[1].split("```")[0]
    namespace: dict = {}
    exec(block, namespace)  # the README's own example
    assert namespace["loss"].item() < 0.05  # "hello world, " repeated: the next character is predictable
    assert all(s.requires_grad is False and s.is_leaf for s in namespace["state"])
