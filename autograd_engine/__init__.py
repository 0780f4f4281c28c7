"""autograd_engine: reverse-mode automatic differentiation on NumPy.

    >>> import autograd_engine as ae
    >>> x, y, z = (ae.Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (array(-4., dtype=float32), array(-4., dtype=float32), array(3., dtype=float32))
"""
from . import in_place, linalg, random  # in_place: the += -= *= /= of Tensors
from .anomaly import detect_anomaly, is_anomaly_enabled
from .autodiff import grad
from .creation import *  # noqa: F403  (zeros, ones, arange, rand, ...: new leaf tensors)
from .creation import __all__ as _creation_all
from .declare import OPS, op
from .dtypes import bool_, float16, float32, float64, get_default_dtype, int32, int64, set_default_dtype
from .errors import AnomalyError, EngineError, GraphFreedError, ShapeError
from .function import PRIMITIVES, Primitive, apply
from .grad_contexts import enable_grad, inference_mode, no_grad, set_grad_enabled
from .grad_mode import is_grad_enabled
from .gradcheck import GradcheckReport, gradcheck, numerical_gradient, rel_error  # the function, not the module
from .memory import keep_freed_memory, release_freed_memory
from .ops import *  # noqa: F403  (every op under NumPy's name)
from .ops import __all__ as _ops_all
from .random import manual_seed, seed
from .tensor import Tensor
from .viz import draw, retain_grads, save_svg


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Same as ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def __getattr__(name: str):
    # testing needs Hypothesis, a test tool: it loads on first use
    if name == "testing":
        import importlib

        return importlib.import_module(".testing", __name__)
    raise AttributeError(f"module 'autograd_engine' has no attribute {name!r}")


__all__ = [
    "Tensor", "tensor", "grad", "draw", "save_svg", "retain_grads", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled", "set_default_dtype", "get_default_dtype", "seed", "random", "linalg",
    "keep_freed_memory", "release_freed_memory", "PRIMITIVES", "OPS", "Primitive", "apply", "op", "gradcheck", "numerical_gradient", "rel_error", "GradcheckReport", "EngineError", "ShapeError", "GraphFreedError", "AnomalyError",
    *_ops_all, "manual_seed", *_creation_all, "inference_mode", "float16", "float32", "float64", "int32", "int64",
    "bool_",
]
__version__ = "0.1.0"
