"""Private: the "CartPole-v1 solved" protocol shared by the slow test and the benchmark.

Solved means a mean return >= 475 over 100 greedy evaluation episodes. Training runs
uninterrupted; at the first episode end after every ``eval_interval`` steps the agent is
evaluated on a separate environment: 10 episodes first, and only if their mean is >= 475,
the 100 episodes that decide (the 10-episode screen can only delay a reported solve).
Evaluation time is excluded from the training wall time. The first solving check gives
``steps_to_solve``; training then stops, or with ``stop_when_solved=False`` runs on to
``max_timesteps`` (the like-for-like wall time against a fixed-length reference run).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

SOLVED_MEAN_RETURN = 475.0


def train_until_solved(
    seed: int,
    max_timesteps: int = 50_000,
    eval_interval: int = 2_500,
    progress_bar: bool = False,
    stop_when_solved: bool = True,
    **agent_kwargs: Any,
) -> dict[str, Any]:
    """Trains a :class:`DQNAgent` on ``CartPole-v1`` until solved or ``max_timesteps``.

    With ``stop_when_solved=False`` training runs all ``max_timesteps`` (checks after
    the first solve are 10-episode screens only) and ends with a 100-episode
    evaluation of the final agent.

    Returns:
        A dict with ``seed``, ``solved``, ``steps_to_solve`` (``None`` if unsolved),
        ``eval_mean`` and ``eval_returns`` (the deciding 100 episodes, or the last
        screen), ``train_seconds`` (all training), ``train_seconds_to_solve``,
        ``eval_seconds``, ``timesteps``, ``checks``, ``final_eval_mean`` (``None`` when
        stopped at the solve) and ``agent``.
    """
    import gymnasium as gym

    from keras_tutorial_kit.rl.dqn_agent import DQNAgent

    env = gym.make("CartPole-v1")
    eval_env = gym.make("CartPole-v1")
    agent = DQNAgent.from_env(env, seed=seed, **agent_kwargs)
    state: dict[str, Any] = {
        "next_check": eval_interval,
        "eval_seconds": 0.0,
        "solved_at": None,
        "train_seconds_to_solve": None,
        "eval_returns": [],
        "checks": [],
    }
    start = time.perf_counter()

    def check(agent: DQNAgent) -> bool:
        if agent.num_timesteps < state["next_check"]:
            return True
        check_start = time.perf_counter()
        while state["next_check"] <= agent.num_timesteps:
            state["next_check"] += eval_interval
        returns = agent.evaluate(eval_env, 10, seed=10_000 + seed + agent.num_timesteps)
        if returns.mean() >= SOLVED_MEAN_RETURN and state["solved_at"] is None:
            returns = agent.evaluate(eval_env, 100, seed=20_000 + seed + agent.num_timesteps)
        state["checks"].append(
            {"step": agent.num_timesteps, "episodes": len(returns), "mean": float(returns.mean())}
        )
        solved = len(returns) == 100 and returns.mean() >= SOLVED_MEAN_RETURN
        if solved:
            state["solved_at"] = agent.num_timesteps
            state["eval_returns"] = returns.tolist()
            state["train_seconds_to_solve"] = check_start - start - state["eval_seconds"]
        elif state["solved_at"] is None:
            state["eval_returns"] = returns.tolist()
        state["eval_seconds"] += time.perf_counter() - check_start
        return not (solved and stop_when_solved)

    agent.learn(env, max_timesteps, progress_bar=progress_bar, callback=check)
    elapsed = time.perf_counter() - start
    final = None
    if not stop_when_solved:
        final = float(agent.evaluate(eval_env, 100, seed=30_000 + seed).mean())
    returns = np.asarray(state["eval_returns"], dtype=np.float64)
    return {
        "seed": seed,
        "solved": state["solved_at"] is not None,
        "steps_to_solve": state["solved_at"],
        "eval_mean": float(returns.mean()) if returns.size else None,
        "eval_returns": returns.tolist(),
        "train_seconds": elapsed - state["eval_seconds"],
        "train_seconds_to_solve": state["train_seconds_to_solve"],
        "final_eval_mean": final,
        "eval_seconds": state["eval_seconds"],
        "timesteps": agent.num_timesteps,
        "episodes": len(agent.history.episode_returns),
        "checks": state["checks"],
        "agent": agent,
    }
