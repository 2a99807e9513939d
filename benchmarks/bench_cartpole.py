"""DQNAgent on CartPole-v1: five seeds to the solved criterion, stable-baselines3 side by side.

Solved = mean return >= 475 over 100 greedy evaluation episodes, within 50 000
environment steps. Both agents follow the same protocol (``ktk.rl.StopWhenSolved``
for DQNAgent): every 2 500 steps a 10-episode screen, then the
100 deciding episodes; training stops once solved; evaluation time is excluded from the
training wall time. Seeds alternate between the two agents so that both see the same
machine load.

stable-baselines3 (torch, CPU) runs in a subprocess with the Python of its own virtual
environment, given by ``--sb3-python`` or ``KTK_SB3_PYTHON`` (for example
``python3 -m venv /work/sb3-venv && /work/sb3-venv/bin/pip install torch stable-baselines3
gymnasium``); without one, only DQNAgent runs and the comparison is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import RESULTS_DIR, save_results

SEEDS = (0, 1, 2, 3, 4)
MAX_TIMESTEPS = 50_000
SB3_SCRIPT = pathlib.Path(__file__).with_name("_sb3_cartpole.py")
# torch's default 2-thread pool spin-waits when the 2 cores are shared with other work:
# measured here, 1 000 SB3 steps took 21 s with 2 threads and 0.7 s with 1, and 32
# gradient steps 3.0 s against 0.05 s. One thread is SB3's best case on this machine.
SB3_TORCH_THREADS = 1


def _train_until_solved(seed: int, full: bool) -> dict:
    """DQNAgent with the public solved protocol (``ktk.rl.StopWhenSolved``), timed.

    With ``full`` training runs all ``MAX_TIMESTEPS`` (checks after the solve are
    screens only) and ends with a 100-episode evaluation of the final agent.
    """
    import time

    import gymnasium as gym

    import keras_tutorial_kit as ktk

    env, eval_env = gym.make("CartPole-v1"), gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, seed=seed)
    solved = ktk.rl.StopWhenSolved(eval_env, 475.0, seed=10_000 + seed, stop=not full)
    start = time.perf_counter()
    agent.learn(env, MAX_TIMESTEPS, progress_bar=False, callback=solved)
    train_seconds = time.perf_counter() - start - solved.eval_seconds
    solving = [check for check in solved.checks if check["step"] == solved.solved_at]
    final = float(agent.evaluate(eval_env, 100, seed=30_000 + seed).mean()) if full else None
    return {
        "seed": seed,
        "solved": solved.solved_at is not None,
        "steps_to_solve": solved.solved_at,
        "eval_mean": float(solved.eval_returns.mean()) if solved.checks else None,
        "eval_returns": solved.eval_returns.tolist(),
        "train_seconds": train_seconds,
        "train_seconds_to_solve": solving[0]["started"] - start - solving[0]["eval_seconds_before"]
        if solving
        else None,
        "final_eval_mean": final,
        "eval_seconds": solved.eval_seconds,
        "timesteps": agent.num_timesteps,
        "episodes": len(agent.history.episode_returns),
        "checks": [
            {key: check[key] for key in ("step", "episodes", "mean")} for check in solved.checks
        ],
        "agent": agent,
    }


def _ours(seed: int, full: bool) -> dict:
    result = _train_until_solved(seed, full)
    agent = result.pop("agent")
    result["episode_returns"] = agent.history.episode_returns
    result["episode_end_steps"] = agent.history.episode_end_steps
    if seed == SEEDS[0]:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        agent.history.plot(
            RESULTS_DIR / "cartpole_returns.png", title=f"DQNAgent, CartPole-v1, seed {seed}"
        )
    return result


def _sb3(python: str, seed: int, full: bool) -> dict:
    completed = subprocess.run(
        [python, str(SB3_SCRIPT), str(seed), str(MAX_TIMESTEPS), str(SB3_TORCH_THREADS)]
        + (["full"] if full else []),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if completed.returncode != 0:
        return {"seed": seed, "error": completed.stderr[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _summary(results: list[dict]) -> dict:
    finished = [r for r in results if "error" not in r]
    return {
        "solved": sum(bool(r["solved"]) for r in finished),
        "runs": len(results),
        "median_train_seconds": statistics.median(r["train_seconds"] for r in finished)
        if finished
        else None,
        "median_train_seconds_to_solve": statistics.median(
            r["train_seconds_to_solve"] if r["solved"] else float("inf") for r in finished
        )
        if finished
        else None,
        "solved_by_final_evaluation": sum(
            r.get("final_eval_mean") is not None and r["final_eval_mean"] >= 475 for r in finished
        ),
        "median_steps_to_solve": statistics.median(
            r["steps_to_solve"] if r["solved"] else float("inf") for r in finished
        )
        if finished
        else None,
    }


def run(quick: bool = False, sb3_python: str | None = None, full: bool | None = None) -> dict:
    """Runs the seeds; ``full`` (default: not ``quick``) trains every run to 50 000 steps."""
    full = (not quick) if full is None else full
    sb3_python = sb3_python or os.environ.get("KTK_SB3_PYTHON")
    if sb3_python and not pathlib.Path(sb3_python).exists():
        print(
            f"KTK_SB3_PYTHON / --sb3-python {sb3_python!r} does not exist: skipping stable-baselines3"
        )
        sb3_python = None
    if not sb3_python:
        print("No stable-baselines3 Python given (--sb3-python or KTK_SB3_PYTHON): DQNAgent only.")
    seeds = SEEDS[:1] if quick else SEEDS
    ours, theirs = [], []
    for seed in seeds:
        # The 1-minute load average before each run: this machine is shared, and a
        # loaded machine slows both agents (torch's thread pool more than most).
        load = os.getloadavg()[0]
        ours.append({**_ours(seed, full), "load_average_before": load})
        print(_row("ktk DQNAgent", ours[-1]), flush=True)
        if sb3_python:
            load = os.getloadavg()[0]
            theirs.append({**_sb3(sb3_python, seed, full), "load_average_before": load})
            print(_row("SB3 DQN", theirs[-1]), flush=True)
    payload = {
        "quick": quick,
        "max_timesteps": MAX_TIMESTEPS,
        "sb3_torch_threads": SB3_TORCH_THREADS,
        "full_runs": full,
        "criterion": "mean return >= 475 over 100 greedy evaluation episodes",
        "ktk": {"runs": ours, "summary": {**_summary(ours), "solved_goal": len(seeds)}},
    }
    if theirs:
        payload["sb3"] = {"runs": theirs, "summary": _summary(theirs)}
        for key in ("median_train_seconds", "median_train_seconds_to_solve"):
            ours_median = payload["ktk"]["summary"][key]
            theirs_median = payload["sb3"]["summary"][key]
            if ours_median and theirs_median and theirs_median != float("inf"):
                payload[f"ratio_ktk_over_sb3_{key}"] = ours_median / theirs_median
        # The issue's goal: median training wall time at most half of stable-baselines3's.
        payload["ratio_ktk_over_sb3_median_train_seconds_goal_max"] = 0.5
    save_results("cartpole" if full else "cartpole_stop_when_solved", payload)
    for name in ("ktk", "sb3"):
        if name in payload:
            summary = payload[name]["summary"]
            print(
                f"{name}: {summary['solved']}/{summary['runs']} solved within {MAX_TIMESTEPS} steps, "
                f"median training time {summary['median_train_seconds']:.1f} s, median time to solve "
                f"{summary['median_train_seconds_to_solve']:.1f} s"
            )
    for key in ("median_train_seconds", "median_train_seconds_to_solve"):
        if f"ratio_ktk_over_sb3_{key}" in payload:
            print(f"{key}: ktk / SB3 = {payload[f'ratio_ktk_over_sb3_{key}']:.2f} (goal <= 0.5)")
    return payload


def _row(name: str, result: dict) -> str:
    if "error" in result:
        return f"{name:<14} seed {result['seed']}: failed: {result['error'][-300:]}"
    steps = result["steps_to_solve"] if result["solved"] else "not solved"
    final = result.get("final_eval_mean")
    final = "" if final is None else f", final eval {final:.1f}"
    return (
        f"{name:<14} seed {result['seed']}: steps to solve {steps!s:>10}{final}, eval mean "
        f"{result['eval_mean']:.1f}, training {result['train_seconds']:.1f} s "
        f"({result['timesteps'] / result['train_seconds']:.0f} steps/s, load {result['load_average_before']:.1f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed")
    parser.add_argument(
        "--sb3-python", default=None, help="Python of a venv with stable-baselines3"
    )
    parser.add_argument(
        "--stop-when-solved",
        action="store_true",
        help="stop each run at its first solve (default unless --quick: train 50 000 steps)",
    )
    arguments = parser.parse_args()
    run(arguments.quick, arguments.sb3_python, full=False if arguments.stop_when_solved else None)
