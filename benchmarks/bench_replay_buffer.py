"""ReplayBuffer against the tutorial's ``deque`` + ``random.sample`` buffer, side by side.

The tutorial stores ``(state, action, reward, next_state, done)`` tuples in a
``collections.deque(maxlen=10000)`` and builds a batch with
``zip(*random.sample(buffer, 32))`` and ``np.array`` on each field. Three operations are
timed in the same process, alternating, with CartPole-sized transitions:

- ``sample(32)`` on a full 10 000-transition buffer (goal: >= 4x the tutorial);
- a single ``add`` against ``deque.append`` of a tuple (goal: >= 0.5x);
- storing 100 transitions given as arrays (as a vectorized environment returns them):
  ``extend`` against 100 ``deque.append`` of per-row tuples (goal: >= 3x).
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import random
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import save_results, time_call

GOALS = {"sample_32": 4.0, "add": 0.5, "extend_100": 3.0}
CAPACITY = 10_000


def _tutorial_sample(buffer: collections.deque, batch_size: int):
    batch_state, batch_action, batch_reward, batch_next_state, batch_done = zip(
        *random.sample(buffer, batch_size), strict=True
    )
    batch_state, batch_reward, batch_next_state, batch_done = [
        np.array(a, dtype=np.float32)
        for a in [batch_state, batch_reward, batch_next_state, batch_done]
    ]
    batch_action = np.array(batch_action, dtype=np.int32)
    return batch_state, batch_action, batch_reward, batch_next_state, batch_done


def run(quick: bool = False) -> dict:
    import keras_tutorial_kit as ktk

    rng = np.random.default_rng(0)
    random.seed(0)
    states = rng.normal(size=(CAPACITY + 1, 4)).astype(np.float32)
    actions = rng.integers(0, 2, CAPACITY)
    rewards = np.ones(CAPACITY, np.float32)
    dones = rng.random(CAPACITY) < 0.05

    tutorial = collections.deque(maxlen=CAPACITY)
    ours = ktk.rl.ReplayBuffer(CAPACITY, (4,), seed=0)
    for i in range(CAPACITY):
        tutorial.append((states[i], int(actions[i]), 1.0, states[i + 1], int(dones[i])))
        ours.add(states[i], int(actions[i]), 1.0, states[i + 1], bool(dones[i]))

    repeats = 5 if quick else 15
    number = 300 if quick else 2000
    results = {}

    # sample(32)
    tutorial_sample = time_call(
        lambda: _tutorial_sample(tutorial, 32), repeats=repeats, number=number
    )
    ours_sample = time_call(lambda: ours.sample(32), repeats=repeats, number=number)
    results["sample_32"] = (tutorial_sample, ours_sample)

    # single add: a tuple appended vs a copy into the preallocated arrays.
    state, next_state = states[0], states[1]
    tutorial_add = time_call(
        lambda: tutorial.append((state, 1, 1.0, next_state, 0)), repeats=repeats, number=number * 5
    )
    ours_add = time_call(
        lambda: ours.add(state, 1, 1.0, next_state, False), repeats=repeats, number=number * 5
    )
    results["add"] = (tutorial_add, ours_add)

    # 100 transitions given as arrays.
    batch = (states[:100], actions[:100], rewards[:100], states[1:101], dones[:100])

    def tutorial_extend():
        s, a, r, n, d = batch
        for i in range(100):
            tutorial.append((s[i], a[i], r[i], n[i], d[i]))

    tutorial_extend_time = time_call(tutorial_extend, repeats=repeats, number=max(number // 20, 20))
    ours_extend = time_call(
        lambda: ours.extend(*batch), repeats=repeats, number=max(number // 20, 20)
    )
    results["extend_100"] = (tutorial_extend_time, ours_extend)

    rows = {}
    for name, (theirs, mine) in results.items():
        ratio = theirs["median_s"] / mine["median_s"]
        rows[name] = {
            "tutorial": theirs,
            "ktk": mine,
            "speedup": ratio,
            "goal": GOALS[name],
            "meets_goal": ratio >= GOALS[name],
        }
    payload = {"quick": quick, "capacity": CAPACITY, "results": rows}
    save_results("replay_buffer", payload)
    print(f"{'operation':<12} {'tutorial':>12} {'ktk':>12} {'speedup':>9} {'goal':>6}")
    for name, row in rows.items():
        print(
            f"{name:<12} {row['tutorial']['median_s'] * 1e6:>10.2f}us {row['ktk']['median_s'] * 1e6:>10.2f}us "
            f"{row['speedup']:>8.2f}x {row['goal']:>5.1f}x{'' if row['meets_goal'] else '  (below goal)'}"
        )
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    run(parser.parse_args().quick)
