"""stable-baselines3 DQN on CartPole-v1 with the rl-baselines3-zoo settings, one seed.

Run by ``bench_cartpole.py`` with the Python of a separate virtual environment that has
torch (CPU), stable-baselines3 and gymnasium: ``python _sb3_cartpole.py SEED MAX_STEPS TORCH_THREADS``.
It follows the same protocol as ``bench_cartpole.py``'s DQNAgent runs (``ktk.rl.StopWhenSolved``)
(``python _sb3_cartpole.py SEED MAX_STEPS TORCH_THREADS [full]``, 0 threads = torch's
default; ``full`` trains all MAX_STEPS and ends with a 100-episode evaluation):
every 2 500 steps, 10 greedy evaluation episodes, and if their mean is >= 475 the 100
that decide; training stops once solved; evaluation time is excluded. It prints one
JSON line.
"""

from __future__ import annotations

import json
import sys
import time

import gymnasium as gym
import numpy as np
from stable_baselines3 import DQN
from stable_baselines3.common.callbacks import BaseCallback

SOLVED = 475.0
ZOO = dict(
    learning_rate=2.3e-3,
    batch_size=64,
    buffer_size=100_000,
    learning_starts=1_000,
    gamma=0.99,
    target_update_interval=10,
    train_freq=256,
    gradient_steps=128,
    exploration_fraction=0.16,
    exploration_final_eps=0.04,
    policy_kwargs=dict(net_arch=[256, 256]),
)


def evaluate(model, env, episodes, seed):
    returns = []
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed if episode == 0 else None)
        done, total = False, 0.0
        while not done:
            action, _ = model.predict(observation, deterministic=True)
            observation, reward, terminated, truncated, _ = env.step(int(action))
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return np.asarray(returns)


class SolvedCheck(BaseCallback):
    def __init__(self, seed, interval=2_500, early_stop=True):
        super().__init__()
        self.seed, self.interval, self.early_stop = seed, interval, early_stop
        self.env = gym.make("CartPole-v1")
        self.eval_seconds = 0.0
        self.solved_at = None
        self.train_seconds_to_solve = None
        self.returns = np.zeros(0)
        self.checks = []
        self.start = time.perf_counter()

    def _on_step(self) -> bool:
        if self.num_timesteps % self.interval:
            return True
        start = time.perf_counter()
        returns = evaluate(self.model, self.env, 10, 10_000 + self.seed + self.num_timesteps)
        if returns.mean() >= SOLVED and self.solved_at is None:
            returns = evaluate(self.model, self.env, 100, 20_000 + self.seed + self.num_timesteps)
        self.checks.append(
            {"step": self.num_timesteps, "episodes": len(returns), "mean": float(returns.mean())}
        )
        solved = len(returns) == 100 and returns.mean() >= SOLVED
        if solved:
            self.solved_at = self.num_timesteps
            self.train_seconds_to_solve = start - self.start - self.eval_seconds
            self.returns = returns
        elif self.solved_at is None:
            self.returns = returns
        self.eval_seconds += time.perf_counter() - start
        return not (solved and self.early_stop)


def main() -> None:
    seed, max_steps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    early_stop = len(sys.argv) < 5 or sys.argv[4] != "full"
    import torch

    if threads > 0:
        torch.set_num_threads(threads)

    model = DQN("MlpPolicy", gym.make("CartPole-v1"), seed=seed, device="cpu", verbose=0, **ZOO)
    check = SolvedCheck(seed, early_stop=early_stop)
    start = check.start = time.perf_counter()
    model.learn(total_timesteps=max_steps, callback=check)
    elapsed = time.perf_counter() - start
    final = None if early_stop else float(evaluate(model, check.env, 100, 30_000 + seed).mean())
    print(
        json.dumps(
            {
                "seed": seed,
                "solved": check.solved_at is not None,
                "steps_to_solve": check.solved_at,
                "eval_mean": float(check.returns.mean()) if check.returns.size else None,
                "train_seconds": elapsed - check.eval_seconds,
                "train_seconds_to_solve": check.train_seconds_to_solve,
                "final_eval_mean": final,
                "eval_seconds": check.eval_seconds,
                "timesteps": int(model.num_timesteps),
                "checks": check.checks,
                "torch": torch.__version__,
                "torch_threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
