"""Damaged and crafted checkpoint files: ``nn.load`` and ``Trainer.load_checkpoint`` raise one
exception type, ``nn.CheckpointError``, naming the file -- never a zipfile, JSON or NumPy error, and
never NumPy's advice to load with ``allow_pickle``."""
import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
import optim

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


def data_offsets(data):
    """The byte offsets of every member's stored data (what the CRC-32 checks) in the zip ``data``."""
    offsets = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            local = info.header_offset
            name_length = int.from_bytes(data[local + 26:local + 28], "little")
            extra_length = int.from_bytes(data[local + 28:local + 30], "little")
            start = local + 30 + name_length + extra_length
            offsets.extend(range(start, start + info.compress_size))
    return offsets


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


# ----- the Trainer's resume ------------------------------------------------------------------------------


def small_trainer(directory=None):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((40, 4)).astype(np.float32), rng.integers(0, 3, 40))
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return optim.Trainer(model, optim.Adam(model.parameters(), lr=1e-2), data, data, epochs=1, batch_size=20,
                         checkpoint_dir=directory, verbose=False)


def assert_resume_refused(path, fragment=""):
    trainer = small_trainer()
    before = trainer.model.state_dict()
    with pytest.raises(nn.CheckpointError) as caught:
        trainer.load_checkpoint(path)
    message = str(caught.value)
    assert str(path) in message and "not a valid" in message and fragment in message, message
    assert "allow_pickle" not in message
    for key, value in trainer.model.state_dict().items():  # nothing was half-restored
        assert np.array_equal(value, before[key])


def test_the_trainer_refuses_damaged_checkpoints(tmp_path):
    trainer = small_trainer(tmp_path)
    trainer.train()
    good = (tmp_path / "model_last.npz").read_bytes()
    damaged = tmp_path / "damaged.npz"
    for content in (good[: len(good) // 3], good[:-1], b"", b"PK\x03\x04" + bytes(100)):
        damaged.write_bytes(content)
        assert_resume_refused(damaged)
    flipped = bytearray(good)
    flipped[data_offsets(good)[len(good) // 2]] ^= 0x01
    damaged.write_bytes(bytes(flipped))
    assert_resume_refused(damaged, "CRC")
    assert_resume_refused(tmp_path, "directory")


def test_the_trainer_refuses_a_checkpoint_of_something_else(tmp_path):
    model_only = tmp_path / "model_only.npz"
    nn.save(nn.Linear(4, 8), model_only)
    assert_resume_refused(model_only, "not a Trainer checkpoint")
    listed = tmp_path / "listed.npz"
    nn.save({"format": "optim.Trainer checkpoint v1", "epoch": 1}, listed)
    assert_resume_refused(listed, "lacks")


def test_the_trainer_refuses_crafted_entries_and_restores_nothing(tmp_path):
    trainer = small_trainer(tmp_path)
    trainer.train()
    state = nn.load(tmp_path / "model_last.npz")
    crafted = tmp_path / "crafted.npz"
    for change in (
        lambda s: s.update(epoch="three"),
        lambda s: s["rng"].update(trainer={"bit_generator": "nonsense"}),
        lambda s: s["optimizer"].update(param_groups="not a list"),
        lambda s: s["optimizer"]["state"].update({"99": {}}),
        lambda s: s["history"].pop("loss"),
        lambda s: s["best"].pop("epoch"),
        lambda s: s["best"].update(state=[1, 2]),
        lambda s: s["best"].update(path=7),
    ):
        copy = nn.load(tmp_path / "model_last.npz")
        change(copy)
        nn.save(copy, crafted)
        assert_resume_refused(crafted)
    nn.save(state, crafted)
    small_trainer().load_checkpoint(crafted)  # the untouched state loads


def test_a_crafted_best_path_never_makes_the_trainer_delete_another_file(tmp_path):
    """The trainer removes the previous best checkpoint when a better one is written; a path
    read from a checkpoint is removed only if it is a best checkpoint of the trainer's folder."""
    run_dir, victim = tmp_path / "run", tmp_path / "notes.txt"
    victim.write_text("keep me")
    trainer = small_trainer(run_dir)
    trainer.train()
    state = nn.load(run_dir / "model_last.npz")
    state["best"].update(path=str(victim), val_acc=-1.0)  # the next epoch is a new best
    nn.save(state, run_dir / "crafted.npz")
    resumed = small_trainer(run_dir)
    resumed.epochs = 2
    resumed.load_checkpoint(run_dir / "crafted.npz")
    resumed.train()
    assert victim.read_text() == "keep me"
    assert resumed.best_epoch == 2 and os.path.exists(resumed.best_path)
