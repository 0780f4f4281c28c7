"""``nn.export_onnx``: every module exports, passes ``onnx.checker``, and ONNX Runtime's outputs equal
the engine's to 1e-5 on random inputs -- at the example's batch size and at another one."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn

onnx = pytest.importorskip("onnx", reason='pip install -e ".[export]" installs onnx and onnxruntime')
ort = pytest.importorskip("onnxruntime", reason='pip install -e ".[export]" installs onnx and onnxruntime')

RNG = np.random.default_rng(0)


def random(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def run_onnx(path, inputs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {meta.name: x for meta, x in zip(session.get_inputs(), inputs)}
    return session.run(None, feed)


def engine_outputs(model, inputs):
    model.eval()
    with ae.no_grad():
        out = model(*[ae.Tensor(x) for x in inputs])
    flat = []
    stack = [out]
    while stack:  # flatten (out, (h, c)) in order
        item = stack.pop(0)
        if isinstance(item, tuple | list):
            stack[:0] = list(item)
        else:
            flat.append(ae.operands.value(item))
    return flat


def assert_exports(model, example, other=None, tmp_path=None, **kwargs):
    """Export on ``example``; ONNX Runtime matches the engine there and on ``other`` (another batch)."""
    examples = example if isinstance(example, tuple) else (example,)
    path = nn.export_onnx(model, examples if len(examples) > 1 else examples[0], tmp_path / "model.onnx", **kwargs)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    for inputs in [examples] + ([other if isinstance(other, tuple) else (other,)] if other is not None else []):
        expected = engine_outputs(model, inputs)
        got = run_onnx(path, inputs)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    return path


class Residual(nn.Module):
    """A user's Module whose forward uses engine ops directly."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.scale = nn.Parameter(np.float32(0.5) * np.ones(6, dtype=np.float32))

    def forward(self, x):
        h = ae.tanh(self.fc(x)) * self.scale + x
        both = ae.concatenate([h, ae.exp(-ae.abs(x))], axis=1)
        return ae.reshape(both, (x.shape[0], 3, 4)).sum(axis=2) / 2.0 - ae.sqrt(ae.mean(x * x, axis=1, keepdims=True) + 1)


