"""``save`` and ``load``: checkpoints as ``.npz`` files -- arrays and plain data, never pickled code.

``save(obj, path)`` accepts a Module (its ``state_dict()`` is saved) or a state dict: a
mapping whose values are arrays, Tensors, numbers, strings, booleans, None, or nested
lists/tuples/mappings of those (an optimizer's ``state_dict()`` fits).  Arrays are stored as
``.npy`` members; the structure is stored as a JSON manifest.  ``load(path)`` rebuilds the
object with ``numpy.load(allow_pickle=False)``, so loading an untrusted file cannot run code.

The file is written to a temporary file in the same directory, flushed to disk, then moved
over ``path`` with ``os.replace`` (atomic): a crash leaves the old checkpoint or the new one,
never half of one.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

from autograd_engine import Tensor

from .module import Module

_MANIFEST = "__manifest__"
_FORMAT = "autograd_engine.nn checkpoint v1"


def save(obj: Module | Mapping[str, Any], path: str | os.PathLike | BinaryIO) -> None:
    """Write ``obj`` (a Module's state dict, or any state dict) to ``path`` as an ``.npz``.

    A path is written atomically (a temporary file in the same directory, then renamed), so a
    crash never leaves half a checkpoint; the directory must exist.  A binary file object opened
    for writing (``open(f, "wb")``, ``io.BytesIO()``) is written directly, as ``torch.save``
    allows.
    """
    if isinstance(obj, Module):
        obj = obj.state_dict()
    if not isinstance(obj, Mapping):
        raise TypeError(f"nn.save: expected a Module or a state dict (a mapping), got {type(obj).__name__}")
    arrays: dict[str, np.ndarray] = {}
    manifest = {"format": _FORMAT, "root": _encode(obj, arrays, "")}
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"nn.save: cannot write {path!r}: the directory {directory!r} does not exist; create it first "
            f"(os.makedirs({directory!r}, exist_ok=True))"
        )
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; a checkpoint is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load(path: str | os.PathLike | BinaryIO) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save` from a path or a binary file object; returns the
    state dict (arrays as ndarrays).

    Restore a model with ``model.load_state_dict(nn.load(path))``.  Files that contain
    pickled objects are refused.
    """
    source = path if hasattr(path, "read") else os.fspath(path)
    shown = repr(source) if isinstance(source, str) else f"the file object {getattr(source, 'name', source)!r}"
    with np.load(source, allow_pickle=False) as archive:
        if _MANIFEST not in archive.files:
            raise ValueError(f"nn.load: {shown} is not a checkpoint written by nn.save (no manifest)")
        manifest = json.loads(archive[_MANIFEST].tobytes().decode("utf-8"))
        if manifest.get("format") != _FORMAT:
            raise ValueError(f"nn.load: unknown checkpoint format {manifest.get('format')!r} in {shown}")
        arrays = {name: archive[name] for name in archive.files if name != _MANIFEST}
    return _decode(manifest["root"], arrays)


def _encode(value: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"nn.save: entry {where or '<root>'!r} is an object array, which would need pickle")
        name = f"a{len(arrays)}"
        arrays[name] = array
        return {"ndarray": name}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise TypeError(f"nn.save: keys must be strings or integers, got {key!r} in {where or '<root>'}")
            items.append([key, _encode(item, arrays, f"{where}.{key}" if where else str(key))])
        return {"dict": items}
    if isinstance(value, list | tuple):
        encoded = [_encode(item, arrays, f"{where}[{i}]") for i, item in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": encoded}
    raise TypeError(
        f"nn.save: cannot store {type(value).__name__} at {where or '<root>'!r}; only arrays, Tensors, numbers, strings, "
        f"None and lists/tuples/dicts of them are saved (no pickled objects)"
    )


def _decode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(value, dict):
        return value
    if "ndarray" in value:
        return arrays[value["ndarray"]]
    if "dict" in value:
        return {key: _decode(item, arrays) for key, item in value["dict"]}
    if "tuple" in value:
        return tuple(_decode(item, arrays) for item in value["tuple"])
    return [_decode(item, arrays) for item in value["list"]]
