"""ONNX export: ``export_onnx(model, example_input, path)`` (see ``export.py``)."""
from .export import export_onnx
from .primitives import PRIMITIVE_CONVERTERS
from .trace import OnnxExportError

__all__ = ["export_onnx", "OnnxExportError", "PRIMITIVE_CONVERTERS"]
