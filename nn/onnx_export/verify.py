"""The check that an exported file is right beyond its example: ONNX Runtime against the engine's
forward on a second random input, each free axis of the file one longer than the example's."""
from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd_engine as ae

from ..module import Module
from .trace import OnnxExportError, eval_mode, flatten


def _second_input(inputs: list[ae.Tensor], free_axes: list[dict[int, str]]) -> list[np.ndarray]:
    """Random inputs like the example's, with every free axis longer (axes sharing a name by the same
    amount).  Floats are drawn around the example's values; integers between 0 (or the example's
    minimum) and its maximum, so that indices stay valid and a padding index 0 turns up."""
    rng = np.random.default_rng(0)
    longer = {name: 1 + i for i, name in enumerate(sorted({n for axes in free_axes for n in axes.values()}))}
    second = []
    for x, axes in zip(inputs, free_axes):
        shape = [size + longer[axes[axis]] if axis in axes else size for axis, size in enumerate(x.shape)]
        data = x.data
        if data.dtype.kind == "f":
            second.append((rng.standard_normal(shape) * (data.std() + 1) + data.mean()).astype(data.dtype))
        elif data.dtype.kind == "b":
            second.append(rng.random(shape) < 0.5)
        else:
            low, high = (min(int(data.min()), 0), int(data.max())) if data.size else (0, 1)
            second.append(rng.integers(low, high + 1, size=shape).astype(data.dtype))
    return second


def _refused(path: Path, problem: str, masks: list[str]) -> OnnxExportError:
    path.unlink()
    cause = (f"The graph holds masks that the trace computed from the example's values: {', '.join(masks[:4])} "
             f"(ops that choose by value -- where, masked_fill, clamps written with where -- and a mask passed in "
             f"as an input are recorded as constants)" if masks else
             "The forward computes something from the input's values that the graph does not record (a mask or "
             "comparison, argmax, control flow on values), or fixes a size that a free axis changes")
    return OnnxExportError(f"export_onnx: on a second random input, each free axis longer, the exported graph "
                           f"{problem}. {cause}; export what does not depend on them, or free fewer axes "
                           f"(dynamic_batch=False, dynamic_axes)")


def verify_in_onnx_runtime(path: Path, model: Module, inputs: list[ae.Tensor], free_axes: list[dict[int, str]],
                           masks: list[str]) -> None:
    """Refuse the file at ``path`` (deleting it) unless ONNX Runtime's outputs on a second random input
    equal the engine's forward; nothing to do when onnxruntime is not installed."""
    try:
        import onnxruntime
    except ImportError:
        return
    second = _second_input(inputs, free_axes)
    try:
        with eval_mode(model), ae.no_grad():
            expected = [np.asarray(ae.operands.value(out)) for out in flatten(model(*[ae.Tensor(x) for x in second]))]
    except Exception as error:
        path.unlink()
        raise OnnxExportError(f"export_onnx: the model's own forward fails on inputs of shapes "
                              f"{[x.shape for x in second]} (each free axis one longer than the example's): "
                              f"{error}; free fewer axes (dynamic_batch=False, dynamic_axes)") from error
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # the failure is reported below, in the exporter's words
    try:
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        got = session.run(None, {meta.name: x for meta, x in zip(session.get_inputs(), second)})
    except Exception as error:  # ONNX Runtime's own failure, worded by it
        raise _refused(path, f"fails in ONNX Runtime ({str(error).strip().splitlines()[-1]})", masks) from None
    for g, e in zip(got, expected):
        if g.shape != e.shape:
            raise _refused(path, f"gives an output of shape {g.shape} where the engine gives {e.shape}", masks)
        worst = float(np.max(np.abs(g - e), initial=0.0)) / (1.0 + float(np.max(np.abs(e), initial=0.0)))
        if not worst <= 1e-4:
            raise _refused(path, f"differs from the engine's forward by {worst:.3g} (relative)", masks)
