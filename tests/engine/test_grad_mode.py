"""Grad mode: ``no_grad``, ``enable_grad`` and ``set_grad_enabled`` as calls, context managers and
decorators (with and without parentheses, on generators); re-entry and nesting of one context object;
the mode is restored after an error and is per thread."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from helpers import leaf

import autograd_engine as ae


@pytest.fixture(autouse=True)
def grad_mode_on_after_each_test():
    yield
    ae.set_grad_enabled(True)  # a failing test must not leave grad mode off for the next ones


# ----- grad mode ---------------------------------------------------------------------------


def test_no_grad_as_a_context_manager_and_a_decorator():
    x = leaf([1.0, 2.0])
    with ae.no_grad():
        y = x * 2
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf

    @ae.no_grad()
    def double(t):
        assert not ae.is_grad_enabled()
        return t * 2

    z = double(x)
    assert not z.requires_grad and ae.is_grad_enabled()
    assert double.__name__ == "double"


def test_enable_grad_inside_no_grad_records_again():
    x = leaf([1.0, 2.0])
    with ae.no_grad():
        with ae.enable_grad():
            y = x * x
        z = x * x
        assert not ae.is_grad_enabled()
    assert y.requires_grad and not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])

    @ae.enable_grad()
    def square(t):
        return t * t

    with ae.no_grad():
        assert square(x).requires_grad


def test_set_grad_enabled_as_a_call_and_as_a_context_manager():
    x = leaf(1.0)
    try:
        ae.set_grad_enabled(False)
        assert not ae.is_grad_enabled() and not (x * 2).requires_grad
        ae.set_grad_enabled(True)
        assert (x * 2).requires_grad
    finally:
        ae.set_grad_enabled(True)
    with ae.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with ae.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator_acts_only_while_the_function_runs():
    @ae.set_grad_enabled(False)
    def double(t):
        return t * 2

    assert ae.is_grad_enabled(), "decorating must not switch grad mode off for everyone"
    x = leaf(1.0)
    assert not double(x).requires_grad
    assert ae.is_grad_enabled() and (x * 2).requires_grad


def test_a_decorated_generator_runs_its_body_in_the_mode_and_the_caller_in_its_own():
    x = leaf([1.0, 2.0])
    seen_in_body = []

    @ae.no_grad()
    def batches(n):
        try:
            for i in range(n):
                seen_in_body.append(ae.is_grad_enabled())
                received = yield x * i
                seen_in_body.append(received)
        finally:
            seen_in_body.append(("closed", ae.is_grad_enabled()))
        return "done"

    outputs = []
    generator = batches(3)
    for out in generator:
        assert ae.is_grad_enabled(), "the caller's loop body keeps its own grad mode"
        assert (x * 2).requires_grad
        outputs.append(out)
    assert [o.requires_grad for o in outputs] == [False, False, False]
    assert seen_in_body == [False, None, False, None, False, None, ("closed", False)]

    def delegate():
        return (yield from batches(1))

    gen = delegate()
    next(gen)
    with pytest.raises(StopIteration) as stop:
        gen.send("hello")
    assert stop.value.value == "done"

    seen_in_body.clear()
    gen = batches(5)
    next(gen)
    gen.close()  # the body's finally runs, in no_grad
    assert seen_in_body == [False, ("closed", False)] and ae.is_grad_enabled()


def test_one_context_object_can_be_entered_again_and_nested():
    off, on = ae.no_grad(), ae.enable_grad()
    with off:
        with off:
            assert not ae.is_grad_enabled()
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled(), "leaving the outer block must restore grad mode"
    with off:
        with on:
            with off:
                assert not ae.is_grad_enabled()
            assert ae.is_grad_enabled()
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()


def test_grad_mode_is_restored_when_the_block_raises():
    with pytest.raises(ZeroDivisionError):
        with ae.no_grad():
            1 / 0
    assert ae.is_grad_enabled()

    @ae.no_grad()
    def fail():
        raise KeyError

    with pytest.raises(KeyError):
        fail()
    assert ae.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = leaf([1.0, 2.0])
    entered, checked = threading.Event(), threading.Event()
    results = {}

    def in_no_grad():
        with ae.no_grad():
            entered.set()
            checked.wait(timeout=10)
            results["other thread"] = (ae.is_grad_enabled(), (x * 2).requires_grad)

    thread = threading.Thread(target=in_no_grad)
    thread.start()
    assert entered.wait(timeout=10)
    results["main"] = (ae.is_grad_enabled(), (x * 2).requires_grad)  # while the other is inside no_grad
    checked.set()
    thread.join(timeout=10)
    assert results == {"main": (True, True), "other thread": (False, False)}

    fresh = {}
    with ae.no_grad():  # a new thread starts with grad enabled whatever this one does
        thread = threading.Thread(target=lambda: fresh.setdefault("mode", ae.is_grad_enabled()))
        thread.start()
        thread.join(timeout=10)
    assert fresh == {"mode": True}


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
