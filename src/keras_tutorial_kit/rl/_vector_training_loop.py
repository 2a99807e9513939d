"""Private: ``DQNAgent.learn``'s loop for a gymnasium vector environment of N copies.

One vector step acts for the N sub-environments at once (one NumPy forward pass,
epsilon-greedy per row), stores the step's transitions with one ``extend`` (each row
with its sub-environment's ``env_indices``, so that the buffer's n-step windows follow
each copy's own stream) and then runs the target syncs and training rounds that the
single-environment loop would run for those environment steps, in the same order.

Autoreset (https://farama.org/Vector-Autoreset-Mode), read from
``env.metadata["autoreset_mode"]``:

- ``NextStep`` (gymnasium's default): the step after a sub-environment's episode ends
  only resets it; that step is not a transition and is neither stored nor counted.
- ``SameStep``: the sub-environment resets in the step that ends its episode; the
  transition's next observation is ``infos["final_obs"][i]``.
- ``Disabled`` and anything else: ``ValueError``.

``agent.num_timesteps`` counts transitions, i.e. environment steps that moved a
sub-environment (at most N per vector step), so ``train_freq``,
``target_update_interval``, ``learning_starts`` and ``exploration_steps`` keep their
meaning in environment steps, and the gradient steps per environment step
(``gradient_steps / train_freq``) do not depend on N. A vector step that would pass
``total_timesteps`` keeps only the transitions of its first sub-environments, so that
``learn`` ends exactly at ``total_timesteps``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_tutorial_kit.rl._dqn_config import discrete_actions
from keras_tutorial_kit.rl._learn_run import LearnRun
from keras_tutorial_kit.rl._train_round import train_and_sync

_MODES = ("NextStep", "SameStep")


def is_vector_env(env: Any) -> bool:
    """Whether ``env`` looks like a gymnasium ``VectorEnv`` (or a wrapper of one)."""
    return hasattr(env, "num_envs") and hasattr(env, "single_observation_space")


def check_vector_env(agent: Any, env: Any) -> tuple[int, bool]:
    """``(num_envs, same_step)`` of ``env`` if its spaces and autoreset mode suit ``agent``."""
    num_envs = env.num_envs
    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
        raise ValueError(
            "`env` must have a positive integer `num_envs`. "
            f"Received: env={env!r} with num_envs={num_envs!r}"
        )
    shape = getattr(env.single_observation_space, "shape", None)
    if shape is None or tuple(shape) != agent.observation_shape:
        raise ValueError(
            f"`env` must have observations of shape {agent.observation_shape}, as the agent. "
            f"Received: env={env!r} with single_observation_space="
            f"{env.single_observation_space!r}"
        )
    if discrete_actions(env) != agent.num_actions:  # a non-Discrete space raises there
        raise ValueError(
            f"`env` must have a Discrete({agent.num_actions}) action space starting at 0, "
            f"as the agent. Received: env={env!r} with single_action_space="
            f"{env.single_action_space!r}"
        )
    if num_envs > 1 and not getattr(agent.replay_buffer, "store_next_observations", True):
        raise ValueError(
            "`env` must be one environment when the agent's replay buffer has "
            "store_next_observations=False (it keeps one stream of observations). "
            f"Received: env={env!r} with num_envs={num_envs}"
        )
    metadata = getattr(env, "metadata", None) or {}
    mode = metadata.get("autoreset_mode")
    name = getattr(mode, "value", mode)
    if name not in _MODES:
        raise ValueError(
            "`env` must autoreset in gymnasium's NextStep or SameStep mode "
            '(`metadata["autoreset_mode"]`). '
            f"Received: env={env!r} with autoreset_mode={mode!r}"
        )
    return int(num_envs), name == "SameStep"


def choose_actions(agent: Any, observations: np.ndarray, step: int) -> np.ndarray:
    """Epsilon-greedy actions for a batch of observations, per row, from ``agent._rng``."""
    rng, count = agent._rng, len(observations)
    epsilon = 1.0 if step < agent.learning_starts else agent.exploration(step)
    explore = rng.random(count) < epsilon
    actions = rng.integers(agent.num_actions, size=count)
    if not explore.all():
        values = agent.q_network.numpy_q_values(
            np.asarray(observations, np.float32), agent._acting_weights
        )
        actions = np.where(explore, actions, values.argmax(axis=1))
    return actions


def final_observations(
    next_observations: np.ndarray, ends: np.ndarray, infos: dict[str, Any]
) -> np.ndarray:
    """SameStep: ``next_observations`` with each ended row replaced by its final observation."""
    rows = np.flatnonzero(ends)
    if rows.size == 0:
        return next_observations
    finals, mask = infos.get("final_obs"), infos.get("_final_obs")
    if finals is None or mask is None or not np.all(np.asarray(mask)[rows]):
        raise ValueError(
            "A SameStep vector environment must report each ended episode's last "
            f'observation in infos["final_obs"]. Received: infos keys {sorted(infos)}'
        )
    result = np.array(next_observations, copy=True)
    for row in rows:
        result[row] = finals[row]
    return result


def learn(agent: Any, env: Any, run: LearnRun) -> None:
    """The vector loop of ``_training_loop.learn`` (arguments and ``env`` already checked)."""
    num_envs, same_step = check_vector_env(agent, env)
    rng, buffer = agent._rng, agent.replay_buffer
    observations, _ = env.reset(seed=int(rng.integers(0, 2**31 - 1)))
    resetting = np.zeros(num_envs, np.bool_)  # NextStep: the rows whose next step only resets
    returns, lengths = np.zeros(num_envs), np.zeros(num_envs, np.int64)
    env_indices = np.arange(num_envs)
    while agent.num_timesteps < run.total_timesteps:
        first = agent.num_timesteps
        actions = choose_actions(agent, observations, first)
        next_observations, rewards, terminated, truncated, infos = env.step(actions)
        rewards = np.asarray(rewards, np.float64)
        terminated, truncated = np.asarray(terminated, bool), np.asarray(truncated, bool)
        ends = (terminated | truncated) & ~resetting
        targets = final_observations(next_observations, ends, infos) if same_step else None
        count = min(num_envs - int(resetting.sum()), run.total_timesteps - first)
        # The rows stored: all of them (a slice, no copies) unless some only reset or the
        # step passes ``total_timesteps`` (the first sub-environments' rows are kept).
        rows = slice(None) if count == num_envs else np.flatnonzero(~resetting)[:count]
        if count:
            buffer.extend(
                observations[rows],
                actions[rows],
                rewards[rows],
                (next_observations if targets is None else targets)[rows],
                terminated[rows],
                truncated[rows],
                env_indices=env_indices[rows],  # each copy's own stream (n-step windows)
            )
        returns[rows] += rewards[rows]
        lengths[rows] += 1
        agent.num_timesteps = last = first + count
        run.loss = train_and_sync(agent, first, last, run.loss)
        finished = np.flatnonzero(ends[rows])  # positions among the stored rows, in order
        for position, row in zip(finished, env_indices[rows][finished], strict=True):
            run.record_episode(returns[row], lengths[row], first + int(position) + 1, row)
            returns[row], lengths[row] = 0.0, 0
        if not same_step:
            resetting = ends
        observations = next_observations
        if finished.size and run.after_episodes(last, finished.size):
            break
