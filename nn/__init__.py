"""Neural-network modules, layers and losses, composed only of autograd_engine primitives."""
from .containers import ModuleDict, ModuleList, Sequential
from .module import IncompatibleKeys, Module, Parameter, StateDictError
