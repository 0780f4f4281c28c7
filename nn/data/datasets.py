"""Data sets read from their standard files, and the notes' small synthetic ones.

- :func:`load_cifar10`: CIFAR-10 from the "binary version" (``data_batch_1.bin`` ...) or the
  "python version" (``data_batch_1`` ..., pickles read with an unpickler that admits NumPy
  arrays and nothing else, so a crafted file cannot run code); :func:`cifar10_classes` reads
  the class names from ``batches.meta``.
- :func:`load_mnist` / :func:`load_fashion_mnist`: the four IDX files, plain or gzipped.
- :func:`load_digits`: scikit-learn's bundled 8x8 digits (no download; needs scikit-learn).
- :func:`make_spiral`: the notes' spiral of ``classes`` arms.

Images come back NCHW, as ``uint8`` pixel values (the file's own numbers; convert and scale them
with the transforms of ``nn.data.transforms``); labels as ``int64``.  Every array returned is a
fresh, writable copy.  Nothing is downloaded: a missing file raises ``FileNotFoundError`` naming
every file expected and where the data set is published; a truncated or malformed file raises
``ValueError`` naming the file and what is wrong with it.

This module reads files with NumPy only; it uses nothing of the engine but its argument checks.
"""
from __future__ import annotations

import gzip
import math
import os
import pickle
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from autograd_engine.checks import check_choice, check_int, check_real

__all__ = [
    "CIFAR10_CLASSES",
    "FASHION_MNIST_CLASSES",
    "cifar10_classes",
    "load_cifar10",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "make_spiral",
]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
"""The CIFAR-10 class names in label order (label 0 is ``"airplane"``), as ``batches.meta`` lists them."""

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
"""The Fashion-MNIST class names in label order, as Zalando's README lists them."""

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _as_path(root: Any, owner: str) -> Path:
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"{owner}: root must be a path (str or os.PathLike) to the folder holding the files, "
                        f"got {root!r} ({type(root).__name__})")
    return Path(root)


def _read_bytes(path: Path, owner: str) -> bytes:
    """The whole file, decompressed if it is gzipped (it starts with gzip's magic bytes, whatever its
    name); a damaged gzip stream is a ValueError."""
    data = path.read_bytes()
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{owner}: '{path}' is not a whole gzip file ({error}); it may be truncated: "
                         "download it again") from error


def _check_labels(labels: np.ndarray, path: Path, owner: str, classes: int = 10) -> None:
    if labels.size and int(labels.max()) >= classes:
        raise ValueError(f"{owner}: '{path}' holds label {int(labels.max())}, but labels must lie in "
                         f"0..{classes - 1}; the file is not a label file of this data set")


# ----- CIFAR-10 ----------------------------------------------------------------------------------------------

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
_CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
_CIFAR_VERSIONS = {  # version -> (its subfolder in the archive, its batch files, its class-names file)
    "binary": ("cifar-10-batches-bin", [name + ".bin" for name in _CIFAR_BATCHES], "batches.meta.txt"),
    "python": ("cifar-10-batches-py", _CIFAR_BATCHES, "batches.meta"),
}
_CIFAR_RECORD = 1 + 3 * 32 * 32  # a label byte, then the red, green and blue planes, each 32x32 row-major


def _cifar10_folder(root: Any, owner: str) -> tuple[Path, str]:
    """The folder holding the CIFAR-10 batches and which version it holds: ``root`` itself or its
    subfolder ``cifar-10-batches-bin`` / ``cifar-10-batches-py`` (the archives' own folders), the
    binary version first.  A folder that holds some of a version's files but not all is an error
    naming the missing ones."""
    root = _as_path(root, owner)
    for version, (subfolder, files, _) in _CIFAR_VERSIONS.items():
        for folder in (root, root / subfolder):
            present = [name for name in files if (folder / name).is_file()]
            if present and len(present) < len(files):
                missing = ", ".join(name for name in files if name not in present)
                raise FileNotFoundError(
                    f"{owner}: '{folder}' holds part of the CIFAR-10 {version} version but lacks {missing}; "
                    f"expected all of {', '.join(files)}. Download the {version} version again from {CIFAR10_URL}"
                )
            if present:
                return folder, version
    expected = "; ".join(f"the {version} version: {', '.join(files)} (or a subfolder {subfolder} holding them)"
                         for version, (subfolder, files, _) in _CIFAR_VERSIONS.items())
    raise FileNotFoundError(
        f"{owner}: no CIFAR-10 files in '{root}'. Expected either {expected}. Nothing is downloaded: get "
        f"cifar-10-binary.tar.gz or cifar-10-python.tar.gz from {CIFAR10_URL} and extract it into '{root}'"
    )


