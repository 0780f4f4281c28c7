"""Recurrent layers: the CS231n published checks, the notes' equations written out in NumPy,
gradient checks in float64, PyTorch's parameter layout, and the errors users can hit; training
them: truncated BPTT over long sequences, the vanishing-gradient claim of the notes measured,
the notes' "hello" toy, and the error for a carried state that was not detached."""
import gc
import tracemalloc
import warnings
import weakref

import helpers
import numpy as np
import pytest
from helpers import cs231n_rel_error

import autograd_engine as ae
import nn
import optim
from autograd_engine.gradcheck import gradcheck

CASES, ARRAYS = helpers.cs231n_vectors()


def case_value(spec):
    return ARRAYS[spec["array"]] if isinstance(spec, dict) and "array" in spec else spec


def case(name):
    c = CASES[name]
    inputs = {k: case_value(v) for k, v in c["inputs"].items()}
    expected = {k: case_value(v) for k, v in c["expected"].items()}
    return inputs, expected, c["tol"]


def ifog_to_ifgo(w):
    """Reorder the gate blocks of the last axis from the course's (i, f, o, g) to PyTorch's (i, f, g, o)."""
    h = w.shape[-1] // 4
    return np.concatenate([w[..., : 2 * h], w[..., 3 * h :], w[..., 2 * h : 3 * h]], axis=-1)


def load_course_weights(module, wx, wh, b, suffix="", lstm=False):
    """The course's Wx (D, G*H), Wh (H, G*H), b (G*H,) into PyTorch's layout; bias_hh = 0."""
    reorder = ifog_to_ifgo if lstm else (lambda w: w)
    module.load_state_dict({
        f"weight_ih{suffix}": reorder(wx).T,
        f"weight_hh{suffix}": reorder(wh).T,
        f"bias_ih{suffix}": reorder(b),
        f"bias_hh{suffix}": np.zeros_like(b),
    })


# ----- the CS231n assignment checks -------------------------------------------------------------


def test_cs231n_rnn_step_forward():
    x, expected, tol = case("rnn_step_forward")
    cell = nn.RNNCell(x["D"], x["H"]).double()
    load_course_weights(cell, x["Wx"], x["Wh"], x["b"])
    next_h = cell(x["x"], x["prev_h"])
    assert cs231n_rel_error(next_h.data, expected["next_h"]) < tol["next_h"]


def test_cs231n_rnn_forward():
    x, expected, tol = case("rnn_forward")
    rnn = nn.RNN(x["D"], x["H"], batch_first=True).double()
    load_course_weights(rnn, x["Wx"], x["Wh"], x["b"], suffix="_l0")
    h, h_n = rnn(x["x"], x["h0"][None])
    assert h.shape == (x["N"], x["T"], x["H"])
    assert cs231n_rel_error(h.data, expected["h"]) < tol["h"]
    np.testing.assert_array_equal(h_n.data[0], h.data[:, -1])


def test_cs231n_word_embedding_forward():
    x, expected, tol = case("word_embedding_forward")
    embed = nn.Embedding(x["V"], x["D"]).double()
    embed.load_state_dict({"weight": x["W"]})
    out = embed(x["x"])
    assert out.shape == (x["N"], x["T"], x["D"])
    assert cs231n_rel_error(out.data, expected["out"]) < tol["out"]


def test_cs231n_lstm_step_forward():
    x, expected, tol = case("lstm_step_forward")
    cell = nn.LSTMCell(x["D"], x["H"]).double()
    load_course_weights(cell, x["Wx"], x["Wh"], x["b"], lstm=True)
    next_h, next_c = cell(x["x"], (x["prev_h"], x["prev_c"]))
    assert cs231n_rel_error(next_h.data, expected["next_h"]) < tol["next_h"]
    assert cs231n_rel_error(next_c.data, expected["next_c"]) < tol["next_c"]


