"""Private: the record of a ``DQNAgent.learn`` run (episode returns, losses) and its plot."""

from __future__ import annotations

import dataclasses
import os
import pathlib
from typing import Any

import numpy as np


@dataclasses.dataclass
class TrainingHistory:
    """What :meth:`DQNAgent.learn` records, across every ``learn`` call of an agent.

    Attributes:
        episode_returns: Undiscounted return of each finished training episode.
        episode_lengths: Number of steps of each finished episode.
        episode_end_steps: The agent's environment-step count when each episode ended.
        episode_env_indices: Which sub-environment of a vector environment each
            episode ran in (always 0 with a single environment).
        losses: Mean Huber loss of each training round.
        loss_steps: The environment-step count at each training round.
    """

    episode_returns: list[float] = dataclasses.field(default_factory=list)
    episode_lengths: list[int] = dataclasses.field(default_factory=list)
    episode_end_steps: list[int] = dataclasses.field(default_factory=list)
    episode_env_indices: list[int] = dataclasses.field(default_factory=list)
    losses: list[float] = dataclasses.field(default_factory=list)
    loss_steps: list[int] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, list[Any]]:
        """Plain lists, for JSON."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, list[Any]]) -> TrainingHistory:
        """The inverse of :meth:`to_dict`.

        A record of an older checkpoint, without ``episode_env_indices``, came from a
        single environment: each of its episodes gets index 0.
        """
        fields = {field.name: list(data.get(field.name, [])) for field in dataclasses.fields(cls)}
        if "episode_env_indices" not in data:
            fields["episode_env_indices"] = [0] * len(fields["episode_returns"])
        return cls(**fields)

    def moving_average(self, window: int = 20) -> np.ndarray:
        """Mean of the last ``window`` episode returns at each episode (shorter at first)."""
        returns = np.asarray(self.episode_returns, dtype=np.float64)
        if returns.size == 0:
            return returns
        cumulative = np.concatenate([[0.0], np.cumsum(returns)])
        ends = np.arange(1, returns.size + 1)
        starts = np.maximum(ends - window, 0)
        return (cumulative[ends] - cumulative[starts]) / (ends - starts)

    def plot(
        self, path: str | os.PathLike, window: int = 20, title: str | None = None
    ) -> pathlib.Path:
        """Writes a PNG of episode returns (and their moving average) against steps.

        matplotlib is imported here, only when plotting.

        Args:
            path: Destination ``.png`` file.
            window: Episodes in the moving average.
            title: Optional figure title.

        Returns:
            The path written.
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure, axis = plt.subplots(figsize=(7, 4))
        try:
            steps = np.asarray(self.episode_end_steps)
            axis.plot(steps, self.episode_returns, ".", alpha=0.35, label="episode return")
            axis.plot(steps, self.moving_average(window), "-", label=f"mean of last {window}")
            axis.set_xlabel("environment steps")
            axis.set_ylabel("return")
            if title:
                axis.set_title(title)
            axis.legend(loc="lower right")
            axis.grid(alpha=0.3)
            figure.tight_layout()
            figure.savefig(path, dpi=100)
        finally:
            plt.close(figure)
        return path
