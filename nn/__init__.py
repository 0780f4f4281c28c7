"""Neural-network modules, layers and losses, composed only of autograd_engine primitives."""
from . import functional, init
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, Maxout, PReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .containers import ModuleDict, ModuleList, Sequential
from .linear import Flatten, Identity, Linear
from .loss import CrossEntropyLoss, NLLLoss
from .module import IncompatibleKeys, Module, Parameter, StateDictError
