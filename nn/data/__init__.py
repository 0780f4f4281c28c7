"""Data for training: data sets read from their standard files (``datasets``), the ``DataLoader``
that feeds them to a model in mini-batches (``loader``), and image ``transforms`` applied per batch."""
from . import transforms
from .datasets import (
    CIFAR10_CLASSES,
    FASHION_MNIST_CLASSES,
    cifar10_classes,
    load_cifar10,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    make_spiral,
)
from .loader import DataLoader, Dataset, Subset, TensorDataset, random_split

__all__ = [
    "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "cifar10_classes", "load_cifar10", "load_digits",
    "load_fashion_mnist", "load_mnist", "make_spiral",
    "transforms", "Dataset", "TensorDataset", "Subset", "DataLoader", "random_split",
]
