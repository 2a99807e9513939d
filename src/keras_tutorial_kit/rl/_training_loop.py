"""Private: ``DQNAgent.learn``'s loop (act, step, store, train, sync, record)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._validation import check_bool, check_non_negative_int, check_positive_int
from keras_tutorial_kit.rl import _vector_training_loop
from keras_tutorial_kit.rl._learn_run import LearnRun
from keras_tutorial_kit.rl._train_round import train_and_sync


def reset(agent: Any, env: Any) -> Any:
    """Starts an episode with a seed drawn from the agent's generator."""
    observation, _ = env.reset(seed=int(agent._rng.integers(0, 2**31 - 1)))
    return observation


def learn(
    agent: Any,
    env: Any,
    total_timesteps: int,
    progress_bar: bool,
    checkpoints: tuple[str | os.PathLike | None, int],
    callback: Callable[[Any], bool | None] | None,
) -> None:
    """Trains ``agent`` until ``agent.num_timesteps == total_timesteps`` (or ``callback``
    returns ``False`` at an episode end); arguments as :meth:`DQNAgent.learn`, with
    ``checkpoints = (checkpoint_directory, checkpoint_interval)``. A gymnasium vector
    environment runs the loop of ``_vector_training_loop``."""
    if not (hasattr(env, "reset") and hasattr(env, "step")):
        raise TypeError(f"`env` must be a gymnasium environment. Received: env={env!r}")
    total_timesteps = check_non_negative_int("total_timesteps", total_timesteps)
    progress_bar = check_bool("progress_bar", progress_bar)
    checkpoint_directory, checkpoint_interval = checkpoints
    checkpoint_interval = check_positive_int("checkpoint_interval", checkpoint_interval)
    if checkpoint_directory is not None and not isinstance(
        checkpoint_directory, (str, os.PathLike)
    ):
        raise TypeError(
            "`checkpoint_directory` must be None or a path. "
            f"Received: checkpoint_directory={checkpoint_directory!r}"
        )
    if callback is not None and not callable(callback):
        raise TypeError(f"`callback` must be callable. Received: callback={callback!r}")
    vector = _vector_training_loop.is_vector_env(env)
    if vector:
        _vector_training_loop.check_vector_env(agent, env)
    if agent.num_timesteps >= total_timesteps:
        return
    progbar = (
        keras.utils.Progbar(total_timesteps, stateful_metrics=["return", "epsilon", "loss"])
        if progress_bar
        else None
    )
    run = LearnRun(
        agent,
        total_timesteps,
        progbar,
        checkpoint_directory,
        checkpoint_interval,
        callback,
        last_checkpoint=agent.num_timesteps,
    )
    (_vector_training_loop.learn if vector else _learn_one)(agent, env, run)
    if progbar is not None:
        progbar.update(agent.num_timesteps, finalize=True)
    if checkpoint_directory is not None and run.last_checkpoint != agent.num_timesteps:
        agent.save(checkpoint_directory)


def _learn_one(agent: Any, env: Any, run: LearnRun) -> None:
    """The loop for one (non-vector) environment."""
    rng, buffer = agent._rng, agent.replay_buffer
    q_values, schedule = agent.q_network.numpy_q_values, agent.exploration
    observation = reset(agent, env)
    episode_return, episode_length = 0.0, 0
    while agent.num_timesteps < run.total_timesteps:
        step = agent.num_timesteps
        if step < agent.learning_starts or rng.random() < schedule(step):
            action = int(rng.integers(agent.num_actions))
        else:
            values = q_values(np.asarray(observation, np.float32)[None], agent._acting_weights)
            action = int(values[0].argmax())
        next_observation, reward, terminated, truncated, _ = env.step(action)
        buffer.add(observation, action, reward, next_observation, terminated, truncated)
        episode_return += float(reward)
        episode_length += 1
        step += 1
        agent.num_timesteps = step
        run.loss = train_and_sync(agent, step - 1, step, run.loss)
        if not (terminated or truncated):
            observation = next_observation
            continue
        run.record_episode(episode_return, episode_length, step, env_index=0)
        if run.after_episodes(step, 1):
            break
        observation = reset(agent, env)
        episode_return, episode_length = 0.0, 0
