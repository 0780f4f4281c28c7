"""Feeding a model: data sets, the ``DataLoader`` that cuts them into mini-batches, and ``random_split``.

PyTorch's names and meanings (``torch.utils.data``), with NumPy batches:

- ``Dataset``: the map-style protocol, ``dataset[i]`` and ``len(dataset)``; its
  ``get_batch(indices)`` returns the examples at ``indices`` already stacked into
  arrays (PyTorch's ``__getitems__`` plus ``collate_fn`` in one step).
- ``TensorDataset(X, y, ...)``: arrays sharing their first dimension; indexing with
  an int, a slice or an index array returns the tuple of rows, so a whole batch is
  ONE fancy index per array -- the reason the loader is vectorised.
- ``Subset``: the examples of a data set at given positions; ``random_split`` makes them.
- ``DataLoader``: every example exactly once per epoch in batches of ``batch_size``,
  shuffled reproducibly from a ``seed``, a transform applied to each batch's inputs.

Randomness comes from ``numpy.random.Generator``s made from the ``seed``: the same
seed gives the same sequence of epochs and augmentations, and ``state_dict()`` /
``load_state_dict()`` carry that state across a checkpoint.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd_engine.checks import check_bool, check_callable, check_int
from autograd_engine.errors import StateDictError
from autograd_engine.operands import value

from .transforms import accepts_rng

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split"]


class Dataset:
    """A map-style data set: ``dataset[i]`` is example ``i`` (an array, or a tuple such as
    ``(image, label)``) and ``len(dataset)`` the number of examples.

    Subclasses implement ``__getitem__`` and ``__len__``; those whose storage allows it
    override ``get_batch`` to fetch many examples at once (``TensorDataset`` does).
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) -> one example")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__() -> the number of examples")

    def get_batch(self, indices: np.ndarray) -> Any:
        """The examples at ``indices`` (a 1-D integer array), stacked: a tuple of arrays whose first
        dimension is ``len(indices)`` (one per part of an example), or one array.  This default
        fetches the examples one by one and stacks them (``np.stack``)."""
        return stack_examples(self, indices)


def stack_examples(dataset: Any, indices: np.ndarray) -> Any:
    """The examples ``dataset[i]`` for ``i`` in ``indices``, stacked part by part with ``np.stack``
    (Tensors become their arrays; Python numbers, e.g. labels, become arrays of NumPy's dtype for
    them: int64 for ints).  Examples of different structure or shapes raise a ValueError naming them."""
    owner = type(dataset).__name__
    examples = [dataset[int(i)] for i in indices]
    if not examples:
        raise ValueError(f"{owner}: a batch needs at least one example, got no indices")
    first = examples[0]
    if isinstance(first, tuple | list):
        parts = len(first)
        for i, example in zip(indices, examples):
            if not isinstance(example, tuple | list) or len(example) != parts:
                raise ValueError(f"{owner}: example {int(indices[0])} has {parts} parts but example {int(i)} is "
                                 f"{_describe(example)}; every example must have the same parts, e.g. (image, label)")
        return tuple(_stack([example[k] for example in examples], indices, owner, f"part {k} of ") for k in range(parts))
    return _stack(examples, indices, owner, "")


def _stack(items: list[Any], indices: np.ndarray, owner: str, what: str) -> np.ndarray:
    arrays = [np.asarray(value(item)) for item in items]
    for i, array in zip(indices, arrays):
        if array.shape != arrays[0].shape:
            raise ValueError(f"{owner}: {what}example {int(indices[0])} has shape {arrays[0].shape} but {what}example "
                             f"{int(i)} has shape {array.shape}; examples stacked into a batch must have one shape")
    return np.stack(arrays)


def _describe(item: Any) -> str:
    if isinstance(item, tuple | list):
        return f"a {type(item).__name__} of {len(item)} items"
    shape = getattr(item, "shape", None)
    return f"a {type(item).__name__}" + ("" if shape is None else f" of shape {tuple(shape)}")


