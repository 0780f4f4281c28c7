"""nn.data.loader: every example exactly once per epoch (any size, batch size, drop_last), reproducible
shuffling from a seed with a new order each epoch, one fancy index per batch for a TensorDataset, the
generic stacking path, transforms per batch, state_dict resuming, random_split's sizes (PyTorch's
remainder rule) and disjointness, and the argument errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
import nn
from nn.data import DataLoader, Dataset, Subset, TensorDataset, random_split


def numbered(n, width=3):
    """n examples whose inputs say their index (row i is i, i + 0.5, ...) and labels i."""
    X = np.arange(n, dtype=np.float32)[:, None] + np.arange(width, dtype=np.float32) / 2
    return X, np.arange(n)


def epoch_labels(loader):
    return [labels for _, labels in loader]


class ListDataset(Dataset):
    """A generic data set: examples one by one, no batched access."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __getitem__(self, index):
        return self.X[index], int(self.y[index])

    def __len__(self):
        return len(self.y)


# ----- coverage and batches ---------------------------------------------------------------------------
@given(n=st.integers(0, 60), batch_size=st.integers(1, 70), shuffle=st.booleans(), drop_last=st.booleans(),
       generic=st.booleans())
def test_every_example_exactly_once_per_epoch(n, batch_size, shuffle, drop_last, generic):
    X, y = numbered(n)
    dataset = ListDataset(X, y) if generic else TensorDataset(X, y)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, seed=1)
    full, rest = divmod(n, batch_size)
    expected_batches = full if drop_last or rest == 0 else full + 1
    assert len(loader) == expected_batches
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == expected_batches
        sizes = [len(labels) for _, labels in batches]
        assert all(size == batch_size for size in sizes[:full])
        if not drop_last and rest:
            assert sizes[-1] == rest  # the last, short batch
        seen = np.concatenate([labels for _, labels in batches]) if batches else np.array([], dtype=np.int64)
        assert len(set(seen.tolist())) == len(seen)  # none twice
        if drop_last:
            assert len(seen) == full * batch_size
        else:
            assert sorted(seen.tolist()) == list(range(n))  # all of them
        for inputs, labels in batches:  # inputs travel with their labels
            assert np.array_equal(inputs, X[labels])


def test_without_shuffle_the_order_is_the_data_sets():
    X, y = numbered(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    assert [b.tolist() for b in epoch_labels(loader)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_batches_are_arrays_of_the_datas_dtypes_and_shapes():
    images = np.zeros((10, 3, 4, 5), dtype=np.uint8)
    labels = np.arange(10, dtype=np.int64)
    inputs, batch_labels = next(iter(DataLoader(TensorDataset(ae.Tensor(images.astype(np.float32)), labels), 4)))
    assert type(inputs) is np.ndarray and inputs.shape == (4, 3, 4, 5) and inputs.dtype == np.float32
    assert type(batch_labels) is np.ndarray and batch_labels.dtype == np.int64
    inputs, batch_labels = next(iter(DataLoader(ListDataset(images, labels), 4)))  # stacked one by one
    assert inputs.shape == (4, 3, 4, 5) and inputs.dtype == np.uint8 and batch_labels.dtype == np.int64
    (only,) = next(iter(DataLoader(TensorDataset(images), 3)))  # one array: a 1-tuple, as TensorDataset gives
    assert only.shape == (3, 3, 4, 5)


def test_a_tensor_dataset_is_fetched_with_one_index_per_batch():
    X, y = numbered(12)

    class CountingArray(np.ndarray):
        indexings = 0

        def __getitem__(self, key):
            CountingArray.indexings += 1
            return np.asarray(self).__getitem__(key)

    dataset = TensorDataset(X, y)
    dataset.arrays = (X.view(CountingArray), y)
    loader = DataLoader(dataset, batch_size=5, shuffle=True, seed=0)
    assert len(list(loader)) == 3 and CountingArray.indexings == 3


def test_a_subset_of_a_tensor_dataset_is_fetched_through_its_parent():
    X, y = numbered(20)
    subset = Subset(TensorDataset(X, y), [3, 1, 4, 1, 5, 9])
    assert len(subset) == 6 and subset[2][1] == 4
    inputs, labels = next(iter(DataLoader(subset, batch_size=6)))
    assert labels.tolist() == [3, 1, 4, 1, 5, 9] and np.array_equal(inputs, X[labels])
    nested = Subset(subset, [5, 0])
    assert next(iter(DataLoader(nested, batch_size=2)))[1].tolist() == [9, 3]


def test_a_plain_list_of_examples_and_an_array_are_data_sets_too():
    examples = [(np.full(2, i, dtype=np.float32), i) for i in range(5)]
    inputs, labels = next(iter(DataLoader(examples, batch_size=5)))
    assert inputs.shape == (5, 2) and labels.tolist() == [0, 1, 2, 3, 4]
    array = np.arange(12).reshape(6, 2)
    assert np.array_equal(next(iter(DataLoader(array, batch_size=4))), array[:4])


# ----- shuffling from a seed ----------------------------------------------------------------------------
def test_same_seed_same_epochs_and_new_order_every_epoch():
    X, y = numbered(50)

    def epochs(seed, count=3):
        loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, seed=seed)
        return [np.concatenate(epoch_labels(loader)).tolist() for _ in range(count)]

    first = epochs(7)
    assert first == epochs(7)
    assert first[0] != first[1] and first[1] != first[2]  # a new permutation each epoch
    assert first != epochs(8)
    assert all(sorted(order) == list(range(50)) for order in first)


def test_no_seed_draws_fresh_entropy():
    X, y = numbered(50)
    orders = {tuple(np.concatenate(epoch_labels(DataLoader(TensorDataset(X, y), 50, shuffle=True))).tolist())
              for _ in range(3)}
    assert len(orders) == 3  # three loaders, three different orders (a repeat has probability 3 / 50!)


def test_state_dict_resumes_the_sequence_of_epochs():
    X, y = numbered(30)

    def loader():
        return DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True, seed=3,
                          transform=nn.data.transforms.Compose([lambda x: x, _noise]))

    straight = loader()
    first = [list(straight) for _ in range(2)]
    state = straight.state_dict()
    expected = [list(straight) for _ in range(2)]
    resumed = loader()
    resumed.load_state_dict(state)
    assert first[0][0][1].tolist() != expected[0][0][1].tolist()
    for epoch_a, epoch_b in zip(expected, [list(resumed) for _ in range(2)]):
        for (xa, ya), (xb, yb) in zip(epoch_a, epoch_b):
            assert np.array_equal(ya, yb) and np.array_equal(xa, xb)


