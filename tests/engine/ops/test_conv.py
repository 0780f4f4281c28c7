"""conv2d: the CS231n check, the notes' worked numbers, a naive loop reference over
Hypothesis-drawn geometries (stride, padding, dilation, groups), and gradient checks."""
from __future__ import annotations

import helpers
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine.gradcheck import gradcheck, rel_error

PROPERTY_TESTED = {"conv2d"}


def conv_reference(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """The definition, one output at a time: out[n, f, i, j] = sum(window * w[f]) + b[f]."""
    n_images, channels, height, width = x.shape
    filters, c_group, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n_images, filters, oh, ow), dtype=np.float64)
    per_group = filters // groups
    for n in range(n_images):
        for f in range(filters):
            first = (f // per_group) * c_group
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, first:first + c_group, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                                  j * sw:j * sw + dw * (kw - 1) + 1:dw]
                    out[n, f, i, j] = np.sum(window * w[f]) + (0.0 if b is None else b[f])
    return out


def load_case(name):
    cases, arrays = helpers.cs231n_vectors()
    case = cases[name]

    def resolve(v):
        return arrays[v["array"]] if isinstance(v, dict) and "array" in v else v

    return {k: resolve(v) for k, v in case["inputs"].items()}, {k: resolve(v) for k, v in case["expected"].items()}, case


# ----- published checks and worked numbers --------------------------------------------------


def test_cs231n_conv_forward_naive():
    inputs, expected, case = load_case("conv_forward_naive")
    param = inputs["conv_param"]
    out = ae.conv2d(inputs["x"], inputs["w"], inputs["b"], stride=param["stride"], padding=param["pad"])
    assert out.shape == expected["out"].shape == (2, 3, 2, 2)
    assert rel_error(out.data, expected["out"]) < case["tol"]["out"]


def test_the_notes_example_V000_is_a_window_times_the_filter_plus_bias():
    # The notes: X is 11x11x4 (x, y, depth), filters 5x5x4, stride 2, no padding:
    # V[0,0,0] = np.sum(X[:5,:5,:] * W0) + b0, V[1,0,0] = np.sum(X[2:7,:5,:] * W0) + b0, ...
    rng = np.random.default_rng(0)
    X, W0, b0 = rng.standard_normal((11, 11, 4)), rng.standard_normal((5, 5, 4)), 0.5
    x = X.transpose(2, 1, 0)[None]  # NCHW: H runs along the notes' y, W along x
    w = W0.transpose(2, 1, 0)[None]
    V = ae.conv2d(x, w, np.array([b0]), stride=2).data[0, 0]  # V[y, x]
    assert V.shape == (4, 4)  # (11 - 5) / 2 + 1
    np.testing.assert_allclose(V[0, 0], np.sum(X[:5, :5, :] * W0) + b0)
    np.testing.assert_allclose(V[0, 1], np.sum(X[2:7, :5, :] * W0) + b0)
    np.testing.assert_allclose(V[0, 3], np.sum(X[6:11, :5, :] * W0) + b0)
    np.testing.assert_allclose(V[2, 1], np.sum(X[2:7, 4:9, :] * W0) + b0)


def test_the_notes_worked_sizes():
    assert ae.conv_output_size(227, 11, stride=4, padding=0) == 55  # AlexNet's first layer
    assert ae.conv_output_size(5, 3, stride=2, padding=1) == 3
    assert ae.conv_output_size(7, 3, stride=1, padding=0) == 5
    assert ae.conv_output_size(7, 3, stride=2, padding=0) == 3
    x = np.zeros((1, 3, 227, 227), np.float32)
    assert ae.conv2d(x, np.zeros((2, 3, 11, 11), np.float32), stride=4).shape == (1, 2, 55, 55)
    assert ae.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=2, padding=1).shape == (1, 1, 3, 3)


