"""The Trainer's data: the accepted forms of train_data / val_data (a pair, a list [X, y], a list of
batches, nested lists, one-hot targets, a DataLoader: exactly its batches, accuracy measured without
moving its sequence, resumed bit for bit), and empty data -- or a function of batches that gives
none -- refused up front."""
import helpers
import numpy as np
import pytest
from helpers import net, small_net

import autograd_engine as ae
import nn
import optim
from nn.data import DataLoader, TensorDataset

(X, Y), (XV, YV) = helpers.spiral_data(40, 20)  # 120 and 60 examples, 3 classes


# ----- data forms -------------------------------------------------------------------------------
def losses(train_data, val_data=None, model_seed=0, **kwargs):
    model = net(model_seed)
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.3), train_data, val_data, epochs=2,
                            batch_size=40, verbose=False, **kwargs)
    history = trainer.train()
    return history


def test_a_list_x_y_of_two_arrays_is_the_pair():
    as_tuple, as_list = losses((X, Y), (XV, YV)), losses([X, Y], [XV, YV])
    assert as_list.loss == as_tuple.loss and as_list.val_acc == as_tuple.val_acc
    tensors = losses([ae.Tensor(X), ae.Tensor(Y)])
    assert tensors.loss == losses((X, Y)).loss
    # a list of two (X, y) batches is still a list of batches
    two_batches = [(X[:60], Y[:60]), (X[60:], Y[60:])]
    assert len(losses(two_batches).loss) == 4


def test_a_dict_or_a_list_of_non_pairs_is_refused_naming_the_forms():
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"train_data is a dict \(keys \['x', 'y'\]\).*pair \(X, y\).*"
                                        r"list of \(X, y\) batches.*\(data\['x'\], data\['y'\]\)"):
        optim.Trainer(model, opt, {"x": X, "y": Y})
    with pytest.raises(TypeError, match=r"val_data is a dict"):
        optim.Trainer(model, opt, (X, Y), {"x": XV, "y": YV})
    with pytest.raises(TypeError, match=r"item 0 is a ndarray of shape \(120, 2\), not an \(X, y\) pair"):
        optim.Trainer(model, opt, [X, Y, Y])
    with pytest.raises(TypeError, match=r"item 1 is a ndarray of shape \(120,\).*pass the tuple \(X, y\)"):
        optim.Trainer(model, opt, [(X, Y), Y])


def test_x_as_nested_lists_is_converted_like_a_tensor():
    nested = losses((X.tolist(), Y.tolist()))
    assert nested.loss == losses((X, Y)).loss  # Python floats become float32, as Tensor(...) makes them
    model = net()
    with pytest.raises(ValueError, match="X of train_data is a nested list that does not make a rectangular array"):
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), ([[1.0, 2.0], [3.0]], [0, 1]))
    with pytest.raises(TypeError, match="X of train_data must be numbers"):
        optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1), ([["a", "b"], ["c", "d"]], [0, 1]))


def test_one_hot_targets_count_accuracy_by_their_argmax():
    one_hot, one_hot_val = np.eye(3, dtype=np.float32)[Y], np.eye(3, dtype=np.float32)[YV]
    soft = losses((X, one_hot), (XV, one_hot_val), num_train_samples=None)
    hard = losses((X, Y), (XV, YV), num_train_samples=None)
    assert soft.train_acc == hard.train_acc and soft.val_acc == hard.val_acc
    assert soft.loss == pytest.approx(hard.loss, rel=1e-5)
    batches = losses([(X[:60], one_hot[:60]), (X[60:], one_hot[60:])])  # running accuracy of the epoch
    assert all(0 <= acc <= 1 for acc in batches.train_acc)


TRAIN, VAL = (X[::2], Y[::2]), (X[1::2], Y[1::2])


def make_trainer(train=TRAIN, val=VAL, seed=0, **options):
    model = small_net(seed)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    options.setdefault("verbose", False)
    return optim.Trainer(model, opt, train, val, batch_size=16, **options)


# ----- empty data sets ---------------------------------------------------------------------------------


def test_an_empty_training_set_is_refused_up_front():
    with pytest.raises(ValueError, match=r"Trainer: train_data is empty \(0 examples\); give at least one example"):
        make_trainer(train=(X[:0], Y[:0]))
    with pytest.raises(ValueError, match=r"Trainer: train_data is an empty list of batches"):
        make_trainer(train=[])


def test_an_empty_validation_set_is_refused_up_front():
    with pytest.raises(ValueError, match=r"Trainer: val_data is empty \(0 examples\); .* or leave it out \(None\)"):
        make_trainer(val=(X[:0], Y[:0]))
    with pytest.raises(ValueError, match=r"Trainer: val_data is an empty list of batches"):
        make_trainer(val=[])


def test_a_function_of_batches_that_gives_nothing_is_refused_at_the_first_epoch():
    trainer = make_trainer(train=lambda: iter(()), val=None, epochs=2)
    with pytest.raises(ValueError, match=r"Trainer: train_data gave no examples in epoch 1"):
        trainer.train()
    assert trainer.history.loss == [] and trainer.epoch == 0