CASES = {
    "linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "linear_3d": (lambda: nn.Linear(5, 3), (4, 2, 5)),
    "conv_stride_padding": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 9, 9)),
    "conv_same_dilation": (lambda: nn.Conv2d(3, 4, 3, padding="same", dilation=2), (2, 3, 8, 8)),
    "conv_groups_no_bias": (lambda: nn.Conv2d(4, 6, (3, 2), groups=2, bias=False), (2, 4, 7, 6)),
    "max_pool": (lambda: nn.MaxPool2d(2), (2, 3, 8, 8)),
    "max_pool_stride_padding": (lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 9, 9)),
    "avg_pool": (lambda: nn.AvgPool2d(2, stride=2), (2, 3, 8, 8)),
    "adaptive_avg_pool_uneven": (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "adaptive_avg_pool_global": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 4, 4)),
    "adaptive_max_pool": (lambda: nn.AdaptiveMaxPool2d(2), (2, 3, 8, 8)),
    "adaptive_max_pool_uneven": (lambda: nn.AdaptiveMaxPool2d((3, 5)), (2, 3, 8, 7)),
    "adaptive_max_pool_keep_width": (lambda: nn.AdaptiveMaxPool2d((3, None)), (2, 3, 8, 7)),
    "batch_norm_2d": (lambda: _trained_norm(nn.BatchNorm2d(3), (8, 3, 4, 4)), (2, 3, 4, 4)),
    "batch_norm_1d": (lambda: _trained_norm(nn.BatchNorm1d(5), (8, 5)), (4, 5)),
    "layer_norm": (lambda: nn.LayerNorm((3, 4)), (2, 5, 3, 4)),
    "group_norm": (lambda: nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    "dropout": (lambda: nn.Sequential(nn.Dropout(0.5), nn.Dropout2d(0.3)), (2, 3, 4, 4)),
    "flatten": (lambda: nn.Flatten(), (2, 3, 4, 4)),
    "identity": (lambda: nn.Identity(), (2, 3)),
    "relu": (lambda: nn.ReLU(), (3, 7)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.1), (3, 7)),
    "prelu": (lambda: nn.PReLU(3), (2, 3, 4)),
    "elu": (lambda: nn.ELU(0.7), (3, 7)),
    "gelu": (lambda: nn.GELU(), (3, 7)),
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), (3, 7)),
    "softplus": (lambda: nn.Softplus(beta=2.0, threshold=5.0), (3, 7)),
    "sigmoid": (lambda: nn.Sigmoid(), (3, 7)),
    "tanh": (lambda: nn.Tanh(), (3, 7)),
    "maxout": (lambda: nn.Maxout(5, 4, pieces=3), (3, 5)),
    "softmax": (lambda: nn.Softmax(1), (3, 7)),
    "log_softmax": (lambda: nn.LogSoftmax(1), (3, 7)),
    "user_module": (Residual, (4, 6)),
    "sequential_convnet": (lambda: nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.2), nn.Linear(8, 10), nn.LogSoftmax(1)), (3, 1, 8, 8)),
    "module_list_and_dict": (lambda: _Containers(), (2, 4)),
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 11)),
    "conv1d_same": (lambda: nn.Conv1d(3, 4, 4, padding="same", dilation=2), (2, 3, 10)),
    "max_pool1d": (lambda: nn.MaxPool1d(2), (2, 3, 8)),
    "avg_pool1d": (lambda: nn.AvgPool1d(3, stride=2), (2, 3, 9)),
    "conv_transpose": (lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), (2, 4, 5, 5)),
    "conv_transpose_groups": (lambda: nn.ConvTranspose2d(4, 6, (2, 3), groups=2, dilation=2), (2, 4, 4, 3)),
    "einsum_forward": (lambda: _Bilinear(), (3, 4)),
    **{f"activation_{name}": (getattr(nn, name), (4, 6)) for name in [
        "SiLU", "Mish", "SELU", "CELU", "Softsign", "LogSigmoid", "Tanhshrink", "Hardtanh", "ReLU6",
        "Hardsigmoid", "Hardswish"]},
    "softmin": (lambda: nn.Softmin(1), (4, 6)),
    "glu": (lambda: nn.GLU(), (4, 6)),
    "multihead_attention": (lambda: _SelfAttention(), (2, 5, 8)),
    "upsample_nearest": (lambda: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    "upsample_nearest_size": (lambda: nn.Upsample(size=(7, 9)), (2, 3, 4, 5)),
    "upsample_nearest_1d_fraction": (lambda: nn.Upsample(scale_factor=1.5), (2, 3, 5)),
    "upsample_bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    "upsample_bilinear_corners": (lambda: nn.Upsample(size=(6, 7), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    "upsample_linear": (lambda: nn.Upsample(scale_factor=3, mode="linear"), (2, 3, 5)),
}


class _Bilinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.ones((4, 4, 2), dtype=np.float32) * np.float32(0.1))

    def forward(self, x):
        return ae.einsum("ni,ijk,nj->nk", x, self.weight, x)


class _SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        out, _ = self.attention(x, x, x, need_weights=False)
        return out


def _trained_norm(layer, shape):
    """A norm layer whose running statistics moved away from 0 and 1 (so eval mode is tested)."""
    layer.train()
    for _ in range(3):
        layer(ae.Tensor(random(*shape) * 2 + 1))
    return layer


class _Containers(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 3)})

    def forward(self, x):
        for block in self.blocks:
            x = ae.relu(block(x))
        return self.heads["a"](x), self.heads["b"](x)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_module_exports_and_matches_onnx_runtime(case, tmp_path):
    build, shape = CASES[case]
    model = build()
    other = (shape[0] + 3,) + shape[1:]
    assert_exports(model, random(*shape), random(*other), tmp_path=tmp_path)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("layers, batch_first", [(1, False), (2, True)])
