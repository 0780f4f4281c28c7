"""Run a kernel over disjoint ranges of its tasks on several threads (no Numba import here).

The kernels are compiled with ``nogil=True`` and take ``start, stop`` as their last
two arguments; :func:`parallel_for` splits ``range(n_tasks)`` into one contiguous
chunk per thread, runs the first chunk on the calling thread and the others on a
small pool.  This gives the parallelism of Numba's ``parallel=True`` over the
batch at the compile cost of serial code (parfors triple the cold compile time).

The number of threads is the number of CPUs this process may use, or
``AUTOGRAD_ENGINE_NUM_THREADS``; :func:`set_num_threads` changes it.

:func:`parallel_blas_for` does the same for Python tasks that call BLAS (a convolution's
im2col and GEMMs on one range of images per thread).  While they run, BLAS is limited to
one thread (``threadpoolctl``): its own worker threads would otherwise compete with ours
for the cores, and they keep spinning after each threaded call.  For the same reason
:func:`blas_for_product` keeps small products of the other ops single-threaded while the
engine's threads are busy.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

MIN_ELEMENTS_PER_THREAD = 16_384
"""Below this much work per thread, the pool's hand-off costs more than it saves."""

MIN_ELEMENTS_FOR_UFUNC_THREADS = 1 << 20
"""Below this many elements a NumPy ufunc is faster on one thread (see :func:`parallel_ufunc`)."""


