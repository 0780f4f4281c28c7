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
