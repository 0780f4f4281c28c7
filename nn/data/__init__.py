"""Data for training: data sets, the ``DataLoader`` that feeds them to a model in mini-batches,
and image ``transforms`` applied per batch (see each module)."""
from . import transforms
from .loader import DataLoader, Dataset, Subset, TensorDataset, random_split

__all__ = ["transforms", "Dataset", "TensorDataset", "Subset", "DataLoader", "random_split"]