def _noise(x, rng):
    return x + rng.standard_normal(x.shape).astype(x.dtype)


def test_load_state_dict_refuses_another_kind_of_dict():
    loader = DataLoader(TensorDataset(*numbered(5)), shuffle=True, seed=0)
    before = loader.state_dict()
    with pytest.raises(nn.StateDictError, match=r"DataLoader.load_state_dict: expected .* \['augment', 'order'\]"):
        loader.load_state_dict({"order": 1})
    with pytest.raises(nn.StateDictError, match="not states of NumPy's default generator"):
        loader.load_state_dict({"order": {"bit_generator": "MT19937"}, "augment": before["augment"]})
    assert loader.state_dict() == before  # nothing changed


# ----- transforms per batch -------------------------------------------------------------------------------
def test_the_transform_applies_to_each_batchs_inputs_only():
    X, y = numbered(9)
    calls = []

    def double(inputs):
        calls.append(inputs.shape)
        return inputs * 2

    batches = list(DataLoader(TensorDataset(X, y), batch_size=4, transform=double))
    assert calls == [(4, 3), (4, 3), (1, 3)]  # once per batch, vectorised
    assert np.array_equal(batches[0][0], X[:4] * 2) and batches[0][1].tolist() == [0, 1, 2, 3]


def test_random_transforms_repeat_with_the_seed_and_leave_the_order_alone():
    X, y = numbered(20)

    def run(seed, transform):
        loader = DataLoader(TensorDataset(X, y), batch_size=6, shuffle=True, seed=seed, transform=transform)
        return [list(loader) for _ in range(2)]

    a, b = run(4, _noise), run(4, _noise)
    assert all(np.array_equal(xa, xb) for ea, eb in zip(a, b) for (xa, _), (xb, _) in zip(ea, eb))
    plain = run(4, None)
    assert [[lab.tolist() for _, lab in e] for e in a] == [[lab.tolist() for _, lab in e] for e in plain]
    assert not np.array_equal(a[0][0][0], a[1][0][0])


def test_fetch_with_an_explicit_generator_leaves_the_loaders_sequence_alone():
    X, y = numbered(20)
    make = lambda: DataLoader(TensorDataset(X, y), batch_size=5, shuffle=True, seed=2, transform=_noise)  # noqa: E731
    untouched, probed = make(), make()
    inputs, labels = probed.fetch([3, 4], rng=np.random.default_rng(0))
    assert labels.tolist() == [3, 4] and inputs.shape == (2, 3)
    for (xa, ya), (xb, yb) in zip(untouched, probed):
        assert np.array_equal(ya, yb) and np.array_equal(xa, xb)


# ----- random_split ----------------------------------------------------------------------------------------
@given(n=st.integers(0, 200), parts=st.lists(st.integers(1, 100), min_size=1, max_size=5), seed=st.integers(0, 9))
def test_random_split_by_fractions_covers_the_data_disjointly(n, parts, seed):
    fractions = [p / sum(parts) for p in parts]
    if not np.isclose(sum(fractions), 1.0):
        return
    dataset = TensorDataset(*numbered(n))
    subsets = random_split(dataset, fractions, seed=seed)
    sizes = [len(s) for s in subsets]
    floors = [int(np.floor(n * f)) for f in fractions]
    remainder = n - sum(floors)
    assert sizes == [f + (1 if i < remainder else 0) for i, f in enumerate(floors)]  # PyTorch's round-robin
    everything = np.concatenate([s.indices for s in subsets]) if subsets else np.array([])
    assert sorted(everything.tolist()) == list(range(n))
    assert [s.indices.tolist() for s in subsets] == [s.indices.tolist() for s in random_split(dataset, fractions,
                                                                                              seed=seed)]


