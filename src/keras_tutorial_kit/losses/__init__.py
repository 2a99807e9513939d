"""Custom Keras losses from the tutorial."""

from keras_tutorial_kit.losses.mean_squared_error import MeanSquaredError, mean_squared_error

__all__ = ["MeanSquaredError", "mean_squared_error"]