class TensorDataset(Dataset):
    """Examples given as arrays (NumPy arrays, Tensors or nested lists) sharing their first dimension:
    example ``i`` is ``(arrays[0][i], arrays[1][i], ...)``.

    ``dataset[index]`` with an int, a slice or an integer array returns the tuple of rows, so a
    batch is one fancy index per array.  Tensors are kept as their arrays (``Tensor.data``, not copied).
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise TypeError("TensorDataset: give at least one array, e.g. TensorDataset(X, y)")
        self.arrays = tuple(np.asarray(value(a)) for a in arrays)
        for i, array in enumerate(self.arrays):
            if array.ndim == 0:
                raise ValueError(f"TensorDataset: array {i} is a scalar ({array!r}); every array needs a first "
                                 f"dimension that counts the examples")
        sizes = [len(a) for a in self.arrays]
        if len(set(sizes)) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: the arrays must have the same first dimension (one row per example), "
                             f"got shapes {shapes}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        try:
            return tuple(array[index] for array in self.arrays)
        except IndexError:
            raise IndexError(f"TensorDataset: index {_show_index(index)} is not valid for {len(self)} examples; "
                             f"give an integer in [-{len(self)}, {len(self)}), a slice or an integer array") from None

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        """The rows at ``indices``: one fancy index per array."""
        return self[indices]

    def __repr__(self) -> str:
        parts = ", ".join(f"{a.dtype}{list(a.shape)}" for a in self.arrays)
        return f"TensorDataset({parts})"


def _show_index(index: Any) -> str:
    if isinstance(index, np.ndarray) and index.size > 6:
        return f"array of shape {index.shape} (dtype {index.dtype}, from {index.min()} to {index.max()})"
    return repr(index)


class Subset(Dataset):
    """The examples of ``dataset`` at positions ``indices``: ``subset[i]`` is ``dataset[indices[i]]``.

    Fetching a batch goes through the parent's ``get_batch``, so a subset of a
    ``TensorDataset`` is fetched with one fancy index too.
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        _check_dataset(dataset, "Subset")
        indices = np.asarray(indices)
        if indices.size == 0:
            indices = indices.astype(np.int64)
        if indices.ndim != 1 or indices.dtype.kind not in "iu":
            raise TypeError(f"Subset: indices must be a 1-D sequence of integers, got {_describe(indices)} "
                            f"of dtype {indices.dtype}")
        n = len(dataset)
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(f"Subset: indices must lie in [-{n}, {n}) for a data set of {n} examples, got values "
                             f"from {indices.min()} to {indices.max()}")
        self.dataset, self.indices = dataset, indices.astype(np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        try:
            position = self.indices[index]
        except IndexError:
            raise IndexError(f"Subset: index {_show_index(index)} is not valid for {len(self)} examples") from None
        return self.dataset[int(position) if np.ndim(position) == 0 else position]

    def get_batch(self, indices: np.ndarray) -> Any:
        """The parent's batch at the parent's positions of ``indices``."""
        return fetch(self.dataset, self.indices[indices])


def fetch(dataset: Any, indices: np.ndarray) -> Any:
    """The batch of examples of ``dataset`` at ``indices``: through its ``get_batch`` if it has one, one
    fancy index for a NumPy array, else the examples one by one, stacked (``stack_examples``)."""
    get_batch = getattr(dataset, "get_batch", None)
    if get_batch is not None:
        return get_batch(indices)
    if isinstance(dataset, np.ndarray):
        return dataset[indices]
    return stack_examples(dataset, indices)


def _check_dataset(dataset: Any, owner: str) -> None:
    """Refuse what is not a map-style data set, and the pair ``(X, y)``, which is one by accident."""
    if isinstance(dataset, tuple):
        raise TypeError(f"{owner}: dataset is a tuple of {len(dataset)} items, which would read as {len(dataset)} "
                        f"examples; wrap arrays as TensorDataset(X, y)")
    if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
        raise TypeError(f"{owner}: dataset must be a map-style data set (with __getitem__ and __len__, e.g. "
                        f"TensorDataset(X, y)), got {type(dataset).__name__}")


class DataLoader:
    """Mini-batches of ``dataset``, every example exactly once per epoch.

    ``for inputs, labels in loader`` runs one epoch: batches of ``batch_size``
    examples as NumPy arrays (a tuple of arrays for a ``TensorDataset``, one array for a
    data set of single arrays), the last one shorter unless ``drop_last`` drops it;
    ``len(loader)`` is the number of batches.  A ``TensorDataset`` (or a ``Subset`` of
    one) is fetched with one fancy index per batch; other data sets example by example,
    then stacked.

    ``shuffle``: a new random order every epoch, drawn from a generator made from
    ``seed``, so the same seed gives the same sequence of epochs (None: fresh entropy,
    different every run).  ``transform``: a function applied to each batch's inputs (the
    first array of the batch; the whole batch for single arrays), e.g.
    ``transforms.Compose([ToFloat(), RandomCrop(32, 4), RandomHorizontalFlip()])``; if it
    has an ``rng`` parameter, as the ``transforms`` do, it receives the loader's second
    generator, so augmentations repeat with the seed too and never change the order of examples.

    ``state_dict()`` / ``load_state_dict()`` save and restore both generators: restored
    between epochs, the following epochs repeat exactly (the ``Trainer`` saves them in its
    checkpoints).  An epoch draws its order when its first batch is taken.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        transform: Callable[..., Any] | None = None,
    ) -> None:
        _check_dataset(dataset, "DataLoader")
        self.dataset = dataset
        self.batch_size = check_int(batch_size, "batch_size", "DataLoader", low=1)
        self.shuffle = check_bool(shuffle, "shuffle", "DataLoader")
        self.drop_last = check_bool(drop_last, "drop_last", "DataLoader")
        if seed is not None:
            seed = check_int(seed, "seed (or None: fresh entropy)", "DataLoader", low=0)
        self.seed = seed
        if transform is not None:
            check_callable(transform, "transform", "DataLoader", "inputs -> inputs, applied to each batch")
        self.transform = transform
        self._transform_takes_rng = transform is not None and accepts_rng(transform)
        order, augment = np.random.SeedSequence(seed).spawn(2)
        self._order_rng, self._augment_rng = np.random.default_rng(order), np.random.default_rng(augment)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self._order_rng.permutation(n) if self.shuffle else np.arange(n)
        stop = len(self) * self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield self.fetch(order[start:start + self.batch_size])

    def fetch(self, indices: Sequence[int] | np.ndarray, rng: np.random.Generator | None = None) -> Any:
        """The batch of the examples at ``indices``, transformed: what an epoch yields for those
        examples.  The transform draws from ``rng`` if given (so that, e.g., a ``Trainer``
        measuring accuracy leaves the loader's sequence untouched), else from the loader's generator."""
        batch = fetch(self.dataset, np.asarray(indices, dtype=np.int64))
        if self.transform is None:
            return batch
        rng = self._augment_rng if rng is None else rng
        if isinstance(batch, tuple):
            return (self._apply(batch[0], rng), *batch[1:])
        return self._apply(batch, rng)

    def _apply(self, inputs: Any, rng: np.random.Generator) -> Any:
        return self.transform(inputs, rng=rng) if self._transform_takes_rng else self.transform(inputs)

    def state_dict(self) -> dict[str, Any]:
        """The states of the shuffling and the augmentation generators (plain data for ``nn.save``)."""
        return {"order": self._order_rng.bit_generator.state, "augment": self._augment_rng.bit_generator.state}

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore the generators saved by ``state_dict()``; the next epoch continues that sequence.
        A dict of another kind raises ``nn.StateDictError``; nothing changes unless both fit."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"order", "augment"}:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise StateDictError(f"DataLoader.load_state_dict: expected the dict of DataLoader.state_dict() with "
                                 f"the entries ['augment', 'order'], got {got}")
        order, augment = np.random.default_rng(), np.random.default_rng()
        try:
            order.bit_generator.state = state_dict["order"]
            augment.bit_generator.state = state_dict["augment"]
        except (TypeError, ValueError, KeyError) as error:
            raise StateDictError(f"DataLoader.load_state_dict: the saved generator states are not states of "
                                 f"NumPy's default generator (PCG64): {error}") from None
        self._order_rng, self._augment_rng = order, augment

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.dataset)} examples, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed}, transform={self.transform!r})")


def random_split(
    dataset: Any, lengths: Sequence[int] | Sequence[float], seed: int | None = None
) -> list[Subset]:
    """Split ``dataset`` at random into ``Subset``s of the given sizes, disjoint, covering every example.

    ``lengths``: integers summing to ``len(dataset)``, or fractions (floats) summing to 1, as in
    PyTorch 2.x: each part gets ``floor(fraction * n)`` examples and the remainder goes one by one
    to the parts in order (round-robin).  Integers are always counts (``[1, 0]`` is one example
    and none, not all and nothing).  ``seed`` seeds the permutation (None: fresh entropy).
    """
    _check_dataset(dataset, "random_split")
    if isinstance(lengths, str) or not isinstance(lengths, Sequence | np.ndarray) or len(lengths) == 0:
        raise TypeError(f"random_split: lengths must be a non-empty list of sizes (integers) or fractions "
                        f"(floats summing to 1), got {lengths!r}")
    n = len(dataset)
    if all(isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_) for x in lengths):
        sizes = [check_int(x, f"lengths[{i}]", "random_split", low=0) for i, x in enumerate(lengths)]
        if sum(sizes) != n:
            raise ValueError(f"random_split: the lengths {sizes} sum to {sum(sizes)}, but the data set has {n} "
                             f"examples; give lengths summing to {n}, or fractions summing to 1")
    else:
        sizes = _sizes_from_fractions(lengths, n)
    if seed is not None:
        seed = check_int(seed, "seed (or None: fresh entropy)", "random_split", low=0)
    order = np.random.default_rng(seed).permutation(n)
    ends = np.cumsum(sizes)
    return [Subset(dataset, order[end - size:end]) for size, end in zip(sizes, ends)]


def _sizes_from_fractions(fractions: Sequence[Any], n: int) -> list[int]:
    for i, x in enumerate(fractions):
        if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
            raise TypeError(f"random_split: lengths must all be integers (sizes) or all fractions (floats summing "
                            f"to 1); lengths[{i}] is {x!r} ({type(x).__name__})")
        if not 0 <= x <= 1:
            raise ValueError(f"random_split: fraction lengths[{i}] must lie in [0, 1], got {x!r}")
    total = math.fsum(float(x) for x in fractions)
    if not math.isclose(total, 1.0):
        raise ValueError(f"random_split: the fractions {list(fractions)} sum to {total:g}, not 1; give fractions "
                         f"summing to 1 or integer lengths summing to {n}")
    sizes = [math.floor(n * float(x)) for x in fractions]
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return sizes
