"""Grad-mode and anomaly contexts (re-entry, decorator forms, threads) and erf's float16 dtype.

The edge values of the same review (var with a large ``ddof``, ``x ** 0`` at infinite bases,
NaN in max/maximum, ``+=`` on graph tensors) are rows of ``autograd_engine/EDGE_CASES.md`` and
tested in ``tests/test_edge_cases.py``.
"""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import autograd_engine as ae


def leaf(values) -> ae.Tensor:
    return ae.Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.fixture(autouse=True)
def grad_mode_on_after_each_test():
    yield
    ae.set_grad_enabled(True)  # a failing test must not leave grad mode off for the next ones


# ----- set_grad_enabled: set when created and again when entered ---------------------------------------


def test_a_set_grad_enabled_object_sets_its_mode_again_each_time_it_is_entered():
    ctx = ae.set_grad_enabled(False)
    assert not ae.is_grad_enabled()  # the plain call's effect
    ae.set_grad_enabled(True)
    with ctx:
        assert not ae.is_grad_enabled() and not (leaf(1.0) * 2).requires_grad
    assert ae.is_grad_enabled()  # the mode from before the block
    with ctx:  # and again
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()


def test_a_set_grad_enabled_object_entered_inside_another_mode():
    ctx = ae.set_grad_enabled(False)
    with ae.enable_grad():
        with ctx:
            assert not ae.is_grad_enabled()
        assert ae.is_grad_enabled()
    assert not ae.is_grad_enabled()  # enable_grad restores what ctx's creation had set
    ae.set_grad_enabled(True)
    ctx = ae.set_grad_enabled(True)
    with ae.no_grad():
        with ctx:
            assert ae.is_grad_enabled()
        assert ae.is_grad_enabled(), "as in PyTorch, leaving ctx restores the mode from when ctx was made"
    assert ae.is_grad_enabled()


def test_with_set_grad_enabled_restores_the_mode_from_before_its_creation():
    with ae.no_grad():
        with ae.set_grad_enabled(True):
            assert ae.is_grad_enabled()
        assert not ae.is_grad_enabled()
        with ae.set_grad_enabled(False):
            with ae.set_grad_enabled(True):
                assert ae.is_grad_enabled()
            assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()


def test_one_set_grad_enabled_object_in_several_threads():
    ctx = ae.set_grad_enabled(False)
    ae.set_grad_enabled(True)
    seen: dict[str, tuple[bool, bool]] = {}
    start = threading.Barrier(4)

    def worker(name: str, outer: bool) -> None:
        ae.set_grad_enabled(outer)  # each thread has its own mode
        start.wait()
        with ctx:
            inside = ae.is_grad_enabled()
            start.wait()  # all four inside at once
        seen[name] = (inside, ae.is_grad_enabled())

    threads = [threading.Thread(target=worker, args=(f"t{i}", i % 2 == 0)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # off inside in every thread; on leaving, the mode from when ctx was made (on), as in PyTorch
    assert seen == {f"t{i}": (False, True) for i in range(4)}
    assert ae.is_grad_enabled()


# ----- decorators without parentheses -----------------------------------------------------------------------


def test_no_grad_and_enable_grad_decorate_without_parentheses():
    @ae.no_grad
    def double(t):
        return t * 2

    @ae.enable_grad
    def square(t):
        return t * t

    x = leaf([1.0, 2.0])
    assert double.__name__ == "double"
    assert not double(x).requires_grad and ae.is_grad_enabled()
    with ae.no_grad():
        y = square(x)
        assert not ae.is_grad_enabled()
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    with pytest.raises(TypeError, match="no_grad"):
        ae.no_grad(3)


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


# ----- erf keeps float16 ---------------------------------------------------------------------------------------


def test_erf_keeps_float16_in_its_value_and_gradient():
    values = [0.5, -1.0, 2.0]
    x = ae.Tensor(np.array(values, dtype=np.float16), requires_grad=True)
    y = ae.erf(x)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.data, [math.erf(v) for v in values], rtol=1e-3)
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float16
    slope = [2 * 2 / math.sqrt(math.pi) * math.exp(-v * v) for v in values]
    np.testing.assert_allclose(x.grad, slope, rtol=2e-3)
    x = ae.Tensor(np.array(values, dtype=np.float16), requires_grad=True)
    (g,) = ae.grad(ae.erf(x).sum(), [x], create_graph=True)
    assert g.dtype == np.float16
    for dtype in (np.float32, np.float64):  # unchanged
        assert ae.erf(ae.Tensor(np.array(values, dtype=dtype))).dtype == dtype
