"""Private: DQNAgent's networks, their initialisation (NumPy, the same on every backend), copies."""

from __future__ import annotations

import math

import keras
import numpy as np

from keras_tutorial_kit.models.q_network import QNetwork
from keras_tutorial_kit.rl._fused_update import assign_all


def make_networks(agent, weights_seed: int) -> tuple[QNetwork, QNetwork]:
    """The agent's Q-network (Glorot-uniform from ``weights_seed``) and target network, built."""
    networks = tuple(
        QNetwork(agent.num_actions, agent.hidden_units, agent.activation, name=name)
        for name in ("q_network", "target_network")
    )
    for network in networks:
        network.build((None, *agent.observation_shape))
    initialize_glorot_uniform(networks[0], np.random.default_rng(weights_seed))
    return networks


def initialize_glorot_uniform(network: keras.Model, rng: np.random.Generator) -> None:
    """Glorot-uniform kernels and zero biases for every ``Dense`` layer, drawn from ``rng``.

    Drawn in NumPy so that one seed gives the same initial weights on every backend.
    """
    for layer in [*network.hidden_layers, network.output_layer]:
        fan_in, fan_out = layer.kernel.shape
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        layer.kernel.assign(rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype("float32"))
        layer.bias.assign(np.zeros(layer.bias.shape, "float32"))


def copy_weights(source: keras.Model, target: keras.Model, tau: float = 1.0) -> None:
    """Moves every weight of ``target`` to ``tau * source + (1 - tau) * target``.

    ``tau=1`` copies ``source`` exactly (the hard update); smaller values are the
    Polyak (soft) update.

    Raises:
        ValueError: If the two networks' weights differ in number or shapes.
    """
    shapes = [tuple(w.shape) for w in source.weights], [tuple(w.shape) for w in target.weights]
    if shapes[0] != shapes[1]:
        raise ValueError(
            f"Cannot copy the weights of {source.name!r} (shapes {shapes[0]}) into "
            f"{target.name!r} (shapes {shapes[1]}): the networks differ in structure."
        )
    if tau == 1.0:
        assign_all(target.weights, source.weights)
        return
    values = [
        tau * keras.ops.convert_to_numpy(s) + (1.0 - tau) * keras.ops.convert_to_numpy(t)
        for s, t in zip(source.weights, target.weights, strict=True)
    ]
    assign_all(target.weights, [value.astype("float32") for value in values])