def _read_cifar10_binary(path: Path, owner: str) -> tuple[np.ndarray, np.ndarray]:
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    if data.size == 0 or data.size % _CIFAR_RECORD:
        raise ValueError(f"{owner}: '{path}' is truncated or not a CIFAR-10 binary batch: its {data.size} bytes "
                         f"are not a whole number of {_CIFAR_RECORD}-byte records (1 label byte + 3072 pixel bytes)")
    records = data.reshape(-1, _CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    _check_labels(labels, path, owner)
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def _latin1_bytes(text: str, encoding: str) -> bytes:
    """How Python 3 pickles ``bytes`` at protocols 0-2 (as ``_codecs.encode(text, "latin1")``),
    admitted for that encoding only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode is admitted for bytes (latin1) only, got encoding {encoding!r}")
    return text.encode("latin1")


def _numpy_reconstruct() -> Any:
    try:  # where NumPy 2 keeps it
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - NumPy 1 keeps it in numpy.core
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


# The only globals a CIFAR-10 python batch references: NumPy's array reconstruction (written by
# Python 2's cPickle as numpy.core.*, by NumPy >= 2 as numpy._core.*), plus how Python 3 writes
# bytes at protocol 2, for batches re-saved that way.
_PICKLE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct(),
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct(),
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_bytes,
}


class _RefusedGlobal(pickle.UnpicklingError):
    """A pickle asked for a global outside ``_PICKLE_GLOBALS``."""


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """An unpickler that builds dicts, lists, strings, numbers and NumPy arrays, and refuses every
    other global (a function to call, a class to build), so that loading cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        admitted = _PICKLE_GLOBALS.get((module, name))
        if admitted is None:
            raise _RefusedGlobal(f"{module}.{name}")
        return admitted


def _unpickle(path: Path, owner: str) -> Any:
    """The object in a CIFAR-10 pickle, read with ``encoding="bytes"`` (the files were written by
    Python 2) through :class:`_ArraysOnlyUnpickler`."""
    with open(path, "rb") as file:
        try:
            return _ArraysOnlyUnpickler(file, encoding="bytes").load()
        except _RefusedGlobal as error:
            raise ValueError(
                f"{owner}: refused to load '{path}': it asks for {error}, and a CIFAR-10 pickle holds only "
                "NumPy arrays (numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype), lists, bytes and "
                "numbers. Loading it could run code; use the files published at " + CIFAR10_URL
            ) from None
        except Exception as error:  # any other failure to parse: truncated or not a pickle
            raise ValueError(f"{owner}: '{path}' is truncated or not a CIFAR-10 python batch: "
                             f"unpickling failed ({type(error).__name__}: {error})") from error


def _read_cifar10_python(path: Path, owner: str) -> tuple[np.ndarray, np.ndarray]:
    batch = _unpickle(path, owner)
    if not isinstance(batch, dict):
        raise ValueError(f"{owner}: '{path}' is not a CIFAR-10 python batch: it holds a {type(batch).__name__}, "
                         "expected a dict with b'data' and b'labels'")
    for key in (b"data", b"labels"):
        if key not in batch:
            raise ValueError(f"{owner}: '{path}' is not a CIFAR-10 python batch: it has no {key!r} "
                             f"(its keys: {sorted(batch, key=repr)})")
    data = batch[b"data"]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 and data.shape[1] == 3072):
        described = f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise ValueError(f"{owner}: '{path}' holds b'data' as a {described}, expected a uint8 array of shape "
                         "(N, 3072): N images of 3 planes of 32x32 pixels")
    try:
        labels = np.array(batch[b"labels"], dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        labels = None
    if labels is None or labels.shape != (len(data),) or (labels.size and labels.min() < 0):
        raise ValueError(f"{owner}: '{path}' holds b'labels' that are not {len(data)} integers in 0..9, "
                         f"one for each image of b'data'")
    _check_labels(labels, path, owner)
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(root: str | os.PathLike) -> Arrays:
    """CIFAR-10 from its standard files: ``(X_train, y_train, X_test, y_test)``.

    ``root`` is the folder holding the batches of the binary version (``data_batch_1.bin`` ...
    ``data_batch_5.bin``, ``test_batch.bin``) or of the python version (``data_batch_1`` ...
    ``data_batch_5``, ``test_batch``), or the folder into which an archive was extracted (holding
    ``cifar-10-batches-bin`` or ``cifar-10-batches-py``).  Images are ``uint8`` of shape
    ``(N, 3, 32, 32)`` (NCHW, RGB; 50,000 training and 10,000 test images in the published files),
    labels ``int64`` in 0..9 (names in :data:`CIFAR10_CLASSES`).  The training images are the five
    training batches in order.

    The python version is a pickle: it is read by an unpickler that admits NumPy arrays and plain
    data only and refuses anything else with a ``ValueError`` naming the file, so a crafted file
    cannot run code.  A missing file raises ``FileNotFoundError`` naming the files expected and
    where CIFAR-10 is published; a truncated or malformed one a ``ValueError`` naming the file.
    """
    owner = "load_cifar10"
    folder, version = _cifar10_folder(root, owner)
    read = _read_cifar10_binary if version == "binary" else _read_cifar10_python
    batches = [read(folder / name, owner) for name in _CIFAR_VERSIONS[version][1]]
    X_train = np.concatenate([images for images, _ in batches[:-1]])
    y_train = np.concatenate([labels for _, labels in batches[:-1]])
    X_test, y_test = (np.array(a) for a in batches[-1])
    return X_train, y_train, X_test, y_test


def cifar10_classes(root: str | os.PathLike) -> list[str]:
    """The class names listed by the CIFAR-10 files in ``root`` (found as :func:`load_cifar10` finds
    them), in label order: ``batches.meta`` of the python version (its ``b"label_names"``) or
    ``batches.meta.txt`` of the binary version (one name a line).

    They are the names of :data:`CIFAR10_CLASSES`; this function reads them from the files, for a
    data set laid out like CIFAR-10 with names of its own.  A missing or malformed file raises
    ``FileNotFoundError`` / ``ValueError`` naming it.
    """
    owner = "cifar10_classes"
    folder, version = _cifar10_folder(root, owner)
    path = folder / _CIFAR_VERSIONS[version][2]
    if not path.is_file():
        raise FileNotFoundError(f"{owner}: '{folder}' holds the CIFAR-10 {version} version but not its class "
                                f"names, {path.name}; get the whole archive from {CIFAR10_URL}")
    if version == "binary":
        try:
            names = [line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()]
        except UnicodeDecodeError as error:
            raise ValueError(f"{owner}: '{path}' is not a text file of class names ({error})") from error
    else:
        meta = _unpickle(path, owner)
        labels = meta.get(b"label_names") if isinstance(meta, dict) else None
        if not (isinstance(labels, list) and labels and all(isinstance(n, (bytes, str)) for n in labels)):
            raise ValueError(f"{owner}: '{path}' is not CIFAR-10's batches.meta: expected a dict whose "
                             "b'label_names' is a list of names")
        names = [n.decode("latin1") if isinstance(n, bytes) else n for n in labels]
    if not names:
        raise ValueError(f"{owner}: '{path}' lists no class names")
    return names


# ----- MNIST and Fashion-MNIST -------------------------------------------------------------------------------

_MNIST_KINDS = {  # kind -> (its name, where it is published, torchvision's folder for it)
    "mnist": ("MNIST", "Yann LeCun's page http://yann.lecun.com/exdb/mnist/ or its mirror "
              "https://ossci-datasets.s3.amazonaws.com/mnist/", "MNIST"),
    "fashion": ("Fashion-MNIST", "Zalando's https://github.com/zalandoresearch/fashion-mnist", "FashionMNIST"),
}
_MNIST_FILES = {  # split -> (images file, labels file)
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_UNSIGNED_BYTE = 0x08


def _idx_magic(ndim: int) -> str:
    return f"0x{(_IDX_UNSIGNED_BYTE << 8) | ndim:08x}"


def _read_idx(path: Path, shape: tuple[int, ...], what: str, owner: str) -> np.ndarray:
    """The unsigned bytes of an IDX file whose dimensions after the first must be ``shape[1:]``.

    IDX: a big-endian magic number (two zero bytes, the type code 0x08 for unsigned bytes, the
    number of dimensions), one big-endian int32 per dimension, then the values row-major."""
    data = _read_bytes(path, owner)
    ndim = len(shape)
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{owner}: '{path}' is truncated: {len(data)} bytes, shorter than the {header}-byte "
                         f"header of an IDX file of {what}")
    magic = int.from_bytes(data[:4], "big")
    if magic != int(_idx_magic(ndim), 16):
        raise ValueError(f"{owner}: '{path}' has magic number 0x{magic:08x}, expected {_idx_magic(ndim)} "
                         f"(an IDX file of {what}: unsigned bytes in {ndim} dimension{'s' * (ndim > 1)}); "
                         "is it the right file?")
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if dims[1:] != shape[1:]:
        raise ValueError(f"{owner}: '{path}' holds {what} of shape {dims}, expected (N, "
                         f"{', '.join(map(str, shape[1:]))})")
    expected = header + math.prod(dims)
    if len(data) != expected:
        raise ValueError(f"{owner}: '{path}' is {'truncated' if len(data) < expected else 'too long'}: "
                         f"{len(data)} bytes, but its header announces {what} of shape {dims}, {expected} bytes")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _mnist_folder(root: Path, kind: str) -> Path:
    """``root``, or torchvision's ``root/MNIST/raw`` (``FashionMNIST/raw``) if the files are there."""
    names = [name for pair in _MNIST_FILES.values() for name in pair]
    for folder in (root, root / _MNIST_KINDS[kind][2] / "raw"):
        if any((folder / name).is_file() or (folder / (name + ".gz")).is_file() for name in names):
            return folder
    return root


def load_mnist(root: str | os.PathLike, kind: str = "mnist") -> Arrays:
    """MNIST (``kind="mnist"``) or Fashion-MNIST (``kind="fashion"``) from its four IDX files:
    ``(X_train, y_train, X_test, y_test)``.

    ``root`` holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each plain or gzipped (the same name
    with ``.gz``, as published; a plain file is preferred when both are there), or holds them in
    torchvision's layout ``MNIST/raw`` / ``FashionMNIST/raw``.  Images are ``uint8`` of shape
    ``(N, 1, 28, 28)`` (60,000 training and 10,000 test images in the published files), labels
    ``int64`` in 0..9 (Fashion-MNIST's names in :data:`FASHION_MNIST_CLASSES`).

    The magic numbers, the dimensions and the file sizes are checked: a truncated, swapped or
    foreign file raises ``ValueError`` naming it; a missing one ``FileNotFoundError`` naming the
    four files and where the data set is published.
    """
    check_choice(kind, "kind", "load_mnist", tuple(_MNIST_KINDS))
    owner = "load_mnist" if kind == "mnist" else f"load_mnist(kind={kind!r})"
    root = _as_path(root, owner)
    folder = _mnist_folder(root, kind)
    title, published, torchvision_folder = _MNIST_KINDS[kind]

    def find(name: str) -> Path:
        for candidate in (folder / name, folder / (name + ".gz")):
            if candidate.is_file():
                return candidate
        expected = ", ".join(name for pair in _MNIST_FILES.values() for name in pair)
        raise FileNotFoundError(
            f"{owner}: '{folder / name}' (or {name}.gz) not found. {title} is four IDX files, each plain or "
            f"gzipped (.gz), expected in '{root}' or in its subfolder {torchvision_folder}/raw: {expected}. "
            f"Nothing is downloaded: get them from {published}"
        )

    out = []
    for images_name, labels_name in _MNIST_FILES.values():
        images_path, labels_path = find(images_name), find(labels_name)
        images = _read_idx(images_path, (0, 28, 28), "images of 28x28", owner)
        labels = _read_idx(labels_path, (0,), "labels", owner).astype(np.int64)
        if len(labels) != len(images):
            raise ValueError(f"{owner}: '{labels_path}' holds {len(labels)} labels but '{images_path}' holds "
                             f"{len(images)} images; they must be the files of one split")
        _check_labels(labels, labels_path, owner)
        out += [images.reshape(-1, 1, 28, 28).copy(), labels]
    return tuple(out)  # type: ignore[return-value]


def load_fashion_mnist(root: str | os.PathLike) -> Arrays:
    """Fashion-MNIST from its four IDX files: ``load_mnist(root, kind="fashion")`` (see there).

    The files have MNIST's names and format; the class names are :data:`FASHION_MNIST_CLASSES`."""
    return load_mnist(root, kind="fashion")


# ----- bundled and synthetic data --------------------------------------------------------------------------


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits that scikit-learn ships (1,797 images, classes 0..9; no download):
    ``(X, y)``.

    ``X`` is ``float32`` of shape ``(1797, 1, 8, 8)`` holding the pixel values as scikit-learn
    gives them, whole numbers from 0 to 16 (not 0..255: divide by 16 for [0, 1]); ``y`` is ``int64``.
    There is no published train/test split: split it with ``nn.data.random_split`` or
    scikit-learn's ``train_test_split``.  Needs scikit-learn (``pip install "autograd_engine[data]"``).
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise ImportError('load_digits needs scikit-learn, which ships the digits: pip install "autograd_engine[data]"'
                          ) from error
    digits = sklearn_load_digits()
    return digits.images.astype(np.float32).reshape(-1, 1, 8, 8), digits.target.astype(np.int64)


def make_spiral(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The notes' spiral: ``classes`` arms of ``n_per_class`` points in the plane, ``(X, y)``.

    Arm ``j`` has radii evenly spaced from 0 to 1 and angles evenly spaced from ``4 j`` to
    ``4 (j + 1)`` radians plus Gaussian noise of standard deviation ``noise``; its point is
    ``(r sin t, r cos t)``.  No straight line separates the arms: the notes' case study of a linear
    classifier against a two-layer net.  ``X`` is ``float64`` of shape ``(n_per_class * classes, 2)``
    (cast it to the model's dtype, e.g. ``X.astype(np.float32)``), ``y`` ``int64``, the points
    ordered by class.

    ``seed`` is an integer or a ``numpy.random.Generator``; a Generator is drawn from and left
    advanced, so that successive calls give independent sets (a training and a validation set).
    The noise is drawn arm after arm, ``n_per_class`` normals each.
    """
    owner = "make_spiral"
    n_per_class = check_int(n_per_class, "n_per_class", owner, low=1)
    classes = check_int(classes, "classes", owner, low=1)
    noise = check_real(noise, "noise", owner, low=0.0)
    if not isinstance(seed, np.random.Generator):
        allowed = "a non-negative integer or a numpy.random.Generator"
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"{owner}: seed must be {allowed}, got {seed!r} ({type(seed).__name__})")
        if seed < 0:
            raise ValueError(f"{owner}: seed must be {allowed}, got {seed!r}")
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    angle = np.concatenate([np.linspace(4.0 * j, 4.0 * (j + 1), n_per_class) for j in range(classes)])
    angle = angle + rng.standard_normal(n_per_class * classes) * noise
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    y = np.repeat(np.arange(classes, dtype=np.int64), n_per_class)
    return X, y