def test_cs231n_lstm_forward():
    x, expected, tol = case("lstm_forward")
    lstm = nn.LSTM(x["D"], x["H"], batch_first=True).double()
    load_course_weights(lstm, x["Wx"], x["Wh"], x["b"], suffix="_l0", lstm=True)
    c0 = np.zeros_like(x["h0"])[None]  # the course starts the cell state at zero
    h, (h_n, c_n) = lstm(x["x"], (x["h0"][None], c0))
    assert cs231n_rel_error(h.data, expected["h"]) < tol["h"]


class CaptioningRNN(nn.Module):
    """The course's CaptioningRNN.loss, composed from nn pieces: project the image features to
    h0, embed the words, run the RNN/LSTM, score the vocabulary at every step, and take the
    temporal softmax loss summed over time and averaged over the minibatch, NULL words masked."""

    def __init__(self, vocab, input_dim, wordvec_dim, hidden_dim, cell_type):
        super().__init__()
        self.cell_type = cell_type
        self.proj = nn.Linear(input_dim, hidden_dim)
        self.embed = nn.Embedding(vocab, wordvec_dim)
        recurrent = nn.LSTM if cell_type == "lstm" else nn.RNN
        self.rnn = recurrent(wordvec_dim, hidden_dim, batch_first=True)
        self.vocab = nn.Linear(hidden_dim, vocab)

    def load_course_params(self, p):
        self.proj.load_state_dict({"weight": p["W_proj"].T, "bias": p["b_proj"]})
        self.embed.load_state_dict({"weight": p["W_embed"]})
        load_course_weights(self.rnn, p["Wx"], p["Wh"], p["b"], suffix="_l0", lstm=self.cell_type == "lstm")
        self.vocab.load_state_dict({"weight": p["W_vocab"].T, "bias": p["b_vocab"]})

    def loss(self, features, captions, null=0):
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != null
        h0 = self.proj(features)[None]
        state = (h0, ae.Tensor(np.zeros_like(h0.data))) if self.cell_type == "lstm" else h0
        h, _ = self.rnn(self.embed(captions_in), state)
        log_p = ae.log_softmax(self.vocab(h), axis=-1)
        n, t = captions_out.shape
        picked = log_p[np.arange(n)[:, None], np.arange(t)[None, :], captions_out]
        return -(picked * mask).sum() / n


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_cs231n_captioning_loss(cell_type):
    x, expected, tol = case(f"captioning_{cell_type}_loss")
    model = CaptioningRNN(x["V"], x["D"], x["W"], x["H"], cell_type).double()
    model.load_course_params({k: case_value(v) for k, v in x["params"].items()})
    loss = model.loss(x["features"], x["captions"])
    assert abs(loss.item() - expected["loss"]) < tol["loss"]


