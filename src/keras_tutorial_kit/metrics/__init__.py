"""Custom Keras metrics from the tutorial."""

from keras_tutorial_kit.metrics.sparse_categorical_accuracy import SparseCategoricalAccuracy

__all__ = ["SparseCategoricalAccuracy"]
