"""Bad arguments to public constructors and functions raise an error that names the owner, the
argument and the value -- TypeError for a wrong type, ValueError for a wrong value -- instead of a
raw Python/NumPy error, a ZeroDivisionError, NaN results or silently wrong behaviour; and the valid
edge values next to them (NumPy ints, momentum 0 and 1, p = 0 and 1, ...) still work."""
import math

import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from nn import functional as F
from nn import init
from optim import lr_scheduler, search

NAN, INF = float("nan"), float("inf")


def param(shape=(3,)):
    return ae.Tensor(np.ones(shape), requires_grad=True)


def sgd(groups=1):
    return optim.SGD([{"params": [param()]} for _ in range(groups)], lr=0.1)


def weight():
    return np.zeros((4, 3))


def with_grad():
    p = param()
    p.grad = np.array([3.0, -4.0, 0.0])
    return p


X = ae.Tensor(np.ones((2, 3)))
IMAGES = np.ones((1, 2, 4, 4))

# (call, exception, regex the message must match: the owner, the argument and the value)
ENGINE = [
    (lambda: ae.set_grad_enabled("no"), TypeError, r"set_grad_enabled: mode must be True or False, got 'no'"),
    (lambda: ae.set_grad_enabled(1), TypeError, r"set_grad_enabled: mode must be True or False, got 1 \(int\)"),
    (lambda: ae.detect_anomaly("yes"), TypeError, r"detect_anomaly: enabled must be True or False, got 'yes'"),
    (lambda: ae.keep_freed_memory("no"), TypeError, r"keep_freed_memory: enable must be True or False, got 'no'"),
    (lambda: ae.Tensor([1.0], requires_grad="no"), TypeError, r"Tensor: requires_grad must be True or False, got 'no'"),
    (lambda: ae.tensor([1.0], requires_grad=None), TypeError, r"Tensor: requires_grad must be True or False, got None"),
    (lambda: ae.Tensor([1.0]).requires_grad_("yes"), TypeError,
     r"requires_grad_: requires_grad must be True or False, got 'yes'"),
    (lambda: nn.Parameter(np.ones(2), requires_grad="yes"), TypeError, r"requires_grad must be True or False"),
    (lambda: ae.Tensor(np.ones(2, complex), requires_grad=True), TypeError,
     r"Tensor: only floating tensors can require gradients, got dtype complex128"),
    (lambda: ae.Tensor(np.ones(2, np.complex64)).requires_grad_(), TypeError,
     r"requires_grad_: only floating tensors can require gradients, got dtype complex64"),
    (lambda: param().astype(np.complex128), TypeError, r"astype\(complex128\): the output would be complex128"),
    (lambda: param() * 1j, TypeError, r"multiply: the output would be complex128 .* an input requires grad"),
    (lambda: param() + np.ones(3, np.complex64), TypeError, r"add: the output would be complex128"),
    (lambda: X.max(axis=1.5), TypeError, r"max: axis must be an int, a tuple of ints or None, got 1.5 \(float\)"),
    (lambda: X.sum(axis="0"), TypeError, r"sum: axis must be an int, a tuple of ints or None, got '0'"),
    (lambda: X.mean(axis=(0, 1.0)), TypeError, r"mean: axis must be an int, a tuple of ints or None, got \(0, 1.0\)"),
    (lambda: ae.var(X, axis=True), TypeError, r"var: axis must be an int, a tuple of ints or None, got True"),
    (lambda: ae.logsumexp(X, axis=1.5), TypeError, r"logsumexp: axis must be an int"),
    (lambda: ae.squeeze(X, axis=0.0), TypeError, r"squeeze: axis must be an int"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], eps=0), ValueError, r"gradcheck: eps must lie in \(0.0, inf\], got 0"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], eps=-1e-6), ValueError, r"gradcheck: eps must lie in \(0.0"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], eps=NAN), ValueError, r"gradcheck: eps must be a finite real number"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], eps=INF), ValueError, r"gradcheck: eps must be a finite real number"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], eps="1e-6"), TypeError, r"gradcheck: eps must be a finite real number, got '1e-6'"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], atol=-1.0), ValueError, r"gradcheck: atol must lie in \[0.0, inf\], got -1.0"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], rtol=NAN), ValueError, r"gradcheck: rtol must be a finite real number"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], n_samples=0), ValueError, r"gradcheck: n_samples must be a positive integer, got 0"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], n_samples=2.5), TypeError, r"gradcheck: n_samples must be a positive integer, got 2.5"),
    (lambda: ae.gradcheck(3, [np.ones(2)]), TypeError, r"gradcheck: f must be a function .*got 3 \(int\)"),
    (lambda: ae.numerical_gradient(np.sum, np.ones(2), h=0.0), ValueError, r"numerical_gradient: h must lie in \(0.0"),
    (lambda: ae.gradcheck(ae.sum, [np.ones(2)], seed="a"), TypeError, r"gradcheck: seed must be a non-negative integer, got 'a'"),
    (lambda: ae.seed(1.5), TypeError, r"seed: value must be a non-negative integer, got 1.5 \(float\)"),
    (lambda: ae.manual_seed(-1), ValueError, r"manual_seed: value must be a non-negative integer, got -1"),
    (lambda: ae.zeros(2, "3"), TypeError, r"zeros: each size must be a non-negative integer, got '3'"),
    (lambda: ae.eye(-2), ValueError, r"eye: N must be a non-negative integer, got -2"),
    (lambda: ae.arange(0, "5"), TypeError, r"arange: stop must be a finite real number, got '5'"),
    (lambda: ae.linspace(0, 1, num=2.5), TypeError, r"linspace: num must be a non-negative integer, got 2.5"),
    (lambda: ae.ones(2, requires_grad="yes"), TypeError, r"ones: requires_grad must be True or False, got 'yes'"),
    (lambda: ae.rot90(X, k=1.5), TypeError, r"rot90: k must be an integer, got 1.5"),
    (lambda: ae.roll(X, 1.5), TypeError, r"roll: shift must be an integer, got 1.5"),
    (lambda: ae.tile(X, -1), ValueError, r"tile: reps must be non-negative, got \(-1,\)"),
    (lambda: ae.repeat(X, 1.5), TypeError, r"repeat: repeats must be a non-negative int or a 1-D sequence"),
    (lambda: ae.sort(X, descending="yes"), TypeError, r"sort: descending must be True or False, got 'yes'"),
    (lambda: ae.topk(X, 1.0), TypeError, r"topk: k must be a non-negative integer, got 1.0"),
    (lambda: ae.tril(X, k=0.5), TypeError, r"tril: k must be an integer, got 0.5"),
    (lambda: ae.diagonal(X, offset="1"), TypeError, r"diagonal: offset must be an integer, got '1'"),
    (lambda: ae.tensordot(X, X, axes="1"), TypeError, r"tensordot: axes must be an int or a pair"),
    (lambda: ae.array_split(X, 2.0), TypeError, r"split: indices_or_sections must be an int .*got 2.0"),
    (lambda: ae.unflatten(X, 1, 3), TypeError, r"unflatten: sizes must be a non-empty tuple of ints, got 3"),
    (lambda: ae.index_put(X, 0, 1.0, accumulate="yes"), TypeError, r"index_put: accumulate must be True or False, got 'yes'"),
    (lambda: ae.scatter(X, 0.5, np.zeros((1, 1), int), 1.0), TypeError, r"scatter: dim must be an integer, got 0.5"),
    (lambda: ae.scatter_add(X, 2, np.zeros((1, 1), int), X), ValueError, r"scatter_add: dim must be an int in \[-2, 2\) .* got 2"),
    (lambda: ae.masked_fill(X, np.ones(3), 1.0), TypeError, r"masked_fill: mask must be boolean, got dtype float64"),
    (lambda: ae.linalg.matrix_power(np.eye(2), 1.5), TypeError, r"matrix_power: n must be an integer, got 1.5 \(float\)"),
    (lambda: ae.linalg.svd(np.eye(2), full_matrices="no"), TypeError, r"svd: full_matrices must be True or False, got 'no'"),
    (lambda: ae.linalg.svd(np.eye(2), compute_uv=None), TypeError, r"svd: compute_uv must be True or False, got None"),
    (lambda: ae.linalg.eigh(np.eye(2), UPLO="X"), ValueError, r"eigh: UPLO must be one of 'L', 'U', got 'X'"),
    (lambda: ae.linalg.qr(np.eye(2), mode="raw"), ValueError, r"qr: mode must be one of 'reduced', 'r', 'complete', got 'raw'"),
    (lambda: ae.linalg.pinv(np.eye(2), 1e-3, rtol=1e-3), ValueError, r"pinv: pass rcond or rtol, not both"),
    (lambda: ae.round(X, decimals=0.5), TypeError, r"round: decimals must be an integer, got 0.5"),
    (lambda: ae.nan_to_num(X, nan="0"), TypeError, r"nan_to_num: nan must be a finite real number, got '0'"),
    (lambda: ae.cumsum(X, axis=1.0), TypeError, r"cumsum: axis must be one integer, got 1.0"),
    (lambda: ae.cummax(X, axis=(0, 1)), TypeError, r"cummax: axis must be one integer, got \(0, 1\)"),
    (lambda: ae.prod(X, keepdims="yes"), TypeError, r"prod: keepdims must be True or False, got 'yes'"),
    (lambda: ae.diff(X, n=-1), ValueError, r"diff: n must be a non-negative integer, got -1"),
    (lambda: ae.diff(X, n=1.5), TypeError, r"diff: n must be a non-negative integer, got 1.5"),
    (lambda: ae.gradient(X, edge_order=3), ValueError, r"gradient: edge_order must be 1 or 2, got 3"),
    (lambda: ae.norm(X, ord="max"), ValueError, r"norm: ord 'max' is not a norm"),
    (lambda: ae.norm(X, keepdims=None), TypeError, r"norm: keepdims must be True or False, got None"),
    (lambda: ae.chunk(X, 1.5), TypeError, r"chunk: chunks must be a positive integer, got 1.5"),
    (lambda: X.to("cuda"), ValueError, r"to\('cuda'\): this engine computes on the CPU"),
    (lambda: X.to("float128x"), TypeError, r"to: 'float128x' is not a dtype NumPy has"),
]

