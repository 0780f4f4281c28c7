"""``detect_anomaly()``: the first op whose forward or backward produces NaN or inf raises
``AnomalyError`` naming the op and the line of user code that created it; as a decorator (with
and without parentheses, per thread, recursively), never on a generator function."""
from __future__ import annotations

import inspect
import threading
import warnings

import numpy as np
import pytest
from helpers import leaf

import autograd_engine as ae


@pytest.fixture(autouse=True)
def quiet_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def here() -> str:
    """``file:line`` of the caller's current line."""
    frame = inspect.currentframe().f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def test_a_nan_in_the_forward_pass_names_the_op_and_the_line():
    x = leaf([1.0, -1.0])
    with ae.detect_anomaly():
        y = x * 2.0
        with pytest.raises(ae.AnomalyError) as info:
            line = here(); ae.log(y)  # noqa: E702  (here() and the op on one line)
    message = str(info.value)
    assert "log" in message and "NaN" in message and "forward" in message
    assert line in message, f"expected {line} in: {message}"


def test_an_inf_in_the_forward_pass_is_caught_too():
    x = leaf([1.0, 1000.0])
    with ae.detect_anomaly():
        with pytest.raises(ae.AnomalyError, match="exp.*inf") as info:
            line = here(); x.exp()  # noqa: E702  (here() and the op on one line)
    assert line in str(info.value)


def test_a_nan_only_in_the_backward_pass_names_the_op_that_made_it():
    """sqrt(0) * 0 is finite, but sqrt's gradient at 0 is inf, and inf * 0 is NaN: the forward pass
    is clean, the backward of sqrt is the first to go wrong (not multiply or exp after it)."""
    x = leaf([0.0, 4.0])
    with ae.detect_anomaly():
        line = here(); root = ae.sqrt(x)  # noqa: E702  (here() and the op on one line)
        out = (root * np.array([0.0, 1.0]) + 1.0).exp().sum()
        assert np.isfinite(out.data)
        with pytest.raises(ae.AnomalyError) as info:
            out.backward()
    message = str(info.value)
    assert "sqrt" in message and "NaN" in message and "gradient" in message
    assert line in message, f"expected {line} in: {message}"
    assert "multiply" not in message and "exp" not in message


def test_an_inf_only_in_the_backward_pass():
    x = leaf([0.0, 1.0])
    with ae.detect_anomaly():
        line = here(); y = ae.sqrt(x).sum()  # noqa: E702  (here() and the op on one line)
        with pytest.raises(ae.AnomalyError, match="sqrt.*inf") as info:
            y.backward()
    assert line in str(info.value)


def test_an_inf_made_by_summing_a_broadcast_gradient_back_is_caught():
    """h * b with b (3,) broadcast over 10,000 rows: each element of b's output-shaped gradient is 80, but
    their float16 sum overflows. Backward does that sum (the rule returns the output's shape), so the
    check must see the summed gradient, as it saw the one the rule used to sum itself."""
    b = ae.Tensor(np.zeros(3, np.float16), requires_grad=True)
    h = ae.Tensor(np.full((10_000, 3), 10.0, np.float16), requires_grad=True)
    with ae.detect_anomaly():
        line = here(); y = h * b  # noqa: E702  (here() and the op on one line)
        loss = (y * 8.0).sum()
        assert np.isfinite(loss.data)
        with pytest.raises(ae.AnomalyError, match=r"multiply produced inf in its gradient for an input of shape \(3,\)") as info:
            loss.backward()
    assert line in str(info.value)


def test_the_backward_anomaly_is_caught_under_create_graph_too():
    x = leaf([0.0, 1.0])
    with ae.detect_anomaly():
        y = ae.sqrt(x).sum()
        with pytest.raises(ae.AnomalyError, match="gradient of sqrt") as info:
            ae.grad(y, x, create_graph=True)
    assert "inf" in str(info.value)


def test_ops_composed_inside_the_library_report_the_users_line():
    """var is composed of mean, subtract and multiply inside autograd_engine: the line reported is
    the caller's, not a line of the library."""
    x = leaf([1e200, -1e200])
    with ae.detect_anomaly():
        with pytest.raises(ae.AnomalyError, match="inf") as info:
            line = here(); ae.var(x)  # noqa: E702  (here() and the op on one line)
    assert line in str(info.value)
    assert "autograd_engine" not in str(info.value).split("created at")[1]


def test_ops_inside_an_nn_layer_report_the_line_that_called_the_layer():
    import nn

    layer = nn.Linear(2, 3, dtype=np.float64)
    x = ae.Tensor(np.array([[1e200, 1e200]]))
    with ae.detect_anomaly():
        layer.weight.data[...] = 1e200
        with pytest.raises(ae.AnomalyError, match="inf") as info:
            line = here(); layer(x)  # noqa: E702  (here() and the op on one line)
    assert line in str(info.value)


