"""backward() from several Python threads: every gradient delivered into a shared leaf counts.

NumPy releases the GIL inside large additions, so an unlocked read-add-write of ``.grad`` lets
two threads both read the old gradient and one of their contributions vanish.
"""
from __future__ import annotations

import threading

import numpy as np

import autograd_engine as ae

SIZE = 1_000_000  # large enough that NumPy's add releases the GIL
THREADS = 4
RUNS = 200


def _run_threads(target, n: int) -> None:
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except BaseException as error:  # noqa: BLE001  (re-raised in the main thread)
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_backward_from_several_threads_into_one_parameter_loses_no_update():
    shared = ae.Tensor(np.zeros(SIZE, dtype=np.float32), requires_grad=True)
    # thread i contributes (i + 1) to every element: integers, so any order of the adds is exact
    scales = [ae.Tensor(np.full(SIZE, i + 1.0, dtype=np.float32)) for i in range(THREADS)]
    expected = np.full(SIZE, sum(range(1, THREADS + 1)), dtype=np.float32)
    barrier = threading.Barrier(THREADS)
    lost = []
    for run in range(RUNS):
        shared.grad = None
        losses = [(shared * scales[i]).sum() for i in range(THREADS)]

        def work(i: int) -> None:
            barrier.wait()  # start the deliveries together
            losses[i].backward()

        _run_threads(work, THREADS)
        if not np.array_equal(shared.grad, expected):
            lost.append(run)
    assert lost == [], f"{len(lost)} of {RUNS} runs lost part of the gradient"


def test_setting_or_zeroing_grad_waits_for_an_accumulation_in_progress():
    """The setter and zero_grad take the lock backward holds while it adds into ``.grad``, so a
    reset is never overwritten by an accumulation that had read the old gradient."""
    from autograd_engine.tensor import grad_lock

    p = ae.Tensor(np.ones(3), requires_grad=True)
    p.grad = np.ones(3)
    for reset in (lambda: setattr(p, "grad", None), lambda: p.zero_grad(set_to_none=False)):
        with grad_lock(p):  # as backward's accumulation into p does
            worker = threading.Thread(target=reset)
            worker.start()
            worker.join(timeout=0.2)
            assert worker.is_alive(), "the reset did not wait for the accumulation"
        worker.join()
    assert p.grad is None


def test_backward_passes_on_independent_graphs_run_at_the_same_time():
    """No lock is held around a whole backward: each pass, stopped by a hook inside it, waits for
    the other to reach its own hook (with one lock around backward, the second would never start)."""
    reached = [threading.Event(), threading.Event()]
    shared = ae.Tensor(np.ones(3), requires_grad=True)

    def work(i: int) -> None:
        hidden = shared * (i + 1.0)

        def meet(g):
            reached[i].set()
            assert reached[1 - i].wait(timeout=30), "the other backward did not run meanwhile"

        hidden.register_hook(meet)
        hidden.sum().backward()

    _run_threads(work, 2)
    np.testing.assert_array_equal(shared.grad, [3.0, 3.0, 3.0])
