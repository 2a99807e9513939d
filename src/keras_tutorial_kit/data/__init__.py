"""The tutorial's data loaders."""

from keras_tutorial_kit.data.flowers import load_flowers
from keras_tutorial_kit.data.mnist_loader import MNISTLoader

__all__ = [
    "MNISTLoader",
    "load_flowers",
]