def test_recurrent_layers_export_as_onnx_recurrent_ops(cls, layers, batch_first, tmp_path):
    model = cls(5, 4, num_layers=layers, batch_first=batch_first)
    shape = (3, 6, 5) if batch_first else (6, 3, 5)
    other = (2, 9, 5) if batch_first else (9, 2, 5)  # another batch and another sequence length
    path = assert_exports(model, random(*shape), random(*other), tmp_path=tmp_path,
                          dynamic_axes={"input": [0, 1], "output_0": [0, 1], "output_1": [1]} | (
                              {"output_2": [1]} if cls is nn.LSTM else {}))
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert cls.__name__ in ops  # ONNX's own recurrent op, not a traced loop


def test_recurrent_layer_with_initial_state(tmp_path):
    model = nn.LSTM(3, 4, num_layers=2)
    x, h0, c0 = random(5, 2, 3), random(2, 2, 4), random(2, 2, 4)
    wrapper = _LSTMWithState(model)
    assert_exports(wrapper, (x, h0, c0), tmp_path=tmp_path, dynamic_batch=False)


class _LSTMWithState(nn.Module):
    def __init__(self, lstm):
        super().__init__()
        self.lstm = lstm

    def forward(self, x, h0, c0):
        out, (h, c) = self.lstm(x, (h0, c0))
        return out, h, c


def test_rnn_relu_without_bias(tmp_path):
    model = nn.RNN(4, 3, nonlinearity="relu", bias=False)
    assert_exports(model, random(5, 2, 4), random(3, 4, 4), tmp_path=tmp_path,
                   dynamic_axes={"input": [0, 1], "output_0": [0, 1], "output_1": [1]})


class _TextClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 6)
        self.lstm = nn.LSTM(6, 5, batch_first=True)
        self.head = nn.Linear(5, 3)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out[:, -1])


def test_embedding_takes_the_indices_as_an_input(tmp_path):
    model = _TextClassifier()
    tokens = RNG.integers(0, 20, size=(4, 7))
    other = RNG.integers(0, 20, size=(2, 9))  # other tokens, batch and length: nothing baked in
    assert_exports(model, tokens, other, tmp_path=tmp_path, dynamic_axes={"input": {1: "length"}})


def test_parameters_are_named_as_in_the_model(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = nn.export_onnx(model, random(2, 3), tmp_path / "m.onnx", input_names="x", output_names=["scores"])
    graph = onnx.load(str(path)).graph
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= {init.name for init in graph.initializer}
    assert [i.name for i in graph.input] == ["x"] and [o.name for o in graph.output] == ["scores"]


def test_dynamic_batch_false_fixes_the_batch(tmp_path):
    model = nn.Linear(3, 2)
    path = nn.export_onnx(model, random(4, 3), tmp_path / "m.onnx", dynamic_batch=False)
    dims = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [4, 3]
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        run_onnx(path, [random(5, 3)])


def test_export_leaves_the_model_as_it_was(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.train()
    model[0].requires_grad_(False)
    nn.export_onnx(model, random(2, 3), tmp_path / "m.onnx")
    assert model.training and model[1].training
    assert not model[0].weight.requires_grad
    with ae.no_grad():
        model(ae.Tensor(random(2, 3)))  # no hook left behind: a plain forward works


class _Sorted(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return ae.scatter_add(self.fc(x), (slice(None), slice(0, 4)), (x.shape[0], 6))


def test_a_primitive_without_onnx_equivalent_is_refused_naming_op_and_module(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), _Sorted())
    with pytest.raises(nn.OnnxExportError, match=r"scatter_add.*module '1'|module '1'.*scatter_add"):
        nn.export_onnx(model, random(2, 4), tmp_path / "m.onnx")


def test_bad_arguments_are_refused_clearly(tmp_path):
    model = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="nn.Module"):
        nn.export_onnx(lambda x: x, random(2, 3), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="opset"):
        nn.export_onnx(model, random(2, 3), tmp_path / "m.onnx", opset=10)
    with pytest.raises(ValueError, match="output_names"):
        nn.export_onnx(model, random(2, 3), tmp_path / "m.onnx", output_names=["a", "b"])
    with pytest.raises(nn.OnnxExportError, match="unbatched"):
        nn.export_onnx(nn.GRU(3, 2), random(4, 3), tmp_path / "m.onnx")


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_older_opsets(opset, tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4), nn.Softmax(1))
    path = assert_exports(model, random(3, 4), random(5, 4), tmp_path=tmp_path, opset=opset)
    assert onnx.load(str(path)).opset_import[0].version == opset


