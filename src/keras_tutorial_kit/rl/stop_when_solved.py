"""``StopWhenSolved``: a ``learn`` callback that stops training once greedy returns reach a threshold."""

from __future__ import annotations

import numbers
import time
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import (
    check_bool,
    check_non_negative_int,
    check_positive_int,
    check_seed,
)


class StopWhenSolved:
    """Evaluates the agent during ``learn`` and stops it once the mean return is high enough.

    Pass it as ``agent.learn(env, total_timesteps, callback=StopWhenSolved(eval_env))``.
    At the first episode end after every ``eval_interval`` training steps it runs
    ``screen_episodes`` greedy episodes of ``agent.evaluate`` on ``env`` (a separate
    evaluation environment); only if their mean reaches ``threshold`` does it run the
    ``episodes`` that decide. The agent is solved when the mean of those reaches
    ``threshold``; ``learn`` then stops (with ``stop=True``). A screen can only delay a
    reported solve, never report a false one; ``screen_episodes=0`` checks with the
    full ``episodes`` every time. After a solve, later checks are screens only.

    Gymnasium's ``CartPole-v1`` is solved at ``threshold=475`` over 100 episodes.

    Args:
        env: The gymnasium environment to evaluate in (not the training one).
        threshold: The mean return that counts as solved.
        episodes: Positive integer, the episodes of a deciding evaluation.
        eval_interval: Positive integer, training steps between checks.
        screen_episodes: Integer >= 0, the episodes of the screen before a
            deciding evaluation (0: no screen).
        seed: ``None`` or an integer >= 0: a screen at step ``t`` resets the
            evaluation environment with ``seed + t``, a deciding run with
            ``seed + 10_000 + t``.
        stop: Whether to stop ``learn`` once solved.

    Attributes:
        solved_at: The agent's step count at the solving check, or ``None``.
        eval_returns: The returns of the deciding evaluation that solved it, else of
            the last check (a float64 array).
        eval_seconds: Wall time spent evaluating, in seconds.
        checks: One dict per check: ``step``, ``episodes``, ``mean``, ``started``
            (``time.perf_counter()`` at its start) and ``eval_seconds_before``.

    Raises:
        ValueError: If an argument is out of range, naming it.

    Example:

    >>> import gymnasium as gym
    >>> import keras_tutorial_kit as ktk
    >>> env = gym.make("CartPole-v1")
    >>> agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(16,), learning_starts=50,
    ...                                  train_freq=50, gradient_steps=2, seed=0)
    >>> solved = ktk.rl.StopWhenSolved(gym.make("CartPole-v1"), threshold=5.0,
    ...                                episodes=3, eval_interval=100, seed=0)
    >>> _ = agent.learn(env, 2_000, progress_bar=False, callback=solved)
    >>> solved.solved_at is not None, agent.num_timesteps == solved.solved_at
    (True, True)
    """

    def __init__(
        self,
        env: Any,
        threshold: float,
        episodes: int = 100,
        eval_interval: int = 2_500,
        screen_episodes: int = 10,
        seed: int | None = None,
        stop: bool = True,
    ) -> None:
        if not (hasattr(env, "reset") and hasattr(env, "step")):
            raise TypeError(f"`env` must be a gymnasium environment. Received: env={env!r}")
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
            raise ValueError(
                f"`threshold` must be a real number. Received: threshold={threshold!r}"
            )
        self.env = env
        self.threshold = float(threshold)
        self.episodes = check_positive_int("episodes", episodes)
        self.eval_interval = check_positive_int("eval_interval", eval_interval)
        self.screen_episodes = check_non_negative_int("screen_episodes", screen_episodes)
        self.seed = check_seed("seed", seed)
        self.stop = check_bool("stop", stop)
        self.solved_at: int | None = None
        self.eval_returns = np.zeros(0)
        self.eval_seconds = 0.0
        self.checks: list[dict[str, Any]] = []
        self._next_check = self.eval_interval

    def _seed(self, offset: int) -> int | None:
        return None if self.seed is None else self.seed + offset

    def __call__(self, agent: Any) -> bool:
        """Checks ``agent`` if a check is due; returns ``False`` to stop ``learn``."""
        if not hasattr(agent, "num_timesteps"):
            raise TypeError(f"`agent` must be a `DQNAgent`. Received: agent={agent!r}")
        step = agent.num_timesteps
        if step < self._next_check:
            return True
        started = time.perf_counter()
        while self._next_check <= step:
            self._next_check += self.eval_interval
        deciding = self.screen_episodes == 0 or self.screen_episodes >= self.episodes
        if deciding:
            returns = agent.evaluate(self.env, self.episodes, seed=self._seed(10_000 + step))
        else:
            returns = agent.evaluate(self.env, self.screen_episodes, seed=self._seed(step))
            if returns.mean() >= self.threshold and self.solved_at is None:
                returns = agent.evaluate(self.env, self.episodes, seed=self._seed(10_000 + step))
                deciding = True
        self.checks.append(
            {
                "step": step,
                "episodes": len(returns),
                "mean": float(returns.mean()),
                "started": started,
                "eval_seconds_before": self.eval_seconds,
            }
        )
        solved = deciding and self.solved_at is None and returns.mean() >= self.threshold
        if solved:
            self.solved_at = step
        if solved or self.solved_at is None:
            self.eval_returns = returns
        self.eval_seconds += time.perf_counter() - started
        return not (solved and self.stop)
