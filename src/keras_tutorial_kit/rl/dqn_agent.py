"""``DQNAgent``: deep Q-learning with a target network for gymnasium environments."""

from __future__ import annotations

import os
import pathlib
import warnings
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._deprecation import renamed_arguments
from keras_tutorial_kit.rl import _checkpoint, _train_round, _training_loop
from keras_tutorial_kit.rl._dqn_config import check_config, discrete_actions, to_json
from keras_tutorial_kit.rl._fused_update import make_fused_update
from keras_tutorial_kit.rl._network_weights import copy_weights, make_networks
from keras_tutorial_kit.rl._training_history import TrainingHistory
from keras_tutorial_kit.rl.evaluate_policy import evaluate_policy
from keras_tutorial_kit.rl.linear_schedule import LinearSchedule
from keras_tutorial_kit.rl.replay_buffer import ReplayBuffer


class DQNAgent:
    """Deep Q-learning (Mnih et al., 2015) for a gymnasium environment with discrete actions.

    The tutorial's CartPole DQN, rebuilt so that it learns reliably and fast: a
    :class:`~keras_tutorial_kit.models.QNetwork` and a **target network** (moved ``tau``
    of the way to the online network after each training round); a :class:`ReplayBuffer`;
    every ``train_freq`` steps a **training round** of ``gradient_steps`` minibatch steps
    as **one call** (:meth:`train_round`); the **Huber loss** on ``Q(s, a) - y`` with
    ``y = r + gamma * (1 - terminated) * Q_target(s', a')`` (n-step: ``r`` sums up to
    ``n_steps`` discounted rewards, ``gamma`` becomes ``gamma ** m``). Only
    ``terminated`` stops the bootstrap; ``a'`` is the argmax of ``Q_target(s', .)``, or
    with ``double_q`` of the online network at that gradient step. Epsilon-greedy
    exploration (a :class:`LinearSchedule`); Adam with gradient-norm clipping and a
    learning rate decaying linearly over ``learning_rate_decay_steps`` steps.

    The defaults solve ``CartPole-v1``; the docs' DQN chapter explains them and how often
    the agent stays solved. Everything random comes from ``seed``, the same on every
    backend. To train until solved, pass a :class:`StopWhenSolved` callback to ``learn``.

    Args:
        observation_shape: Shape of one observation, e.g. ``(4,)``.
        num_actions: Positive integer, the number of discrete actions.
        hidden_units: Hidden layer sizes of the Q-network.
        activation: Hidden activation of the Q-network.
        learning_rate: Adam learning rate at step 0.
        learning_rate_final: Learning rate (>= 0) from ``learning_rate_decay_steps``
            on; equal to ``learning_rate`` for a constant rate.
        learning_rate_decay_steps: Environment steps of the linear decay (counted
            from the agent's creation, like ``exploration_steps``).
        buffer_capacity: Replay buffer capacity (formerly ``buffer_size``,
            deprecated, removed in 0.4.0).
        batch_size: Minibatch size of each gradient step.
        learning_starts: Environment steps before the first training round.
        gamma: Discount factor in ``[0, 1]``.
        n_steps: Positive integer: learn from n-step returns, the discounted sum of
            up to ``n_steps`` rewards of an episode, bootstrapped ``gamma ** m``
            later (the buffer's ``n_steps``; 1 is one-step Q-learning).
        train_freq: Environment steps between training rounds.
        gradient_steps: Gradient steps per training round (one compiled call).
        target_update_interval: Environment steps between target-network updates.
        tau: Each target update sets ``target = tau * online + (1 - tau) * target``,
            ``tau`` in ``(0, 1]`` (1 copies the online network).
        exploration_initial_eps: Epsilon at step 0.
        exploration_final_eps: Epsilon after ``exploration_steps``.
        exploration_steps: Environment steps of the linear epsilon decay.
        max_grad_norm: Global gradient-norm clip of each step.
        double_q: Double DQN (van Hasselt et al., 2016): the online network picks ``a'``.
        observation_dtype: NumPy dtype the buffer stores observations in.
        seed: ``None`` or an integer >= 0 (Python or NumPy).

    Raises:
        ValueError: If an argument is out of range, naming it and the value.

    Example:

    >>> import gymnasium as gym
    >>> import keras_tutorial_kit as ktk
    >>> env = gym.make("CartPole-v1")
    >>> agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(32,), learning_starts=64,
    ...                                  train_freq=32, gradient_steps=4, batch_size=16, seed=0)
    >>> history = agent.learn(env, total_timesteps=300, progress_bar=False)
    >>> agent.num_timesteps, len(history.episode_returns) > 0
    (300, True)
    >>> returns = agent.evaluate(env, episodes=2)
    >>> returns.shape
    (2,)
    """

    @renamed_arguments("0.4.0", buffer_size="buffer_capacity")
    def __init__(
        self,
        observation_shape: tuple[int, ...],
        num_actions: int,
        *,
        hidden_units: tuple[int, ...] = (128, 128),
        activation: str = "relu",
        learning_rate: float = 2.3e-3,
        learning_rate_final: float = 1e-5,
        learning_rate_decay_steps: int = 50_000,
        buffer_capacity: int = 100_000,
        batch_size: int = 64,
        learning_starts: int = 1_000,
        gamma: float = 0.99,
        n_steps: int = 5,
        train_freq: int = 256,
        gradient_steps: int = 128,
        target_update_interval: int = 10,
        tau: float = 0.5,
        exploration_initial_eps: float = 1.0,
        exploration_final_eps: float = 0.04,
        exploration_steps: int = 8_000,
        max_grad_norm: float = 10.0,
        double_q: bool = True,
        observation_dtype: str = "float32",
        seed: int | None = None,
    ) -> None:
        arguments = dict(locals())
        for name, value in check_config(arguments).items():
            setattr(self, name, value)
        self._rng = np.random.default_rng(self.seed)
        buffer_seed, weights_seed = (int(s) for s in self._rng.integers(0, 2**31 - 1, size=2))
        self.exploration = LinearSchedule(
            self.exploration_initial_eps, self.exploration_final_eps, self.exploration_steps
        )
        self.learning_rate_schedule = LinearSchedule(
            self.learning_rate, self.learning_rate_final, self.learning_rate_decay_steps
        )
        self.replay_buffer = ReplayBuffer(
            self.buffer_capacity,
            self.observation_shape,
            self.observation_dtype,
            seed=buffer_seed,
            n_steps=self.n_steps,
            gamma=self.gamma,
        )
        self.q_network, self.target_network = make_networks(self, weights_seed)
        copy_weights(self.q_network, self.target_network)
        self._target_is_stale = False
        self.optimizer = keras.optimizers.Adam(
            learning_rate=self.learning_rate, global_clipnorm=self.max_grad_norm
        )
        self.optimizer.build(self.q_network.trainable_variables)
        self._update = make_fused_update(
            self.q_network, self.target_network, self.optimizer, self.double_q
        )
        self.num_timesteps = 0
        self.num_updates = 0
        self.history = TrainingHistory()
        self._acting_weights = self.q_network.numpy_weights()

    @classmethod
    def from_env(cls, env: Any, **kwargs: Any) -> DQNAgent:
        """An agent for ``env``'s (or a vector env's single copy's) observation shape and
        ``Discrete`` action space; ``**kwargs`` are other ``DQNAgent`` arguments.

        Raises ``ValueError`` if the action space is not discrete.
        """
        num_actions = discrete_actions(env)  # checks env first
        space = getattr(env, "single_observation_space", None) or env.observation_space
        return cls(tuple(space.shape), num_actions, **kwargs)

    def _sync_target(self) -> None:
        copy_weights(self.q_network, self.target_network, self.tau)
        self._target_is_stale = False

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments."""
        return to_json(self)

    @property
    def buffer_size(self) -> int:
        """Deprecated alias of ``buffer_capacity`` (removed in 0.4.0)."""
        warnings.warn(
            "`buffer_size` is deprecated and will be removed in 0.4.0; use `buffer_capacity` "
            "instead.",
            FutureWarning,
            stacklevel=2,
        )
        return self.buffer_capacity

    def act(self, observation: Any, epsilon: float = 0.0) -> int:
        """The action for one observation: greedy, or random with probability ``epsilon``
        (the weights of the last training round, the agent's own generator)."""
        if np.shape(observation) != self.observation_shape:
            raise ValueError(
                f"`observation` must have shape {self.observation_shape}. "
                f"Received: observation with shape {np.shape(observation)}"
            )
        return int(
            self.q_network.act(
                np.asarray(observation, dtype=np.float32)[None],
                epsilon=epsilon,
                seed=self._rng,
                weight_snapshot=self._acting_weights,
            )[0]
        )

    def train_round(self) -> float:
        """Runs one training round now: ``gradient_steps`` steps in one compiled call.

        ``learn`` calls it every ``train_freq`` steps; call it yourself to train on a buffer
        you filled (the target network is updated at ``learn``'s next interval step).

        Returns:
            The mean Huber loss of the round.

        Raises:
            ValueError: If the buffer holds fewer than ``batch_size`` transitions.
        """
        return _train_round.train_round(self)

    def learn(
        self,
        env: Any,
        total_timesteps: int,
        *,
        progress_bar: bool = True,
        checkpoint_directory: str | os.PathLike | None = None,
        checkpoint_interval: int = 10_000,
        callback: Callable[[DQNAgent], bool | None] | None = None,
    ) -> TrainingHistory:
        """Trains until the agent has taken ``total_timesteps`` environment steps in all.

        ``total_timesteps`` counts from the agent's creation: after loading a checkpoint
        of step 20 000, ``learn(env, 50_000)`` does the remaining 30 000, exactly those of
        the uninterrupted run. With a vector environment (``NextStep`` or ``SameStep``
        autoreset) the copies act together; steps and every schedule argument count each
        copy's steps (not resets): gradient steps per environment step do not depend on N.

        Args:
            env: A gymnasium environment with the agent's observation shape and a
                discrete action space (5-value ``step`` API), or a vector
                environment of copies of one.
            total_timesteps: The agent's step count to stop at.
            progress_bar: Show a ``keras.utils.Progbar`` (updated at episode ends).
            checkpoint_directory: If given, ``save`` to it at the first episode end
                after every ``checkpoint_interval`` steps, and at the end.
            checkpoint_interval: Positive integer, steps between checkpoints.
            callback: Called as ``callback(agent)`` at every episode end; returning
                ``False`` stops training (e.g. :class:`StopWhenSolved`).

        Returns:
            The agent's :class:`TrainingHistory` (``self.history``), covering every
            ``learn`` call so far.

        Raises:
            ValueError: If ``total_timesteps``, ``checkpoint_interval`` or
                ``progress_bar`` is invalid, or a vector ``env`` does not match the
                agent or autoresets in another mode.
            TypeError: If ``callback`` is not callable or ``checkpoint_directory``
                not a path.
        """
        checkpoints = (checkpoint_directory, checkpoint_interval)
        _training_loop.learn(self, env, total_timesteps, progress_bar, checkpoints, callback)
        return self.history

    def evaluate(self, env: Any, episodes: int = 100, seed: int | None = None) -> np.ndarray:
        """The returns of ``episodes`` greedy episodes, with :func:`evaluate_policy`.

        Args:
            env: A gymnasium environment like the training one.
            episodes: Positive integer, the number of episodes.
            seed: Passed to the first ``env.reset``; ``None`` leaves it unseeded.

        Returns:
            A float64 array of shape ``(episodes,)``.
        """
        snapshot = self.q_network.numpy_weights()

        def greedy(observation: Any) -> int:
            return int(self.q_network.act(observation, weight_snapshot=snapshot))

        return evaluate_policy(greedy, env, episodes, seed)

    def save(self, directory: str | os.PathLike) -> pathlib.Path:
        """Writes a complete checkpoint to ``directory``.

        Everything (networks, optimizer, buffer, generators, counters, history) goes to
        ``directory/checkpoint-<steps>/``; then ``directory/latest`` is replaced atomically
        and older checkpoints removed: a crash mid-save leaves the previous one in use.

        Returns:
            The folder of the new checkpoint.
        """
        return _checkpoint.save_checkpoint(self, directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> DQNAgent:
        """Restores the agent of the latest checkpoint ``save`` wrote to ``directory``.

        Raises:
            ValueError: Naming the file or folder, if ``directory`` holds no
                checkpoint, ``latest`` points at a missing one, or a file of it is
                truncated, foreign, or of a newer format.
        """
        return _checkpoint.load_checkpoint(cls, directory)