NN = [
    (lambda: nn.Linear(3.5, 4), TypeError, r"Linear: in_features must be a positive integer, got 3.5 \(float\)"),
    (lambda: nn.Linear("3", 4), TypeError, r"Linear: in_features must be a positive integer, got '3' \(str\)"),
    (lambda: nn.Linear(True, 4), TypeError, r"Linear: in_features must be a positive integer, got True \(bool\)"),
    (lambda: nn.Linear(3, 0), ValueError, r"Linear: out_features must be a positive integer, got 0"),
    (lambda: nn.Linear(3, 4, bias="no"), TypeError, r"Linear: bias must be True or False, got 'no'"),
    (lambda: nn.Flatten(start_dim=1.0), TypeError, r"Flatten: start_dim must be an integer, got 1.0"),
    (lambda: nn.Conv2d(3.0, 4, 3), TypeError, r"Conv2d: in_channels must be a positive integer, got 3.0 \(float\)"),
    (lambda: nn.Conv2d(3, -4, 3), ValueError, r"Conv2d: out_channels must be a positive integer, got -4"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), ValueError, r"Conv2d: groups must be a positive integer, got 0"),
    (lambda: nn.Conv2d(4, 4, 3, groups=2.0), TypeError, r"Conv2d: groups must be a positive integer, got 2.0"),
    (lambda: F.conv2d(IMAGES, np.ones((2, 2, 3, 3)), groups=1.5), TypeError, r"conv2d: groups must be a positive integer, got 1.5"),
    (lambda: ae.conv2d(IMAGES, np.ones((2, 2, 3, 3)), groups=0), ValueError, r"conv2d: groups must be a positive integer, got 0"),
    (lambda: nn.Conv2d(3, 4, True), TypeError, r"Conv2d: kernel_size must be an int or a pair of ints .*got True"),
    (lambda: nn.Conv2d(3, 4, 3, bias=None), TypeError, r"Conv2d: bias must be True or False, got None"),
    (lambda: nn.MaxPool2d(2.5), TypeError, r"MaxPool2d: kernel_size must be an int or a pair of ints .*got 2.5"),
    (lambda: nn.MaxPool2d(0), ValueError, r"MaxPool2d: kernel_size must be >= 1, got 0"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError, r"MaxPool2d: stride must be >= 1, got 0"),
    (lambda: nn.MaxPool2d(2, dilation=(1, 0)), ValueError, r"MaxPool2d: dilation must be >= 1, got \(1, 0\)"),
    (lambda: nn.MaxPool2d(2, ceil_mode="yes"), TypeError, r"MaxPool2d: ceil_mode must be True or False, got 'yes'"),
    (lambda: nn.AvgPool2d(2, padding=-1), ValueError, r"AvgPool2d: padding must be >= 0, got -1"),
    (lambda: nn.AvgPool2d(2, count_include_pad=0), TypeError, r"AvgPool2d: count_include_pad must be True or False, got 0"),
    (lambda: nn.AdaptiveAvgPool2d(0), ValueError, r"AdaptiveAvgPool2d: output_size must be >= 1, got 0"),
    (lambda: nn.AdaptiveMaxPool2d((2, 1.5)), TypeError, r"AdaptiveMaxPool2d: output_size must be an int or a pair"),
    (lambda: nn.BatchNorm1d(0), ValueError, r"BatchNorm1d: num_features must be a positive integer, got 0"),
    (lambda: nn.BatchNorm2d(3.0), TypeError, r"BatchNorm2d: num_features must be a positive integer, got 3.0"),
    (lambda: nn.BatchNorm1d(3, eps=-1), ValueError, r"BatchNorm1d: eps must lie in \(0.0, inf\], got -1"),
    (lambda: nn.BatchNorm1d(3, eps=0), ValueError, r"BatchNorm1d: eps must lie in \(0.0, inf\], got 0"),
    (lambda: nn.BatchNorm2d(3, eps=NAN), ValueError, r"BatchNorm2d: eps must be a finite real number, got nan"),
    (lambda: nn.BatchNorm1d(3, momentum=2), ValueError, r"BatchNorm1d: momentum must lie in \[0.0, 1.0\], got 2"),
    (lambda: nn.BatchNorm1d(3, momentum=-0.1), ValueError, r"BatchNorm1d: momentum must lie in \[0.0, 1.0\], got -0.1"),
    (lambda: nn.BatchNorm1d(3, momentum="0.1"), TypeError, r"BatchNorm1d: momentum must be a finite real number, got '0.1'"),
    (lambda: nn.BatchNorm1d(3, affine="yes"), TypeError, r"BatchNorm1d: affine must be True or False, got 'yes'"),
    (lambda: nn.BatchNorm1d(3, track_running_stats=1), TypeError, r"track_running_stats must be True or False, got 1"),
    (lambda: F.batch_norm(np.ones((4, 3)), None, None, training=True, eps=-1.0), ValueError,
     r"batch_norm: eps must lie in \(0.0"),
    (lambda: F.batch_norm(np.ones((4, 3)), np.zeros(3), np.ones(3), training=True, momentum=1.5), ValueError,
     r"batch_norm: momentum must lie in \[0.0, 1.0\], got 1.5"),
    (lambda: nn.LayerNorm(0), ValueError, r"LayerNorm: normalized_shape must be a positive integer, got 0"),
    (lambda: nn.LayerNorm((3, 2.0)), TypeError, r"LayerNorm: normalized_shape must be a positive integer, got 2.0"),
    (lambda: nn.LayerNorm("3"), TypeError, r"LayerNorm: normalized_shape must be an int or a tuple of ints .*got '3'"),
    (lambda: nn.LayerNorm(()), ValueError, r"LayerNorm: normalized_shape must name at least one axis, got \(\)"),
    (lambda: nn.LayerNorm(3, eps=0.0), ValueError, r"LayerNorm: eps must lie in \(0.0, inf\], got 0.0"),
    (lambda: F.layer_norm(np.ones((2, 3)), 3, eps=-1e-5), ValueError, r"layer_norm: eps must lie in \(0.0"),
    (lambda: nn.GroupNorm(0, 4), ValueError, r"GroupNorm: num_groups must be a positive integer, got 0"),
    (lambda: nn.GroupNorm(-2, 4), ValueError, r"GroupNorm: num_groups must be a positive integer, got -2"),
    (lambda: nn.GroupNorm(2.0, 4), TypeError, r"GroupNorm: num_groups must be a positive integer, got 2.0"),
    (lambda: nn.GroupNorm(2, 4, eps=-1), ValueError, r"GroupNorm: eps must lie in \(0.0"),
    (lambda: F.group_norm(np.ones((2, 4)), 0), ValueError, r"group_norm: num_groups must be a positive integer, got 0"),
    (lambda: nn.Dropout("0.5"), TypeError, r"Dropout: p must be a finite real number, got '0.5' \(str\)"),
    (lambda: nn.Dropout(1.5), ValueError, r"Dropout: p is the probability of dropping a unit and must be in \[0, 1\], got 1.5"),
    (lambda: nn.Dropout(NAN), ValueError, r"Dropout: p must be a finite real number, got nan"),
    (lambda: nn.Dropout2d(-0.1), ValueError, r"Dropout2d: p is the probability .* got -0.1"),
    (lambda: F.dropout(X, "0.5"), TypeError, r"dropout: p must be a finite real number, got '0.5'"),
    (lambda: F.dropout(X, 0.5, "no"), TypeError, r"dropout: training must be True or False, got 'no'"),
    (lambda: F.dropout2d(IMAGES, 0.5, training=None), TypeError, r"dropout2d: training must be True or False, got None"),
    (lambda: F.batch_norm(np.ones((4, 3)), None, None, training="yes"), TypeError,
     r"batch_norm: training must be True or False, got 'yes'"),
    (lambda: nn.RNN(3.5, 4), TypeError, r"RNN: input_size must be a positive integer, got 3.5"),
    (lambda: nn.LSTM(3, 4, num_layers=0), ValueError, r"LSTM: num_layers must be a positive integer, got 0"),
    (lambda: nn.GRU(3, "4"), TypeError, r"GRU: hidden_size must be a positive integer, got '4'"),
    (lambda: nn.GRU(3, 4, dropout="0.1"), TypeError, r"GRU: dropout must be a finite real number, got '0.1'"),
    (lambda: nn.RNN(3, 4, num_layers=2, dropout=1.0), ValueError, r"RNN: dropout must be in \[0, 1\), got 1.0"),
    (lambda: nn.LSTM(3, 4, batch_first="yes"), TypeError, r"LSTM: batch_first must be True or False, got 'yes'"),
    (lambda: nn.LSTM(3, 4, bias=1), TypeError, r"LSTM: bias must be True or False, got 1"),
    (lambda: nn.RNNCell(3, 4.0), TypeError, r"RNNCell: hidden_size must be a positive integer, got 4.0"),
    (lambda: nn.LSTMCell(0, 4), ValueError, r"LSTMCell: input_size must be a positive integer, got 0"),
    (lambda: nn.GRUCell(3, 4, bias="no"), TypeError, r"GRUCell: bias must be True or False, got 'no'"),
    (lambda: nn.LSTM(3, 4, proj_size=None), TypeError, r"LSTM: proj_size must be a non-negative integer, got None"),
    (lambda: nn.Embedding(10.0, 3), TypeError, r"Embedding: num_embeddings must be a positive integer, got 10.0"),
    (lambda: nn.Embedding(10, 0), ValueError, r"Embedding: embedding_dim must be a positive integer, got 0"),
    (lambda: nn.Embedding(10, 3, padding_idx=1.5), TypeError, r"Embedding: padding_idx must be an integer, got 1.5"),
    (lambda: F.embedding(np.array([1]), np.ones((3, 2)), padding_idx=1.5), TypeError,
     r"embedding: padding_idx must be an integer, got 1.5"),
    (lambda: nn.Embedding.from_pretrained(np.ones((2, 3)), freeze="no"), TypeError,
     r"Embedding.from_pretrained: freeze must be True or False, got 'no'"),
    (lambda: nn.LeakyReLU("0.1"), TypeError, r"LeakyReLU: negative_slope must be a finite real number, got '0.1'"),
    (lambda: nn.LeakyReLU(NAN), ValueError, r"LeakyReLU: negative_slope must be a finite real number, got nan"),
    (lambda: F.leaky_relu(X, INF), ValueError, r"leaky_relu: negative_slope must be a finite real number, got inf"),
    (lambda: nn.ELU(alpha=INF), ValueError, r"ELU: alpha must be a finite real number, got inf"),
    (lambda: F.elu(X, alpha="1"), TypeError, r"elu: alpha must be a finite real number, got '1'"),
    (lambda: nn.PReLU(0), ValueError, r"PReLU: num_parameters must be a positive integer, got 0"),
    (lambda: nn.PReLU(init="x"), TypeError, r"PReLU: init must be a finite real number, got 'x'"),
    (lambda: nn.Softplus(beta=0), ValueError, r"Softplus: beta must not be 0"),
    (lambda: nn.Softplus(threshold=NAN), ValueError, r"Softplus: threshold must be a finite real number, got nan"),
    (lambda: F.softplus(X, beta=0.0), ValueError, r"softplus: beta must not be 0"),
    (lambda: nn.GELU("fast"), ValueError, r"GELU: approximate must be one of 'none', 'tanh', got 'fast'"),
    (lambda: F.gelu(X, approximate=None), TypeError, r"gelu: approximate must be one of 'none', 'tanh', got None"),
    (lambda: nn.Softmax(dim=1.5), TypeError, r"Softmax: dim must be an integer, got 1.5"),
    (lambda: nn.LogSoftmax(dim="1"), TypeError, r"LogSoftmax: dim must be an integer, got '1'"),
    (lambda: nn.Maxout(4, 3, pieces=0), ValueError, r"Maxout: pieces must be a positive integer, got 0"),
    (lambda: nn.Maxout(4.0, 3), TypeError, r"Maxout: in_features must be a positive integer, got 4.0"),
    (lambda: F.maxout(X, 0), ValueError, r"maxout: pieces must be a positive integer, got 0"),
    (lambda: nn.Hardtanh(2.0, 1.0), ValueError, r"Hardtanh: min_val \(2.0\) must not exceed max_val \(1.0\)"),
    (lambda: nn.CELU(alpha="1"), TypeError, r"CELU: alpha must be a finite real number, got '1'"),
    (lambda: nn.GLU(dim=0.5), TypeError, r"GLU: dim must be an integer, got 0.5"),
    (lambda: nn.Conv1d(3, 4, 0), ValueError, r"Conv1d: kernel_size must be >= 1, got 0"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, bias="no"), TypeError, r"ConvTranspose2d: bias must be True or False, got 'no'"),
    (lambda: nn.Upsample(scale_factor="2"), TypeError, r"Upsample: scale_factor must be a finite real number, got '2'"),
    (lambda: nn.Upsample(size=4, mode="bicubic"), ValueError, r"Upsample: mode must be one of 'nearest', 'linear', 'bilinear', 'trilinear', got 'bicubic'"),
    (lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners="yes"), TypeError,
     r"Upsample: align_corners must be True or False, got 'yes'"),
    (lambda: nn.Unfold(3, dilation=0), ValueError, r"Unfold: dilation must be >= 1, got 0"),
    (lambda: nn.Fold(4, 2, padding=-1), ValueError, r"Fold: padding must be >= 0, got -1"),
    (lambda: nn.Fold((4, 4.0), 2), TypeError, r"Fold: output_size must be an int or a pair of ints \(height, width\), got \(4, 4.0\)"),
    (lambda: nn.MultiheadAttention(8, 0), ValueError, r"MultiheadAttention: num_heads must be a positive integer, got 0"),
    (lambda: nn.MultiheadAttention(8, 2, dropout=1.5), ValueError, r"MultiheadAttention: dropout must lie in \[0.0, 1.0\], got 1.5"),
    (lambda: nn.PairwiseDistance(p="2"), TypeError, r"PairwiseDistance: p must be a real number, got '2'"),
    (lambda: nn.TripletMarginLoss(margin=NAN), ValueError, r"TripletMarginLoss: margin must be a finite real number, got nan"),
    (lambda: nn.PoissonNLLLoss(full="yes"), TypeError, r"PoissonNLLLoss: full must be True or False, got 'yes'"),
    (lambda: nn.GaussianNLLLoss(eps=-1.0), ValueError, r"GaussianNLLLoss: eps must lie in \[0.0, inf\], got -1.0"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), ValueError, r"CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: nn.MSELoss(reduction=None), ValueError, r"MSELoss: reduction must be 'mean', 'sum' or 'none', got None"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), ValueError, r"CrossEntropyLoss: label_smoothing must lie in \[0.0, 1.0\], got 1.5"),
    (lambda: nn.CrossEntropyLoss(label_smoothing="0.1"), TypeError, r"CrossEntropyLoss: label_smoothing must be a finite real number, got '0.1'"),
    (lambda: nn.NLLLoss(ignore_index=1.5), TypeError, r"NLLLoss: ignore_index must be an integer, got 1.5"),
    (lambda: nn.MultiClassHingeLoss(p=3), ValueError, r"MultiClassHingeLoss: p must be 1 \(hinge\) or 2 \(squared hinge\), got 3"),
    (lambda: nn.MultiClassHingeLoss(delta=NAN), ValueError, r"MultiClassHingeLoss: delta must be a finite real number, got nan"),
    (lambda: nn.MultiMarginLoss(margin="1"), TypeError, r"MultiMarginLoss: margin must be a finite real number, got '1'"),
    (lambda: nn.MultiMarginLoss(p=1.5), TypeError, r"MultiMarginLoss: p must be an integer, got 1.5"),
    (lambda: nn.BinaryHingeLoss(margin=INF), ValueError, r"BinaryHingeLoss: margin must be a finite real number, got inf"),
    (lambda: nn.SmoothL1Loss(beta=-1.0), ValueError, r"SmoothL1Loss: beta must lie in \[0.0, inf\], got -1.0"),
    (lambda: init.calculate_gain(1), TypeError, r"calculate_gain: nonlinearity must be a name such as 'relu' .*got 1 \(int\)"),
    (lambda: init.calculate_gain("leaky_relu", NAN), ValueError, r"calculate_gain: param must be a finite real number, got nan"),
    (lambda: init.calculate_gain("leaky_relu", "0.2"), TypeError, r"calculate_gain: param must be a finite real number, got '0.2'"),
    (lambda: init.kaiming_normal_(weight(), mode="fan_avg"), ValueError, r"init: mode must be one of 'fan_in', 'fan_out', got 'fan_avg'"),
    (lambda: init.kaiming_uniform_(weight(), mode=0), TypeError, r"init: mode must be one of 'fan_in', 'fan_out', got 0"),
    (lambda: init.kaiming_uniform_(weight(), nonlinearity=None), TypeError, r"calculate_gain: nonlinearity must be a name"),
    (lambda: init.kaiming_normal_(weight(), a="0"), TypeError, r"init.kaiming_normal_: a must be a finite real number, got '0'"),
    (lambda: init.xavier_uniform_(weight(), gain=NAN), ValueError, r"init.xavier_uniform_: gain must be a finite real number, got nan"),
    (lambda: init.xavier_normal_(weight(), gain=-1.0), ValueError, r"init.xavier_normal_: gain must lie in \[0.0, inf\], got -1.0"),
    (lambda: init.uniform_(weight(), 1.0, 0.0), ValueError, r"init.uniform_: the bounds must satisfy a <= b, got a=1.0, b=0.0"),
    (lambda: init.uniform_(weight(), a=-INF), ValueError, r"init.uniform_: a must be a finite real number, got -inf"),
    (lambda: init.normal_(weight(), std=-1.0), ValueError, r"init.normal_: std must lie in \[0.0, inf\], got -1.0"),
    (lambda: init.normal_(weight(), mean=NAN), ValueError, r"init.normal_: mean must be a finite real number, got nan"),
    (lambda: init.constant_(weight(), "1"), TypeError, r"init.constant_: val must be a finite real number, got '1'"),
    (lambda: init.trunc_normal_(weight(), mean=NAN), ValueError, r"init.trunc_normal_: mean must be a finite real number"),
    (lambda: init.orthogonal_(weight(), gain="1"), TypeError, r"init.orthogonal_: gain must be a finite real number, got '1'"),
    (lambda: init.sparse_(weight(), k=1.5), TypeError, r"init.sparse_: k must be an integer, got 1.5"),
    (lambda: init.sparse_(weight(), sparsity="0.1"), TypeError, r"init.sparse_: sparsity must be a finite real number, got '0.1'"),
    (lambda: init.small_random_(weight(), scale=-0.01), ValueError, r"init.small_random_: scale must lie in \[0.0, inf\], got -0.01"),
    (lambda: nn.l2_penalty(nn.Linear(2, 2), strength="1"), TypeError, r"l2_penalty: strength must be a finite real number, got '1'"),
    (lambda: nn.l1_penalty(nn.Linear(2, 2), strength=NAN), ValueError, r"l1_penalty: strength must be a finite real number, got nan"),
    (lambda: nn.l2_penalty(nn.Linear(2, 2), exclude_biases="no"), TypeError, r"exclude_biases must be True or False, got 'no'"),
    (lambda: nn.clip_weight_norm_(nn.Linear(2, 2), NAN), ValueError, r"clip_weight_norm_: max_norm must be a real number, not NaN"),
    (lambda: nn.clip_weight_norm_(nn.Linear(2, 2), 0.0), ValueError, r"clip_weight_norm_: max_norm must lie in \(0.0, inf\], got 0.0"),
    (lambda: nn.clip_weight_norm_(nn.Linear(2, 2), 1.0, dim=0.0), TypeError, r"clip_weight_norm_: dim must be an integer, got 0.0"),
    (lambda: nn.clip_weight_norm_(nn.Linear(2, 2), 1.0, dim=2), ValueError,
     r"clip_weight_norm_: dim=2 is out of range for a weight of shape \(2, 2\)"),
    (lambda: nn.utils.clip_grad_norm_([with_grad()], max_norm=NAN), ValueError, r"clip_grad_norm_: max_norm must be a real number, not NaN, got nan"),
    (lambda: nn.utils.clip_grad_norm_([with_grad()], max_norm=-1.0), ValueError, r"clip_grad_norm_: max_norm must lie in \[0.0, inf\], got -1.0"),
    (lambda: nn.utils.clip_grad_norm_([with_grad()], max_norm="5"), TypeError, r"clip_grad_norm_: max_norm must be a real number, got '5'"),
    (lambda: nn.utils.clip_grad_norm_([with_grad()], 1.0, norm_type=NAN), ValueError, r"clip_grad_norm_: norm_type must be a real number, not NaN"),
    (lambda: nn.utils.clip_grad_norm_([with_grad()], 1.0, norm_type=0.5), ValueError, r"clip_grad_norm_: norm_type must be >= 1 or inf, got 0.5"),
    (lambda: nn.utils.clip_grad_norm_([with_grad()], 1.0, norm_type="two"), TypeError, r"clip_grad_norm_: norm_type must be a real number, got 'two'"),
    (lambda: nn.utils.clip_grad_norm_([with_grad()], 1.0, error_if_nonfinite="yes"), TypeError,
     r"clip_grad_norm_: error_if_nonfinite must be True or False, got 'yes'"),
    (lambda: nn.utils.clip_grad_norm_(nn.Linear(2, 2), 1.0), TypeError, r"clip_grad_norm_: parameters must be a Tensor or an iterable of Tensors, got a Linear"),
    (lambda: nn.utils.clip_grad_norm_([np.ones(2)], 1.0), TypeError, r"clip_grad_norm_: parameter 0 is a ndarray, not a Tensor"),
    (lambda: nn.utils.clip_grad_value_([with_grad()], NAN), ValueError, r"clip_grad_value_: clip_value must be a real number, not NaN"),
    (lambda: nn.utils.clip_grad_value_([with_grad()], -1.0), ValueError, r"clip_grad_value_: clip_value must lie in \[0.0, inf\], got -1.0"),
    (lambda: nn.Linear(2, 2).train("no"), TypeError, r"Linear.train: mode must be True or False, got 'no'"),
    (lambda: nn.Linear(2, 2).requires_grad_("no"), TypeError, r"Linear.requires_grad_: requires_grad must be True or False, got 'no'"),
    (lambda: F.one_hot(np.array([1, 2]), 2.5), TypeError, r"one_hot: num_classes must be an integer, got 2.5"),
    (lambda: nn.parameter_count(nn.Linear(2, 2), trainable_only="no"), TypeError,
     r"parameter_count: trainable_only must be True or False, got 'no'"),
    (lambda: nn.summary(nn.Linear(2, 2), input_shape=2), TypeError, r"summary: input_shape must be a tuple of sizes .*got 2"),
    (lambda: nn.summary(nn.Linear(2, 2), input_shape=(1, 2.0)), TypeError, r"summary: input_shape must be a non-negative integer, got 2.0"),
    (lambda: nn.Ensemble([]), ValueError, r"Ensemble: models is empty"),
    (lambda: nn.Ensemble([nn.Linear(2, 2)], average="mean"), ValueError, r"Ensemble: average must be one of 'probabilities'"),
]

