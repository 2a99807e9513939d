"""Text samplers that turn a model's logits into tokens."""

from keras_tutorial_kit.samplers.sample_logits import sample_logits
from keras_tutorial_kit.samplers.temperature_sampler import TemperatureSampler

__all__ = ["TemperatureSampler", "sample_logits"]
