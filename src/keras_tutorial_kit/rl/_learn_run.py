"""Private: what one ``DQNAgent.learn`` call carries through its loop, and what it does
at each episode end (record, progress bar, callback, checkpoint), for both loops."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass
class LearnRun:
    """One ``learn`` call: its stopping step, progress bar, checkpoints and callback.

    ``loss`` is the last training round's loss and ``last_checkpoint`` the step of the
    last save; both loops update them as they go.
    """

    agent: Any
    total_timesteps: int
    progbar: Any
    checkpoint_directory: str | os.PathLike | None
    checkpoint_interval: int
    callback: Callable[[Any], bool | None] | None
    last_checkpoint: int = 0
    loss: float = math.nan

    def record_episode(self, episode_return: float, length: int, step: int, env_index: int) -> None:
        """Appends a finished episode to the agent's history."""
        history = self.agent.history
        history.episode_returns.append(float(episode_return))
        history.episode_lengths.append(int(length))
        history.episode_end_steps.append(int(step))
        history.episode_env_indices.append(int(env_index))

    def after_episodes(self, step: int, count: int) -> bool:
        """Runs after ``count`` episodes ended by ``step``; returns whether to stop.

        The progress bar shows the last episode's return; the callback runs once per
        episode (with a vector environment as with one) until it returns ``False``; a
        checkpoint is saved once ``checkpoint_interval`` steps have passed since the last.
        """
        agent = self.agent
        if self.progbar is not None:
            values = [
                ("return", agent.history.episode_returns[-1]),
                ("epsilon", agent.exploration(step)),
                ("loss", self.loss),
            ]
            self.progbar.update(step, values=values)
        stop = False
        for _ in range(count):
            if self.callback is not None and self.callback(agent) is False:
                stop = True
                break
        directory = self.checkpoint_directory
        if directory is not None and step - self.last_checkpoint >= self.checkpoint_interval:
            agent.save(directory)
            self.last_checkpoint = step
        return stop