def test_a_validation_function_that_gives_nothing_is_refused():
    trainer = make_trainer(val=lambda: iter(()), epochs=1)
    with pytest.raises(ValueError, match=r"Trainer\.evaluate: the data gave no examples"):
        trainer.train()


# ----- a DataLoader ----------------------------------------------------------------------------------------------
def noise(inputs, rng):
    """A random augmentation that draws from the generator it is given."""
    return inputs + 0.05 * rng.standard_normal(inputs.shape).astype(inputs.dtype)


def loader(data=TRAIN, batch_size=16, shuffle=True, seed=5, transform=noise):
    return DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle, seed=seed, transform=transform)


def trained(train, val=None, **options):
    model = small_net(0)
    options = {"epochs": 3, "verbose": False, "restore_best": False, **options}
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), train, val, **options)
    trainer.train()
    return model, trainer


def test_a_data_loader_trains_on_exactly_its_batches():
    # the same loader twice: once given to the Trainer, once read by a function of batches; measuring accuracy
    # (on a subsample, through the random transform) and monitoring must not move the loader's sequence
    model_a, trainer_a = trained(loader(), loader(VAL, shuffle=False), num_train_samples=20, monitor_samples=8)
    twin, twin_val = loader(), loader(VAL, shuffle=False)
    model_b, trainer_b = trained(lambda: iter(twin), lambda: iter(twin_val), monitor_samples=0)
    assert trainer_a.history.loss == trainer_b.history.loss and len(trainer_a.history.loss) == 3 * len(twin)
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert all(20 * acc == round(20 * acc) for acc in trainer_a.history.train_acc)  # measured on 20 examples


def test_a_data_loader_in_order_matches_the_list_of_its_batches():
    batches = [(TRAIN[0][i:i + 16], TRAIN[1][i:i + 16]) for i in range(0, len(TRAIN[1]), 16)]
    model_a, trainer_a = trained(loader(shuffle=False, transform=None), monitor_samples=0)
    model_b, trainer_b = trained(batches, monitor_samples=0)
    assert trainer_a.history.loss == trainer_b.history.loss
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert np.array_equal(a.data, b.data)


def test_train_accuracy_of_a_loader_is_measured_on_all_its_examples():
    model, trainer = trained(loader(transform=None), num_train_samples=None, epochs=1)
    model.eval()
    correct = (np.argmax(model(TRAIN[0]).data, axis=1) == TRAIN[1]).mean()
    assert trainer.history.train_acc == [correct]


def test_a_spiral_is_learned_from_data_loaders():
    (X_train, y_train), (X_val, y_val) = helpers.spiral_data(100, 50, seed=1)
    model = net(0, hidden=64)
    trainer = optim.Trainer(model, optim.Adam(model.parameters(), lr=1e-2),
                            DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True, seed=0),
                            DataLoader(TensorDataset(X_val, y_val), batch_size=64), epochs=40, verbose=False)
    history = trainer.train()
    assert max(history.val_acc) > 0.9


def resumable_run(directory, epochs, resume=None):
    model = small_net(0)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    trainer = optim.Trainer(model, opt, loader(), loader(VAL, shuffle=True, seed=9), epochs=epochs,
                            checkpoint_dir=directory, restore_best=False, verbose=False, num_train_samples=30)
    if resume is not None:
        trainer.load_checkpoint(resume)
    trainer.train()
    return model, trainer


def test_a_run_from_data_loaders_resumes_bit_for_bit(tmp_path):
    model_a, trainer_a = resumable_run(tmp_path / "a", epochs=4)
    resumable_run(tmp_path / "b", epochs=2)
    model_b, trainer_b = resumable_run(tmp_path / "b", epochs=4, resume=tmp_path / "b" / "model_last.npz")
    assert trainer_a.history.loss == trainer_b.history.loss
    assert trainer_a.history.train_acc == trainer_b.history.train_acc
    assert trainer_a.history.val_acc == trainer_b.history.val_acc
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert trainer_a.train_data.state_dict() == trainer_b.train_data.state_dict()


def test_a_checkpoint_and_a_trainer_that_disagree_on_loaders_are_refused(tmp_path):
    model, trainer = trained(TRAIN, epochs=1, checkpoint_dir=tmp_path)
    with pytest.raises(nn.StateDictError, match=r"saved from a run with a DataLoader as neither train_data nor "
                                                r"val_data, this trainer has one as train_data"):
        make_trainer(train=loader()).load_checkpoint(tmp_path / "model_last.npz")


def test_a_loader_without_batches_or_labels_is_refused_up_front():
    with pytest.raises(ValueError, match=r"train_data is a DataLoader with no batches \(5 examples, batch_size=16, "
                                         r"drop_last=True\)"):
        make_trainer(train=DataLoader(TensorDataset(X[:5], Y[:5]), batch_size=16, drop_last=True))
    with pytest.raises(TypeError, match=r"val_data is a DataLoader whose batches are a tuple of 1 items, not "
                                        r"\(inputs, labels\) pairs"):
        make_trainer(val=DataLoader(TensorDataset(X), batch_size=16))
