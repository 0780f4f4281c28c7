"""The check that an exported file is right beyond its example: ONNX Runtime against the engine's
forward on a second random input."""
from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd_engine as ae

from ..module import Module
from .trace import OnnxExportError, eval_mode, flatten


def _second_input(inputs: list[ae.Tensor], dynamic_batch: bool) -> list[np.ndarray]:
    """Random inputs like the example's (values drawn from the example's, for integer inputs)."""
    rng = np.random.default_rng(0)
    second = []
    for x in inputs:
        shape = list(x.shape)
        if dynamic_batch and len(inputs) == 1 and shape:
            shape[0] += 1
        data = x.data
        if data.dtype.kind == "f":
            second.append((rng.standard_normal(shape) * (data.std() + 1) + data.mean()).astype(data.dtype))
        else:
            second.append(rng.choice(data.ravel(), size=shape).astype(data.dtype))
    return second


def verify_in_onnx_runtime(path: Path, model: Module, inputs: list[ae.Tensor], dynamic_batch: bool) -> None:
    """Refuse the file at ``path`` (deleting it) unless ONNX Runtime's outputs on a second random input
    equal the engine's forward; nothing to do when onnxruntime is not installed."""
    try:
        import onnxruntime
    except ImportError:
        return
    second = _second_input(inputs, dynamic_batch)
    try:
        with eval_mode(model), ae.no_grad():
            expected = [np.asarray(ae.operands.value(out)) for out in flatten(model(*[ae.Tensor(x) for x in second]))]
    except Exception as error:
        path.unlink()
        raise OnnxExportError(f"export_onnx: the model's own forward fails on inputs of shapes "
                              f"{[x.shape for x in second]} (a batch one larger than the example's): {error}; "
                              f"pass dynamic_batch=False to export for the example's batch size only") from error
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = session.run(None, {meta.name: x for meta, x in zip(session.get_inputs(), second)})
        worst = max(float(np.max(np.abs(g - e), initial=0.0)) / (1.0 + float(np.max(np.abs(e), initial=0.0)))
                    for g, e in zip(got, expected))
        problem = None if worst <= 1e-4 else f"differs from the engine's forward by {worst:.3g} (relative)"
    except Exception as error:  # ONNX Runtime's own failure, worded by it
        problem = f"fails in ONNX Runtime: {str(error).strip().splitlines()[-1]}"
    if problem is not None:
        path.unlink()
        raise OnnxExportError(
            f"export_onnx: on a second random input the exported graph {problem}. The forward computes "
            f"something from the input's values that the graph does not record (a mask or comparison passed "
            f"to ae.where, argmax, control flow on values), which the trace froze as a constant; or it "
            f"fixes a size that the batch changes (dynamic_batch=False exports a fixed batch)"
        )