OPTIM = [
    (lambda: optim.SGD([param()], lr="0.1"), TypeError, r"SGD: lr must be a finite real number, got '0.1' \(str\)"),
    (lambda: optim.SGD([param()], lr=NAN), ValueError, r"SGD: lr must be a finite real number, got nan"),
    (lambda: optim.SGD([param()], lr=True), TypeError, r"SGD: lr must be a finite real number, got True \(bool\)"),
    (lambda: optim.SGD([param()], lr=0.1, momentum=INF), ValueError, r"SGD: momentum must be a finite real number, got inf"),
    (lambda: optim.SGD([param()], lr=0.1, momentum=0.9, nesterov="yes"), TypeError, r"SGD: nesterov must be True or False, got 'yes'"),
    (lambda: optim.SGD([param()], lr=0.1, maximize=1), TypeError, r"SGD: maximize must be True or False, got 1"),
    (lambda: optim.SGD([{"params": [param()], "lr": "1"}], lr=0.1), TypeError, r"SGD: lr must be a finite real number, got '1'"),
    (lambda: optim.Adam([param()], betas=(0.9, "0.999")), TypeError, r"Adam: betas\[1\] must be a finite real number, got '0.999'"),
    (lambda: optim.Adam([param()], eps=NAN), ValueError, r"Adam: eps must be a finite real number, got nan"),
    (lambda: optim.Adam([param()], amsgrad=1), TypeError, r"Adam: amsgrad must be True or False, got 1"),
    (lambda: optim.AdamW([param()], weight_decay=-1.0), ValueError, r"AdamW: weight_decay must lie in \[0.0, inf\], got -1.0"),
    (lambda: optim.RMSprop([param()], alpha=1.0), ValueError, r"RMSprop: alpha must lie in \[0.0, 1.0\), got 1.0"),
    (lambda: optim.RMSprop([param()], centered="no"), TypeError, r"RMSprop: centered must be True or False, got 'no'"),
    (lambda: optim.Adagrad([param()], lr_decay="0"), TypeError, r"Adagrad: lr_decay must be a finite real number, got '0'"),
    (lambda: optim.Adagrad([param()], initial_accumulator_value=-1.0), ValueError,
     r"Adagrad: initial_accumulator_value must lie in \[0.0, inf\], got -1.0"),
    (lambda: optim.LBFGS([param()], max_iter=2.5), TypeError, r"LBFGS: max_iter must be a positive integer, got 2.5"),
    (lambda: optim.LBFGS([param()], history_size=0), ValueError, r"LBFGS: history_size must be a positive integer, got 0"),
    (lambda: optim.LBFGS([param()], max_eval="10"), TypeError, r"LBFGS: max_eval must be a positive integer, got '10'"),
    (lambda: optim.LBFGS([param()], tolerance_grad=NAN), ValueError, r"LBFGS: tolerance_grad must be a finite real number, got nan"),
    (lambda: optim.ExponentialMovingAverage([param()], decay=1.5), ValueError,
     r"ExponentialMovingAverage: decay must lie in \[0.0, 1.0\], got 1.5"),
    (lambda: optim.ExponentialMovingAverage([param()], decay="0.9"), TypeError,
     r"ExponentialMovingAverage: decay must be a finite real number, got '0.9'"),
    (lambda: optim.ExponentialMovingAverage([param()], use_num_updates="no"), TypeError,
     r"ExponentialMovingAverage: use_num_updates must be True or False, got 'no'"),
    (lambda: lr_scheduler.LambdaLR(sgd(), lr_lambda=0.5), TypeError,
     r"LambdaLR: lr_lambda must be a function \(epoch -> factor\), got 0.5 \(float\)"),
    (lambda: lr_scheduler.LambdaLR(sgd(2), lr_lambda=[lambda t: 1.0, "x"]), TypeError,
     r"LambdaLR: lr_lambda\[1\] must be a function \(epoch -> factor\), got 'x'"),
    (lambda: lr_scheduler.LambdaLR(sgd(), lr_lambda="abc"), TypeError, r"LambdaLR: lr_lambda must be a function"),
    (lambda: lr_scheduler.StepLR(sgd(), step_size=2.5), TypeError, r"StepLR: step_size must be a positive integer, got 2.5"),
    (lambda: lr_scheduler.StepLR(sgd(), step_size=0), ValueError, r"StepLR: step_size must be a positive integer, got 0"),
    (lambda: lr_scheduler.StepLR(sgd(), 2, gamma="0.1"), TypeError, r"StepLR: gamma must be a finite real number, got '0.1'"),
    (lambda: lr_scheduler.StepLR(sgd(), 2, last_epoch=1.5), TypeError, r"StepLR: last_epoch must be an integer >= -1, got 1.5"),
    (lambda: lr_scheduler.MultiStepLR(sgd(), milestones=5), TypeError, r"MultiStepLR: milestones must be a list of epochs \(ints\), got 5"),
    (lambda: lr_scheduler.MultiStepLR(sgd(), milestones=[2, 4.5]), TypeError, r"MultiStepLR: each milestone must be a non-negative integer, got 4.5"),
    (lambda: lr_scheduler.MultiStepLR(sgd(), milestones=[-1]), ValueError, r"MultiStepLR: each milestone must be a non-negative integer, got -1"),
    (lambda: lr_scheduler.ExponentialLR(sgd(), gamma=NAN), ValueError, r"ExponentialLR: gamma must be a finite real number, got nan"),
    (lambda: lr_scheduler.InverseTimeLR(sgd(), k="1"), TypeError, r"InverseTimeLR: k must be a finite real number, got '1'"),
    (lambda: lr_scheduler.CosineAnnealingLR(sgd(), T_max=10.0), TypeError, r"CosineAnnealingLR: T_max must be a positive integer, got 10.0"),
    (lambda: lr_scheduler.CosineAnnealingLR(sgd(), 10, eta_min=-1.0), ValueError, r"CosineAnnealingLR: eta_min must lie in \[0.0, inf\]"),
    (lambda: lr_scheduler.CosineAnnealingWarmRestarts(sgd(), T_0=2.5), TypeError, r"CosineAnnealingWarmRestarts: T_0 must be a positive integer, got 2.5"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), max_lr=NAN, total_steps=10), ValueError, r"OneCycleLR: max_lr of group 0 must be a finite real number, got nan"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, total_steps=10.5), TypeError, r"OneCycleLR: total_steps must be a positive integer, got 10.5"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, epochs=2, steps_per_epoch=0), ValueError, r"OneCycleLR: steps_per_epoch must be a positive integer, got 0"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, total_steps=10, epochs=2.5), TypeError, r"OneCycleLR: epochs must be a positive integer, got 2.5"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, total_steps=10, pct_start=1.5), ValueError, r"OneCycleLR: pct_start must lie in \[0.0, 1.0\], got 1.5"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, total_steps=10, anneal_strategy="exp"), ValueError, r"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got 'exp'"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, total_steps=10, three_phase="yes"), TypeError, r"OneCycleLR: three_phase must be True or False, got 'yes'"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, total_steps=10, cycle_momentum=1), TypeError, r"OneCycleLR: cycle_momentum must be True or False, got 1"),
    (lambda: lr_scheduler.OneCycleLR(sgd(), 0.1, total_steps=10, div_factor=0.0), ValueError, r"OneCycleLR: div_factor divides the learning rate, so it must be positive, got 0.0"),
    (lambda: lr_scheduler.LinearLR(sgd(), total_iters=0), ValueError, r"LinearLR: total_iters must be a positive integer, got 0"),
    (lambda: lr_scheduler.LinearLR(sgd(), start_factor=NAN), ValueError, r"LinearLR: start_factor must be a finite real number, got nan"),
    (lambda: lr_scheduler.SequentialLR(sgd(), [], milestones=[2.5]), TypeError, r"SequentialLR: each milestone must be a non-negative integer, got 2.5"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd(), mode="maximum"), ValueError, r"ReduceLROnPlateau: mode must be 'min' \(a loss\) or 'max'"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd(), patience=2.5), TypeError, r"ReduceLROnPlateau: patience must be a non-negative integer, got 2.5"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd(), cooldown=-1), ValueError, r"ReduceLROnPlateau: cooldown must be a non-negative integer, got -1"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd(), factor=NAN), ValueError, r"ReduceLROnPlateau: factor must be a finite real number, got nan"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd(), min_lr=-1.0), ValueError, r"ReduceLROnPlateau: min_lr must lie in \[0.0, inf\], got -1.0"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd(2), min_lr=[0.0, "0"]), TypeError, r"ReduceLROnPlateau: min_lr of group 1 must be a finite real number, got '0'"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd(), eps=NAN), ValueError, r"ReduceLROnPlateau: eps must be a finite real number, got nan"),
    (lambda: lr_scheduler.ReduceLROnPlateau(None), TypeError, r"ReduceLROnPlateau: expected an optimizer, got NoneType"),
    (lambda: lr_scheduler.ReduceLROnPlateau(sgd()).step("0.5"), TypeError, r"ReduceLROnPlateau.step: metric must be a number .*got '0.5'"),
    (lambda: lr_scheduler.MomentumSchedule(sgd(), total_iters=2.5), TypeError, r"MomentumSchedule: total_iters must be a positive integer, got 2.5"),
    (lambda: lr_scheduler.MomentumSchedule(None), TypeError, r"MomentumSchedule: expected an optimizer, got NoneType"),
    (lambda: search.LogUniform(-1e-3, 1.0), ValueError, r"LogUniform: low must lie in \(0.0, inf\], got -0.001"),
    (lambda: search.Uniform(0.5, 0.5), ValueError, r"Uniform: low must be below high, got low=0.5, high=0.5"),
    (lambda: search.IntUniform(2, "8"), TypeError, r"IntUniform: high must be an integer, got '8'"),
    (lambda: search.Choice([]), ValueError, r"Choice: options is empty"),
    (lambda: search.random_search(lambda p, t: 0.0, {"lr": search.LogUniform(1e-3, 1.0)}, 0, folder="."), ValueError,
     r"random_search: n_trials must be a positive integer, got 0"),
]


