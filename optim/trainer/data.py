"""The data a ``Trainer`` reads: the accepted forms, checked once, and the mini-batches drawn from them.

A data set is one of ``DATA_FORMS``: a pair ``(X, y)`` of arrays, which the
trainer shuffles into mini-batches with its own generator; an ``nn.data.DataLoader``,
whose epochs are its own (batch size, shuffling, seed, transform); a list of
``(X, y)`` batches; or a function returning a fresh iterable of batches each epoch.
``check_data`` normalises a pair to ``(X array, y array)`` and refuses
anything else at construction, rather than in the first epoch.  Accuracy is
counted here too, since it depends on the form of the labels.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.operands import value
from nn.data import DataLoader

Batches = Iterable[tuple[Any, Any]]

DATA_FORMS = ("a pair (X, y) of arrays (a tuple, or a list [X, y] of two arrays), an nn.data.DataLoader, "
              "a list of (X, y) batches, or a function returning an iterable of (X, y) batches")


def check_data(data: Any, name: str, required: bool = False) -> Any:
    """``data`` in one of the accepted forms (``DATA_FORMS``), normalised: a pair becomes a tuple
    ``(X array, y array)``; anything else is refused here rather than failing in the first epoch."""
    if data is None:
        if required or name == "train_data":
            raise ValueError(f"Trainer: {name} is required: {DATA_FORMS}")
        return None
    if isinstance(data, DataLoader):
        return _checked_loader(data, name)
    if isinstance(data, Mapping):
        keys = list(data)
        example = f"(data[{keys[0]!r}], data[{keys[1]!r}])" if len(keys) == 2 else "(data['X'], data['y'])"
        raise TypeError(f"Trainer: {name} is a {type(data).__name__} (keys {keys[:4]}); give {DATA_FORMS} "
                        f"-- e.g. {example}")
    if isinstance(data, list) and len(data) == 2 and all(isinstance(item, np.ndarray | ae.Tensor) for item in data):
        data = tuple(data)  # [X, y]: an array is never an (X, y) batch, so this is not a list of batches
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError(f"Trainer: {name} as a tuple must be (X, y), got {len(data)} items")
        inputs, labels = data
        inputs = _as_inputs(inputs, name)
        if len(inputs) != len(labels):
            raise ValueError(f"Trainer: {name} has {len(inputs)} inputs but {len(labels)} labels")
        if len(labels) == 0:
            raise ValueError(f"Trainer: {name} is empty (0 examples); give at least one example"
                             + (", or leave it out (None)" if name == "val_data" else ""))
        return (inputs, np.asarray(labels))
    if callable(data):
        return data
    if not hasattr(data, "__iter__"):
        raise TypeError(f"Trainer: {name} is a {type(data).__name__}; give {DATA_FORMS}")
    if iter(data) is data:
        raise TypeError(f"Trainer: {name} is a one-shot iterator, which would be empty after the first epoch; "
                        f"pass a list of batches or a function returning a fresh iterator")
    if isinstance(data, list):
        if not data:
            raise ValueError(f"Trainer: {name} is an empty list of batches; give at least one (X, y) batch"
                             + (", or leave it out (None)" if name == "val_data" else ""))
        for i, batch in enumerate(data):
            if not (isinstance(batch, tuple | list) and len(batch) == 2):
                hint = " (for one data set pass the tuple (X, y) of arrays)" if len(data) == 2 else ""
                raise TypeError(f"Trainer: {name} is a list, read as a list of (X, y) batches, but item {i} is "
                                f"{_describe(batch)}, not an (X, y) pair; give {DATA_FORMS}{hint}")
    return data


def _checked_loader(loader: DataLoader, name: str) -> DataLoader:
    """A loader with at least one batch, whose batches are (inputs, labels) pairs (one example is
    fetched to see, with a generator of its own so that the loader's sequence is untouched)."""
    if len(loader) == 0:
        raise ValueError(f"Trainer: {name} is a DataLoader with no batches ({len(loader.dataset)} examples, "
                         f"batch_size={loader.batch_size}, drop_last={loader.drop_last}); give it at least one "
                         f"full batch" + (", or leave it out (None)" if name == "val_data" else ""))
    batch = loader.fetch([0], rng=np.random.default_rng(0))
    if not (isinstance(batch, tuple) and len(batch) == 2):
        raise TypeError(f"Trainer: {name} is a DataLoader whose batches are {_describe(batch)}, not (inputs, "
                        f"labels) pairs; give it a data set of (input, label) examples, e.g. TensorDataset(X, y)")
    return loader


def _as_inputs(inputs: Any, name: str) -> Any:
    """X of an (X, y) pair, indexable by an array of positions: nested Python lists become an array
    (Python floats the default float dtype, as ``Tensor`` does; integers, e.g. token ids, stay integers)."""
    if not isinstance(inputs, list | tuple):
        return inputs
    try:
        array = np.asarray(inputs)
    except ValueError as error:  # ragged
        raise ValueError(f"Trainer: X of {name} is a nested {type(inputs).__name__} that does not make a "
                         f"rectangular array ({error}); give X as a NumPy array") from error
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Trainer: X of {name} must be numbers, got a nested {type(inputs).__name__} of dtype "
                        f"{array.dtype}; give X as a NumPy array of numbers")
    return array.astype(ae.get_default_dtype()) if array.dtype.kind == "f" else array


