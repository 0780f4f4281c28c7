"""The engine's own threads: large elementwise ops split over them give exactly the serial result,
and BLAS stays single-threaded for small products while they are busy."""
import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.kernels import threads


@pytest.fixture(params=[1, 2])
def n_threads(request):
    before = threads.get_num_threads()
    threads.set_num_threads(request.param)
    yield request.param
    threads.set_num_threads(before)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_relu_of_a_large_array_matches_numpy_bit_for_bit(n_threads, layout):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((1200, 1000)).astype(np.float32)  # above MIN_ELEMENTS_FOR_UFUNC_THREADS
    data[0, :3] = [0.0, -0.0, np.nan]
    if layout == "transposed":
        data = data.T  # not C-contiguous: runs on one thread
    x = ae.Tensor(data, requires_grad=True)
    y = ae.relu(x)
    upstream = rng.standard_normal(data.shape).astype(np.float32)
    y.backward(upstream)
    np.testing.assert_array_equal(y.data, np.maximum(data, 0))
    np.testing.assert_array_equal(x.grad, upstream * (np.maximum(data, 0) > 0))
    assert y.dtype == x.grad.dtype == np.float32


def test_parallel_ufunc_covers_every_element_once(n_threads):
    size = threads.MIN_ELEMENTS_FOR_UFUNC_THREADS + 7  # an odd split
    a = np.arange(size, dtype=np.float64)
    out = np.full(size, -1.0)
    result = threads.parallel_ufunc(lambda x, out: np.add(x, 1, out=out), out, a)
    assert result is out
    np.testing.assert_array_equal(out, a + 1)


def _blas_threads():
    """Threads of the BLAS libraries NumPy loaded (SciPy or PyTorch may bring others of their own)."""
    from threadpoolctl import threadpool_info

    with threads.single_threaded_blas():  # makes the engine find its libraries
        pass
    ours = {lib.filepath for lib in threads._blas_controller.lib_controllers}
    return [lib["num_threads"] for lib in threadpool_info() if lib["filepath"] in ours]


def test_small_products_keep_blas_single_threaded_only_while_the_engine_threads_are_busy(monkeypatch):
    monkeypatch.setattr(threads, "_num_threads", 2)
    configured = _blas_threads()
    threads.parallel_for(lambda start, stop: None, 2, 10 * threads.MIN_ELEMENTS_PER_THREAD)  # the pool just ran
    with threads.blas_for_product(64 * 4096 * 10):
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == configured
    with threads.blas_for_product(threads.SMALL_PRODUCT_WORK + 1):  # large: BLAS's threads pay off
        assert _blas_threads() == configured
    monkeypatch.setattr(threads, "_last_parallel_run", -1.0)  # the engine's threads have been idle
    with threads.blas_for_product(64 * 4096 * 10):
        assert _blas_threads() == configured


def test_the_blas_limit_works_from_another_python_thread_and_is_restored():
    import threading

    configured = _blas_threads()
    inside = []

    def worker():
        with threads.single_threaded_blas():
            inside.append(_blas_threads())

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert inside and set(inside[0]) == {1}
    assert _blas_threads() == configured
    with threads.single_threaded_blas():  # and the main thread can still limit afterwards
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == configured
