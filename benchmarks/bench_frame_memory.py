"""Memory of stacked image observations: ``ReplayBuffer(stack_size=4)`` against stacks stored twice.

Issue 12's goal: 84x84 uint8 frames, stacks of 4, 100 000 transitions, at most 0.26x the
bytes of a buffer that stores each observation and next observation as whole stacks
(``ReplayBuffer`` with ``stack_size=1``, the default). Both buffers report ``nbytes``
(every array they hold: observations or frames, actions, rewards, flags). The lean
buffer is filled with 100 000 transitions of episodes of one length (as
``FrameStackObservation`` gives them: a first stack of 4 frames, then one new frame per
step), since short episodes need more frames (``L + 4`` per episode of ``L`` steps); the
naive buffer's size does not depend on its contents (it is measured empty).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import save_results

GOAL_MAX = 0.26
CAPACITY = 100_000
STACK_SIZE = 4
FRAME_SHAPE = (84, 84)
EPISODE_LENGTHS = (1, 4, 10, 100, 1000)


def _fill(buffer, transitions: int, episode_length: int, frames: np.ndarray) -> None:
    """Adds ``transitions`` of episodes of ``episode_length`` steps; frames from a pool."""
    picks = iter(np.random.default_rng(0).integers(0, len(frames), transitions * 6).tolist())
    observation = None
    for step in range(transitions):
        if observation is None:
            observation = frames[[next(picks) for _ in range(STACK_SIZE)]]
        next_observation = np.concatenate([observation[1:], frames[next(picks)][None]])
        ends = (step + 1) % episode_length == 0
        buffer.add(observation, 0, 0.0, next_observation, terminated=False, truncated=ends)
        observation = None if ends else next_observation


def run(quick: bool = False) -> dict:
    import keras_tutorial_kit as ktk

    capacity = 10_000 if quick else CAPACITY
    shape = (STACK_SIZE, *FRAME_SHAPE)
    frames = np.random.default_rng(0).integers(0, 256, (512, *FRAME_SHAPE), dtype=np.uint8)
    naive = ktk.rl.ReplayBuffer(capacity, shape, "uint8").nbytes  # np.zeros: not touched
    rows = []
    for length in EPISODE_LENGTHS:
        buffer = ktk.rl.ReplayBuffer(capacity, shape, "uint8", stack_size=STACK_SIZE, seed=0)
        _fill(buffer, capacity, length, frames)
        ratio = buffer.nbytes / naive
        rows.append(
            {
                "case": f"episodes of {length} steps",
                "episode_length": length,
                "naive_bytes": naive,
                "lean_bytes": buffer.nbytes,
                "ratio": ratio,
                "goal_max": GOAL_MAX,
                "meets_goal": ratio <= GOAL_MAX,
            }
        )
        del buffer
    payload = {
        "quick": quick,
        "capacity": capacity,
        "stack_size": STACK_SIZE,
        "frame_shape": list(FRAME_SHAPE),
        "results": rows,
    }
    save_results("frame_memory", payload)
    print(f"{'episodes':>9} {'naive MB':>10} {'lean MB':>9} {'ratio':>7} {'goal':>6}")
    for row in rows:
        print(
            f"{row['episode_length']:>9} {row['naive_bytes'] / 1e6:>10.1f} "
            f"{row['lean_bytes'] / 1e6:>9.1f} {row['ratio']:>7.3f} {GOAL_MAX:>6.2f}"
            f"{'' if row['meets_goal'] else '  (above goal)'}"
        )
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 000 transitions")
    run(parser.parse_args().quick)
