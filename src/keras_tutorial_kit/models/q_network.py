"""``QNetwork``: the tutorial's DQN value network, with a fast ``act`` for acting step by step."""

from __future__ import annotations

import numbers
import reprlib
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._config import with_arguments
from keras_tutorial_kit._deprecation import renamed_arguments
from keras_tutorial_kit._validation import check_positive_int, check_seed, get_initializer
from keras_tutorial_kit.models.mlp import MLP

# NumPy twins of Keras activations, used by ``act``'s forward pass. Others fall back to
# calling the Keras activation on the NumPy array.
_NUMPY_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 0.5 * (np.tanh(0.5 * x) + 1.0),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "softplus": lambda x: np.logaddexp(x, 0.0),
    "silu": lambda x: x * 0.5 * (np.tanh(0.5 * x) + 1.0),
}


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed("seed", seed))


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class QNetwork(MLP):
    """A multilayer perceptron from observations to one Q-value per action.

    The model of the tutorial's "Deep reinforcement learning" section (``Dense(24,
    relu)``, ``Dense(24, relu)``, ``Dense(2)`` for CartPole): an :class:`MLP` with
    ``num_classes=num_actions`` and a linear head, so the input is flattened, passed
    through ``Dense`` layers of sizes ``hidden_units`` with ``activation``, and the
    head gives ``Q(s, a)`` for every action.

    Calling the model (``model(x)``, ``predict``, ``fit``) behaves like any Keras
    model. ``act(observations, epsilon)`` is the fast path for choosing actions in an
    environment loop: it runs the forward pass in NumPy on the current weights (or a
    ``numpy_weights()`` snapshot), then picks ``argmax_a Q(s, a)``, or a uniformly
    random action with probability ``epsilon`` (epsilon-greedy). Observations may be
    NumPy arrays or tensors of any backend.

    Args:
        num_actions: Positive integer, the number of discrete actions.
        hidden_units: Sizes of the hidden ``Dense`` layers (may be empty).
        activation: Activation of the hidden layers.
        kernel_initializer: Initializer of every ``Dense`` kernel.
        bias_initializer: Initializer of every ``Dense`` bias.
        **kwargs: Base model arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: A float tensor of shape ``(batch, *observation_shape)``.

    Returns:
        A tensor of shape ``(batch, num_actions)`` of Q-values.

    Raises:
        ValueError: If ``num_actions`` or an entry of ``hidden_units`` is not a
            positive integer, or an activation or initializer is unknown.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> q_network = ktk.models.QNetwork(num_actions=2, hidden_units=(24, 24))
    >>> observations = np.zeros((3, 4), dtype="float32")
    >>> tuple(q_network(observations).shape)
    (3, 2)
    >>> actions = q_network.act(observations)
    >>> actions.shape, actions.dtype.name
    ((3,), 'int64')
    >>> int(q_network.act(np.zeros(4, dtype="float32"), epsilon=1.0, seed=0)) in (0, 1)
    True
    """

    def __init__(
        self,
        num_actions: int,
        hidden_units: tuple[int, ...] = (24, 24),
        activation: Any = "relu",
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        num_actions = check_positive_int("num_actions", num_actions)
        super().__init__(num_actions, hidden_units, activation, output_activation=None, **kwargs)
        self.kernel_initializer = get_initializer("kernel_initializer", kernel_initializer)
        self.bias_initializer = get_initializer("bias_initializer", bias_initializer)
        for layer in [*self.hidden_layers, self.output_layer]:
            layer.kernel_initializer = self.kernel_initializer
            layer.bias_initializer = self.bias_initializer
        name = keras.activations.serialize(self.activation)
        self._numpy_activation = _NUMPY_ACTIVATIONS.get(name) if isinstance(name, str) else None
        self._observation_ndim: int | None = None

    @property
    def num_actions(self) -> int:
        """The number of actions (``MLP``'s ``num_classes``)."""
        return self.num_classes

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = tuple(input_shape[1:])
        if not features or any(dim is None for dim in features):
            raise ValueError(
                "`QNetwork` needs inputs of shape (batch, *observation_shape) with known "
                f"observation dimensions. Received: input_shape={tuple(input_shape)}"
            )
        self._observation_ndim = len(features)
        super().build(input_shape)

    def numpy_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The current ``(kernel, bias)`` of every ``Dense`` layer as float32 NumPy arrays.

        Reading them costs a device-to-host copy per variable: a loop that acts every
        step should take this snapshot once per update and pass it to :meth:`act`.
        """
        return [
            (
                np.asarray(layer.kernel.numpy(), dtype=np.float32),
                np.asarray(layer.bias.numpy(), dtype=np.float32),
            )
            for layer in [*self.hidden_layers, self.output_layer]
        ]

    def numpy_q_values(
        self,
        observations: np.ndarray,
        weight_snapshot: list[tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> np.ndarray:
        """Q-values of a ``(batch, ...)`` float32 NumPy array, computed in NumPy.

        Args:
            observations: Float32 array of shape ``(batch, *observation_shape)``.
            weight_snapshot: A ``numpy_weights()`` snapshot; ``None`` reads the
                current weights.

        Returns:
            A float32 array of shape ``(batch, num_actions)``.

        Raises:
            TypeError: If ``weight_snapshot`` is not a list of ``(kernel, bias)`` pairs.
            ValueError: If ``observations`` rows do not match the network's input size.
        """
        if weight_snapshot is None:
            weight_snapshot = self.numpy_weights()
        elif not isinstance(weight_snapshot, list | tuple) or not all(
            isinstance(pair, list | tuple) and len(pair) == 2 for pair in weight_snapshot
        ):
            raise TypeError(
                "`weight_snapshot` must be a `numpy_weights()` list of (kernel, bias) pairs. "
                f"Received: weight_snapshot={reprlib.repr(weight_snapshot)}"
            )
        x = np.asarray(observations).reshape(len(observations), -1)
        if weight_snapshot and x.shape[1] != np.shape(weight_snapshot[0][0])[0]:
            raise ValueError(
                f"`observations` must have {np.shape(weight_snapshot[0][0])[0]} features per "
                f"row. Received: observations with shape {np.shape(observations)}"
            )
        last = len(weight_snapshot) - 1
        for i, (kernel, bias) in enumerate(weight_snapshot):
            x = x @ kernel + bias
            if i < last:
                if self._numpy_activation is not None:
                    x = self._numpy_activation(x)
                else:
                    x = np.asarray(keras.ops.convert_to_numpy(self.activation(x)), np.float32)
        return x

    @renamed_arguments("0.4.0", weights="weight_snapshot")
    def act(
        self,
        observations: Any,
        epsilon: float = 0.0,
        seed: int | np.random.Generator | None = None,
        weight_snapshot: list[tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> np.ndarray:
        """Epsilon-greedy actions for a batch of observations (or for one), in NumPy.

        Args:
            observations: Array or tensor of shape ``(batch, *observation_shape)``, or
                one observation of shape ``observation_shape`` once the model is built.
            epsilon: Probability in ``[0, 1]`` of a uniformly random action, per row.
            seed: ``None``, a non-negative integer or a ``numpy.random.Generator``
                (used as is, so a caller's generator advances) for the random part.
            weight_snapshot: Optional ``numpy_weights()`` snapshot to use instead of
                reading the current weights (formerly ``weights``, deprecated,
                removed in 0.4.0).

        Returns:
            An ``int64`` array of shape ``(batch,)``, or an ``int64`` scalar for one
            observation.

        Raises:
            ValueError: If ``epsilon`` is outside ``[0, 1]``, ``seed`` is invalid or
                ``observations`` do not match the network's input size.
            TypeError: If ``weight_snapshot`` is not a list of ``(kernel, bias)`` pairs.
        """
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, numbers.Real)
            or not 0 <= epsilon <= 1
        ):
            raise ValueError(f"`epsilon` must be a number in [0, 1]. Received: epsilon={epsilon!r}")
        if not isinstance(observations, np.ndarray):
            observations = keras.ops.convert_to_numpy(observations)
        observations = np.asarray(observations, dtype=np.float32)
        if not self.built:
            self.build((None, *observations.shape[1:]))
        single = observations.ndim == self._observation_ndim
        if single:
            observations = observations[None]
        q_values = self.numpy_q_values(observations, weight_snapshot)
        actions = np.argmax(q_values, axis=-1).astype(np.int64)
        if epsilon > 0:
            rng = _rng(seed)
            explore = rng.random(len(actions)) < epsilon
            if explore.any():
                actions[explore] = rng.integers(0, self.num_actions, size=int(explore.sum()))
        return actions[0] if single else actions

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["num_classes"], config["output_activation"]
        names = ("num_actions", "kernel_initializer", "bias_initializer")
        return with_arguments(config, self, names)
