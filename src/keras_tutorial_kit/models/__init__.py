"""The tutorial's models as subclassed Keras models."""

from keras_tutorial_kit.models.char_rnn import CharRNN
from keras_tutorial_kit.models.cnn import CNN
from keras_tutorial_kit.models.linear import Linear
from keras_tutorial_kit.models.mlp import MLP
from keras_tutorial_kit.models.q_network import QNetwork

__all__ = ["CNN", "CharRNN", "Linear", "MLP", "QNetwork"]