ROWS = ENGINE + NN + OPTIM


@pytest.mark.parametrize("call, error, message", ROWS, ids=[message.split(",")[0] for _, _, message in ROWS])
def test_a_bad_argument_raises_an_error_naming_it(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert type(info.value) is error  # TypeError for a wrong type, ValueError for a wrong value, nothing vaguer


def test_bad_grad_mode_arguments_leave_the_mode_unchanged():
    assert ae.is_grad_enabled()
    with pytest.raises(TypeError):
        ae.set_grad_enabled("no")
    assert ae.is_grad_enabled()  # a truthy "no" used to switch gradients on (and "" off)


def test_gradcheck_reports_nan_errors_as_nan():
    report = ae.gradcheck(lambda x: (x * x).sum(), [np.array([NAN, 1.0])])
    assert not report
    assert math.isnan(report.inputs[0].max_rel_error) and math.isnan(report.inputs[0].max_abs_error)
    assert "0.000e+00" not in report.table().splitlines()[2]  # the summary row says nan, not a perfect 0
    assert "nan" in report.table().splitlines()[2]
    assert math.isnan(ae.rel_error(np.array([NAN, 1.0]), np.array([1.0, 1.0])))
    assert ae.rel_error(np.zeros(2), np.zeros(2)) == 0.0  # two zeros still count as exact


def test_clip_grad_refusing_nan_leaves_the_gradients_alone():
    p = with_grad()
    for call in (lambda: nn.utils.clip_grad_norm_([p], NAN), lambda: nn.utils.clip_grad_value_([p], NAN)):
        with pytest.raises(ValueError):
            call()
        np.testing.assert_array_equal(p.grad, [3.0, -4.0, 0.0])


def test_trunc_normal_with_a_nan_mean_raises_instead_of_looping_forever():
    with pytest.raises(ValueError, match="mean must be a finite real number"):
        init.trunc_normal_(weight(), mean=NAN)


# ----- valid edge values still work -------------------------------------------------------------


def test_numpy_integers_are_accepted_as_sizes():
    i = np.int64
    assert nn.Linear(i(3), np.int32(4)).weight.shape == (4, 3)
    assert nn.Conv2d(i(2), i(4), i(3), groups=i(2)).weight.shape == (4, 1, 3, 3)
    assert nn.BatchNorm1d(i(3)).num_features == 3 and type(nn.BatchNorm1d(i(3)).num_features) is int
    assert nn.GroupNorm(i(2), i(4)).num_groups == 2
    assert nn.LayerNorm((i(2), i(3))).normalized_shape == (2, 3)
    assert nn.LSTM(i(3), i(4), num_layers=i(2)).num_layers == 2
    assert nn.Embedding(i(5), i(2), padding_idx=i(0)).padding_idx == 0
    assert nn.MaxPool2d(i(2))(IMAGES).shape == (1, 2, 2, 2)
    assert nn.AdaptiveAvgPool2d((i(2), None))(IMAGES).shape == (1, 2, 2, 4)
    assert nn.Softmax(dim=i(0)).dim == 0
    assert F.one_hot(np.array([1]), i(3)).shape == (1, 3)
    assert optim.LBFGS([param()], max_iter=i(5), history_size=i(3)).param_groups[0]["max_iter"] == 5
    scheduler = lr_scheduler.StepLR(sgd(), step_size=i(2))
    assert scheduler.step_size == 2
    assert lr_scheduler.ReduceLROnPlateau(sgd(), patience=i(0), cooldown=i(1)).patience == 0
    assert lr_scheduler.MultiStepLR(sgd(), milestones=np.array([2, 4]).tolist()).milestones == [2, 4]
    assert X.sum(axis=np.int64(1)).shape == (2,) and X.sum(axis=[0, 1]).shape == ()
    assert ae.gradcheck(lambda x: (x * x).sum(), [np.ones(2)], eps=np.float64(1e-6), n_samples=i(1))


def test_numpy_bools_and_floats_are_accepted():
    with ae.set_grad_enabled(np.bool_(False)):
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()
    assert ae.Tensor([1.0], requires_grad=np.bool_(True)).requires_grad
    assert nn.Linear(2, 3, bias=np.bool_(False)).bias is None
    assert optim.SGD([param()], lr=np.float32(0.5), momentum=np.float64(0.9)).param_groups[0]["lr"] == 0.5
    assert nn.Dropout(np.float32(0.25)).p == 0.25


@pytest.mark.parametrize("momentum", [0, 0.0, 1, 1.0])
def test_batch_norm_momentum_0_and_1_are_allowed(momentum):
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    layer = nn.BatchNorm1d(2, momentum=momentum)
    layer(x)
    # running = (1 - momentum) * running + momentum * batch (running mean starts at 0)
    np.testing.assert_allclose(layer.running_mean, momentum * x.mean(axis=0))


def test_batch_norm_momentum_none_is_a_cumulative_average():
    layer = nn.BatchNorm1d(1, momentum=None)
    for batch in ([[1.0], [3.0]], [[5.0], [9.0]]):
        layer(np.array(batch, np.float32))
    np.testing.assert_allclose(layer.running_mean, [(2.0 + 7.0) / 2])


@pytest.mark.parametrize("p", [0, 0.0, 1, 1.0])
def test_dropout_p_0_and_1_are_allowed(p):
    out = nn.Dropout(p)(np.ones((3, 4), np.float32))
    np.testing.assert_array_equal(out.data if isinstance(out, ae.Tensor) else out, np.full((3, 4), 1.0 - p))
    assert nn.Dropout2d(p).p == p


def test_clip_grad_edge_values():
    p = with_grad()
    assert float(nn.utils.clip_grad_norm_([p], INF).data) == 5.0  # inf: never clip
    np.testing.assert_array_equal(p.grad, [3.0, -4.0, 0.0])
    assert float(nn.utils.clip_grad_norm_([p], 10.0, norm_type="inf").data) == 4.0  # PyTorch's 'inf'
    assert float(nn.utils.clip_grad_norm_([p], 10.0, norm_type=INF).data) == 4.0
    nn.utils.clip_grad_value_([p], INF)
    np.testing.assert_array_equal(p.grad, [3.0, -4.0, 0.0])
    nn.utils.clip_grad_value_([p], 0)
    np.testing.assert_array_equal(p.grad, [0.0, 0.0, 0.0])


def test_valid_hyperparameter_edges():
    assert optim.ExponentialMovingAverage([param()], decay=0).decay == 0
    assert optim.ExponentialMovingAverage([param()], decay=1.0).decay == 1.0
    assert optim.Adam([param()], betas=(0, 0.0), eps=0).param_groups[0]["eps"] == 0
    assert optim.SGD([param()], lr=0).param_groups[0]["lr"] == 0
    assert nn.LeakyReLU(-0.5).negative_slope == -0.5 and nn.Softplus(beta=-1).beta == -1
    assert nn.CrossEntropyLoss(label_smoothing=1).label_smoothing == 1.0
    assert nn.SmoothL1Loss(beta=0).beta == 0.0
    assert lr_scheduler.StepLR(sgd(), 1, last_epoch=-1).last_epoch == 0
    assert init.uniform_(weight(), 0.5, 0.5).max() == 0.5  # a == b fills with a
    assert np.all(init.normal_(weight(), std=0) == 0)
    assert np.isfinite(init.trunc_normal_(weight(), a=-INF, b=INF)).all()  # infinite bounds are allowed
    assert lr_scheduler.LambdaLR(sgd(2), [lambda t: 1.0, lambda t: 0.5]).get_last_lr() == [0.1, 0.05]


def test_fan_based_init_of_a_zero_element_weight_does_nothing_instead_of_dividing_by_zero():
    for fill in (init.kaiming_normal_, init.kaiming_uniform_, init.xavier_uniform_, init.xavier_normal_):
        with pytest.warns(UserWarning, match="zero-element tensor"):
            assert fill(np.zeros((0, 0))).shape == (0, 0)
        with pytest.warns(UserWarning, match="zero-element tensor"):
            fill(np.zeros((3, 0)))


def test_complex_tensors_without_gradients_still_work():
    z = ae.Tensor(np.array([1 + 2j, 3 - 1j]))
    assert not z.requires_grad and (z * 2).dtype == np.complex128
    with ae.no_grad():
        assert (param() * 1j).dtype == np.complex128  # nothing is recorded, so nothing is dropped
    assert (param().detach() * 1j).dtype == np.complex128