def test_a_stride_that_does_not_divide_is_floored_and_the_unreached_column_gets_no_gradient():
    # W=10, F=3, S=2, P=0: (10 - 3)/2 + 1 = 4.5 -> 4, as PyTorch; column 9 is never read.
    rng = np.random.default_rng(1)
    x = ae.Tensor(rng.standard_normal((1, 1, 10, 10)), requires_grad=True)
    w = ae.Tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True)
    out = ae.conv2d(x, w, stride=2)
    assert out.shape == (1, 1, 4, 4)
    np.testing.assert_allclose(out.data, conv_reference(x.data, w.data, stride=(2, 2)))
    out.sum().backward()
    assert np.all(x.grad[..., 9] == 0) and np.all(x.grad[..., 9, :] == 0)
    assert np.all(x.grad[..., :9, 8] != 0)  # the last column read


# ----- against the naive reference over drawn geometries -------------------------------------


@st.composite
def conv_problems(draw, max_side=6):
    """x, w, b and the keyword arguments of a convolution whose output is at least 1x1."""
    groups = draw(st.integers(1, 3))
    c_group, f_group = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    spatial = []
    for k, p, d in zip(kernel, padding, dilation):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        spatial.append(draw(st.integers(smallest, max(smallest, max_side))))
    n = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, groups * c_group, *spatial))
    w = rng.standard_normal((groups * f_group, c_group, *kernel))
    b = rng.standard_normal(groups * f_group) if draw(st.booleans()) else None
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    if draw(st.booleans()):  # the int forms of the arguments, where the pair is square
        kwargs.update({k: v[0] for k, v in kwargs.items() if isinstance(v, tuple) and v[0] == v[1]})
    return x, w, b, kwargs


def _pairs(kwargs):
    return {k: (v if isinstance(v, tuple) or k == "groups" else (v, v)) for k, v in kwargs.items()}


@given(conv_problems())
def test_forward_matches_the_loop_reference(problem):
    x, w, b, kwargs = problem
    expected = conv_reference(x, w, b, **_pairs(kwargs))
    out = ae.conv2d(x, w, b, **kwargs)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    out32 = ae.conv2d(x.astype(np.float32), w.astype(np.float32), None if b is None else b.astype(np.float32), **kwargs)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.data, expected, rtol=1e-4, atol=1e-4)


@given(conv_problems(max_side=4))
def test_gradients_match_finite_differences(problem):
    x, w, b, kwargs = problem
    inputs = [x, w] if b is None else [x, w, b]
    report = gradcheck(lambda *a: ae.conv2d(*a, **kwargs), inputs, n_samples=24)
    assert report, report.table()


def test_gradients_with_every_argument_at_once_every_coordinate():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 4, 6, 7)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    report = gradcheck(lambda x, w, b: ae.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
                       [x, w, b])
    assert report and report.inputs[0].checked == x.size, report.table()


def test_only_the_inputs_that_require_grad_get_one():
    rng = np.random.default_rng(3)
    x = ae.Tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32))  # data: no gradient wanted
    w = ae.Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = ae.Tensor(np.zeros(4, np.float32), requires_grad=True)
    ae.conv2d(x, w, b, padding=1).sum().backward()
    assert x.grad is None
    assert w.grad.dtype == np.float32 and w.grad.shape == w.shape
    np.testing.assert_allclose(b.grad, np.full(4, 2 * 5 * 5, np.float32))  # d(sum)/db = N*OH*OW


def test_one_by_one_convolution_is_a_matrix_product_over_channels():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 5, 3, 4)), rng.standard_normal((7, 5, 1, 1))
    np.testing.assert_allclose(ae.conv2d(x, w).data, np.einsum("nchw,fc->nfhw", x, w[:, :, 0, 0]), rtol=1e-12)


def test_float32_stays_float32_through_forward_and_backward():
    rng = np.random.default_rng(5)
    x = ae.Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = ae.Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = ae.Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    out = ae.conv2d(x, w, b, stride=2, padding=1)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    expected = conv_reference(x.data.astype(np.float64), w.data.astype(np.float64), b.data, (2, 2), (1, 1))
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-5)


