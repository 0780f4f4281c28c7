"""``nn.data.datasets``: the loaders read small files written here in the exact standard formats
(CIFAR-10's binary records and its Python 2 pickles, MNIST's IDX files plain and gzipped) back
exactly; missing files are named with where the data set is published; truncated and malformed
files raise a ValueError naming the file; a crafted pickle is refused without running anything;
``load_digits`` matches scikit-learn; ``make_spiral`` is the notes' spiral, reproducible."""
import builtins
import gzip
import os
import pickle
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn.data import (
    CIFAR10_CLASSES,
    cifar10_classes,
    load_cifar10,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    make_spiral,
)

# ----- CIFAR-10 files --------------------------------------------------------------------------------------

TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR_SIZES = [2, 1, 3, 1, 2, 2]  # images in data_batch_1 .. data_batch_5, test_batch


def cifar_images(n, start):
    """``n`` known images: pixel (c, h, w) of image i is (start + i) * 7 + 50 c + 3 h + w, mod 256."""
    i, c, h, w = np.ogrid[start:start + n, 0:3, 0:32, 0:32]
    return ((i * 7 + 50 * c + 3 * h + w) % 256).astype(np.uint8)


def cifar_labels(n, start):
    return [(start + i) * 3 % 10 for i in range(n)]


def cifar_batches():
    """``[(images, labels)]`` for data_batch_1 .. data_batch_5 and test_batch."""
    out, start = [], 0
    for n in CIFAR_SIZES:
        out.append((cifar_images(n, start), cifar_labels(n, start)))
        start += n
    return out


def binary_record_bytes(images, labels):
    """CIFAR-10's binary version: per image, the label byte, then the 1024 red, 1024 green and 1024
    blue bytes, each plane row by row."""
    out = bytearray()
    for image, label in zip(images, labels):
        out.append(label)
        for c in range(3):
            for h in range(32):
                out += bytes(int(v) for v in image[c, h])
    return bytes(out)