def test_a_graph_built_outside_the_block_says_where_to_look():
    x = leaf([0.0])
    y = ae.sqrt(x).sum()
    with ae.detect_anomaly():
        with pytest.raises(ae.AnomalyError, match="outside detect_anomaly"):
            y.backward()


def test_without_detect_anomaly_nan_passes_silently():
    x = leaf([-1.0, 0.0])
    y = ae.log(x)
    assert np.isnan(y.data[0])
    ae.sqrt(leaf([0.0])).sum().backward()  # gradient inf, no error
    assert not ae.is_anomaly_enabled()


def test_the_mode_is_restored_after_the_block_and_can_be_switched_off_inside():
    assert not ae.is_anomaly_enabled()
    with ae.detect_anomaly():
        assert ae.is_anomaly_enabled()
        with ae.detect_anomaly(False):
            assert not ae.is_anomaly_enabled()
            ae.log(leaf([-1.0]))  # no error here
        assert ae.is_anomaly_enabled()
    assert not ae.is_anomaly_enabled()
    with pytest.raises(ae.AnomalyError):
        with ae.detect_anomaly():
            ae.log(leaf([-1.0]))
    assert not ae.is_anomaly_enabled()


def test_one_detect_anomaly_object_can_be_nested_in_itself():
    on = ae.detect_anomaly()
    with on:
        with on:
            pass
        assert ae.is_anomaly_enabled()
    assert not ae.is_anomaly_enabled()


def test_the_mode_is_thread_local():
    seen = {}
    with ae.detect_anomaly():
        thread = threading.Thread(target=lambda: seen.setdefault("other", ae.is_anomaly_enabled()))
        thread.start()
        thread.join(timeout=10)
    assert seen == {"other": False}


def test_finite_values_never_raise():
    x = leaf(np.linspace(0.5, 2.0, 6).reshape(2, 3))
    with ae.detect_anomaly():
        loss = (ae.log(x) * ae.sqrt(x) @ np.ones((3, 2)) + ae.tanh(x).sum()).sum()
        loss.backward()
    assert np.all(np.isfinite(x.grad))
    assert issubclass(ae.AnomalyError, FloatingPointError)


@pytest.mark.parametrize("folder", ["autograd_engine", "nn", "optim", "my_functools.py_project"])
def test_user_code_in_a_folder_named_like_the_library_is_still_user_code(folder):
    """A clone of this repository is itself a folder named autograd_engine; user code there (or in a
    project folder named nn) must still be reported, not skipped as library code."""
    filename = f"/home/someone/{folder}/train.py"
    code = compile("x = ae.Tensor([-1.0], requires_grad=True)\n\nae.log(x)\n", filename, "exec")
    with ae.detect_anomaly():
        with pytest.raises(ae.AnomalyError) as info:
            exec(code, {"ae": ae})
    assert f"{filename}:3" in str(info.value)


def test_detect_anomaly_decorates_with_and_without_parentheses():
    @ae.detect_anomaly
    def plain():
        return ae.is_anomaly_enabled()

    @ae.detect_anomaly()
    def called():
        return ae.is_anomaly_enabled()

    @ae.detect_anomaly(False)
    def switched_off():
        return ae.is_anomaly_enabled()

    assert plain() and called() and not ae.is_anomaly_enabled()
    with ae.detect_anomaly():
        assert not switched_off() and ae.is_anomaly_enabled()

    @ae.detect_anomaly()
    def log_of(values):
        return ae.log(leaf(values))

    with pytest.raises(ae.AnomalyError, match="log"):
        log_of([-1.0])
    assert not ae.is_anomaly_enabled()  # restored after the error too
    assert np.isnan(ae.log(leaf([-1.0])).data[0])  # outside the decorated function: no check


def test_a_decorated_function_runs_in_anomaly_mode_in_each_thread_and_recursively():
    @ae.detect_anomaly()
    def depth(n: int) -> list[bool]:
        inner = depth(n - 1) if n else []
        return [ae.is_anomaly_enabled(), *inner]

    results: list[list[bool]] = []
    threads = [threading.Thread(target=lambda: results.append(depth(3))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[True] * 4] * 4
    assert not ae.is_anomaly_enabled()


def test_detect_anomaly_refuses_to_decorate_a_generator_function():
    def batches():
        yield 1

    with pytest.raises(TypeError, match="generator"):
        ae.detect_anomaly()(batches)