class _MaskedInForward(nn.Module):
    """elu through nn.functional: its sign mask is computed from the input's values, not recorded."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return nn.functional.elu(self.fc(x))


def test_a_graph_that_froze_an_input_dependent_mask_is_refused_and_not_left_on_disk(tmp_path):
    path = tmp_path / "m.onnx"
    with pytest.raises(nn.OnnxExportError, match="second random input.*(mask|comparison)"):
        nn.export_onnx(_MaskedInForward(), random(3, 4), path)
    assert not path.exists()


def test_verify_false_writes_without_running_onnx_runtime(tmp_path):
    path = nn.export_onnx(_MaskedInForward(), random(3, 4), tmp_path / "m.onnx", verify=False)
    assert path.exists()  # written as traced, mask and all: the check that would refuse it did not run
    assert run_onnx(path, [random(3, 4)])[0].shape == (3, 4)


def test_dynamic_axes_are_checked(tmp_path):
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="not an input or output.*'input'"):
        nn.export_onnx(model, random(2, 3), tmp_path / "m.onnx", dynamic_axes={"x": [0]})
    with pytest.raises(ValueError, match="axis 2"):
        nn.export_onnx(model, random(2, 3), tmp_path / "m.onnx", dynamic_axes={"input": [2]})


class _FixedBatch(nn.Module):
    def forward(self, x):
        return ae.reshape(x, (2, -1))  # a batch of 2 hard-coded


def test_a_forward_that_fixes_the_batch_needs_dynamic_batch_false(tmp_path):
    with pytest.raises(nn.OnnxExportError, match="dynamic_batch=False"):
        nn.export_onnx(_FixedBatch(), random(2, 3, 2), tmp_path / "m.onnx")
    assert_exports(_FixedBatch(), random(2, 3, 2), tmp_path=tmp_path, dynamic_batch=False)


class _DividesByLength(nn.Module):
    def forward(self, x):
        return x.sum(axis=1) / x.shape[1]  # the example's length, frozen by the trace


def test_every_free_axis_is_checked_not_only_the_batch(tmp_path):
    with pytest.raises(nn.OnnxExportError, match="each free axis longer"):
        nn.export_onnx(_DividesByLength(), random(2, 5, 3), tmp_path / "m.onnx", dynamic_axes={"input": [0, 1]})
    assert_exports(_DividesByLength(), random(2, 5, 3), random(4, 5, 3), tmp_path=tmp_path)  # only the batch free


def test_attention_keeps_a_free_sequence_axis(tmp_path):
    model = _SelfAttention()
    assert_exports(model, random(2, 5, 8), random(3, 9, 8), tmp_path=tmp_path,
                   dynamic_axes={"input": [0, 1], "output": [0, 1]})


def test_a_mask_from_the_inputs_values_is_named_in_the_refusal(tmp_path):
    with pytest.raises(nn.OnnxExportError, match=r"ae.where in module 'fc'|ae.where in the model's own forward"):
        nn.export_onnx(_MaskedInForward(), random(3, 4), tmp_path / "m.onnx")


def test_a_float64_example_for_float32_parameters_is_refused_with_the_cast(tmp_path):
    with pytest.raises(nn.OnnxExportError, match=r"float64.*float32.*astype\(np.float32\)"):
        nn.export_onnx(nn.Linear(3, 2), np.ones((2, 3)), tmp_path / "m.onnx")


class _DictOutput(nn.Module):
    def forward(self, x):
        return {"y": x * 2}


def test_outputs_other_than_tensors_are_refused_clearly(tmp_path):
    with pytest.raises(nn.OnnxExportError, match="return Tensors.*dict"):
        nn.export_onnx(_DictOutput(), random(2, 3), tmp_path / "m.onnx")


def test_a_recurrent_layer_stores_its_weights_once(tmp_path):
    model = nn.LSTM(4, 8, num_layers=2)
    path = nn.export_onnx(model, random(5, 2, 4), tmp_path / "m.onnx", dynamic_axes={"input": [1]})
    graph = onnx.load(str(path)).graph
    stored = sum(int(np.prod(init.dims)) for init in graph.initializer if init.data_type == onnx.TensorProto.FLOAT)
    parameters = sum(p.size for p in model.parameters())
    assert stored == parameters  # the gate-reordered copies only, not PyTorch's layout beside them
    assert not any(init.name.startswith("weight_") for init in graph.initializer)


ELEMENTWISE_OPS = {
    "tan": ae.tan, "arcsin": lambda h: ae.arcsin(ae.tanh(h) * 0.9), "arccos": lambda h: ae.arccos(ae.tanh(h) * 0.9),
    "arctan": ae.arctan, "sinh": ae.sinh, "cosh": ae.cosh, "arcsinh": ae.arcsinh,
    "arccosh": lambda h: ae.arccosh(h * h + 1.5), "arctanh": lambda h: ae.arctanh(ae.tanh(h) * 0.9),
    "floor": ae.floor, "ceil": ae.ceil, "sign": ae.sign, "fabs": ae.fabs, "reciprocal": lambda h: ae.reciprocal(h * h + 1),
    "clone": ae.clone, "log2": lambda h: ae.log2(h * h + 1), "log10": lambda h: ae.log10(h * h + 1),
    "deg2rad": ae.deg2rad, "rad2deg": ae.rad2deg, "exp2": ae.exp2, "rsqrt": lambda h: ae.rsqrt(h * h + 1),
    "trunc": ae.trunc, "round": ae.round, "round_decimals": lambda h: ae.round(h, decimals=1),
    "mod": lambda h: ae.mod(h, 0.7), "fmod": lambda h: ae.fmod(h, 0.7), "hypot": lambda h: ae.hypot(h, h * 2),
    "cumsum": lambda h: ae.cumsum(h, axis=1), "prod": lambda h: ae.prod(h, axis=1, keepdims=True),
    "det": lambda h: ae.linalg.det(ae.reshape(h, (-1, 2, 2))),
    "tile": lambda h: ae.tile(h, (1, 2)),
    "fmax": lambda h: ae.fmax(ae.log(h), ae.sin(h)), "fmin": lambda h: ae.fmin(ae.sin(h), ae.log(h)),  # NaN below 0
    "nan_to_num": lambda h: ae.nan_to_num(ae.log(h)),  # NaN below 0
    "sinc": ae.sinc, "logaddexp": lambda h: ae.logaddexp(h, h * 0.5), "logaddexp2": lambda h: ae.logaddexp2(h, -h),
    "normalize": nn.functional.normalize,
    "cosine_similarity": lambda h: nn.functional.cosine_similarity(h, h * 2 + 1),
}


class _Elementwise(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.f = f

    def forward(self, x):
        return self.f(self.fc(x) * 3)


@pytest.mark.parametrize("name", list(ELEMENTWISE_OPS))
def test_elementwise_and_scan_ops_export(name, tmp_path):
    assert_exports(_Elementwise(ELEMENTWISE_OPS[name]), random(3, 4), random(6, 4), tmp_path=tmp_path)


class _PoolWithIndices(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveMaxPool2d(3, return_indices=True)

    def forward(self, x):
        return self.pool(x)[0]


def test_a_module_option_without_onnx_equivalent_is_refused_naming_it(tmp_path):
    with pytest.raises(nn.OnnxExportError, match=r"return_indices=True.*module 'pool'"):
        nn.export_onnx(_PoolWithIndices(), random(2, 3, 8, 7), tmp_path / "m.onnx")
