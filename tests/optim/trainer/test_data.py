"""The Trainer's data: the accepted forms of train_data / val_data (a pair, a list [X, y], a list of
batches, nested lists, one-hot targets), and empty data -- or a function of batches that gives
none -- refused up front."""
import helpers
import numpy as np
import pytest
from helpers import net, small_net

import autograd_engine as ae
import optim

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
