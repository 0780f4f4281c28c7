"""``nn.save`` and ``nn.load``: models and nested state round-trip bit-exactly without pickle, file
objects, a crash while saving leaves the previous checkpoint; damaged and crafted files raise one
exception type, ``nn.CheckpointError``, naming the file -- never a zipfile, JSON or NumPy error, and
never NumPy's advice to load with ``allow_pickle``."""
import io
import json
import os
import zipfile

import numpy as np
import pytest
from helpers import data_offsets, make_model
from hypothesis import given
from hypothesis import strategies as st

import nn

# ----- save / load ------------------------------------------------------------------------------------


def test_save_and_load_round_trip_a_model_bit_exactly(tmp_path):
    model = make_model()
    model(np.ones((4, 4), np.float32))
    path = tmp_path / "model.npz"
    nn.save(model, path)
    loaded = nn.load(path)
    assert list(loaded) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert loaded[k].dtype == v.dtype and loaded[k].shape == v.shape and np.array_equal(loaded[k], v)
    fresh = make_model()
    fresh.load_state_dict(loaded)
    assert [f.name for f in tmp_path.iterdir()] == ["model.npz"]


def test_save_handles_nested_state_without_pickle(tmp_path):
    state = {
        "state": {0: {"step": 3, "m": np.arange(4.0)}, 1: {"step": 3, "m": np.float32(2.5)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "name": None, "params": [0, 1]}],
    }
    path = tmp_path / "optimizer.npz"
    nn.save(state, path)
    loaded = nn.load(path)
    assert loaded["param_groups"] == state["param_groups"]
    assert loaded["state"][0]["step"] == 3 and np.array_equal(loaded["state"][0]["m"], np.arange(4.0))
    assert loaded["state"][1]["m"].dtype == np.float32
    with pytest.raises(TypeError, match="cannot store function"):
        nn.save({"f": lambda: 0}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()


def test_a_crash_while_saving_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.zeros(3)}, path)

    def crash(file, **arrays):
        file.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"w": np.ones(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(nn.load(path)["w"], np.zeros(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_load_refuses_pickled_objects_and_foreign_files(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, __manifest__=np.frombuffer(b'{"format": "autograd_engine.nn checkpoint v1", "root": {"ndarray": "a0"}}',
                                               dtype=np.uint8), a0=np.array([object()], dtype=object))
    with pytest.raises(nn.CheckpointError, match="holds Python objects, which nn.load never unpickles") as caught:
        nn.load(evil)
    assert "allow_pickle" not in str(caught.value)
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.zeros(2))
    with pytest.raises(nn.CheckpointError, match="not a valid checkpoint .*the manifest is missing"):
        nn.load(plain)


def test_loading_a_mismatched_file_names_the_key_and_shapes(tmp_path):
    nn.save(nn.Linear(4, 3), tmp_path / "small.npz")
    with pytest.raises(nn.StateDictError, match=r"'weight': the checkpoint has \(3, 4\), the model has \(5, 4\)"):
        nn.Linear(4, 5).load_state_dict(nn.load(tmp_path / "small.npz"))


def test_save_and_load_take_file_objects_and_name_a_missing_directory(tmp_path):
    import io

    model = nn.Linear(3, 2)
    buffer = io.BytesIO()
    nn.save(model, buffer)
    buffer.seek(0)
    restored = nn.load(buffer)
    np.testing.assert_array_equal(restored["weight"], model.weight.data)
    with open(tmp_path / "m.npz", "wb") as f:
        nn.save(model.state_dict(), f)
    with open(tmp_path / "m.npz", "rb") as f:
        np.testing.assert_array_equal(nn.load(f)["bias"], model.bias.data)
    missing = tmp_path / "nope" / "m.npz"
    with pytest.raises(FileNotFoundError, match=r"cannot write .*nope/m\.npz.*the directory .*nope' does not exist; create it"):
        nn.save(model, missing)
    assert not (tmp_path / "nope").exists()


FORMAT = "autograd_engine.nn checkpoint v1"


def reference_state():
    """A small state dict with the kinds of values checkpoints hold: arrays of several dtypes,
    nested dicts with integer keys, tuples, lists, numbers, strings, None."""
    rng = np.random.default_rng(0)
    return {
        "weight": rng.standard_normal((6, 5)).astype(np.float32),
        "bias": np.arange(6, dtype=np.float64),
        "steps": np.int64(7),
        "optimizer": {"state": {0: {"step": 3, "exp_avg": rng.standard_normal(4)}},
                      "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "params": [0], "name": None}]},
        "note": "spiral run",
    }


def assert_same(loaded, expected):
    """Equal structure, and arrays equal in dtype, shape and bits."""
    if isinstance(expected, np.ndarray | np.generic):
        assert isinstance(loaded, np.ndarray) and loaded.dtype == expected.dtype
        assert loaded.shape == np.shape(expected) and np.array_equal(loaded, expected)
    elif isinstance(expected, dict):
        assert isinstance(loaded, dict) and list(loaded) == list(expected)
        for key in expected:
            assert_same(loaded[key], expected[key])
    elif isinstance(expected, list | tuple):
        assert type(loaded) is type(expected) and len(loaded) == len(expected)
        for a, b in zip(loaded, expected):
            assert_same(a, b)
    else:
        assert loaded == expected and type(loaded) is type(expected)


@pytest.fixture(scope="module")
def good_bytes():
    buffer = io.BytesIO()
    nn.save(reference_state(), buffer)
    return buffer.getvalue()


def assert_refused(path, *, fragment=""):
    """nn.load(path) raises CheckpointError naming the file, with no NumPy/zipfile error chained."""
    with pytest.raises(nn.CheckpointError) as caught:
        nn.load(path)
    message = str(caught.value)
    assert str(path) in message and "is not a valid checkpoint" in message, message
    assert fragment in message, message
    assert "allow_pickle" not in message
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # no raw traceback shown
    return message


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
    return buffer.getvalue()


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    """A zip whose ``members`` ({name: bytes, or an array stored as .npy}) are written as given."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content if isinstance(content, bytes) else npy_bytes(content))
    return path


def manifest(root, format=FORMAT):
    return np.frombuffer(json.dumps({"format": format, "root": root}).encode(), dtype=np.uint8)


def test_checkpoint_error_is_one_documented_value_error():
    assert issubclass(nn.CheckpointError, ValueError)
    assert "CheckpointError" in nn.load.__doc__


def test_every_truncation_is_refused(tmp_path, good_bytes):
    path = tmp_path / "truncated.npz"
    offsets = sorted({*range(0, len(good_bytes), 7), *range(len(good_bytes) - 40, len(good_bytes))})
    for offset in offsets:
        path.write_bytes(good_bytes[:offset])
        assert_refused(path)


def test_a_flipped_byte_is_refused_or_harmless(good_bytes):
    """Flipping a single byte either raises CheckpointError or changes nothing that is read (zip
    timestamps, say); inside a member's data the CRC-32 check always catches it.  Every byte of
    the zip structure is flipped, and every third byte of the members' data."""
    in_data = data_offsets(good_bytes)
    positions = sorted(set(range(len(good_bytes))) - set(in_data) | set(in_data[::3]))
    for position in positions:
        damaged = bytearray(good_bytes)
        damaged[position] ^= 0xFF
        try:
            loaded = nn.load(io.BytesIO(bytes(damaged)))
        except nn.CheckpointError as error:
            assert "the file object" in str(error) and "allow_pickle" not in str(error)
            continue
        assert position not in in_data, f"a flipped data byte at {position} was not detected"
        assert_same(loaded, reference_state())


@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=8),
       cut=st.none() | st.integers(0, 10**6))
def test_arbitrary_corruption_is_refused_or_harmless(good_bytes, edits, cut):
    damaged = bytearray(good_bytes)
    for position, mask in edits:
        damaged[position % len(damaged)] ^= mask
    if cut is not None:
        damaged = damaged[: cut % len(damaged)]
    try:
        loaded = nn.load(io.BytesIO(bytes(damaged)))
    except nn.CheckpointError as error:
        assert "the file object" in str(error) and "allow_pickle" not in str(error)
        return
    assert_same(loaded, reference_state())


@pytest.mark.parametrize("seed", range(12))
def test_random_bytes_are_refused(tmp_path, seed):
    rng = np.random.default_rng(seed)
    content = rng.integers(0, 256, int(rng.integers(1, 5000)), dtype=np.uint8).tobytes()
    content = [content, b"PK\x03\x04" + content, b"\x93NUMPY" + content][seed % 3]
    path = tmp_path / "random.npz"
    path.write_bytes(content)
    assert_refused(path)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    assert_refused(path, fragment="the file is empty")


def test_a_zip_without_the_manifest_is_refused(tmp_path):
    assert_refused(write_zip(tmp_path / "no_manifest.npz", {"a0.npy": np.zeros(3)}), fragment="manifest is missing")


def test_a_manifest_naming_a_missing_array_is_refused(tmp_path):
    path = write_zip(tmp_path / "missing_array.npz",
                     {"__manifest__.npy": manifest({"dict": [["w", {"ndarray": "a0"}], ["b", {"ndarray": "a7"}]]}),
                      "a0.npy": np.zeros(3)})
    assert_refused(path, fragment="the array 'a7' named by the manifest is missing")


def test_a_real_checkpoint_with_a_member_removed_is_refused(tmp_path, good_bytes):
    with zipfile.ZipFile(io.BytesIO(good_bytes)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    del members["a1.npy"]
    assert_refused(write_zip(tmp_path / "member_removed.npz", members), fragment="the array 'a1'")


def test_deeply_nested_json_is_refused(tmp_path):
    text = f'{{"format": "{FORMAT}", "root": {"[" * 100_000}1{"]" * 100_000}}}'
    path = write_zip(tmp_path / "deep.npz", {"__manifest__.npy": np.frombuffer(text.encode(), np.uint8)})
    assert_refused(path, fragment="nested too deeply")


def test_deeply_nested_entries_that_parse_are_refused_or_read(tmp_path):
    """Nesting that JSON still parses must not overflow the decoder's stack with a RecursionError."""
    root = 1
    for _ in range(450):
        root = {"list": [root]}
    path = write_zip(tmp_path / "nested.npz", {"__manifest__.npy": manifest(root)})
    try:
        loaded = nn.load(path)
    except nn.CheckpointError as error:
        assert str(path) in str(error)
    else:
        for _ in range(450):
            loaded = loaded[0]
        assert loaded == 1


def test_a_wrong_format_string_is_refused(tmp_path):
    path = write_zip(tmp_path / "format.npz", {"__manifest__.npy": manifest({"dict": []}, format="someone else v9")})
    assert_refused(path, fragment="unknown checkpoint format 'someone else v9'")


@pytest.mark.parametrize("text", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'"just a string"'])
def test_a_manifest_that_is_not_a_json_object_is_refused(tmp_path, text):
    path = write_zip(tmp_path / "manifest.npz", {"__manifest__.npy": np.frombuffer(text, np.uint8)})
    assert_refused(path, fragment="manifest")


@pytest.mark.parametrize("root", [{"ndarray": 5}, {"dict": [[True, 1]]}, {"dict": [["a"]]}, {"set": [1]},
                                  {"list": 3}, {"ndarray": "a0", "list": []}, {"tuple": {"a": 1}}])
def test_crafted_manifest_entries_are_refused(tmp_path, root):
    path = write_zip(tmp_path / "crafted.npz", {"__manifest__.npy": manifest(root), "a0.npy": np.zeros(2)})
    assert_refused(path, fragment="manifest entry at <root>")


def test_a_root_that_is_not_a_state_dict_is_refused(tmp_path):
    path = write_zip(tmp_path / "list_root.npz", {"__manifest__.npy": manifest({"list": [1, 2]})})
    assert_refused(path, fragment="it holds a list, where nn.save always writes a state dict")


def test_a_manifest_that_is_not_bytes_is_refused(tmp_path):
    assert_refused(write_zip(tmp_path / "float_manifest.npz", {"__manifest__.npy": np.zeros(4)}),
                   fragment="not a byte string")


def test_an_object_array_member_is_refused_without_unpickling(tmp_path):
    path = write_zip(tmp_path / "pickle.npz", {"__manifest__.npy": manifest({"ndarray": "a0"}),
                                               "a0.npy": np.array([{"evil": 1}], dtype=object)})
    assert_refused(path, fragment="holds Python objects, which nn.load never unpickles")


def test_a_member_longer_than_the_file_is_refused_before_allocating(tmp_path):
    """A header may claim any shape; the reader compares it with the member's size first."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    path = write_zip(tmp_path / "huge.npz", {"__manifest__.npy": manifest({"ndarray": "a0"}),
                                             "a0.npy": header.getvalue() + b"\x00" * 64})
    assert_refused(path, fragment="not as long as its header says")


def test_a_compressed_archive_is_refused(tmp_path):
    path = tmp_path / "compressed.npz"
    np.savez_compressed(path, __manifest__=manifest({"ndarray": "a0"}), a0=np.zeros(3))
    assert_refused(path, fragment="compressed")


def test_a_plain_npy_file_is_refused(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(4.0))
    assert_refused(path, fragment="numpy.save")


def test_a_directory_is_refused(tmp_path):
    assert_refused(tmp_path, fragment="it is a directory")


def test_a_missing_path_stays_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nothing_here.npz")


def test_a_damaged_file_object_is_refused_by_name(tmp_path, good_bytes):
    path = tmp_path / "half.npz"
    path.write_bytes(good_bytes[: len(good_bytes) // 2])
    with open(path, "rb") as file, pytest.raises(nn.CheckpointError, match=r"the file object '.*half\.npz'"):
        nn.load(file)
    with open(path, encoding="latin-1") as file, pytest.raises(TypeError, match="binary mode"):
        nn.load(file)


def test_the_good_checkpoint_still_loads(tmp_path, good_bytes):
    path = tmp_path / "good.npz"
    path.write_bytes(good_bytes)
    assert_same(nn.load(path), reference_state())
