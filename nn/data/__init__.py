"""Data for training: data sets read from their standard files (``datasets``)."""
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

__all__ = [
    "CIFAR10_CLASSES",
    "FASHION_MNIST_CLASSES",
    "cifar10_classes",
    "load_cifar10",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "make_spiral",
]