def test_non_contiguous_inputs_and_upstream_gradients():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, 5, 3, 2)).transpose(3, 2, 0, 1)  # a (2, 3, 5, 5) view
    w = rng.standard_normal((4, 3, 3, 6))[..., ::2]  # strided
    assert not x.flags.c_contiguous and not w.flags.c_contiguous
    np.testing.assert_allclose(ae.conv2d(x, w).data, conv_reference(x, w), rtol=1e-12)
    report = gradcheck(lambda x, w: ae.conv2d(x, w).transpose(0, 1, 3, 2), [x, w], n_samples=20)
    assert report, report.table()


# ----- errors -------------------------------------------------------------------------------------


def test_a_kernel_larger_than_the_padded_input_names_the_formula_and_the_numbers():
    with pytest.raises(ae.ShapeError) as error:
        ae.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 7, 3)), padding=1)
    message = str(error.value)
    assert "conv2d" in message and "kernel height 7" in message and "4 + 2*1 = 6" in message
    assert "(W + 2P - D*(K-1) - 1) // S + 1" in message and "(4 + 2*1 - 1*(7-1) - 1) // 1 + 1" in message
    with pytest.raises(ae.ShapeError, match=r"dilated: D\*\(K-1\)\+1 = 2\*\(3-1\)\+1 = 5"):
        ae.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), dilation=2)


def test_a_channel_mismatch_names_both_counts():
    with pytest.raises(ae.ShapeError, match=r"C/groups = 3/1 = 3 .*C=3.*\(4, 2, 3, 3\)"):
        ae.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 2, 3, 3)))


def test_groups_that_do_not_divide_the_channels_or_the_filters():
    with pytest.raises(ae.ShapeError, match=r"groups=2 must divide .*C=3 .*F=4"):
        ae.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 1, 3, 3)), groups=2)
    with pytest.raises(ae.ShapeError, match=r"groups=2 must divide .*F=3"):
        ae.conv2d(np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2)


def test_other_bad_arguments():
    with pytest.raises(ae.ShapeError, match=r"\(N, C, H, W\).*x\[None\]"):
        ae.conv2d(np.zeros((3, 5, 5)), np.zeros((4, 3, 3, 3)))
    with pytest.raises(ae.ShapeError, match=r"bias must have shape \(F,\) = \(4,\)"):
        ae.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        ae.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 3, 3, 3)), stride=0)
    with pytest.raises(TypeError, match="padding must be an int or a pair"):
        ae.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 3, 3, 3)), padding=(1, 1, 1))


def test_create_graph_is_refused_with_a_clear_error():
    x = ae.Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    w = ae.Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match="conv2d.*create_graph"):
        ae.grad(ae.conv2d(x, w).sum(), [x], create_graph=True)


def test_an_empty_batch_lists_and_float16():
    x = ae.Tensor(np.zeros((0, 3, 5, 5), np.float32), requires_grad=True)
    w = ae.Tensor(np.ones((2, 3, 3, 3), np.float32), requires_grad=True)
    out = ae.conv2d(x, w, padding=1)
    assert out.shape == (0, 2, 5, 5)
    out.sum().backward()
    assert x.grad.shape == x.shape and np.all(w.grad == 0)
    from_lists = ae.conv2d([[[[1.0, 2.0], [3.0, 4.0]]]], [[[[2.0]]]], [0.5])  # Python floats: float32
    assert from_lists.dtype == np.float32
    np.testing.assert_array_equal(from_lists.data, [[[[2.5, 4.5], [6.5, 8.5]]]])
    half = ae.conv2d(np.ones((1, 2, 4, 4), np.float16), np.ones((1, 2, 3, 3), np.float16))
    assert half.dtype == np.float16 and np.all(half.data == 18)


