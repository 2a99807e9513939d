"""The replay buffers against stable-baselines3's ``ReplayBuffer``, side by side.

One process, CartPole-sized transitions (observation shape ``(4,)``), a full buffer of
100 000 transitions; the candidates are timed in interleaved repeats
(``_common.interleaved``: wall-time medians, in the result file); the figures printed
and judged are the least CPU time per call (``time.process_time``) of a second interleaved pass, in
microseconds, which a machine shared with other processes changes least:

- ``add``: one transition (goal: at most 1.2 us);
- ``sample_256``: a batch of 256 (goal: at most 10 us);
- ``prioritized_1m``: ``PrioritizedReplayBuffer`` of 1 000 000 transitions,
  ``sample(256)`` plus ``update_priorities`` of those 256 (goal: at most 150 us;
  stable-baselines3 has no prioritized buffer);
- ``n_step_sample_256``: ``sample(256)`` with ``n_steps=3`` (episodes of 200 steps),
  against stable-baselines3's ``NStepReplayBuffer`` (no goal).

stable-baselines3 (``pip install stable-baselines3``, the ``bench`` extra) is optional:
without it the kit's figures are still measured and its columns say ``skipped``.
stable-baselines3's ``add`` takes arrays of ``(n_envs, ...)`` and an ``infos`` list, and
its ``sample`` returns torch tensors: each is timed as its users call it.

``python benchmarks/bench_replay_buffer.py [--quick] [--output PATH]``: results go to PATH
(default: ``_common.RESULTS_DIR``), with the 1-minute load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import environment, interleaved, save_results

CAPACITY = 100_000
PRIORITIZED_CAPACITY = 1_000_000
BATCH = 256
N_STEPS = 3
GOALS_US = {"add": 1.2, "sample_256": 10.0, "prioritized_1m": 150.0}


def _transitions(count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    observations = rng.normal(size=(count + 1, 4)).astype(np.float32)
    actions = rng.integers(0, 2, count)
    rewards = np.ones(count, np.float32)
    terminated = np.arange(count) % 200 == 199  # episodes of 200 steps
    return observations[:-1], actions, rewards, observations[1:], terminated


def _sb3_buffer(n_steps: int):
    """A full stable-baselines3 buffer, or ``None`` when it is not installed."""
    try:
        import gymnasium as gym
        from stable_baselines3.common import buffers
    except ImportError:
        return None
    space = gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
    kwargs = {"device": "cpu", "handle_timeout_termination": False}
    if n_steps == 1:
        buffer = buffers.ReplayBuffer(CAPACITY, space, gym.spaces.Discrete(2), **kwargs)
    elif hasattr(buffers, "NStepReplayBuffer"):  # stable-baselines3 >= 2.6
        buffer = buffers.NStepReplayBuffer(
            CAPACITY, space, gym.spaces.Discrete(2), n_steps=n_steps, gamma=0.99, **kwargs
        )
    else:
        return None
    observations, actions, rewards, next_observations, terminated = _transitions(CAPACITY)
    # Its own arrays, filled directly: a Python loop of 100 000 ``add`` calls is slow.
    buffer.observations[:, 0] = observations
    buffer.next_observations[:, 0] = next_observations
    buffer.actions[:, 0, 0] = actions
    buffer.rewards[:, 0] = rewards
    buffer.dones[:, 0] = terminated
    buffer.full, buffer.pos = True, 0
    return buffer


def _ktk_buffer(cls, capacity: int, **kwargs):
    buffer = cls(capacity, (4,), seed=0, **kwargs)
    buffer.extend(*_transitions(capacity))
    return buffer


def _row(name: str, candidates: dict, repeats: int, number: int, goal: float | None) -> dict:
    timings = interleaved(candidates, repeats, number)
    cpu = interleaved(candidates, max(repeats // 3, 3), number, clock=time.process_time)
    ours = cpu["ktk"]["min_s"] * 1e6
    theirs = cpu["sb3"]["min_s"] * 1e6 if "sb3" in cpu else None
    row = {
        "name": name,
        "ktk": timings["ktk"],
        "sb3": timings.get("sb3", "skipped"),
        "value": ours,
        "sb3_us": theirs,
        "ktk_over_sb3": None if theirs is None else ours / theirs,
        "wall_ktk_over_sb3": (
            timings["ktk"]["median_s"] / timings["sb3"]["median_s"] if "sb3" in timings else None
        ),
    }
    if goal is not None:
        row.update(goal_max=goal, meets_goal=ours <= goal)
    return row


def _uniform_rows(ktk, repeats: int, number: int) -> list[dict]:
    ours, theirs = _ktk_buffer(ktk.rl.ReplayBuffer, CAPACITY), _sb3_buffer(1)
    observation, next_observation = np.zeros(4, np.float32), np.ones(4, np.float32)
    add = {"ktk": lambda: ours.add(observation, 1, 1.0, next_observation, False)}
    sample = {"ktk": lambda: ours.sample(BATCH)}
    if theirs is not None:
        batch = (observation[None], next_observation[None], np.array([1]), np.ones(1))
        add["sb3"] = lambda: theirs.add(*batch, np.zeros(1, bool), [{}])
        sample["sb3"] = lambda: theirs.sample(BATCH)
    return [
        _row("add", add, repeats, number * 5, GOALS_US["add"]),
        _row("sample_256", sample, repeats, number, GOALS_US["sample_256"]),
    ]


def _n_step_row(ktk, repeats: int, number: int) -> dict:
    ours = _ktk_buffer(ktk.rl.ReplayBuffer, CAPACITY, n_steps=N_STEPS)
    theirs = _sb3_buffer(N_STEPS)
    sample = {"ktk": lambda: ours.sample(BATCH)}
    if theirs is not None:
        sample["sb3"] = lambda: theirs.sample(BATCH)
    return _row("n_step_sample_256", sample, repeats, number, None)


def _prioritized_row(ktk, repeats: int, number: int) -> dict:
    buffer = _ktk_buffer(ktk.rl.PrioritizedReplayBuffer, PRIORITIZED_CAPACITY)
    priorities = np.random.default_rng(1).random(BATCH)

    def sample_and_update():
        batch = buffer.sample(BATCH)
        buffer.update_priorities(batch.indices, priorities)

    candidates = {"ktk": sample_and_update}
    return _row(
        "prioritized_1m", candidates, repeats, max(number // 10, 50), GOALS_US["prioritized_1m"]
    )


def run(quick: bool = False, output: str | None = None) -> dict:
    import keras_tutorial_kit as ktk

    repeats, number = (5, 300) if quick else (21, 2000)
    load_before = os.getloadavg()[0]
    rows = _uniform_rows(ktk, repeats, number)
    rows.append(_n_step_row(ktk, repeats, number))
    rows.append(_prioritized_row(ktk, repeats, number))
    payload = {
        "quick": quick,
        "capacity": CAPACITY,
        "prioritized_capacity": PRIORITIZED_CAPACITY,
        "sb3": _sb3_version(),
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
        "results": rows,
    }
    if output is None:
        save_results("replay_buffer", payload)
    else:
        document = {"benchmark": "replay_buffer", "environment": environment(), **payload}
        pathlib.Path(output).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"{'CPU time / call':<18} {'ktk':>10} {'sb3':>10} {'ktk/sb3':>8} {'goal':>9}")
    for row in rows:
        sb3 = "skipped" if row["sb3_us"] is None else f"{row['sb3_us']:.2f}us"
        ratio = "" if row["ktk_over_sb3"] is None else f"{row['ktk_over_sb3']:.2f}x"
        goal = "" if "goal_max" not in row else f"<={row['goal_max']:g}us"
        verdict = "" if row.get("meets_goal", True) else "  (above goal)"
        print(f"{row['name']:<18} {row['value']:>8.2f}us {sb3:>10} {ratio:>8} {goal:>9}{verdict}")
    load = payload["load_average_1min"]
    print(f"1-minute load average: {load['before']:.2f} before, {load['after']:.2f} after")
    return payload


def _sb3_version() -> str:
    try:
        import stable_baselines3
    except ImportError:
        return "skipped (not installed: pip install stable-baselines3)"
    return stable_baselines3.__version__


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--output", help="JSON file to write (default: _common.RESULTS_DIR)")
    arguments = parser.parse_args()
    run(quick=arguments.quick, output=arguments.output)
