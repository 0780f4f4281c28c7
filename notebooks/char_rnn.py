"""A character-level language model -- the notes' char-RNN -- trained on this repository's own text.

    characters -> nn.Embedding -> nn.LSTM -> nn.Linear -> softmax over the vocabulary

Training reads the text as ``batch_size`` parallel streams and walks them in windows of
``seq_len`` characters, predicting every next character; the LSTM state is carried from one
window to the next and detached (truncated backpropagation through time), gradients are
clipped by norm, and Adam updates the weights.  Every ``--sample-every`` steps it prints a
sample drawn at ``--temperature`` (low: safe and repetitive; high: varied and misspelt).

Run it from any directory (relative globs such as the default are taken under the repository
root; a file's own path, absolute or relative to the current directory, also works):

    python notebooks/char_rnn.py --steps 2000
    python notebooks/char_rnn.py --steps 300 --hidden 64 --text README.md --temperature 0.5
    python notebooks/char_rnn.py --text ~/books/shakespeare.txt

The notebook ``notebooks/char_rnn.ipynb`` walks through the same model step by step.
"""
from __future__ import annotations

import argparse
import math
import os
import pathlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

# The matrices are small (batch 32 x hidden 128): one BLAS thread is faster than two, and far
# faster on a busy machine.  Export OPENBLAS_NUM_THREADS to choose otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import autograd_engine as ae  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402

DEFAULT_TEXT = ["README.md", "autograd_engine/*.py", "autograd_engine/ops/*.py", "nn/*.py"]


class Vocabulary:
    """The characters of a text, each with an index (sorted, so the same text gives the same ids)."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise KeyError(f"Vocabulary.encode: characters {unknown!r} are not in the vocabulary of {len(self)}")
        return np.array([self.index[ch] for ch in text], dtype=np.int64)

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)


class CharRNN(nn.Module):
    """Embedding -> LSTM -> Linear: ``forward(ids (N, T), state)`` returns scores (N, T, V) and the new state."""

    def __init__(self, vocab_size: int, hidden_size: int = 128, embedding_dim: int = 32, num_layers: int = 1) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: np.ndarray, state: tuple | None = None) -> tuple[ae.Tensor, tuple]:
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def detach_state(state: tuple) -> tuple:
    """Cut the graph at a window boundary (truncated BPTT): same values, no history."""
    return tuple(s.detach() for s in state)


def sample(
    model: CharRNN,
    vocab: Vocabulary,
    prime: str,
    length: int,
    temperature: float = 1.0,
    rng: np.random.Generator | None = None,
) -> str:
    """Feed ``prime``, then draw ``length`` characters from softmax(scores / temperature).

    ``temperature=0`` takes the most likely character each time (greedy).
    """
    if not temperature >= 0:
        raise ValueError(f"sample: temperature must be 0 (greedy) or positive, got {temperature}")
    rng = np.random.default_rng() if rng is None else rng
    with ae.no_grad():
        scores, state = model(vocab.encode(prime)[None])
        last = scores.data[0, -1]
        out = []
        for _ in range(length):
            if temperature == 0:
                nxt = int(np.argmax(last))
            else:
                z = last.astype(np.float64) / temperature
                p = np.exp(z - z.max())
                nxt = int(rng.choice(len(p), p=p / p.sum()))
            out.append(nxt)
            scores, state = model(np.array([[nxt]]), state)
            last = scores.data[0, -1]
    return vocab.decode(out)


def windows(data: np.ndarray, batch_size: int, seq_len: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Endless (inputs, targets) windows, each (batch_size, seq_len), from ``batch_size`` parallel
    streams over ``data``; window k+1 continues where window k stopped in every stream, so the
    LSTM state can be carried across them.  Restarts from the beginning when the streams run out.

    The sizes are checked here, when it is called, not when the first window is drawn."""
    windows_per_pass(len(data), batch_size, seq_len)  # checks the sizes
    stream_len = (len(data) - 1) // batch_size
    starts = np.arange(batch_size)[:, None] * stream_len

    def endless() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        while True:
            for offset in range(0, stream_len - seq_len + 1, seq_len):
                idx = starts + offset + np.arange(seq_len)[None, :]
                yield data[idx], data[idx + 1]

    return endless()


def windows_per_pass(n_characters: int, batch_size: int, seq_len: int) -> int:
    """How many windows :func:`windows` draws before its streams restart; checks the sizes."""
    if batch_size < 1 or seq_len < 1:
        raise ValueError(f"windows: batch_size and seq_len must be at least 1, got {batch_size} and {seq_len}")
    stream_len = (n_characters - 1) // batch_size
    if stream_len < seq_len:
        raise ValueError(
            f"windows: {n_characters} characters give streams of {stream_len} for batch_size={batch_size}, "
            f"shorter than seq_len={seq_len}; use more text or smaller batches"
        )
    return (stream_len - seq_len) // seq_len + 1