def _default_threads() -> int:
    configured = os.environ.get("AUTOGRAD_ENGINE_NUM_THREADS")
    if configured:
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_num_threads = _default_threads()
_executor: ThreadPoolExecutor | None = None
_executor_pid = -1
_executor_workers = 0
_executor_lock = threading.Lock()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (n >= 1) for the convolution and pooling kernels."""
    global _num_threads
    if n < 1:
        raise ValueError(f"set_num_threads: need at least one thread, got {n}")
    _num_threads = int(n)


def get_num_threads() -> int:
    """The number of threads the kernels use."""
    return _num_threads


def _pool(workers: int) -> ThreadPoolExecutor:
    """The shared pool, with at least ``workers`` threads (rebuilt after a fork or a larger count)."""
    from concurrent.futures import ThreadPoolExecutor  # imported on first use: keeps the engine's import fast

    global _executor, _executor_pid, _executor_workers
    with _executor_lock:
        if _executor is None or _executor_pid != os.getpid() or _executor_workers < workers:
            if _executor is not None and _executor_pid == os.getpid():
                _executor.shutdown(wait=False)  # queued work still runs
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="autograd_engine-kernel")
            _executor_pid, _executor_workers = os.getpid(), workers
        return _executor


def _thread_count(n_tasks: int, elements: int) -> int:
    return min(_num_threads, n_tasks, max(1, elements // MIN_ELEMENTS_PER_THREAD))


def parallel_for(kernel: Callable[..., Any], n_tasks: int, elements: int, *args: Any) -> None:
    """Run ``kernel(*args, start, stop)`` over ``range(n_tasks)`` split into contiguous chunks.

    ``elements`` estimates the total work (array elements touched); small jobs run on
    the calling thread alone.
    """
    chunks = _thread_count(n_tasks, elements)
    if chunks <= 1:
        kernel(*args, 0, n_tasks)
        return
    global _last_parallel_run
    _last_parallel_run = time.monotonic()
    bounds = [n_tasks * i // chunks for i in range(chunks + 1)]
    pool = _pool(chunks - 1)
    futures = [pool.submit(kernel, *args, bounds[i], bounds[i + 1]) for i in range(1, chunks)]
    try:
        kernel(*args, bounds[0], bounds[1])
    finally:
        for future in futures:
            future.result()


def parallel_blas_for(task: Callable[[int, int], Any], n_tasks: int, elements: int) -> None:
    """Run ``task(start, stop)`` over ``range(n_tasks)`` split into one chunk per thread, with
    BLAS limited to one thread meanwhile: each task's GEMMs run on the thread that calls them.

    The engine's GEMMs never wake BLAS's own worker threads this way.  Those keep spinning for
    about 0.1 s after every threaded BLAS call (OpenBLAS's default), and on a machine with
    few cores they then take a core from the engine's threads for the rest of the step.
    When the work runs on one thread (a single task, or ``set_num_threads(1)``), BLAS keeps
    its own threads.
    """
    if _thread_count(n_tasks, elements) <= 1:
        task(0, n_tasks)
        return
    with single_threaded_blas():
        parallel_for(task, n_tasks, elements)


SMALL_PRODUCT_WORK = 1 << 23
"""Matrix products with M*N*K up to this gain little from BLAS's threads (a few tens of us)."""

BLAS_SPIN_SECONDS = 0.2
"""How long OpenBLAS's worker threads spin after a threaded call: 2**28 cycles by default,
about 0.1 s at 2-3 GHz, with a margin."""

_last_parallel_run = -1.0  # time.monotonic() when the engine's own threads last ran work


def blas_for_product(work: int) -> contextlib.AbstractContextManager[Any]:
    """The BLAS threading for a matrix product of ``work`` = M*N*K inside an engine op.

    Single-threaded for small products while the engine's own threads are in use (they ran
    within the last ``BLAS_SPIN_SECONDS``): waking BLAS's workers for a product that small
    saves little, and they would then spin for a tenth of a second on the cores our threads
    need -- in the benchmark ConvNet, one small Linear layer woke them every step and cost
    a third of the step.  Otherwise BLAS is left as configured (an LSTM's many small
    products run faster on its threads when nothing else competes for the cores).
    """
    if _num_threads > 1 and work <= SMALL_PRODUCT_WORK and time.monotonic() - _last_parallel_run < BLAS_SPIN_SECONDS:
        return single_threaded_blas()
    return contextlib.nullcontext()


_blas_controller: Any = None
_blas_lock = threading.RLock()


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit BLAS to one thread inside the block.

    This covers every BLAS library loaded when the engine first needs it (NumPy's, and
    SciPy's if it is loaded).  It goes through threadpoolctl's ``limit``, which restores
    the previous counts and lets go of OpenBLAS's "controlling thread" on exit, so it works
    from any Python thread.  BLAS's thread count is one setting for the whole process, so
    such blocks on different Python threads wait for each other (a lock).
    """
    global _blas_controller
    with _blas_lock:
        if _blas_controller is None:
            from threadpoolctl import ThreadpoolController

            _blas_controller = ThreadpoolController().select(user_api="blas")
        with _blas_controller.limit(limits=1):
            yield


def parallel_ufunc(body: Callable[..., Any], out: Any, *arrays: Any) -> Any:
    """``body(*arrays, out=out)`` for large arrays, split over the threads; returns ``out``.

    ``body`` must work elementwise (a ufunc, or a few of them) and write only ``out``, and
    every array must be C-contiguous with ``out``'s shape: each thread then runs ``body`` on
    its own contiguous slice of the flat arrays, and NumPy releases the GIL inside ufunc
    loops.  Memory-bound ops such as relu's gradient take about half the time on two cores.
    Smaller, non-contiguous or mismatched arrays run on the calling thread.
    """
    size = out.size
    if (
        _num_threads == 1
        or size < MIN_ELEMENTS_FOR_UFUNC_THREADS
        or not out.flags.c_contiguous
        or any(a.shape != out.shape or not a.flags.c_contiguous for a in arrays)
    ):
        body(*arrays, out=out)
        return out
    flat_out = out.reshape(size)
    flat = [a.reshape(size) for a in arrays]

    def run(start: int, stop: int) -> None:
        body(*[a[start:stop] for a in flat], out=flat_out[start:stop])

    parallel_for(run, size, size)
    return out
