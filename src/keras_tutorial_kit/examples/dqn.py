"""Chapter "Deep reinforcement learning": ``ktk.rl.DQNAgent`` learns gymnasium's ``CartPole-v1``."""

from __future__ import annotations

import types
from typing import Any

from keras_tutorial_kit.examples import _options
from keras_tutorial_kit.examples._options import Option
from keras_tutorial_kit.examples._outputs import output_path, plot_path
from keras_tutorial_kit.examples._result import ChapterResult

QUICK_TIMESTEPS = 1_500
QUICK_EVAL_INTERVAL = 1_000


CHAPTER = _options.Chapter(
    "dqn",
    "Deep reinforcement learning: ktk.rl.DQNAgent learns gymnasium's CartPole-v1.",
    (
        Option(
            "total_timesteps",
            100_000,
            "Positive integer, the most environment steps to train.",
            "int",
        ),
        Option(
            "eval_interval", 2_500, "Positive integer, training steps between evaluations.", "int"
        ),
        Option(
            "num_envs",
            1,
            "Positive integer, the copies of CartPole-v1 stepped together (a gymnasium "
            "``SyncVectorEnv`` when more than 1).",
            "int",
        ),
        _options.seed(0, "Seeds the agent (weights, exploration, replay, episode resets)."),
        *_options.outputs(
            "the Q-network ``dqn.keras`` and the agent's full checkpoint ``dqn_agent/`` "
            "(``DQNAgent.load``)",
            "the episode returns against training steps",
            f"{QUICK_TIMESTEPS} steps, one evaluation (not solved).",
        ),
    ),
    quick={"total_timesteps": QUICK_TIMESTEPS, "eval_interval": QUICK_EVAL_INTERVAL},
)


@CHAPTER.runner
def run(options: types.SimpleNamespace) -> ChapterResult:
    """Trains a DQN on ``CartPole-v1`` until it is solved (or ``total_timesteps`` run out).

    The tutorial's chapter with the kit's agent (``ktk.rl.DQNAgent``: target
    network, replay buffer, Huber loss, epsilon schedule, time-limit
    cut-offs not treated as failures). Solved means a mean return of at least
    475 over 100 greedy evaluation episodes; the agent is checked after every
    ``eval_interval`` training steps (10 episodes first, the deciding 100 only
    if those average 475) and training stops once it is solved (the README and
    the tutorial page give the step at which the defaults solve it).

    With ``num_envs`` > 1 the agent trains on a gymnasium vector environment of
    that many copies, acting for all of them with one forward pass; steps count
    environment steps of all copies together.

    Returns:
        A ``ChapterResult`` with ``metrics`` ``solved`` (1.0 or 0.0),
        ``steps_to_solve`` (``None`` if unsolved), ``eval_mean_return``,
        ``timesteps``, ``episodes``, ``num_envs`` and ``train_seconds``; ``history``
        the per-episode ``episode_returns``, ``episode_lengths`` and
        ``episode_env_indices`` (the copy each episode ran in); ``model`` the agent.

    Raises:
        ValueError: If an argument is out of range.
        ImportError: If gymnasium is not installed.
    """
    total_timesteps, eval_interval = options.total_timesteps, options.eval_interval
    seed, verbose, output_dir = options.seed, options.verbose, options.output_dir
    png = plot_path(options.plot)
    try:
        import gymnasium
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            'The dqn chapter needs gymnasium: pip install "keras-tutorial-kit[rl]"'
        ) from error
    import time

    from keras_tutorial_kit.rl import DQNAgent, StopWhenSolved

    env, seed_or_0 = gymnasium.make("CartPole-v1"), 0 if seed is None else seed
    agent = DQNAgent.from_env(env, seed=seed_or_0)
    if options.num_envs > 1:
        env = gymnasium.make_vec("CartPole-v1", options.num_envs, vectorization_mode="sync")
    solved = StopWhenSolved(
        gymnasium.make("CartPole-v1"), 475.0, eval_interval=eval_interval, seed=10_000 + seed_or_0
    )
    start = time.perf_counter()
    try:
        agent.learn(env, total_timesteps, progress_bar=bool(verbose), callback=solved)
    finally:
        env.close()
    history = agent.history
    metrics = {
        "solved": float(solved.solved_at is not None),
        "steps_to_solve": solved.solved_at,
        "eval_mean_return": float(solved.eval_returns.mean()) if solved.checks else None,
        "eval_episodes": len(solved.eval_returns),
        "timesteps": agent.num_timesteps,
        "episodes": len(history.episode_returns),
        "num_envs": options.num_envs,
        "train_seconds": time.perf_counter() - start - solved.eval_seconds,
    }
    outcome = {"solved": solved.solved_at is not None, "steps_to_solve": solved.solved_at}
    model_path = output_path(output_dir, "dqn.keras")
    extras: dict[str, Any] = {"checks": solved.checks}
    if model_path is not None:
        agent.q_network.save(model_path)
        extras["checkpoint"] = agent.save(model_path.parent / "dqn_agent")
    if png is not None:
        verdict = (
            f"solved at step {outcome['steps_to_solve']}" if outcome["solved"] else "not solved"
        )
        history.plot(png, title=f"DQN on CartPole-v1 (seed {seed}): {verdict}")
    curves = {
        "episode_returns": [float(r) for r in history.episode_returns],
        "episode_lengths": [float(n) for n in history.episode_lengths],
        "episode_env_indices": [float(i) for i in history.episode_env_indices],
    }
    return ChapterResult("dqn", metrics, curves, model_path, png, agent, extras)
