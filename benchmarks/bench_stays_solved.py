"""DQNAgent on CartPole-v1 with its defaults: solved within 50 000 steps, and still solved later?

Per seed and backend, one run of ``DQNAgent.from_env(env, seed=seed)`` (the defaults)
to 100 000 environment steps:

- **steps to solve**: the first check at which the mean return of 100 greedy
  evaluation episodes reaches 475 (``ktk.rl.StopWhenSolved(stop=False)``: every 2 500
  steps a 10-episode screen, then the 100 deciding episodes; training never stops);
- **mean at 50k / 100k**: ``learn`` stops at exactly 50 000 steps, the live agent (not
  a restored best checkpoint) plays 100 greedy episodes, and ``learn`` goes on to
  100 000 steps for another 100 episodes.

Goal (issue 12): on TensorFlow and on JAX, every seed of ``SEEDS`` solved within
50 000 steps and still at a mean >= 475 at 100 000 steps.

Each (backend, seed) run is a fresh subprocess (``KERAS_BACKEND`` is fixed per
process); ``WORKERS`` run at a time. ``--quick`` (CI smoke) runs one seed per
backend for 2 000 / 4 000 steps with 5 evaluation episodes: it checks that the
protocol runs, not that the goal is met.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import save_results

SEEDS = tuple(range(10))
BACKENDS = ("tensorflow", "jax")
THRESHOLD = 475.0
WORKERS = 2  # the reference machine has 2 cores
FULL = {"steps": (50_000, 100_000), "episodes": 100, "eval_interval": 2_500, "screen": 10}
QUICK = {"steps": (2_000, 4_000), "episodes": 5, "eval_interval": 1_000, "screen": 2}


def run_seed(seed: int, protocol: dict, overrides: dict | None = None) -> dict:
    """One seed on this process's backend: steps to solve, live-agent means at each stop."""
    import gymnasium as gym
    import keras

    import keras_tutorial_kit as ktk

    env, eval_env = gym.make("CartPole-v1"), gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, seed=seed, **(overrides or {}))
    solved = ktk.rl.StopWhenSolved(
        eval_env,
        THRESHOLD,
        episodes=protocol["episodes"],
        eval_interval=protocol["eval_interval"],
        screen_episodes=protocol["screen"],
        seed=10_000 + seed,
        stop=False,
    )
    means, cpu_seconds = {}, 0.0
    for index, steps in enumerate(protocol["steps"]):
        start = time.process_time()
        agent.learn(env, steps, progress_bar=False, callback=solved)
        cpu_seconds += time.process_time() - start
        returns = agent.evaluate(eval_env, protocol["episodes"], seed=30_000 + 1_000 * index + seed)
        means[str(steps)] = float(returns.mean())
    return {
        "backend": keras.backend.backend(),
        "seed": seed,
        "steps_to_solve": solved.solved_at,
        "mean_at": means,
        "eval_interval": protocol["eval_interval"],
        "cpu_seconds_with_checks": cpu_seconds,
        "screens": [(check["step"], check["episodes"], check["mean"]) for check in solved.checks],
    }


def _subprocess(backend: str, seed: int, quick: bool, overrides: dict | None) -> dict:
    command = [sys.executable, __file__, "--worker", str(seed)]
    command += ["--quick"] if quick else []
    command += ["--overrides", json.dumps(overrides)] if overrides else []
    environment = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False, timeout=3600
    )
    if completed.returncode != 0:
        return {"backend": backend, "seed": seed, "error": completed.stderr[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _row(result: dict) -> str:
    if "error" in result:
        return f"{result['backend']:<10} seed {result['seed']}: failed: {result['error'][-300:]}"
    means = "  ".join(f"mean@{steps} {mean:6.1f}" for steps, mean in result["mean_at"].items())
    screens = " ".join(f"{mean:.0f}" for _, _, mean in result["screens"])
    return (
        f"{result['backend']:<10} seed {result['seed']}: steps to solve "
        f"{result['steps_to_solve']!s:>6}  {means}  ({result['cpu_seconds_with_checks']:.0f} s "
        f"CPU; checks every {result.get('eval_interval', '?')} steps: {screens})"
    )


def run(
    quick: bool = False,
    seeds: tuple[int, ...] | None = None,
    backends: tuple[str, ...] = BACKENDS,
    overrides: dict | None = None,
    name: str = "stays_solved",
) -> dict:
    """Runs every (backend, seed) in subprocesses, ``WORKERS`` at a time, and saves the table."""
    protocol = QUICK if quick else FULL
    seeds = (seeds or SEEDS)[:1] if quick else (seeds or SEEDS)
    first, last = (str(steps) for steps in protocol["steps"])
    jobs = [(backend, seed) for seed in seeds for backend in backends]
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(_subprocess, b, s, quick, overrides) for b, s in jobs]
        results = []
        for future in futures:
            results.append(future.result())
            print(_row(results[-1]), flush=True)
    payload = {"quick": quick, "protocol": protocol, "overrides": overrides or {}, "runs": results}
    goal = {"met": True}
    for backend in backends:
        runs = [r for r in results if r["backend"] == backend and "error" not in r]
        solved = sum(
            r["steps_to_solve"] is not None and r["steps_to_solve"] <= int(first) for r in runs
        )
        late = sum(r["mean_at"][last] >= THRESHOLD for r in runs)
        payload[f"{backend}_solved_within_{first}"] = solved
        payload[f"{backend}_mean_at_{first}_at_least_475"] = sum(
            r["mean_at"][first] >= THRESHOLD for r in runs
        )
        payload[f"{backend}_still_solved_at_{last}"] = late
        goal[f"{backend}_solved_within_{first}"] = len(seeds)
        goal[f"{backend}_still_solved_at_{last}"] = len(seeds)
        goal["met"] = goal["met"] and solved == late == len(seeds)
        print(
            f"{backend}: {solved}/{len(seeds)} solved within {first} steps, "
            f"{payload[f'{backend}_mean_at_{first}_at_least_475']}/{len(seeds)} at >= 475 at "
            f"{first}, {late}/{len(seeds)} at >= 475 at {last}",
            flush=True,
        )
    payload["goal"] = goal
    save_results(name, payload)
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, a few thousand steps")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    parser.add_argument("--overrides", default=None, help="JSON of DQNAgent arguments to change")
    parser.add_argument("--name", default="stays_solved", help="result file name (exploration)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="runs at a time")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    overrides = json.loads(arguments.overrides) if arguments.overrides else None
    if arguments.worker is not None:
        result = run_seed(arguments.worker, QUICK if arguments.quick else FULL, overrides)
        print(json.dumps(result))
    else:
        seeds = tuple(arguments.seeds) if arguments.seeds else None
        WORKERS = arguments.workers
        run(arguments.quick, seeds, tuple(arguments.backends), overrides, arguments.name)
