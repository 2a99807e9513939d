"""DQNAgent.learn on gymnasium vector environments: N = 8 copies of CartPole-v1 against one.

Two measurements, side by side in one process, with the agent's convention: steps
count every copy's environment steps, so ``train_freq`` (like ``learning_starts``,
``target_update_interval`` and ``exploration_steps``) counts transitions and the
defaults (``train_freq=256``, ``gradient_steps=128``) make 0.5 gradient steps per
environment step whatever N.

- **Throughput** (goal: environment steps per second at N = 8 >= 3x N = 1, learning
  included). Agents with the defaults except ``exploration_steps=1_000`` (so that the
  timed steps act greedily, as in most of a run) are warmed up past
  ``learning_starts``, then ``learn`` runs segments of ``SEGMENT`` environment steps,
  alternating between: one plain environment (N = 1), a ``SyncVectorEnv`` of 1, a
  ``SyncVectorEnv`` of 8, an ``AsyncVectorEnv`` of 8 and gymnasium's own NumPy
  ``CartPoleVectorEnv`` of 8 (``vectorization_mode="vector_entry_point"``), all at the
  defaults; and the Sync and NumPy 8 with ``train_freq=2_048`` (one round per 256
  vector steps: stable-baselines3's convention, where ``train_freq`` counts vector
  steps, applied to the same defaults; 1/16 gradient step per environment step). The
  same segments without training (``train_freq`` past the run) separate acting from
  learning.
- **Time to solve** (goal: median wall time lower at N = 8 than with one environment).
  ``ktk.rl.StopWhenSolved`` (mean >= 475 over 100 greedy episodes, checked every 2 500
  steps after a 10-episode screen) on seeds 0-4, at most 50 000 steps: one
  environment, a ``SyncVectorEnv`` of 8 and the NumPy ``CartPoleVectorEnv`` of 8, at
  the defaults, alternating; evaluation time is excluded, as in ``bench_cartpole.py``.
  ``--low-ratio-solves`` adds the NumPy 8 at ``train_freq=2_048`` with at most
  400 000 steps (several minutes per seed on a loaded 2-core machine).

Wall time on this shared 2-core machine is noisy, AsyncVectorEnv's 8 worker processes
most of all: CPU time is recorded too (``time.process_time`` of this process, plus the
workers' CPU time through psutil when it is installed).
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import save_results

SEGMENT, QUICK_SEGMENT = 4_096, 512
WARMUP = 2_048  # past learning_starts (1 000) and exploration_steps (1 000)
QUICK_SETTINGS = {"learning_starts": 256, "exploration_steps": 256}  # a short smoke run
SEEDS = (0, 1, 2, 3, 4)
MAX_TIMESTEPS, QUICK_MAX_TIMESTEPS = 50_000, 1_500
LOW_RATIO_MAX_TIMESTEPS = 400_000
LOW_RATIO = {"train_freq": 2_048}  # one round per 256 vector steps of 8 copies
# name: (vectorization mode or "single", N, agent settings past the defaults)
CONFIGS = {
    "single": ("single", 1, {}),
    "sync_1": ("sync", 1, {}),
    "sync_8": ("sync", 8, {}),
    "async_8": ("async", 8, {}),
    "numpy_8": ("vector_entry_point", 8, {}),  # gymnasium's CartPoleVectorEnv, in NumPy
    "sync_8_train_freq_2048": ("sync", 8, LOW_RATIO),
    "numpy_8_train_freq_2048": ("vector_entry_point", 8, LOW_RATIO),
}
SOLVE_CONFIGS = ("single", "sync_8", "numpy_8")


def _make_env(kind: str, num_envs: int):
    import gymnasium as gym

    if kind == "single":
        return gym.make("CartPole-v1")
    return gym.make_vec("CartPole-v1", num_envs, vectorization_mode=kind)


def _cpu_seconds(env) -> float:
    """This process's CPU time plus that of an AsyncVectorEnv's workers (with psutil)."""
    total = time.process_time()
    processes = getattr(env, "processes", None)
    if processes:
        try:
            import psutil
        except ImportError:
            return total
        for process in processes:
            times = psutil.Process(process.pid).cpu_times()
            total += times.user + times.system
    return total


def _throughput(quick: bool, train: bool) -> dict:
    import keras_tutorial_kit as ktk

    segment, repeats = (QUICK_SEGMENT, 1) if quick else (SEGMENT, 3)
    warmup, settings = (QUICK_SEGMENT, QUICK_SETTINGS) if quick else (WARMUP, {})
    runs = {}
    for name, (kind, num_envs, config) in CONFIGS.items():
        if config and not train:
            continue  # without training, the low-ratio runs act as the default ones
        extra = {**settings, **config, **({} if train else {"train_freq": 10**9})}
        env = _make_env(kind, num_envs)
        agent = ktk.rl.DQNAgent((4,), 2, **{"exploration_steps": 1_000, "seed": 0, **extra})
        agent.learn(env, warmup, progress_bar=False)  # compiles the round, fills the buffer
        runs[name] = {"env": env, "agent": agent, "wall": [], "cpu": [], "updates": 0}
    for _ in range(repeats):
        for run in runs.values():  # alternating spreads the machine's load over all
            agent, env = run["agent"], run["env"]
            wall, cpu, updates = time.perf_counter(), _cpu_seconds(env), agent.num_updates
            agent.learn(env, agent.num_timesteps + segment, progress_bar=False)
            run["updates"] += agent.num_updates - updates
            run["wall"].append(segment / (time.perf_counter() - wall))
            run["cpu"].append(segment / (_cpu_seconds(env) - cpu))
    results = {}
    for name, run in runs.items():
        run["env"].close()
        results[name] = {
            "num_envs": CONFIGS[name][1],
            "train_freq": run["agent"].train_freq,
            "steps_per_second": statistics.median(run["wall"]),
            "steps_per_cpu_second": statistics.median(run["cpu"]),
            "all_steps_per_second": run["wall"],
            "gradient_steps_per_env_step": run["updates"] / (segment * repeats),
        }
    return results


class _CPUTimed:
    """A ``learn`` callback around ``StopWhenSolved`` that also counts its CPU time, so
    that the CPU time of training up to the solving check can be told apart."""

    def __init__(self, callback, start: float) -> None:
        self.callback, self.start = callback, start
        self.eval_cpu, self.cpu_to_solve = 0.0, None

    def __call__(self, agent) -> bool:
        before = time.process_time()
        result = self.callback(agent)
        if self.cpu_to_solve is None and self.callback.solved_at is not None:
            self.cpu_to_solve = before - self.start - self.eval_cpu
        self.eval_cpu += time.process_time() - before
        return result


def _solve(seed: int, name: str, max_timesteps: int) -> dict:
    import gymnasium as gym

    import keras_tutorial_kit as ktk

    kind, num_envs, config = CONFIGS[name]
    env = _make_env(kind, num_envs)
    eval_env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(eval_env, seed=seed, **config)
    solved = ktk.rl.StopWhenSolved(eval_env, 475.0, seed=10_000 + seed)
    start = time.perf_counter()
    timed = _CPUTimed(solved, time.process_time())
    agent.learn(env, max_timesteps, progress_bar=False, callback=timed)
    wall, cpu = time.perf_counter() - start, time.process_time() - timed.start
    env.close()
    solving = [check for check in solved.checks if check["step"] == solved.solved_at]
    return {
        "seed": seed,
        "num_envs": num_envs,
        "train_freq": agent.train_freq,
        "max_timesteps": max_timesteps,
        "solved": solved.solved_at is not None,
        "steps_to_solve": solved.solved_at,
        "train_seconds_to_solve": (
            solving[0]["started"] - start - solving[0]["eval_seconds_before"] if solving else None
        ),
        "train_cpu_seconds_to_solve": timed.cpu_to_solve,
        "train_seconds": wall - solved.eval_seconds,
        "train_cpu_seconds": cpu - timed.eval_cpu,
        "eval_seconds": solved.eval_seconds,
        "gradient_steps": agent.num_updates,
        "last_check_mean": solved.checks[-1]["mean"] if solved.checks else None,
        "episodes": len(agent.history.episode_returns),
        "load_average_before": os.getloadavg()[0],
    }


def _median_to_solve(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] if r["solved"] else math.inf for r in runs)


def _report_throughput(payload: dict, throughput: dict) -> None:
    for regime, results in throughput.items():
        base = results["single"]["steps_per_second"]
        print(f"throughput, {regime}:")
        for name, row in results.items():
            print(
                f"  {name:<24} {row['steps_per_second']:>8.0f} steps/s "
                f"({row['steps_per_second'] / base:.2f}x), "
                f"{row['steps_per_cpu_second']:>8.0f} steps per CPU-second, "
                f"{row['gradient_steps_per_env_step']:.3f} gradient steps per env step"
            )
    learning = throughput["learning"]
    single = learning["single"]
    for name in learning:
        if name in ("single", "sync_1"):
            continue
        ratio = learning[name]["steps_per_second"] / single["steps_per_second"]
        payload[f"speedup_{name}_over_single"] = ratio
        if not CONFIGS[name][2]:  # the goal is for the defaults
            payload[f"speedup_{name}_over_single_goal"] = 3.0
        cpu_ratio = learning[name]["steps_per_cpu_second"] / single["steps_per_cpu_second"]
        payload[f"cpu_speedup_{name}_over_single"] = cpu_ratio


def _solves(quick: bool, low_ratio: bool) -> dict:
    seeds, max_timesteps = (SEEDS[:1], QUICK_MAX_TIMESTEPS) if quick else (SEEDS, MAX_TIMESTEPS)
    caps = {name: max_timesteps for name in SOLVE_CONFIGS}
    if low_ratio:
        caps["numpy_8_train_freq_2048"] = QUICK_MAX_TIMESTEPS if quick else LOW_RATIO_MAX_TIMESTEPS
    solves: dict[str, list[dict]] = {name: [] for name in caps}
    for seed in seeds:
        for name, cap in caps.items():  # alternating, as the throughput segments
            solves[name].append(_solve(seed, name, cap))
            r = solves[name][-1]
            print(
                f"solve {name:<24} seed {seed}: steps {r['steps_to_solve']}, "
                f"{r['train_seconds_to_solve'] or math.nan:.1f} s "
                f"({r['train_cpu_seconds_to_solve'] or math.nan:.1f} CPU-s) to solve, "
                f"{r['train_seconds']:.1f} s of training, load {r['load_average_before']:.1f}",
                flush=True,
            )
    keys = {
        "median_train_seconds_to_solve": "train_seconds_to_solve",
        "median_train_cpu_seconds_to_solve": "train_cpu_seconds_to_solve",
        "median_steps_to_solve": "steps_to_solve",
    }
    result: dict = {"max_timesteps": caps, "runs": solves}
    for key, field in keys.items():
        result[key] = {name: _median_to_solve(runs, field) for name, runs in solves.items()}
    result["solved"] = {name: sum(r["solved"] for r in runs) for name, runs in solves.items()}
    return result


def run(quick: bool = False, low_ratio_solves: bool = False) -> dict:
    """Throughput with and without learning, then the solve-time seeds."""
    throughput = {"learning": _throughput(quick, True), "acting_only": _throughput(quick, False)}
    payload: dict = {"quick": quick, "segment_steps": QUICK_SEGMENT if quick else SEGMENT}
    payload["throughput"] = throughput
    _report_throughput(payload, throughput)
    payload["solve"] = solve = _solves(quick, low_ratio_solves)
    medians, cpu_medians = (
        solve["median_train_seconds_to_solve"],
        solve["median_train_cpu_seconds_to_solve"],
    )
    for name in ("sync_8", "numpy_8"):
        if math.isfinite(medians["single"]) and math.isfinite(medians[name]):
            payload[f"solve_seconds_{name}_over_single"] = medians[name] / medians["single"]
            payload[f"solve_seconds_{name}_over_single_goal_max"] = 1.0
            payload[f"solve_cpu_seconds_{name}_over_single"] = (
                cpu_medians[name] / cpu_medians["single"]
            )
    print(
        "median seconds to solve (CPU-s): "
        + ", ".join(f"{n} {medians[n]:.1f} ({cpu_medians[n]:.1f})" for n in medians)
        + f"; solved {solve['solved']}; median steps {solve['median_steps_to_solve']}"
    )
    save_results("vector_envs", payload)
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short segments, one seed")
    parser.add_argument(
        "--low-ratio-solves",
        action="store_true",
        help="also time solving with the NumPy 8 at train_freq=2048 (up to 400 000 steps)",
    )
    arguments = parser.parse_args()
    run(arguments.quick, arguments.low_ratio_solves)
