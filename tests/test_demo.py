"""The README's demo command (`python -m autograd_engine && python -m optim`) prints what the notes
say, trains and draws; the README's examples run and are right."""
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_module(name: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-m", name], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_readme_demo_command_is_the_one_tested():
    assert 'pip install -e ".[demo]" && python -m autograd_engine && python -m optim' in (ROOT / "README.md").read_text()


def test_the_engine_demo_reproduces_the_notes_trains_and_draws(tmp_path):
    out = _run_module("autograd_engine", tmp_path)
    assert "f = (x + y) * z = -12;  df/dx = -4, df/dy = -4, df/dz = 3" in out
    assert "dw = [-0.2  -0.39  0.2 ], dx = [ 0.39 -0.59]" in out
    assert "step 200  loss" in out and out.split("step 200")[1].split("\n")[0].endswith("train accuracy 100%")
    svg = html.unescape((tmp_path / "neuron_graph.svg").read_text())
    assert "<svg" in svg[:1000]
    assert "data 0.73 | grad 1.00" in svg  # the neuron's output, as the notes draw it
    assert "grad [-0.20, -0.39, 0.20]" in svg and "data 1.00 | grad 0.20" in svg  # dw, and the sum under the sigmoid


def test_the_nn_and_optim_demo_trains_the_spiral_net_and_classifies_the_digits(tmp_path):
    out = _run_module("optim", tmp_path)
    spiral_accuracies = [float(a) for a in re.findall(r"step 1000  loss \S+  train accuracy ([\d.]+)%", out)]
    assert spiral_accuracies and spiral_accuracies[0] >= 97.0
    svg = (tmp_path / "spiral_net_graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:500]
    assert "1257 training, 180 validation and 360 test images of (1, 8, 8)" in out
    test_accuracy = re.findall(r"held-out test accuracy ([\d.]+)%", out)
    assert test_accuracy and float(test_accuracy[0]) >= 97.0, out[-2000:]  # the bar for the digits
    plots = {p.name for p in (tmp_path / "digits_plots").iterdir()}
    assert {"loss.png", "accuracy.png", "update_ratios.png"} <= plots


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
        x = namespace["x"]  # the declaration made the function public and a Tensor method
        assert ae.OPS["swish"] is namespace["swish"] and ae.Tensor.swish is namespace["swish"]
        np.testing.assert_allclose(x.swish().data, x.data / (1 + np.exp(-x.data)), rtol=1e-6)
    finally:
        ae.PRIMITIVES.pop("swish", None)  # the table's coverage test expects the engine's own primitives only
        ae.OPS.pop("swish", None)
        if hasattr(ae.Tensor, "swish"):
            del ae.Tensor.swish


def test_the_readme_recurrent_example_learns_its_sequence_and_carries_no_graph():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Recurrent networks")[1].split("```python")[1].split("```")[0]
    namespace: dict = {}
    exec(block, namespace)  # the README's own example
    assert namespace["loss"].item() < 0.05  # "hello world, " repeated: the next character is predictable
    assert all(s.requires_grad is False and s.is_leaf for s in namespace["state"])


def test_the_readme_interop_example_matches_onnx_runtime_and_pytorch(tmp_path, monkeypatch, capsys):
    pytest.importorskip("onnxruntime", reason='pip install -e ".[export]" installs onnx and onnxruntime')
    pytest.importorskip("torch", reason="the example loads the weights into PyTorch")
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Moving to PyTorch or ONNX Runtime")[1].split("```python")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)  # the example writes model.onnx where it runs
    namespace: dict = {}
    exec(block, namespace)  # the README's own example
    ours = namespace["ours"]
    assert (tmp_path / "model.onnx").exists()
    np.testing.assert_allclose(namespace["from_onnx"], ours, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(namespace["from_torch"], ours, rtol=1e-5, atol=1e-5)
    assert "ONNX Runtime" in capsys.readouterr().out


def test_the_readme_search_example_runs_coarse_then_fine_and_ensembles(tmp_path, monkeypatch):
    pytest.importorskip("optuna", reason='pip install -e ".[search]" installs optuna and dask')
    pytest.importorskip("dask.distributed", reason='pip install -e ".[search]" installs optuna and dask')
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Hyperparameter search")[1].split("```python")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)  # the example writes its search folders and plot where it runs
    monkeypatch.syspath_prepend(str(ROOT))  # the worker processes import the package from here
    namespace: dict = {"__name__": "__main__"}  # functions of __main__ travel to the workers by value
    exec(block, namespace)  # the README's own example
    coarse, fine = namespace["coarse"], namespace["fine"]
    assert len(coarse.table()) == 6 and len(fine.table()) == 4
    complete = [row for row in fine.table() if row["status"] == "complete"]
    accuracies = [row["val_acc"] for row in complete]
    assert accuracies == sorted(accuracies, reverse=True) and accuracies[0] > 0.5  # 3 epochs learn the digits
    for name in namespace["space"]:  # the fine stage searched inside refine's narrower ranges
        low, high = fine.space[name].low, fine.space[name].high
        assert all(low <= row[name] <= high for row in fine.table())
    assert (tmp_path / "fine.png").stat().st_size > 0
    assert len(namespace["ensemble"].members) == 3
