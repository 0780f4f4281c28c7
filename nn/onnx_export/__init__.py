"""ONNX export: ``export_onnx(model, example_input, path)`` (see ``export.py``)."""
from .export import OnnxExportError, export_onnx

__all__ = ["export_onnx", "OnnxExportError"]
