"""The ONNX graph under construction: fresh value names, initializers and nodes.

Converters (``primitives.py``, ``recurrent.py``) speak to this class only, so each of them reads as
the ONNX ops it emits.  Tensors are named by what they are: a parameter by its path in the model
(``fc.weight``), the rest by the op that made them and a counter.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np


class GraphBuilder:
    """Collects the nodes and initializers of one ONNX graph, for an opset."""

    def __init__(self, onnx: Any, opset: int, dynamic_batch: bool) -> None:
        self.onnx = onnx
        self.opset = opset
        self.dynamic_batch = dynamic_batch
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._taken: set[str] = set()
        self._counter = itertools.count()

    def fresh(self, hint: str) -> str:
        """A new value name starting with ``hint``."""
        name = hint
        while name in self._taken:
            name = f"{hint}_{next(self._counter)}"
        self._taken.add(name)
        return name

    def constant(self, array: Any, hint: str = "const", dtype: Any = None) -> str:
        """An initializer holding ``array`` (cast to ``dtype`` when given); returns its name."""
        array = np.asarray(array, dtype=dtype)
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def ints(self, values: Any, hint: str = "ints") -> str:
        """An int64 initializer: the shape, axes and index inputs of ONNX ops."""
        return self.constant(np.asarray(values, dtype=np.int64), hint)

    def node(self, op_type: str, inputs: list[str], outputs: int | list[str] = 1, **attributes: Any) -> Any:
        """Append a node; returns its output name (or the list of names when it has several)."""
        names = outputs if isinstance(outputs, list) else [self.fresh(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, names, **attributes))
        return names[0] if len(names) == 1 else names

    def reduce(self, op_type: str, x: str, axes: tuple[int, ...] | None, keepdims: bool) -> str:
        """``ReduceSum``/``ReduceMean``/... over ``axes`` (all when None), as the opset spells it:
        axes became an input of ReduceSum at opset 13 and of the others at opset 18."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op_type, [x], keepdims=keep)
        if op_type == "ReduceSum" and self.opset >= 13 or self.opset >= 18:
            return self.node(op_type, [x, self.ints(list(axes), "axes")], keepdims=keep)
        return self.node(op_type, [x], axes=list(axes), keepdims=keep)

    def squeeze(self, x: str, axes: list[int]) -> str:
        return self.node("Squeeze", [x, self.ints(axes, "axes")])

    def unsqueeze(self, x: str, axes: list[int]) -> str:
        return self.node("Unsqueeze", [x, self.ints(axes, "axes")])

    def reshape(self, x: str, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> str:
        """``Reshape`` to ``out_shape``.  The leading axes that the reshape keeps are copied from the input
        (0), so that a free batch or sequence axis stays free; with a dynamic batch and no axis kept, the
        batch's axis (the first longer than 1, past axes of length 1 added or dropped) is inferred (-1)."""
        target = list(out_shape)
        kept = 0
        while kept < min(len(in_shape), len(target)) and target[kept] == in_shape[kept]:
            target[kept] = 0
            kept += 1
        if self.dynamic_batch and target and not kept and -1 not in target:
            first_in = next((size for size in in_shape if size != 1), None)
            first_out = next((axis for axis, size in enumerate(target) if size != 1), None)
            batch_axis = first_out if first_out is not None and target[first_out] == first_in else 0
            target[batch_axis] = -1
        return self.node("Reshape", [x, self.ints(target, "shape")])
