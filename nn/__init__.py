"""Neural-network modules, layers and losses, composed only of autograd_engine primitives."""
from . import data, functional, init, utils, visualize
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, Maxout, PReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .activation_hard import Hardsigmoid, Hardswish, Hardtanh, ReLU6
from .activation_smooth import CELU, GLU, SELU, LogSigmoid, Mish, SiLU, Softmin, Softsign, Tanhshrink
from .attention import MultiheadAttention
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .conv1d import AvgPool1d, Conv1d, MaxPool1d
from .conv_transpose import ConvTranspose2d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .ensemble import Ensemble
from .fold import Fold, Unfold
from .functional_call import functional_call
from .interpolate import Upsample
from .linear import Flatten, Identity, Linear
from .loss import (
    BCEWithLogitsLoss,
    BinaryHingeLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    MultiClassHingeLoss,
    MultiMarginLoss,
    NLLLoss,
    SmoothL1Loss,
)
from .loss_likelihood import BCELoss, GaussianNLLLoss, KLDivLoss, PoissonNLLLoss
from .loss_ranking import CosineEmbeddingLoss, HingeEmbeddingLoss, MarginRankingLoss, TripletMarginLoss
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle, StateDictError
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .onnx_export import OnnxExportError, export_onnx
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .regularization import clip_weight_norm_, elastic_net_penalty, l1_penalty, l2_penalty, split_decay_parameters
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .serialization import CheckpointError, load, save
from .summary import parameter_count, summary