def _describe(item: Any) -> str:
    shape = getattr(item, "shape", None)
    if shape is not None:
        return f"a {type(item).__name__} of shape {tuple(shape)}"
    if hasattr(item, "__len__"):
        return f"a {type(item).__name__} of {len(item)} items"
    return f"a {type(item).__name__}"


def check_num_samples(name: str, value: Any) -> None:
    """Refuse a sample count that is not a positive integer or None (all examples)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1):
        raise ValueError(f"Trainer: {name} is how many examples the accuracy is measured on: a positive integer, "
                         f"or None for all of them; got {value!r}")


def batches(data: Any, batch_size: int, rng: np.random.Generator, shuffle: bool,
            subsample: int | None = None) -> Iterator[tuple[Any, Any]]:
    """The ``(X, y)`` batches of checked ``data``.

    A pair is cut into batches of ``batch_size`` in a random order drawn from
    ``rng`` when ``shuffle`` (training), in its own order otherwise, in batches of
    at least 1000 (evaluation); with ``subsample`` (fewer than all), only that
    many examples drawn at random.  A ``DataLoader`` gives its own epoch when
    ``shuffle`` (training); for evaluation, its examples in order (or ``subsample``
    drawn at random) in batches of its batch size, through its transform with
    randomness drawn from ``rng``, so that evaluating never advances the loader's
    own sequence of epochs.  A list of batches or a function of batches gives
    its batches as they come.
    """
    if isinstance(data, DataLoader):
        if shuffle:
            yield from data
            return
        n = len(data.dataset)
        order = rng.choice(n, subsample, replace=False) if subsample is not None and subsample < n else np.arange(n)
        for start in range(0, len(order), data.batch_size):
            yield data.fetch(order[start:start + data.batch_size], rng=rng)
        return
    if isinstance(data, tuple):
        inputs, labels = data
        n = len(labels)
        if subsample is not None and subsample < n:
            order = rng.choice(n, subsample, replace=False)
        elif shuffle:
            order = rng.permutation(n)
        else:
            order = None
        size = batch_size if shuffle else max(batch_size, 1000)
        for start in range(0, n if order is None else len(order), size):
            index = slice(start, start + size) if order is None else order[start:start + size]
            yield inputs[index], labels[index]
    else:
        yield from (data() if callable(data) else data)


def first_batch(data: Any, size: int) -> tuple[Any, Any] | None:
    """The first ``size`` examples of a pair or of a ``DataLoader``'s data set (through its transform,
    drawing from a fixed generator: the same batch every epoch, and the loader's sequence untouched),
    or the first batch of batches (None if there is none)."""
    if isinstance(data, DataLoader):
        return data.fetch(np.arange(min(size, len(data.dataset))), rng=np.random.default_rng(0))
    if isinstance(data, tuple):
        inputs, labels = data
        return inputs[:size], labels[:size]
    for batch in data() if callable(data) else data:
        return batch
    return None


def steps_per_epoch(data: Any, batch_size: int) -> int | None:
    """Optimizer steps (batches) per epoch; None for a function of batches, whose length is unknown."""
    if isinstance(data, tuple):
        return -(-len(data[1]) // batch_size)
    if hasattr(data, "__len__"):
        return len(data)
    return None


def count_correct(scores: Any, labels: Any) -> int:
    """How many ``argmax(scores, axis=1)`` equal the labels.  Targets given as class probabilities or
    one-hot rows (float, the scores' shape, as ``cross_entropy`` accepts) count as their argmax."""
    scores, labels = np.asarray(value(scores)), np.asarray(value(labels))
    if labels.dtype.kind == "f" and labels.ndim >= 2 and labels.shape == scores.shape:
        labels = np.argmax(labels, axis=1)
    return int((np.argmax(scores, axis=1) == labels).sum())


