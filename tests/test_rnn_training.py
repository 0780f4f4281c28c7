"""Training recurrent networks: truncated BPTT over long sequences, the vanishing-gradient claim
of the notes measured, gradient clipping, the notes' "hello" toy, and the char-RNN script."""
import gc
import importlib.util
import math
import pathlib
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim

ROOT = pathlib.Path(__file__).resolve().parent.parent


# ----- long sequences --------------------------------------------------------------------------


def test_full_backprop_through_1000_steps_has_no_recursion_limit():
    ae.seed(0)
    lstm = nn.LSTM(2, 3).double()
    x = np.random.default_rng(0).standard_normal((1000, 1, 2))
    out, (h, c) = lstm(x)
    (out.sum() + c.sum()).backward()
    for p in lstm.parameters():
        assert p.grad is not None and np.isfinite(p.grad).all() and np.abs(p.grad).sum() > 0


def test_truncated_bptt_over_1000_steps_frees_each_chunk_and_memory_stays_flat():
    ae.seed(0)
    model = nn.LSTM(3, 4)
    head = nn.Linear(4, 3)
    opt = optim.SGD([*model.parameters(), *head.parameters()], lr=0.1)
    rng = np.random.default_rng(1)
    sequence = rng.standard_normal((1000, 2, 3)).astype(np.float32)
    chunk = 50
    state, previous_output, memory = None, None, []
    tracemalloc.start()
    gc.disable()  # the graph must be freed by reference counting alone: no cycles
    try:
        for k, start in enumerate(range(0, len(sequence) - 1, chunk)):
            inputs, targets = sequence[start : start + chunk], sequence[start + 1 : start + chunk + 1]
            out, state = model(inputs[: len(targets)], state)
            loss = ((head(out) - targets) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            state = tuple(s.detach() for s in state)  # cut the graph at the chunk boundary
            if previous_output is not None:
                assert previous_output() is None, f"chunk {k - 1}'s graph is still alive"
            previous_output = weakref.ref(out)
            del out, loss
            memory.append(tracemalloc.get_traced_memory()[0])
    finally:
        gc.enable()
        tracemalloc.stop()
    assert len(memory) == 20
    assert memory[-1] - memory[4] < 64 * 1024, f"memory grew by {memory[-1] - memory[4]} bytes over 15 chunks"
    assert all(state_part.grad_fn is None for state_part in state)


# ----- the vanishing gradient, measured ----------------------------------------------------------


def gradient_reaching_the_first_step(module, steps=100, size=8):
    """|d h_T / d x_0| (summed over h_T's entries) for a single sequence, float64."""
    x = ae.Tensor(np.random.default_rng(2).standard_normal((steps, 1, size)) * 0.5, requires_grad=True)
    out, _ = module(x)
    out[-1].sum().backward()
    return float(np.abs(x.grad[0]).sum()), float(np.abs(x.grad[-1]).sum())


def test_gradient_vanishes_through_a_tanh_rnn_but_not_through_an_lstm_with_forget_bias_1():
    ae.seed(0)
    hidden = 8
    rnn = nn.RNN(8, hidden).double()
    rnn.weight_hh_l0.data[...] = 0.1 * np.random.default_rng(3).standard_normal((hidden, hidden)) / np.sqrt(hidden)
    lstm = nn.LSTM(8, hidden).double()
    lstm.weight_hh_l0.data *= 0.1  # small recurrent weights for both
    lstm.bias_ih_l0.data[hidden : 2 * hidden] = 1.0  # forget gate bias 1 (PyTorch's order i, f, g, o)
    lstm.bias_hh_l0.data[hidden : 2 * hidden] = 0.0
    rnn_first, rnn_last = gradient_reaching_the_first_step(rnn)
    lstm_first, lstm_last = gradient_reaching_the_first_step(lstm)
    assert rnn_last > 0.1 and lstm_last > 0.1  # both pass gradient over one step
    assert rnn_first < 1e-30  # a hundred multiplications by W_hh^T diag(1 - h^2)
    assert lstm_first > 1e-20  # the cell state's path multiplies by f ~ sigmoid(1) per step
    assert lstm_first / rnn_first > 1e10


# ----- gradient clipping -----------------------------------------------------------------------


def params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g), np.float32))
        p.grad = np.array(g, dtype=np.float32)
        params.append(p)
    return params


def test_clip_grad_norm_bounds_the_norm_keeps_the_direction_and_returns_the_pre_clip_norm():
    rng = np.random.default_rng(4)
    grads = [rng.standard_normal((3, 4)) * 10, rng.standard_normal(5) * 10]
    params = params_with_grads(*grads)
    before = math.sqrt(sum(float((g.astype(np.float32).astype(np.float64) ** 2).sum()) for g in grads))
    norm = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert float(norm) == pytest.approx(before, rel=1e-6)
    after = math.sqrt(sum(float((p.grad.astype(np.float64) ** 2).sum()) for p in params))
    assert after == pytest.approx(1.0, rel=1e-5) and after <= 1.0 + 1e-6
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad, g * (1.0 / before), rtol=1e-5)  # same direction, scaled
        assert p.grad.dtype == np.float32


