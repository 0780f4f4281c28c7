"""``save`` and ``load``: checkpoints as ``.npz`` files -- arrays and plain data, never pickled code.

``save(obj, path)`` accepts a Module (its ``state_dict()`` is saved) or a state dict: a
mapping whose values are arrays, Tensors, numbers, strings, booleans, None, or nested
lists/tuples/mappings of those (an optimizer's ``state_dict()`` fits).  Arrays are stored as
uncompressed ``.npy`` members; the structure is stored as a JSON manifest.  ``load(path)``
rebuilds the object and never unpickles, so loading an untrusted file cannot run code.

The file is written to a temporary file in the same directory, flushed to disk, then moved
over ``path`` with ``os.replace`` (atomic): a crash leaves the old checkpoint or the new one,
never half of one.  A writer killed mid-save leaves its temporary behind; the temporary's name
carries the writer's host and process id, and the next save into that directory deletes the
temporaries of writers that are gone (never those of a live writer, another process or thread
saving there right now).

Anything wrong with a file given to ``load`` -- truncated, corrupt, or not written by
``save`` -- raises one exception type, :class:`CheckpointError`, naming the file.
"""
from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import numpy as np

from autograd_engine import Tensor
from autograd_engine.errors import CheckpointError

from .module import Module

_MANIFEST = "__manifest__"
_FORMAT = "autograd_engine.nn checkpoint v1"

# Temporaries are named ".tmp-<host>-<pid>-<random>.npz"; <host> is a digest of the host name, so
# that a folder shared between machines never has another machine's live temporaries removed.
_HOST = f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"
_TEMPORARY = re.compile(r"\.tmp-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[^.]*\.npz\Z")


class _Damaged(Exception):
    """Raised inside ``load`` with what is wrong; ``load`` turns it into a CheckpointError naming the file."""


def save(obj: Module | Mapping[str, Any], path: str | os.PathLike | BinaryIO) -> None:
    """Write ``obj`` (a Module's state dict, or any state dict) to ``path`` as an ``.npz``.

    A path is written atomically (a temporary file in the same directory, then renamed), so a
    crash never leaves half a checkpoint; the directory must exist.  Temporaries left in that
    directory by writers that died mid-save are removed first.  A binary file object opened
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
    _remove_stale_temporaries(directory)
    fd, temporary = tempfile.mkstemp(prefix=f".tmp-{_HOST}-{os.getpid()}-", suffix=".npz", dir=directory)
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


def _remove_stale_temporaries(directory: str | os.PathLike) -> None:
    """Delete the temporaries (``.tmp-*.npz``) that writers on this host left in ``directory``
    when they died mid-save (killed, or crashed).

    A temporary whose writer process still runs is kept: it may be another process or
    thread saving into the directory right now.  So are temporaries written by other hosts
    and files this library did not name.  :func:`save` calls this before every write.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = _TEMPORARY.match(name)
        if match is None or match["host"] != _HOST or _process_is_alive(int(match["pid"])):
            continue
        try:
            os.remove(os.path.join(directory, name))
        except OSError:  # another saver removed it first, or we may not
            pass


def _process_is_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (True when that cannot be told safely)."""
    if pid == os.getpid():
        return True  # this process: another thread may be saving now
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)  # signal 0: the existence and permission check only
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # it exists and belongs to another user; or a pid this system cannot have
    return True


def load(path: str | os.PathLike | BinaryIO) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save` from a path or a binary file object; returns the
    state dict (arrays as ndarrays).

    Restore a model with ``model.load_state_dict(nn.load(path))``.  Nothing in the file is ever
    unpickled, so loading cannot run code.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: (a ``ValueError``) the file is not a valid checkpoint -- truncated,
            corrupt (a failed CRC check), not written by :func:`save` (another ``.npz``, a
            ``.npy``, random bytes), holding pickled objects, or a directory.  The message
            names the file and what is wrong.
    """
    if hasattr(path, "read"):
        shown = f"the file object {getattr(path, 'name', path)!r}"
        if "b" not in getattr(path, "mode", "b"):
            raise TypeError(f"nn.load: {shown} is open in text mode; open it in binary mode: open(path, 'rb')")
        return _load_file(path, shown)
    path = os.fspath(path)
    shown = repr(path)
    if os.path.isdir(path):
        raise CheckpointError(f"nn.load: {shown} is not a valid checkpoint: it is a directory; "
                              f"give the path of a checkpoint file (.npz) in it")
    with open(path, "rb") as file:  # a missing file stays FileNotFoundError
        return _load_file(file, shown)