# ----- the notes' equations, written out in NumPy ----------------------------------------------


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_reference(x, h0, c0, layers):
    """x (T, N, D); layers: list of (W_ih, W_hh, b_ih, b_hh) in PyTorch's layout."""
    outputs, h_n, c_n = x, [], []
    for layer, (w_ih, w_hh, b_ih, b_hh) in enumerate(layers):
        hidden = w_hh.shape[1]
        h, c, hs = h0[layer], c0[layer], []
        for x_t in outputs:
            a = x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            i = sigmoid(a[:, :hidden])
            f = sigmoid(a[:, hidden : 2 * hidden])
            g = np.tanh(a[:, 2 * hidden : 3 * hidden])
            o = sigmoid(a[:, 3 * hidden :])
            c = f * c + i * g
            h = o * np.tanh(c)
            hs.append(h)
        outputs = np.stack(hs)
        h_n.append(h)
        c_n.append(c)
    return outputs, np.stack(h_n), np.stack(c_n)


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_forward_matches_the_notes_equations(batch_first):
    rng = np.random.default_rng(0)
    T, N, D, H, L = 5, 3, 4, 6, 2
    lstm = nn.LSTM(D, H, num_layers=L, batch_first=batch_first).double()
    x = rng.standard_normal((T, N, D))
    h0, c0 = rng.standard_normal((L, N, H)), rng.standard_normal((L, N, H))
    out, (h_n, c_n) = lstm(x.swapaxes(0, 1) if batch_first else x, (h0, c0))
    ref_out, ref_h, ref_c = lstm_reference(x, h0, c0, [[p.data for p in layer] for layer in lstm.all_weights])
    np.testing.assert_allclose(out.data.swapaxes(0, 1) if batch_first else out.data, ref_out, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h_n.data, ref_h, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(c_n.data, ref_c, rtol=1e-12, atol=1e-13)


def test_rnn_and_gru_forward_match_their_equations():
    rng = np.random.default_rng(1)
    T, N, D, H = 4, 2, 3, 5
    x = rng.standard_normal((T, N, D))
    rnn = nn.RNN(D, H, nonlinearity="relu").double()
    w_ih, w_hh, b_ih, b_hh = (p.data for p in rnn.parameters())
    h = np.zeros((N, H))
    for x_t in x:
        h = np.maximum(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 0)
    np.testing.assert_allclose(rnn(x)[1].data[0], h, rtol=1e-12)

    gru = nn.GRU(D, H).double()
    w_ih, w_hh, b_ih, b_hh = (p.data for p in gru.parameters())
    h = np.zeros((N, H))
    for x_t in x:
        gi, gh = x_t @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r, z = sigmoid(gi[:, :H] + gh[:, :H]), sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
        n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        h = (1 - z) * n + z * h
    np.testing.assert_allclose(gru(x)[1].data[0], h, rtol=1e-12)


# ----- gradient checks (float64, centred differences) ------------------------------------------


def check_parameter_gradients(module, loss_fn, rng, samples=None):
    """Compare every parameter's .grad with centred differences of ``loss_fn()`` (float64),
    on all coordinates or ``samples`` random coordinates per parameter."""
    module.zero_grad()
    loss_fn().backward()
    for name, p in module.named_parameters():
        coords = list(np.ndindex(p.shape))
        if samples is not None and samples < len(coords):
            coords = [coords[i] for i in rng.choice(len(coords), samples, replace=False)]
        for coord in coords:
            original = p.data[coord]
            with ae.no_grad():
                p.data[coord] = original + 1e-6
                plus = loss_fn().item()
                p.data[coord] = original - 1e-6
                minus = loss_fn().item()
            p.data[coord] = original
            numeric = (plus - minus) / 2e-6
            assert abs(p.grad[coord] - numeric) <= 1e-6 + 1e-5 * abs(numeric), (name, coord, p.grad[coord], numeric)


@pytest.mark.parametrize(
    "kind,num_layers,batch_first",
    [("LSTM", 1, False), ("LSTM", 1, True), ("LSTM", 2, False), ("LSTM", 2, True),
     ("RNN", 1, False), ("RNN", 2, True), ("GRU", 1, True), ("GRU", 2, False)],
)
def test_gradcheck_recurrent_layers(kind, num_layers, batch_first):
    rng = np.random.default_rng(2)
    T, N, D, H = 3, 2, 3, 2
    module = getattr(nn, kind)(D, H, num_layers=num_layers, batch_first=batch_first).double()
    x = rng.standard_normal((N, T, D) if batch_first else (T, N, D))
    states = [rng.standard_normal((num_layers, N, H)) for _ in range(2 if kind == "LSTM" else 1)]
    up_out = rng.standard_normal((N, T, H) if batch_first else (T, N, H))
    up_states = [rng.standard_normal((num_layers, N, H)) for _ in states]

    def f(x, *states):
        out, final = module(x, tuple(states) if kind == "LSTM" else states[0])
        finals = final if kind == "LSTM" else (final,)
        return (out * up_out).sum() + sum((s * u).sum() for s, u in zip(finals, up_states))

    report = gradcheck(f, [x, *states])  # the input and the initial states
    assert report, report.table()
    check_parameter_gradients(module, lambda: f(ae.Tensor(x), *(ae.Tensor(s) for s in states)), rng)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_gradcheck_cells_batched_and_unbatched(cell):
    rng = np.random.default_rng(3)
    module = getattr(nn, cell)(3, 2).double()
    for shape_x, shape_h in [((4, 3), (4, 2)), ((3,), (2,))]:
        x, h, c = rng.standard_normal(shape_x), rng.standard_normal(shape_h), rng.standard_normal(shape_h)

        def f(x, h, c=None):
            if cell == "LSTMCell":
                h2, c2 = module(x, (h, c))
                return h2 * 1.5 + c2
            return module(x, h)

        report = gradcheck(f, [x, h, c] if cell == "LSTMCell" else [x, h])
        assert report, report.table()
        check_parameter_gradients(module, lambda: (f(ae.Tensor(x), ae.Tensor(h), ae.Tensor(c)) ** 2).sum(), rng)


def test_dropout_between_layers_is_the_identity_in_eval_mode_and_drops_in_training():
    ae.seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    x = np.random.default_rng(4).standard_normal((5, 2, 3))
    lstm.eval()
    a, b = lstm(x)[0].data, lstm(x)[0].data
    np.testing.assert_array_equal(a, b)
    lstm.train()
    assert not np.allclose(lstm(x)[0].data, a)
    reference = nn.LSTM(3, 4, num_layers=2).double()
    reference.load_state_dict(lstm.state_dict())
    np.testing.assert_array_equal(reference(x)[0].data, a)


# ----- parameters: names, shapes, init, PyTorch interchange ------------------------------------


def test_parameter_names_shapes_and_init_bounds_are_pytorchs():
    ae.seed(0)
    lstm = nn.LSTM(10, 20, num_layers=2)
    shapes = {k: v.shape for k, v in lstm.state_dict().items()}
    assert shapes == {
        "weight_ih_l0": (80, 10), "weight_hh_l0": (80, 20), "bias_ih_l0": (80,), "bias_hh_l0": (80,),
        "weight_ih_l1": (80, 20), "weight_hh_l1": (80, 20), "bias_ih_l1": (80,), "bias_hh_l1": (80,),
    }
    bound = 1 / np.sqrt(20)
    for name, p in lstm.named_parameters():
        assert p.dtype == np.float32
        assert np.abs(p.data).max() <= bound, name
        assert np.abs(p.data).max() > 0.8 * bound, name  # actually spread over the interval
    assert [k for k in nn.GRU(3, 4, bias=False).state_dict()] == ["weight_ih_l0", "weight_hh_l0"]
    assert nn.RNN(3, 4).weight_hh_l0.shape == (4, 4)
    assert nn.GRUCell(3, 4).weight_ih.shape == (12, 3)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_state_dict_moves_between_pytorch_and_autograd_engine_unchanged(kind):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(4, 5, num_layers=2, batch_first=True).double()
    ours = getattr(nn, kind)(4, 5, num_layers=2, batch_first=True).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((3, 6, 4))
    out_theirs = theirs(torch.from_numpy(x))[0].detach().numpy()
    np.testing.assert_allclose(ours(x)[0].data, out_theirs, rtol=1e-10, atol=1e-12)
    # and back: a model trained here loads into PyTorch
    for p in ours.parameters():
        p.data += 0.1
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(ours(x)[0].data, theirs(torch.from_numpy(x))[0].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_unbatched_input_and_states_as_pytorch():
    lstm = nn.LSTM(3, 4, num_layers=2).double()
    x = np.random.default_rng(6).standard_normal((5, 3))
    out, (h, c) = lstm(x)
    assert out.shape == (5, 4) and h.shape == (2, 4) and c.shape == (2, 4)
    batched, _ = lstm(x[:, None])
    np.testing.assert_allclose(out.data, batched.data[:, 0])


# ----- errors ----------------------------------------------------------------------------------


def test_errors_name_the_layer_the_shapes_and_the_fix():
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    with pytest.raises(ae.ShapeError, match=r"LSTM: expected input of shape \(N, T, input_size\).*input_size=3.*\(2, 5, 7\)"):
        lstm(np.zeros((2, 5, 7), np.float32))
    with pytest.raises(ae.ShapeError, match=r"h_0 must have shape .* = \(2, 2, 4\), got \(1, 2, 4\)"):
        lstm(np.zeros((2, 5, 3), np.float32), (np.zeros((1, 2, 4)), np.zeros((2, 2, 4))))
    with pytest.raises(TypeError, match="hx must be a tuple"):
        lstm(np.zeros((2, 5, 3), np.float32), np.zeros((2, 2, 4)))
    with pytest.raises(ae.ShapeError, match="at least one step"):
        lstm(np.zeros((2, 0, 3), np.float32))
    with pytest.raises(NotImplementedError, match="bidirectional"):
        nn.GRU(3, 4, bidirectional=True)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        nn.LSTM(3, 0)
    with pytest.raises(ae.ShapeError, match=r"LSTMCell: expected input of shape \(N, 3\)"):
        nn.LSTMCell(3, 4)(np.zeros((2, 5)))
    with pytest.raises(ae.ShapeError, match=r"LSTMCell: c must have shape \(2, 4\) .* got \(2, 5\)"):
        nn.LSTMCell(3, 4)(np.zeros((2, 3)), (np.zeros((2, 4)), np.zeros((2, 5))))
    with pytest.raises(TypeError, match=r"hx must be a tuple of two states \(h_0, c_0\), got a tuple of 3"):
        lstm(np.zeros((2, 5, 3), np.float32), (np.zeros((2, 2, 4)),) * 3)
    with pytest.raises(TypeError, match=r"LSTM: h_0 is None; pass both states, or hx=None"):
        lstm(np.zeros((2, 5, 3), np.float32), (None, np.zeros((2, 2, 4))))
    with pytest.raises(NotImplementedError, match=r"proj_size=2 .* nn.Linear\(hidden_size, 2\) after the LSTM"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match=r"GRU: proj_size applies to LSTM only"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ae.ShapeError, match=r"lstm_step: .* got x_gates \(2, 12\), h \(2, 4\)"):
        ae.lstm_step(np.zeros((2, 12)), np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((16, 4)))


def test_one_state_layers_refuse_a_tuple_and_the_lstm_cell_takes_a_list():
    x, h = np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32)
    for cell in (nn.RNNCell(3, 4), nn.GRUCell(3, 4)):
        with pytest.raises(TypeError, match=rf"{type(cell).__name__}: hx must be one tensor .* got a tuple; only the LSTM"):
            cell(x, (h,))
    with pytest.raises(TypeError, match=r"GRU: hx must be one tensor .* got a list"):
        nn.GRU(3, 4)(np.zeros((5, 2, 3), np.float32), [np.zeros((1, 2, 4), np.float32)])
    cell = nn.LSTMCell(3, 4)
    c = np.ones((2, 4), np.float32)
    from_list, from_tuple = cell(x, [h, c]), cell(x, (h, c))
    for a, b in zip(from_list, from_tuple):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_state_shaped_for_batch_first_input_suggests_batch_first():
    lstm = nn.LSTM(3, 4)  # batch_first forgotten: (N=2, T=5, D) is read as T=2, N=5
    state = (np.zeros((1, 2, 4), np.float32),) * 2
    with pytest.raises(ae.ShapeError, match=r"if the input is \(N, T, input_size\), pass batch_first=True"):
        lstm(np.zeros((2, 5, 3), np.float32), state)
    with pytest.raises(ae.ShapeError) as error:  # a state wrong for another reason gets no such hint
        lstm(np.zeros((2, 5, 3), np.float32), (np.zeros((1, 3, 4), np.float32),) * 2)
    assert "batch_first=True" not in str(error.value)


def test_dropout_with_one_layer_warns_that_it_does_nothing():
    with pytest.warns(UserWarning, match=r"LSTM: dropout=0.5 has no effect with num_layers=1"):
        nn.LSTM(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.5)


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
