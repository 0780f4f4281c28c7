"""The char-RNN script of the notebooks (notebooks/char_rnn.py): it trains and samples from the command
line, continues each stream across windows, and checks its paths, globs and arguments."""
import importlib.util

import numpy as np
import pytest
from helpers import ROOT

import autograd_engine as ae

# ----- the char-RNN script ---------------------------------------------------------------------


def load_char_rnn_script():
    spec = importlib.util.spec_from_file_location("char_rnn_script", ROOT / "notebooks" / "char_rnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_char_rnn_script_trains_and_samples_from_the_command_line(capsys):
    script = load_char_rnn_script()
    losses = script.main(["--steps", "30", "--hidden", "16", "--embed", "8", "--batch-size", "4", "--seq-len", "16",
                          "--text", "README.md", "--sample-every", "15", "--sample-length", "20", "--lr", "1e-2"])
    printed = capsys.readouterr()
    assert len(losses) == 30 and all(np.isfinite(losses))
    assert np.mean(losses[-5:]) < np.mean(losses[:5])  # it learns something in 30 steps
    assert "--- step 15" in printed.out + printed.err and "--- step 30" in printed.out + printed.err


def test_char_rnn_windows_continue_each_stream_and_sampling_respects_temperature():
    script = load_char_rnn_script()
    data = np.arange(41)
    batches = script.windows(data, batch_size=2, seq_len=4)
    (x1, y1), (x2, _) = next(batches), next(batches)
    np.testing.assert_array_equal(x1, [[0, 1, 2, 3], [20, 21, 22, 23]])
    np.testing.assert_array_equal(y1, x1 + 1)
    np.testing.assert_array_equal(x2, [[4, 5, 6, 7], [24, 25, 26, 27]])  # continues where x1 stopped
    vocab = script.Vocabulary("abcab")
    assert vocab.decode(vocab.encode("cab")) == "cab"
    ae.seed(0)
    model = script.CharRNN(len(vocab), hidden_size=4, embedding_dim=2)
    greedy = [script.sample(model, vocab, "a", 10, temperature=0) for _ in range(2)]
    assert greedy[0] == greedy[1] and len(greedy[0]) == 10 and set(greedy[0]) <= set("abc")
    with pytest.raises(KeyError, match="not in the vocabulary"):
        vocab.encode("z")


def test_char_rnn_script_reads_paths_and_globs_and_checks_its_arguments(tmp_path, monkeypatch, capsys):
    script = load_char_rnn_script()
    own = tmp_path / "own.txt"
    own.write_text("abc")
    (tmp_path / "more.txt").write_text("de")
    monkeypatch.chdir(tmp_path.parent)  # neither the repository nor the text's folder
    assert script.read_text([str(own)]) == "abc"  # an absolute path
    assert script.read_text([f"{tmp_path.name}/own.txt"]) == "abc"  # relative to the current directory
    assert script.read_text([str(tmp_path / "*.txt")]) == "de\nabc"  # an absolute glob, files in sorted order
    assert "autograd_engine" in script.read_text(["README.md"])  # a glob under the repository
    with pytest.raises(FileNotFoundError, match="no file matches"):
        script.read_text([str(tmp_path / "missing.txt")])
    with pytest.raises(ValueError, match="use more text or smaller batches"):  # before the first window, not later
        script.train(script.CharRNN(3, 4, 2), np.arange(30) % 3, steps=1, batch_size=8, seq_len=5)
    with pytest.raises(ValueError, match="batch_size and seq_len must be at least 1"):
        script.windows(np.arange(30), batch_size=0, seq_len=4)
    with pytest.raises(ValueError, match="temperature must be 0"):
        script.sample(script.CharRNN(3, 4, 2), script.Vocabulary("abc"), "a", 5, temperature=-1.0)
    for flag, bad in (("--seq-len", "0"), ("--batch-size", "-2"), ("--temperature", "-1"), ("--lr", "0")):
        with pytest.raises(SystemExit):
            script.main([flag, bad])
        assert f"argument {flag}: must be" in capsys.readouterr().err
    for argv, message in ((["--text", str(tmp_path / "missing.txt")], "no file matches"),
                          (["--text", str(own), "--batch-size", "2"], "use more text or smaller batches")):
        with pytest.raises(SystemExit):  # argparse's usage message, not a traceback
            script.main(argv)
        err = capsys.readouterr().err
        assert ": error:" in err and message in err, err
