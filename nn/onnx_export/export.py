"""``export_onnx``: trace a model's forward once through the engine's graph and write it as ONNX.

The forward runs once on the example input, in eval mode, with every parameter requiring grad so
that each primitive is recorded.  The graph is then read back from the outputs: the example inputs
become the ONNX graph's inputs, parameters and other constants its initializers (parameters under
their names in the model), and each recorded primitive the ONNX ops of its row in
``PRIMITIVE_CONVERTERS``.  Recurrent layers, embeddings, upsampling and a few activations are
written whole (``modules.py``): a forward hook stands one node in for each of their calls.

Values the forward computes without recording them -- comparisons, ``argmax``, masks turned into
arrays -- are constants of the trace, as in any tracing exporter.  So that such a file is not
silently wrong, the export runs it in ONNX Runtime (when installed) on a second random input, every
free axis longer, and compares with the engine's forward; a difference is refused with an error that
names the masks the graph holds.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.checks import check_bool, check_int

from ..module import Module
from .builder import GraphBuilder
from .modules import MODULE_CONVERTERS
from .primitives import PRIMITIVE_CONVERTERS
from .trace import ModuleOutput, OnnxExportError, flatten, graph_order, tracing
from .verify import verify_in_onnx_runtime

DEFAULT_OPSET = 18
MIN_OPSET = 13


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError as error:
        raise ImportError("export_onnx needs the onnx package: pip install -e \".[export]\" "
                          "(or pip install onnx onnxruntime)") from error
    return onnx

def _as_inputs(example_input: Any) -> list[ae.Tensor]:
    examples = list(example_input) if isinstance(example_input, tuple | list) else [example_input]
    inputs = []
    for i, example in enumerate(examples):
        array = np.asarray(ae.operands.value(example))
        if array.dtype.kind not in "biuf":
            raise TypeError(f"export_onnx: example input {i} has dtype {array.dtype}; give arrays of numbers")
        inputs.append(ae.Tensor(array, requires_grad=array.dtype.kind == "f"))
    return inputs


def _names(given: Any, count: int, default: str, argument: str) -> list[str]:
    if given is None:
        return [default] if count == 1 else [f"{default}_{i}" for i in range(count)]
    names = [given] if isinstance(given, str) else list(given)
    if len(names) != count or not all(isinstance(n, str) and n for n in names) or len(set(names)) != count:
        raise ValueError(f"export_onnx: {argument} must be {count} distinct non-empty names, got {given!r}")
    return names


def _value_info(onnx: Any, name: str, array: np.ndarray, symbols: dict[int, str]) -> Any:
    dims: list[Any] = [symbols.get(axis, size) for axis, size in enumerate(array.shape)]
    return onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(array.dtype), dims)


def _symbolic_axes(dynamic_axes: Any, arrays: dict[str, np.ndarray]) -> dict[str, dict[int, str]]:
    """PyTorch's ``dynamic_axes``: for an input or output name, its axes of free size, as a list of
    axes or a dict from axis to a dimension name."""
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"export_onnx: dynamic_axes must be a dict from input/output names to axes, got {dynamic_axes!r}")
    symbols: dict[str, dict[int, str]] = {}
    for name, axes in dynamic_axes.items():
        if name not in arrays:
            raise ValueError(f"export_onnx: dynamic_axes names {name!r}, which is not an input or output "
                             f"(the names are {sorted(arrays)}; set them with input_names=/output_names=)")
        named = dict(axes) if isinstance(axes, dict) else {axis: f"{name}_dim{axis}" for axis in axes}
        ndim = arrays[name].ndim
        for axis in named:
            if not isinstance(axis, int) or not -ndim <= axis < ndim:
                raise ValueError(f"export_onnx: dynamic_axes[{name!r}] has axis {axis!r}; {name} has {ndim} axes")
        symbols[name] = {axis % ndim: str(symbol) for axis, symbol in named.items()}
    return symbols


def _place(node: Any) -> str:
    return f"module {node.scope!r}" if node.scope else "the model's own forward"


def _refuse(node: Any, reason: str) -> OnnxExportError:
    return OnnxExportError(
        f"export_onnx: the primitive {type(node).name!r} (from {_place(node)}) {reason}; write that part of "
        f"forward with ops that have one (the table is nn.onnx_export.PRIMITIVE_CONVERTERS; the layers "
        f"{', '.join(sorted(t.__name__ for t in MODULE_CONVERTERS))} are written whole)"
    )


def export_onnx(model: Module, example_input: Any, path: str | os.PathLike[str], *, opset: int | None = None,
                input_names: Any = None, output_names: Any = None, dynamic_batch: bool = True,
                dynamic_axes: Any = None, verify: bool = True) -> Path:
    """Write ``model`` as an ONNX file at ``path``, traced on ``example_input``; returns the path.

    ``example_input`` is one array or Tensor (or a tuple of them, one per positional argument of
    ``forward``).  ``dynamic_batch`` makes the leading axis of inputs and outputs a named dimension
    (``batch``), so that the file runs on any batch size; ``dynamic_axes`` frees more axes, as in
    ``torch.onnx.export`` (``{"input": [0, 1]}`` for a recurrent model's time and batch axes).  The
    model passes ``onnx.checker``.  Needs the ``export`` extra (onnx, onnxruntime).

    ``verify``: run the file in ONNX Runtime (when installed) on a second random input -- each free
    axis one longer -- and refuse it, deleting the file, unless its outputs equal the engine's forward.
    That is a check on one more input, not a proof: a mask computed from an integer input's values
    (padding) that the example and the check both lack goes unnoticed.
    """
    onnx = _import_onnx()
    if not isinstance(model, Module):
        raise TypeError(f"export_onnx: model must be an nn.Module, got {type(model).__name__}")
    opset = DEFAULT_OPSET if opset is None else check_int(opset, "opset", "export_onnx", low=MIN_OPSET)
    if opset > onnx.defs.onnx_opset_version():
        raise ValueError(f"export_onnx: opset {opset} is newer than this onnx package knows "
                         f"({onnx.defs.onnx_opset_version()}); pass opset={DEFAULT_OPSET}")
    dynamic_batch = check_bool(dynamic_batch, "dynamic_batch", "export_onnx")
    inputs = _as_inputs(example_input)
    with tracing(model):
        result = model(*inputs)
    outputs = _as_outputs(result)
    _check_dtypes(model, inputs)
    in_names = _names(input_names, len(inputs), "input", "input_names")
    out_names = _names(output_names, len(outputs), "output", "output_names")
    if set(in_names) & set(out_names):
        raise ValueError(f"export_onnx: input_names and output_names share {sorted(set(in_names) & set(out_names))}; "
                         f"an ONNX graph needs distinct names")
    graph, symbols, masks = _build_graph(onnx, model, inputs, outputs, in_names, out_names, opset, dynamic_batch,
                                         dynamic_axes)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="autograd_engine")
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as error:  # onnx's own words, with what usually causes them here
        raise OnnxExportError(f"export_onnx: the traced graph does not pass onnx.checker: {str(error).strip()}; "
                              f"ONNX does not promote types, so an input whose dtype differs from the model's "
                              f"parameters is the usual cause") from None
    path = Path(path)
    onnx.save(proto, path)
    if verify:
        verify_in_onnx_runtime(path, model, inputs, [symbols.get(name, {}) for name in in_names], masks)
    return path


def _as_outputs(result: Any) -> list[ae.Tensor]:
    leaves = flatten(result)
    bad = [type(leaf).__name__ for leaf in leaves if not isinstance(leaf, ae.Tensor | np.ndarray)]
    if bad:
        raise OnnxExportError(f"export_onnx: the model's forward must return Tensors, or tuples and lists of them; "
                              f"it returned a {bad[0]} (return the values of a dict as a tuple)")
    return [leaf if isinstance(leaf, ae.Tensor) else ae.Tensor(leaf) for leaf in leaves]


def _check_dtypes(model: Module, inputs: list[ae.Tensor]) -> None:
    """ONNX does not promote types: a float64 example for float32 parameters would give a graph that
    mixes them.  Refuse it with the cast to make."""
    dtypes = {p.dtype for p in model.parameters() if p.dtype.kind == "f"}
    for i, x in enumerate(inputs):
        if x.dtype.kind == "f" and len(dtypes) == 1 and x.dtype not in dtypes:
            (dtype,) = dtypes
            raise OnnxExportError(f"export_onnx: example input {i} is {x.dtype} but the model's parameters are {dtype}, "
                                  f"and ONNX does not promote types: pass x.astype(np.{dtype})")

def _build_graph(onnx: Any, model: Module, inputs: list[ae.Tensor], outputs: list[ae.Tensor], in_names: list[str],
                 out_names: list[str], opset: int, dynamic_batch: bool,
                 dynamic_axes: Any) -> tuple[Any, dict[str, dict[int, str]], list[str]]:
    """The ONNX graph; the free axes of each input and output by name; and where the graph holds a mask
    that the trace recorded as a constant (named for the error, should the check find the file wrong)."""
    b = GraphBuilder(onnx, opset, dynamic_batch)
    names: dict[int, str] = {id(tensor): b.fresh(name) for tensor, name in zip(inputs, in_names)}
    for name in out_names:
        b.fresh(name)  # reserved before the ops take names
    masks: list[str] = []  # where's conditions recorded as constants: computed from the example's values?
    parameter_names = {id(p): name for name, p in model.named_parameters()}
    parameter_names.update({id(array): name for name, array in model.named_buffers()})
    module_calls: dict[int, list[str]] = {}

    def operand(x: Any, dtype: np.dtype) -> str:
        if isinstance(x, ae.Tensor):
            if id(x) not in names:  # a leaf: a parameter or a constant of the trace
                names[id(x)] = b.constant(x.data, parameter_names.get(id(x), "const"))
            return names[id(x)]
        if isinstance(x, np.ndarray):
            return b.constant(x, parameter_names.get(id(x), "const"))
        return b.constant(x, "const", dtype if dtype.kind == "f" else None)

    for tensor in graph_order(outputs, set(names)):
        node = tensor.grad_fn
        ins = [operand(x, tensor.dtype) for x in node.inputs]
        if isinstance(node, ModuleOutput):
            call = node.call
            if id(call) not in module_calls:
                n = len(call.examples)
                try:
                    module_calls[id(call)] = call.converter(b, call.module, call.examples, ins[:n], ins[n:])
                except NotImplementedError as error:
                    raise OnnxExportError(f"export_onnx: {error} (from {_place(node)}) has no ONNX equivalent "
                                          f"here") from None
            names[id(tensor)] = module_calls[id(call)][node.index]
            continue
        converter = PRIMITIVE_CONVERTERS.get(type(node).name)
        if converter is None:
            raise _refuse(node, "has no ONNX equivalent here")
        if type(node).name == "where" and np.size(node.condition) > 1:
            masks.append(f"ae.where in {_place(node)}")
        try:
            names[id(tensor)] = converter(b, node, ins, tensor)
        except NotImplementedError as error:
            raise _refuse(node, f"uses {error}, which has no ONNX equivalent here (sort, topk, take, uneven adaptive "
                                f"max pooling and unfold index with integer arrays)") from None
    arrays = {name: t.data for name, t in zip(in_names + out_names, inputs + outputs)}
    symbols = _symbolic_axes(dynamic_axes, arrays)
    batch = inputs[0].shape[0] if dynamic_batch and inputs[0].ndim else None
    for name, array in arrays.items():
        if batch is not None and array.ndim and (name in in_names or array.shape[0] == batch):
            symbols.setdefault(name, {}).setdefault(0, "batch")
    graph_outputs = []
    for tensor, name in zip(outputs, out_names):
        b.node("Identity", [operand(tensor, tensor.dtype)], outputs=[name])
        graph_outputs.append(_value_info(onnx, name, tensor.data, symbols.get(name, {})))
    graph_inputs = [_value_info(onnx, name, t.data, symbols.get(name, {})) for t, name in zip(inputs, in_names)]
    used = {name for node in b.nodes for name in node.input}
    initializers = [init for init in b.initializers if init.name in used]  # a layer written whole repacks its own
    graph = onnx.helper.make_graph(b.nodes, "autograd_engine_model", graph_inputs, graph_outputs, initializers)
    return graph, symbols, masks