def write_cifar_binary(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (images, labels) in zip(TRAIN_BATCHES + ["test_batch"], cifar_batches()):
        (folder / f"{name}.bin").write_bytes(binary_record_bytes(images, labels))
    (folder / "batches.meta.txt").write_text("\n".join(CIFAR10_CLASSES) + "\n\n")
    return folder


def py2_pickle(obj):
    """``obj`` pickled at protocol 2 as Python 2's cPickle writes it, which is how the CIFAR-10 python
    batches were written: ``bytes`` are Python 2 strings (SHORT_BINSTRING/BINSTRING), a uint8
    array is rebuilt by ``numpy.core.multiarray._reconstruct`` and ``numpy.dtype`` with its state."""

    def string(b):
        return (b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + struct.pack("<i", len(b))) + b

    def write(x):
        if x is None:
            return b"N"
        if isinstance(x, bool):
            return b"\x88" if x else b"\x89"
        if isinstance(x, int):
            return b"K" + bytes([x]) if 0 <= x < 256 else b"J" + struct.pack("<i", x)
        if isinstance(x, bytes):
            return string(x)
        if isinstance(x, tuple):
            return b"(" + b"".join(write(v) for v in x) + b"t"
        if isinstance(x, list):
            return b"]" + b"".join(write(v) + b"a" for v in x)
        if isinstance(x, dict):
            return b"}" + b"".join(write(k) + write(v) + b"s" for k, v in x.items())
        assert isinstance(x, np.ndarray) and x.dtype == np.uint8
        dtype = b"cnumpy\ndtype\n" + write((b"u1", 0, 1)) + b"R" + write((3, b"|", None, None, None, -1, -1, 0)) + b"b"
        state = b"(" + write(1) + write(x.shape) + dtype + write(False) + string(x.tobytes()) + b"t"
        return (b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + write((0,)) + write(b"b")
                + b"\x87R" + state + b"b")

    return b"\x80\x02" + write(obj) + b"."


def python_batch(images, labels, name):
    return {
        b"batch_label": f"batch {name}".encode(),
        b"labels": labels,
        b"data": images.reshape(len(images), 3072),
        b"filenames": [f"{name}_{i}.png".encode() for i in range(len(images))],
    }


def dump_python3(obj):
    """``obj`` pickled by Python 3 at protocol 2 (bytes become ``_codecs.encode`` calls)."""
    return pickle.dumps(obj, protocol=2)


def write_cifar_python(folder, dump=py2_pickle):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (images, labels) in zip(TRAIN_BATCHES + ["test_batch"], cifar_batches()):
        (folder / name).write_bytes(dump(python_batch(images, labels, name)))
    meta = {b"num_cases_per_batch": 10000, b"label_names": [n.encode() for n in CIFAR10_CLASSES], b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(dump(meta))
    return folder


def expected_cifar():
    batches = cifar_batches()
    return (
        np.concatenate([images for images, _ in batches[:5]]),
        np.concatenate([labels for _, labels in batches[:5]]).astype(np.int64),
        batches[5][0],
        np.array(batches[5][1], dtype=np.int64),
    )


def assert_arrays_equal(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        assert a.flags.writeable and a.flags.c_contiguous


def test_py2_pickle_writes_what_python_unpickles():
    # the fixture writer itself, checked against the standard unpickler as people load CIFAR-10
    batch = python_batch(cifar_images(2, 0), [3, 4], "x")
    loaded = pickle.loads(py2_pickle(batch), encoding="bytes")
    assert loaded[b"labels"] == [3, 4] and loaded[b"filenames"] == [b"x_0.png", b"x_1.png"]
    assert loaded[b"data"].dtype == np.uint8 and np.array_equal(loaded[b"data"], batch[b"data"])


WRITERS = {
    "binary": lambda root: write_cifar_binary(root),
    "python (Python 2 pickles)": lambda root: write_cifar_python(root),
    "python (Python 3 protocol 2)": lambda root: write_cifar_python(root, dump_python3),
}


@pytest.mark.parametrize("version", list(WRITERS))
def test_load_cifar10_reads_each_version_exactly(tmp_path, version):
    WRITERS[version](tmp_path)
    X_train, y_train, X_test, y_test = load_cifar10(tmp_path)
    assert X_train.shape == (9, 3, 32, 32) and X_test.shape == (2, 3, 32, 32)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert_arrays_equal((X_train, y_train, X_test, y_test), expected_cifar())
    assert X_train[4, 1, 2, 3] == (4 * 7 + 50 + 6 + 3) % 256  # image 4, green, row 2, column 3
    assert cifar10_classes(str(tmp_path)) == list(CIFAR10_CLASSES)


@pytest.mark.parametrize("version, subfolder", [("binary", "cifar-10-batches-bin"),
                                                 ("python (Python 2 pickles)", "cifar-10-batches-py")])
def test_load_cifar10_finds_the_archives_folder_inside_root(tmp_path, version, subfolder):
    WRITERS[version](tmp_path / subfolder)
    assert_arrays_equal(load_cifar10(tmp_path), expected_cifar())
    assert cifar10_classes(tmp_path) == list(CIFAR10_CLASSES)


def test_cifar10_classes_reads_the_names_the_files_list(tmp_path):
    names = [f"class {i}" for i in range(10)]
    write_cifar_python(tmp_path / "py")
    (tmp_path / "py" / "batches.meta").write_bytes(py2_pickle({b"label_names": [n.encode() for n in names]}))
    assert cifar10_classes(tmp_path / "py") == names
    write_cifar_binary(tmp_path / "bin")
    (tmp_path / "bin" / "batches.meta.txt").write_text("\n".join(names) + "\n")
    assert cifar10_classes(tmp_path / "bin") == names


def test_cifar10_classes_names_a_missing_meta_file(tmp_path):
    write_cifar_binary(tmp_path)
    (tmp_path / "batches.meta.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"cifar10_classes: .* batches\.meta\.txt.*cs\.toronto\.edu"):
        cifar10_classes(tmp_path)


def test_load_cifar10_names_every_expected_file_and_the_download_page(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "https://www.cs.toronto.edu/~kriz/cifar.html" in message
    for name in TRAIN_BATCHES + ["test_batch"]:
        assert name in message and f"{name}.bin" in message
    assert "cifar-10-batches-bin" in message and "cifar-10-batches-py" in message
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 files"):
        load_cifar10(tmp_path / "does-not-exist")


@pytest.mark.parametrize("writer, missing", [(write_cifar_binary, "test_batch.bin"), (write_cifar_python, "data_batch_3")])
def test_load_cifar10_names_the_missing_batch_of_a_partial_folder(tmp_path, writer, missing):
    writer(tmp_path)
    (tmp_path / missing).unlink()
    with pytest.raises(FileNotFoundError, match=rf"'{tmp_path}' .*lacks {missing}.*cs\.toronto\.edu"):
        load_cifar10(tmp_path)


def test_load_cifar10_refuses_a_root_that_is_not_a_path():
    with pytest.raises(TypeError, match=r"load_cifar10: root must be a path .* got 3 \(int\)"):
        load_cifar10(3)


def test_load_cifar10_names_a_truncated_binary_batch(tmp_path):
    write_cifar_binary(tmp_path)
    path = tmp_path / "data_batch_2.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=rf"load_cifar10: '{path}' is truncated .* 3063 bytes .* 3073-byte records"):
        load_cifar10(tmp_path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=rf"'{path}' is truncated"):
        load_cifar10(tmp_path)


def test_load_cifar10_names_a_binary_batch_with_a_label_out_of_range(tmp_path):
    write_cifar_binary(tmp_path)
    path = tmp_path / "test_batch.bin"
    path.write_bytes(binary_record_bytes(cifar_images(1, 0), [10]))
    with pytest.raises(ValueError, match=rf"'{path}' holds label 10, but labels must lie in 0\.\.9"):
        load_cifar10(tmp_path)


def test_load_cifar10_names_a_truncated_pickle(tmp_path):
    write_cifar_python(tmp_path)
    path = tmp_path / "data_batch_1"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match=rf"load_cifar10: '{path}' is truncated or not a CIFAR-10 python batch"):
        load_cifar10(tmp_path)


@pytest.mark.parametrize("batch, message", [
    ({b"labels": [1]}, r"it has no b'data'"),
    ({b"data": np.zeros((1, 3072), np.uint8)}, r"it has no b'labels'"),
    ([1, 2], r"it holds a list, expected a dict"),
    ({b"data": np.zeros((1, 3000), np.uint8), b"labels": [1]}, r"b'data' as a uint8 array of shape \(1, 3000\)"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}, r"b'labels' that are not 2 integers in 0\.\.9"),
    ({b"data": np.zeros((1, 3072), np.uint8), b"labels": [12]}, r"holds label 12"),
])
def test_load_cifar10_names_a_pickle_that_is_not_a_batch(tmp_path, batch, message):
    write_cifar_python(tmp_path)
    path = tmp_path / "test_batch"
    path.write_bytes(py2_pickle(batch))
    with pytest.raises(ValueError, match=rf"load_cifar10: '{path}' .*{message}"):
        load_cifar10(tmp_path)


class RunsCommand:
    """Unpickling this calls ``os.system(command)``."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


class CallsBuiltin:
    """Unpickling this calls ``builtins.<name>(argument)``."""

    def __init__(self, name, argument):
        self.name, self.argument = name, argument

    def __reduce__(self):
        return getattr(builtins, self.name), (self.argument,)


class CallsNumpy:
    """Unpickling this calls ``numpy.load(path, allow_pickle=True)``-like NumPy functions: any NumPy
    name but the array reconstruction must be refused too."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return np.load, (self.path,)


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_load_cifar10_refuses_a_pickle_that_would_run_a_command(tmp_path, protocol):
    write_cifar_python(tmp_path)
    marker = tmp_path / "the command ran"
    path = tmp_path / "data_batch_1"
    crafted = {b"data": RunsCommand(f"touch '{marker}'"), b"labels": [0]}
    path.write_bytes(pickle.dumps(crafted, protocol=protocol))
    with pytest.raises(ValueError, match=rf"load_cifar10: refused to load '{path}': it asks for (posix|nt|os)\.system"):
        load_cifar10(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("gadget, name", [
    (lambda tmp: CallsBuiltin("exec", f"import os; os.system('touch ' + {str(tmp / 'ran')!r})"), r"(__builtin__|builtins)\.exec"),
    (lambda tmp: CallsBuiltin("eval", "__import__('os').system('true')"), r"(__builtin__|builtins)\.eval"),
    (lambda tmp: CallsNumpy(str(tmp / "x.npy")), r"numpy\.load"),
], ids=["exec", "eval", "numpy.load"])
def test_load_cifar10_refuses_every_other_global(tmp_path, gadget, name):
    write_cifar_python(tmp_path)
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": gadget(tmp_path), b"labels": [0]}, protocol=2))
    with pytest.raises(ValueError, match=rf"refused to load '.*test_batch': it asks for {name}"):
        load_cifar10(tmp_path)
    assert not (tmp_path / "ran").exists()


def test_cifar10_classes_refuses_a_crafted_meta_file(tmp_path):
    write_cifar_python(tmp_path)
    marker = tmp_path / "the command ran"
    (tmp_path / "batches.meta").write_bytes(pickle.dumps({b"label_names": RunsCommand(f"touch '{marker}'")}))
    with pytest.raises(ValueError, match=r"cifar10_classes: refused to load '.*batches\.meta'"):
        cifar10_classes(tmp_path)
    assert not marker.exists()


def test_load_cifar10_admits_codecs_encode_for_bytes_only(tmp_path):
    # Python 3 writes bytes at protocol 2 as _codecs.encode(text, "latin1"); another codec is refused
    write_cifar_python(tmp_path)
    crafted = (b"\x80\x02}(U\x04data" + b"c_codecs\nencode\n" + b"X\x03\x00\x00\x00abcX\x06\x00\x00\x00rot_13\x86R"
               + b"U\x06labels]K\x00au.")
    (tmp_path / "test_batch").write_bytes(crafted)
    with pytest.raises(ValueError, match=r"test_batch' is truncated or not a CIFAR-10 python batch.*latin1"):
        load_cifar10(tmp_path)


# ----- MNIST and Fashion-MNIST files ----------------------------------------------------------------------

MNIST_NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def idx_bytes(values, magic):
    """An IDX file: the 4-byte big-endian magic number, one big-endian int32 per dimension, the bytes."""
    values = np.asarray(values, dtype=np.uint8)
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in values.shape) + values.tobytes()


def mnist_images(n, start):
    """``n`` known 28x28 images: pixel (h, w) of image i is 11 (start + i) + 5 h + 3 w, mod 256."""
    i, h, w = np.ogrid[start:start + n, 0:28, 0:28]
    return ((11 * i + 5 * h + 3 * w) % 256).astype(np.uint8)


def write_mnist(folder, gzipped=False, n_train=3, n_test=2):
    """The four MNIST files of ``n_train`` and ``n_test`` images (labels 0, 7, 4, 1, ...), plain or gzipped."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = [
        idx_bytes(mnist_images(n_train, 0), 0x00000803),
        idx_bytes([7 * i % 10 for i in range(n_train)], 0x00000801),
        idx_bytes(mnist_images(n_test, 100), 0x00000803),
        idx_bytes([7 * (i + 100) % 10 for i in range(n_test)], 0x00000801),
    ]
    for name, content in zip(MNIST_NAMES, contents):
        if gzipped:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return folder


def expected_mnist(n_train=3, n_test=2):
    return (
        mnist_images(n_train, 0)[:, None],
        np.array([7 * i % 10 for i in range(n_train)], np.int64),
        mnist_images(n_test, 100)[:, None],
        np.array([7 * (i + 100) % 10 for i in range(n_test)], np.int64),
    )


def path_of(folder, name):
    return folder / name if (folder / name).exists() else folder / (name + ".gz")


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("load", [load_mnist, load_fashion_mnist, lambda root: load_mnist(root, kind="fashion")])
def test_load_mnist_reads_the_four_idx_files_exactly(tmp_path, gzipped, load):
    write_mnist(tmp_path, gzipped)
    got = load(tmp_path)
    assert got[0].shape == (3, 1, 28, 28) and got[0].dtype == np.uint8 and got[1].dtype == np.int64
    assert_arrays_equal(got, expected_mnist())
    assert got[2][1, 0, 27, 1] == (11 * 101 + 5 * 27 + 3) % 256


def test_load_mnist_reads_a_mix_of_plain_and_gzipped_files(tmp_path):
    write_mnist(tmp_path, gzipped=True)
    name = MNIST_NAMES[2]
    (tmp_path / name).write_bytes(gzip.decompress((tmp_path / (name + ".gz")).read_bytes()))
    (tmp_path / (name + ".gz")).unlink()
    assert_arrays_equal(load_mnist(str(tmp_path)), expected_mnist())


@pytest.mark.parametrize("kind, folder", [("mnist", "MNIST"), ("fashion", "FashionMNIST")])
def test_load_mnist_finds_torchvisions_layout(tmp_path, kind, folder):
    write_mnist(tmp_path / folder / "raw", gzipped=True)
    assert_arrays_equal(load_mnist(tmp_path, kind=kind), expected_mnist())


@given(n_train=st.integers(0, 6), n_test=st.integers(0, 3), gzipped=st.booleans())
def test_load_mnist_round_trips_any_number_of_images(n_train, n_test, gzipped):
    with tempfile.TemporaryDirectory() as folder:
        write_mnist(Path(folder), gzipped, n_train, n_test)
        assert_arrays_equal(load_mnist(folder), expected_mnist(n_train, n_test))


@pytest.mark.parametrize("kind, title, url", [
    ("mnist", "MNIST", r"http://yann\.lecun\.com/exdb/mnist/"),
    ("fashion", "Fashion-MNIST", r"https://github\.com/zalandoresearch/fashion-mnist"),
])
def test_load_mnist_names_every_expected_file_and_where_it_is_published(tmp_path, kind, title, url):
    with pytest.raises(FileNotFoundError, match=rf"{title} is four IDX files.*{url}") as info:
        load_mnist(tmp_path, kind=kind)
    for name in MNIST_NAMES:
        assert name in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_load_mnist_names_the_one_missing_file(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / MNIST_NAMES[3]).unlink()
    with pytest.raises(FileNotFoundError, match=rf"load_mnist: '{tmp_path / MNIST_NAMES[3]}' \(or {MNIST_NAMES[3]}\.gz\) not found"):
        load_mnist(tmp_path)


def test_load_mnist_refuses_an_unknown_kind(tmp_path):
    with pytest.raises(ValueError, match=r"load_mnist: kind must be one of 'mnist', 'fashion', got 'kmnist'"):
        load_mnist(tmp_path, kind="kmnist")


def corrupt(folder, index, content):
    (folder / MNIST_NAMES[index]).write_bytes(content)
    return folder / MNIST_NAMES[index]


MALFORMED_MNIST = {  # name: (which file, its content, what the error says)
    "truncated": (0, idx_bytes(mnist_images(3, 0), 0x00000803)[:-1],
                  r"is truncated: 2367 bytes, but its header announces images of 28x28 of shape \(3, 28, 28\), 2368 bytes"),
    "too long": (0, idx_bytes(mnist_images(3, 0), 0x00000803) + b"\0", r"is too long: 2369 bytes"),
    "no header": (0, b"\0\0\x08", r"is truncated: 3 bytes, shorter than the 16-byte header"),
    "images for labels": (1, idx_bytes(mnist_images(3, 0), 0x00000803),
                          r"has magic number 0x00000803, expected 0x00000801 \(an IDX file of labels: unsigned bytes in 1 dimension\)"),
    "two dimensions": (0, idx_bytes(np.zeros((3, 784)), 0x00000802), r"has magic number 0x00000802, expected 0x00000803"),
    "floats": (0, idx_bytes(mnist_images(3, 0), 0x00000d03), r"has magic number 0x00000d03, expected 0x00000803"),
    "27x28": (0, idx_bytes(np.zeros((3, 27, 28)), 0x00000803),
              r"holds images of 28x28 of shape \(3, 27, 28\), expected \(N, 28, 28\)"),
    "a label short": (1, idx_bytes([1, 2], 0x00000801), r"holds 2 labels but '.*train-images-idx3-ubyte' holds 3 images"),
    "label 10": (1, idx_bytes([1, 2, 10], 0x00000801), r"holds label 10, but labels must lie in 0\.\.9"),
}


@pytest.mark.parametrize("case", list(MALFORMED_MNIST))
def test_load_mnist_names_a_malformed_file_and_what_is_wrong(tmp_path, case):
    index, content, message = MALFORMED_MNIST[case]
    write_mnist(tmp_path)
    path = corrupt(tmp_path, index, content)
    with pytest.raises(ValueError, match=rf"load_mnist: '{path}' {message}"):
        load_mnist(tmp_path)


def test_load_mnist_names_a_truncated_gzip_file(tmp_path):
    write_mnist(tmp_path, gzipped=True)
    path = tmp_path / (MNIST_NAMES[0] + ".gz")
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match=rf"load_mnist: '{path}' is not a whole gzip file .*download it again"):
        load_mnist(tmp_path)


def test_load_fashion_mnist_names_itself_in_its_errors(tmp_path):
    write_mnist(tmp_path)
    path = corrupt(tmp_path, 1, b"")
    with pytest.raises(ValueError, match=rf"load_mnist\(kind='fashion'\): '{path}' is truncated"):
        load_fashion_mnist(tmp_path)


# ----- the bundled digits and the spiral -------------------------------------------------------------------


def test_load_digits_is_scikit_learns_digits_as_nchw_images():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = load_digits()
    reference = datasets.load_digits()
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert np.array_equal(X[:, 0], reference.images) and np.array_equal(X.reshape(1797, 64), reference.data)
    assert np.array_equal(y, reference.target) and set(y.tolist()) == set(range(10))
    assert X.min() == 0 and X.max() == 16 and np.array_equal(X, np.round(X))


def test_load_digits_without_scikit_learn_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'load_digits needs scikit-learn.*pip install "autograd_engine\[data\]"'):
        load_digits()


def test_make_spiral_is_the_notes_spiral():
    X, y = make_spiral(50, classes=4, noise=0.0, seed=3)
    assert X.shape == (200, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(y, np.repeat(np.arange(4), 50))
    for j in range(4):
        arm = X[y == j]
        r = np.hypot(arm[:, 0], arm[:, 1])
        np.testing.assert_allclose(r, np.linspace(0, 1, 50), atol=1e-12)
        # the point is (r sin t, r cos t): t = atan2(x, y), here without noise evenly from 4j to 4(j+1)
        t = np.linspace(4 * j, 4 * (j + 1), 50)[1:]
        angle = np.arctan2(arm[1:, 0], arm[1:, 1])
        np.testing.assert_allclose(np.angle(np.exp(1j * (angle - t))), 0, atol=1e-9)


def test_make_spiral_draws_its_noise_from_the_seed():
    X, y = make_spiral()
    assert X.shape == (300, 2) and np.array_equal(y, np.repeat([0, 1, 2], 100))
    assert np.array_equal(X, make_spiral(seed=0)[0]) and not np.array_equal(X, make_spiral(seed=1)[0])
    # noise 0.2 on the angles: the radii stay, the angles move by about 0.2
    calm, _ = make_spiral(noise=0.0)
    np.testing.assert_allclose(np.hypot(*X.T), np.hypot(*calm.T), atol=1e-12)
    moved = np.angle(np.exp(1j * (np.arctan2(*X.T) - np.arctan2(*calm.T))))[np.hypot(*X.T) > 0]
    assert 0.15 < moved.std() < 0.25


def test_make_spiral_continues_a_generator_for_independent_sets():
    rng = np.random.default_rng(7)
    train, val = make_spiral(20, seed=rng), make_spiral(20, seed=rng)
    assert not np.array_equal(train[0], val[0])
    both = make_spiral(40, seed=np.random.default_rng(7))  # the same draws, but radii over 40 points
    assert not np.array_equal(both[0][:20], train[0])
    again = np.random.default_rng(7)
    assert np.array_equal(make_spiral(20, seed=again)[0], train[0]) and np.array_equal(make_spiral(20, seed=again)[0], val[0])


@given(n=st.integers(1, 30), classes=st.integers(1, 6), noise=st.floats(0, 2), seed=st.integers(0, 2**32))
def test_make_spiral_has_n_points_per_class_on_radii_zero_to_one(n, classes, noise, seed):
    X, y = make_spiral(n, classes, noise, seed)
    assert X.shape == (n * classes, 2) and y.shape == (n * classes,)
    assert np.array_equal(np.bincount(y, minlength=classes), np.full(classes, n))
    np.testing.assert_allclose(np.hypot(*X.T), np.tile(np.linspace(0, 1, n), classes), atol=1e-12)
    assert np.isfinite(X).all()


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n_per_class=0), ValueError, r"make_spiral: n_per_class must be a positive integer, got 0"),
    (dict(n_per_class=2.5), TypeError, r"make_spiral: n_per_class must be a positive integer, got 2\.5 \(float\)"),
    (dict(classes=True), TypeError, r"make_spiral: classes must be a positive integer, got True"),
    (dict(noise=-0.1), ValueError, r"make_spiral: noise must lie in \[0\.0, inf\], got -0\.1"),
    (dict(noise="0.2"), TypeError, r"make_spiral: noise must be a finite real number, got '0\.2'"),
    (dict(seed=-1), ValueError, r"make_spiral: seed must be a non-negative integer or a numpy\.random\.Generator, got -1"),
    (dict(seed=1.0), TypeError, r"make_spiral: seed must be a non-negative integer .* got 1\.0 \(float\)"),
    (dict(seed=np.random.RandomState(0)), TypeError, r"make_spiral: seed must be .* got RandomState"),
])
def test_make_spiral_checks_its_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_spiral(**kwargs)


def test_nn_exposes_the_data_package():
    assert nn.data.load_cifar10 is load_cifar10 and nn.data.make_spiral is make_spiral
    assert len(CIFAR10_CLASSES) == 10 and CIFAR10_CLASSES[0] == "airplane" and CIFAR10_CLASSES[9] == "truck"
    assert len(nn.data.FASHION_MNIST_CLASSES) == 10 and nn.data.FASHION_MNIST_CLASSES[9] == "Ankle boot"
