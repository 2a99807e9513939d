"""Custom Keras layers from the tutorial."""

from keras_tutorial_kit.layers.linear_layer import LinearLayer

__all__ = ["LinearLayer"]
