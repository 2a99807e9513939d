"""The tutorial's data loaders."""

from keras_tutorial_kit.data.char_corpus import CharCorpus
from keras_tutorial_kit.data.flowers import load_flowers
from keras_tutorial_kit.data.mnist_loader import MNISTLoader

__all__ = [
    "CharCorpus",
    "MNISTLoader",
    "load_flowers",
]
