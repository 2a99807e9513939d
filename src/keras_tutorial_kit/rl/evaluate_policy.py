"""``evaluate_policy``: the undiscounted returns of a policy over whole episodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_positive_int, check_seed


def evaluate_policy(
    policy: Callable[[Any], Any], env: Any, episodes: int = 100, seed: int | None = None
) -> np.ndarray:
    """Runs ``episodes`` episodes of ``policy`` in ``env`` and returns their returns.

    Each episode runs until gymnasium reports ``terminated`` or ``truncated``; its
    return is the plain sum of its rewards. The first ``env.reset`` gets ``seed``, the
    later ones continue the environment's own generator, so a seed fixes the whole run.
    :meth:`DQNAgent.evaluate` calls it with the agent's greedy policy.

    Args:
        policy: A callable from one observation to one action, e.g.
            ``lambda observation: int(q_network.act(observation))``.
        env: A gymnasium environment (5-value ``step`` API).
        episodes: Positive integer, the number of episodes.
        seed: ``None`` or an integer >= 0, passed to the first ``env.reset``.

    Returns:
        A float64 array of shape ``(episodes,)``.

    Raises:
        ValueError: If ``episodes`` is not a positive integer or ``seed`` is invalid.
        TypeError: If ``policy`` is not callable or ``env`` is not an environment.

    Example:

    >>> import gymnasium as gym
    >>> import keras_tutorial_kit as ktk
    >>> env = gym.make("CartPole-v1")
    >>> returns = ktk.rl.evaluate_policy(lambda observation: 0, env, episodes=3, seed=0)
    >>> returns.shape, bool((returns >= 1).all())
    ((3,), True)
    """
    if not callable(policy):
        raise TypeError(f"`policy` must be callable. Received: policy={policy!r}")
    if not (hasattr(env, "reset") and hasattr(env, "step")):
        raise TypeError(f"`env` must be a gymnasium environment. Received: env={env!r}")
    episodes = check_positive_int("episodes", episodes)
    seed = check_seed("seed", seed)
    returns = np.zeros(episodes)
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed if episode == 0 else None)
        done, total = False, 0.0
        while not done:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total += float(reward)
            done = terminated or truncated
        returns[episode] = total
    return returns
