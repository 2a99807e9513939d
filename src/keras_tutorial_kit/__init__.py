"""keras-tutorial-kit: the components of the tf.wiki TensorFlow 2 tutorial as Keras 3 building blocks."""

from keras_tutorial_kit._native_logs import quiet_if_command_line as _quiet_if_command_line

with _quiet_if_command_line():
    from keras_tutorial_kit import data, layers, losses, metrics, models, rl, samplers
from keras_tutorial_kit._version import __version__

__all__ = [
    "__version__",
    "data",
    "layers",
    "losses",
    "metrics",
    "models",
    "rl",
    "samplers",
]