def test_random_split_by_lengths_and_its_errors():
    dataset = TensorDataset(*numbered(10))
    train, val = random_split(dataset, [7, 3], seed=0)
    assert len(train) == 7 and len(val) == 3 and not set(train.indices) & set(val.indices)
    assert random_split(dataset, [0.5, 0.3, 0.2], seed=0)[2].indices.size == 2
    assert [len(s) for s in random_split(TensorDataset(*numbered(11)), [0.5, 0.5])] == [6, 5]
    with pytest.raises(ValueError, match=r"random_split: the lengths \[7, 4\] sum to 11, but the data set has 10"):
        random_split(dataset, [7, 4])
    with pytest.raises(ValueError, match=r"the fractions \[0.5, 0.6\] sum to 1.1, not 1"):
        random_split(dataset, [0.5, 0.6])
    with pytest.raises(ValueError, match=r"fraction lengths\[0\] must lie in \[0, 1\], got -0.5"):
        random_split(dataset, [-0.5, 1.5])
    with pytest.raises(ValueError, match=r"lengths\[1\] must be a non-negative integer, got -1"):
        random_split(dataset, [11, -1])
    with pytest.raises(TypeError, match=r"must all be integers \(sizes\) or all fractions.*lengths\[1\] is 'a'"):
        random_split(dataset, [0.5, "a"])
    with pytest.raises(TypeError, match="lengths must be a non-empty list"):
        random_split(dataset, 0.5)


# ----- arguments ----------------------------------------------------------------------------------------------
def test_arguments_are_checked_naming_them():
    dataset = TensorDataset(*numbered(5))
    with pytest.raises(ValueError, match="DataLoader: batch_size must be a positive integer, got 0"):
        DataLoader(dataset, batch_size=0)
    with pytest.raises(TypeError, match=r"DataLoader: batch_size must be a positive integer, got 2.0 \(float\)"):
        DataLoader(dataset, batch_size=2.0)
    with pytest.raises(TypeError, match="DataLoader: shuffle must be True or False, got 'yes'"):
        DataLoader(dataset, shuffle="yes")
    with pytest.raises(ValueError, match=r"DataLoader: seed \(or None: fresh entropy\) must be a non-negative"):
        DataLoader(dataset, seed=-1)
    with pytest.raises(TypeError, match="DataLoader: transform must be a function"):
        DataLoader(dataset, transform="flip")
    X, y = numbered(5)
    with pytest.raises(TypeError, match=r"DataLoader: dataset is a tuple of 2 items.*TensorDataset\(X, y\)"):
        DataLoader((X, y))
    with pytest.raises(TypeError, match="DataLoader: dataset must be a map-style data set"):
        DataLoader(42)


def test_tensor_dataset_errors_name_the_shapes_and_the_index():
    with pytest.raises(ValueError, match=r"same first dimension .* got shapes \(5, 3\), \(4,\)"):
        TensorDataset(np.zeros((5, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="array 1 is a scalar"):
        TensorDataset(np.zeros(3), np.float64(1.0))
    with pytest.raises(TypeError, match="at least one array"):
        TensorDataset()
    dataset = TensorDataset(*numbered(5))
    with pytest.raises(IndexError, match=r"TensorDataset: index 5 is not valid for 5 examples"):
        dataset[5]
    with pytest.raises(IndexError, match=r"index array of shape \(7,\) \(dtype int64, from 0 to 9\) is not valid"):
        dataset[np.array([0, 1, 2, 3, 4, 4, 9])]
    with pytest.raises(IndexError, match=r"Subset: indices must lie in \[-5, 5\)"):
        Subset(dataset, [0, 5])
    assert dataset[-1][1] == 4 and [label for _, label in dataset] == [0, 1, 2, 3, 4]


def test_examples_of_different_shapes_are_named_when_stacked():
    examples = [(np.zeros(2), 0), (np.zeros(3), 1)]
    with pytest.raises(ValueError, match=r"part 0 of example 0 has shape \(2,\) but part 0 of example 1 has "
                                         r"shape \(3,\)"):
        next(iter(DataLoader(examples, batch_size=2)))
    with pytest.raises(ValueError, match=r"example 0 has 2 parts but example 1 is a tuple of 3 items"):
        next(iter(DataLoader([(1, 0), (1, 0, 2)], batch_size=2)))


def test_a_dataset_without_getitem_says_what_to_implement():
    class Empty(Dataset):
        pass

    with pytest.raises(NotImplementedError, match="Empty must implement __len__"):
        len(Empty())