def test_splitting_the_kernels_over_threads_changes_no_bit():
    """The engine's own split (chunks, and the order their weight gradients are summed) does not
    depend on the thread count.  BLAS is held at one thread here: BLAS itself may round
    differently on a different number of threads, which is not the engine's split."""
    from threadpoolctl import threadpool_limits

    from autograd_engine.kernels import threads

    rng = np.random.default_rng(7)
    x = rng.standard_normal((40, 8, 20, 20)).astype(np.float32)  # 3 chunks in backward, 5 in forward
    w = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    before = threads.get_num_threads()
    results = []
    try:
        for n in (1, 2, 3):
            threads.set_num_threads(n)
            xt, wt = ae.Tensor(x, requires_grad=True), ae.Tensor(w, requires_grad=True)
            with threadpool_limits(1, user_api="blas"):
                out = ae.max_pool2d(ae.relu(ae.conv2d(xt, wt, stride=1, padding=2, dilation=2)), 2)
                (out * out).sum().backward()
            results.append((out.data, xt.grad, wt.grad))
    finally:
        threads.set_num_threads(before)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="at least one thread"):
        threads.set_num_threads(0)


def test_chunks_of_one_image_give_the_same_values_and_gradients(monkeypatch):
    import autograd_engine.ops.conv as conv_module

    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((3, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    kwargs = {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2}

    def run():
        xt, wt, bt = (ae.Tensor(a, requires_grad=True) for a in (x, w, b))
        out = ae.conv2d(xt, wt, bt, **kwargs)
        out.backward(np.cos(np.arange(out.size)).reshape(out.shape))
        return out.data, xt.grad, wt.grad, bt.grad

    whole = run()
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)  # one image per chunk
    monkeypatch.setattr(conv_module, "BACKWARD_CHUNK_BYTES", 1)
    chunked = run()
    np.testing.assert_allclose(chunked[0], conv_reference(x, w, b, (2, 1), (1, 1), (1, 2), 2), rtol=1e-12)
    for a, c in zip(whole, chunked):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    report = gradcheck(lambda *a: ae.conv2d(*a, **kwargs), [x, w, b], n_samples=30)
    assert report, report.table()


def test_a_tap_that_only_sees_padding_does_not_spill_into_the_next_image():
    """Regression: with a dilation wider than the input, a kernel tap can fall in the padding for
    a whole output row; its im2col row must stay zero, not overwrite the next image's columns."""
    x = np.array([[[[0.12573022]]], [[[-0.13210486]]]])
    w = np.array([[[[0.64042265, 0.10490012, -0.53566937]]]])
    args = dict(stride=(1, 1), padding=(0, 2), dilation=(1, 2))
    out = ae.conv2d(ae.Tensor(x, requires_grad=True), ae.Tensor(w, requires_grad=True), None, **args)
    expected = conv_reference(x, w, None, **args)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-15)
    assert out.data.ravel()[0] == pytest.approx(0.10490012 * 0.12573022)
    report = gradcheck(lambda x, w: ae.conv2d(x, w, None, **args), [x, w])
    assert report.passed, report.table()


def test_the_forward_on_threads_leaves_blas_threads_as_they_were():
    """conv2d limits BLAS to one thread while its own threads run the GEMMs, and restores it."""
    from threadpoolctl import threadpool_info

    from autograd_engine.kernels import threads

    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    previous = threads.get_num_threads()
    threads.set_num_threads(2)
    try:
        x = np.random.default_rng(3).standard_normal((16, 8, 16, 16)).astype(np.float32)
        w = np.random.default_rng(4).standard_normal((16, 8, 3, 3)).astype(np.float32)
        out = ae.conv2d(x, w, padding=1)
    finally:
        threads.set_num_threads(previous)
    np.testing.assert_allclose(out.data, conv_reference(x.astype(np.float64), w.astype(np.float64), None, (1, 1), (1, 1)),
                               rtol=1e-4, atol=1e-4)
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before