def test_clip_grad_norm_leaves_small_gradients_alone_and_skips_missing_ones():
    params = params_with_grads(np.array([0.3, -0.4]))
    untouched = nn.Parameter(np.ones(3))
    norm = nn.utils.clip_grad_norm_([*params, untouched], max_norm=5.0)
    assert float(norm) == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad, np.float32([0.3, -0.4]))
    assert untouched.grad is None
    assert float(nn.utils.clip_grad_norm_([untouched], 1.0)) == 0.0


def test_clip_grad_norm_other_norms_and_nonfinite():
    params = params_with_grads(np.array([3.0, -4.0]), np.array([1.0]))
    assert float(nn.utils.clip_grad_norm_(params, 100.0, norm_type=math.inf)) == 4.0
    assert float(nn.utils.clip_grad_norm_(params, 100.0, norm_type=1)) == pytest.approx(8.0)
    nn.utils.clip_grad_norm_(params, 2.0, norm_type=1)
    assert float(np.abs(params[0].grad).sum() + np.abs(params[1].grad).sum()) == pytest.approx(2.0, rel=1e-5)
    bad = params_with_grads(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="total norm .* is inf"):
        nn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    # PyTorch's foreach= is accepted (code written for PyTorch runs) and changes nothing
    assert float(nn.utils.clip_grad_norm_(params, 100.0, norm_type=1, foreach=True)) == pytest.approx(2.0, rel=1e-5)
    nn.utils.clip_grad_value_(params, 0.5, foreach=False)
    assert float(np.abs(params[0].grad).max()) == pytest.approx(0.5)


def test_clip_grad_value_clips_every_entry_in_place():
    params = params_with_grads(np.array([[-3.0, 0.5], [2.0, -0.1]]))
    grad_array = params[0].grad
    nn.utils.clip_grad_value_(params, 1.0)
    assert params[0].grad is grad_array
    np.testing.assert_array_equal(params[0].grad, np.float32([[-1.0, 0.5], [1.0, -0.1]]))


def test_clipping_tames_an_exploding_rnn_step():
    ae.seed(0)
    rnn = nn.RNN(2, 6, nonlinearity="relu").double()  # a tanh RNN would saturate instead
    rnn.weight_hh_l0.data[...] = 1.5 * np.eye(6)  # a recurrent gain above 1: h_t grows like 1.5^t
    rnn.weight_ih_l0.data[...] = np.abs(rnn.weight_ih_l0.data)
    rnn.bias_ih_l0.data[...] = rnn.bias_hh_l0.data[...] = 0.0
    x = np.abs(np.random.default_rng(5).standard_normal((30, 4, 2))) * 0.01
    out, _ = rnn(x)
    out[-1].sum().backward()
    norm = float(nn.utils.clip_grad_norm_(rnn.parameters(), 1.0))
    assert norm > 1e3
    total = math.sqrt(sum(float((p.grad**2).sum()) for p in rnn.parameters()))
    assert total == pytest.approx(1.0, rel=1e-6)


# ----- the notes' "hello" toy ------------------------------------------------------------------


def test_hello_is_learnt_exactly():
    """Vocabulary h, e, l, o; input "hell", targets "ello".  The second "l" must predict "o" and the
    first "l" must predict "l": only memory of what came before tells them apart."""
    ae.seed(0)
    vocab = "helo"
    ids = np.array([vocab.index(ch) for ch in "hello"])
    inputs, targets = ids[None, :-1], ids[1:]
    embed, lstm, head = nn.Embedding(4, 4), nn.LSTM(4, 8, batch_first=True), nn.Linear(8, 4)
    params = [*embed.parameters(), *lstm.parameters(), *head.parameters()]
    opt = optim.Adam(params, lr=0.05)
    for _ in range(150):
        out, _ = lstm(embed(inputs))
        loss = nn.functional.cross_entropy(head(out)[0], targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    # generate greedily from "h", one character at a time, carrying the state
    state, text, current = None, "h", ids[0]
    with ae.no_grad():
        for _ in range(4):
            out, state = lstm(embed(np.array([[current]])), state)
            current = int(np.argmax(head(out).data[0, -1]))
            text += vocab[current]
    assert text == "hello"


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


def test_forgetting_to_detach_the_carried_state_names_the_fix():
    """Truncated BPTT without detach(): the second chunk's backward reaches into the first chunk's
    freed graph, and the error says to detach the carried state."""
    lstm = nn.LSTM(2, 3)
    x = np.random.default_rng(0).standard_normal((4, 1, 2)).astype(np.float32)
    out, state = lstm(x)
    out.sum().backward()
    out, state = lstm(x, state)  # state still belongs to the first chunk's graph
    with pytest.raises(ae.GraphFreedError, match=r"carry state.detach\(\) instead"):
        out.sum().backward()