def train(
    model: CharRNN,
    data: np.ndarray,
    steps: int,
    batch_size: int = 32,
    seq_len: int = 64,
    lr: float = 3e-3,
    clip: float = 5.0,
    callback: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Adam on the next-character cross-entropy with truncated BPTT; returns the loss of every step.

    The state is reset to zero whenever the streams restart from the beginning of the text.
    """
    optimizer = optim.Adam(model.parameters(), lr=lr)
    vocab_size = model.head.out_features
    per_pass = windows_per_pass(len(data), batch_size, seq_len)
    batches = windows(data, batch_size, seq_len)
    losses, state = [], None
    for step in range(steps):
        if step % per_pass == 0:
            state = None
        inputs, targets = next(batches)
        scores, state = model(inputs, state)
        loss = nn.functional.cross_entropy(scores.reshape(-1, vocab_size), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        state = detach_state(state)
        losses.append(loss.item())
        if callback is not None:
            callback(step, losses[-1])
    return losses


def read_text(patterns: Sequence[str], root: pathlib.Path = ROOT) -> str:
    """The concatenated contents of the files that ``patterns`` name.

    A pattern is a file's path (absolute, ``~/...``, or relative to the current directory), or
    a glob: an absolute one, or one relative to ``root`` (the repository, so that the defaults
    work from any directory).
    """
    files: set[pathlib.Path] = set()
    for pattern in patterns:
        path = pathlib.Path(pattern).expanduser()
        if path.is_file():
            files.add(path.resolve())
            continue
        base, relative = (pathlib.Path(path.anchor), str(path.relative_to(path.anchor))) if path.is_absolute() else (root, pattern)
        files.update(p.resolve() for p in base.glob(relative) if p.is_file())
    if not files:
        raise FileNotFoundError(
            f"read_text: no file matches {list(patterns)} (paths, absolute globs, or globs under {root})"
        )
    return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in sorted(files))


def _progress(total: int) -> tuple[Callable[[float], None], Callable[[str], None], Callable[[], None]]:
    """(advance with a loss, print a message, close): a tqdm bar if installed, else plain prints."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total, desc="char-rnn", unit="step")

        def advance(loss: float) -> None:
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            bar.update()

        return advance, bar.write, bar.close
    count = [0]

    def advance_plain(loss: float) -> None:
        count[0] += 1
        if count[0] % max(1, total // 20) == 0 or count[0] == total:
            print(f"step {count[0]}/{total}  loss {loss:.3f}", flush=True)

    return advance_plain, lambda text: print(text, flush=True), lambda: None


def _positive(kind: type, zero: bool = False) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` above 0 (or at least 0 with ``zero``)."""

    def parse(text: str) -> Any:
        number = kind(text)
        if not (number >= 0 if zero else number > 0):
            raise argparse.ArgumentTypeError(f"must be {'0 or more' if zero else 'positive'}, got {text}")
        return number

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def main(argv: Sequence[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description="Train the notes' char-RNN on this repository's text.")
    parser.add_argument("--steps", type=_positive(int), default=2000, help="training steps (default 2000)")
    parser.add_argument("--batch-size", type=_positive(int), default=32)
    parser.add_argument("--seq-len", type=_positive(int), default=64, help="characters per window of truncated BPTT")
    parser.add_argument("--hidden", type=_positive(int), default=128, help="LSTM hidden size")
    parser.add_argument("--embed", type=_positive(int), default=32, help="character embedding size")
    parser.add_argument("--layers", type=_positive(int), default=1, help="stacked LSTM layers")
    parser.add_argument("--lr", type=_positive(float), default=3e-3, help="Adam learning rate")
    parser.add_argument("--clip", type=_positive(float), default=5.0, help="gradient-norm clipping threshold")
    parser.add_argument("--temperature", type=_positive(float, zero=True), default=0.8,
                        help="sampling temperature (0: greedy)")
    parser.add_argument("--sample-every", type=_positive(int), default=250, help="print a sample every this many steps")
    parser.add_argument("--sample-length", type=_positive(int), default=200)
    parser.add_argument("--text", nargs="+", default=DEFAULT_TEXT,
                        help="files (paths) or globs; relative globs are taken under the repository root")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ae.seed(args.seed)
    rng = np.random.default_rng(args.seed)
    try:  # mistakes in the arguments get argparse's usage message, not a traceback
        text = read_text(args.text)
        windows_per_pass(len(text), args.batch_size, args.seq_len)
    except (FileNotFoundError, ValueError) as error:
        parser.error(str(error))
    vocab = Vocabulary(text)
    data = vocab.encode(text)
    model = CharRNN(len(vocab), args.hidden, args.embed, args.layers)
    n_params = sum(p.size for p in model.parameters())
    print(f"{len(text):,} characters, vocabulary of {len(vocab)}, {n_params:,} parameters; "
          f"uniform guessing costs {math.log(len(vocab)):.3f} nats per character")

    advance, say, close = _progress(args.steps)

    def report(step: int, loss: float) -> None:
        advance(loss)
        if (step + 1) % args.sample_every == 0 or step + 1 == args.steps:
            model.eval()
            text = sample(model, vocab, "\n", args.sample_length, args.temperature, rng)
            model.train()
            say(f"--- step {step + 1}, loss {loss:.3f}, temperature {args.temperature} ---\n{text}\n")

    try:
        losses = train(model, data, args.steps, args.batch_size, args.seq_len, args.lr, args.clip, report)
    finally:
        close()
    return losses


if __name__ == "__main__":
    main()