def _load_file(file: BinaryIO, shown: str) -> dict[str, Any]:
    try:
        return _read_checkpoint(file)
    except _Damaged as error:
        detail = str(error)
    except MemoryError:
        raise
    except Exception as error:  # whatever zipfile, zlib, json or numpy raise on damaged bytes
        detail = f"{type(error).__name__}: {error}"
    raise CheckpointError(
        f"nn.load: {shown} is not a valid checkpoint (truncated, corrupt, or not written by this library): {detail}"
    )


def _read_checkpoint(file: BinaryIO) -> dict[str, Any]:
    start = file.tell()
    magic = file.read(6)
    size = file.seek(0, os.SEEK_END) - start
    file.seek(start)
    if not magic:
        raise _Damaged("the file is empty")
    if magic == b"\x93NUMPY":
        raise _Damaged("it is a single array written by numpy.save (.npy); read it with numpy.load")
    if not magic.startswith(b"PK"):
        raise _Damaged("it is not a zip archive (.npz)")
    with zipfile.ZipFile(file) as archive:
        manifest = _manifest(_read_array(archive, _MANIFEST, size))
        state = _decode(manifest["root"], lambda name: _read_array(archive, name, size), "<root>")
    if not isinstance(state, dict):
        raise _Damaged(f"it holds a {type(state).__name__}, where nn.save always writes a state dict")
    return state


def _read_array(archive: zipfile.ZipFile, name: str, size: int) -> np.ndarray:
    """The array in member ``name`` + ".npy", checked before anything is allocated: it holds no Python
    objects (which would need pickle) and is no larger than the file holding it."""
    try:
        info = archive.getinfo(f"{name}.npy")
    except KeyError:
        what = "the manifest" if name == _MANIFEST else f"the array {name!r} named by the manifest"
        raise _Damaged(f"{what} is missing from the archive") from None
    if info.compress_type != zipfile.ZIP_STORED or info.file_size > size:
        raise _Damaged(f"member {info.filename!r} is compressed or larger than the file; nn.save writes "
                       f"uncompressed members")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in ((1, 0), (2, 0)):
            raise _Damaged(f"member {info.filename!r} has .npy format version {version}")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(member)
        if dtype.hasobject:
            raise _Damaged(f"member {info.filename!r} holds Python objects, which nn.load never unpickles "
                           f"(unpickling can run code)")
        if member.tell() + int(np.prod(shape, dtype=object)) * dtype.itemsize != info.file_size:
            raise _Damaged(f"member {info.filename!r} is not as long as its header says")
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _manifest(raw: np.ndarray) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _Damaged("the manifest is not a byte string")
    try:
        manifest = json.loads(raw.tobytes().decode("utf-8"))
    except RecursionError:
        raise _Damaged("the manifest is nested too deeply to be read") from None
    except ValueError as error:  # UnicodeDecodeError, JSONDecodeError
        raise _Damaged(f"the manifest is not JSON text ({error})") from None
    if not isinstance(manifest, dict) or "root" not in manifest:
        raise _Damaged("the manifest has no 'root' entry")
    if manifest.get("format") != _FORMAT:
        raise _Damaged(f"unknown checkpoint format {manifest.get('format')!r} (this library reads {_FORMAT!r})")
    return manifest


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


def _decode(value: Any, read_array: Callable[[str], np.ndarray], where: str) -> Any:
    """Rebuild what ``_encode`` wrote, refusing any other shape of manifest entry."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if not (isinstance(value, dict) and len(value) == 1):
        raise _Damaged(f"the manifest entry at {where} is not one that nn.save writes")
    (kind, content), = value.items()
    if kind == "ndarray" and isinstance(content, str):
        return read_array(content)
    if kind in ("list", "tuple") and isinstance(content, list):
        items = [_decode(item, read_array, f"{where}[{i}]") for i, item in enumerate(content)]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and isinstance(content, list):
        decoded = {}
        for pair in content:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str | int)
                    and not isinstance(pair[0], bool)):
                raise _Damaged(f"the manifest entry at {where} has a malformed key")
            decoded[pair[0]] = _decode(pair[1], read_array, f"{where}.{pair[0]}")
        return decoded
    raise _Damaged(f"the manifest entry at {where} is not one that nn.save writes")
