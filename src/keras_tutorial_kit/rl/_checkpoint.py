"""Private: ``DQNAgent``'s checkpoint format (a folder per checkpoint and a ``latest`` pointer).

``directory/latest`` names the current ``checkpoint-<steps>/`` folder, which holds
``agent.json`` (format version, configuration, counters, the agent's generator state,
history), ``variables.npz`` (network, target network and optimizer variables, by index)
and ``replay_buffer.npz`` (the buffer's own format). Format 1 (0.1.0) named the buffer
capacity ``buffer_size``; format 2 names it ``buffer_capacity``; both load. A
configuration key an older release did not write (``double_q``, ``tau``, the
learning-rate decay) means that release's behaviour (``_dqn_config.LEGACY_VALUES``).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._validation import check_path
from keras_tutorial_kit.rl._dqn_config import with_legacy_values
from keras_tutorial_kit.rl._storage import (
    load_npz,
    rng_from_json,
    rng_state_to_json,
    save_npz_atomically,
)
from keras_tutorial_kit.rl._training_history import TrainingHistory
from keras_tutorial_kit.rl.replay_buffer import ReplayBuffer

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


def _variable_groups(agent: Any) -> tuple[tuple[str, list], ...]:
    return (
        ("q", agent.q_network.weights),
        ("target", agent.target_network.weights),
        ("optimizer", agent.optimizer.variables),
    )


def save_checkpoint(agent: Any, directory: str | os.PathLike) -> pathlib.Path:
    """Writes ``agent`` to a new checkpoint folder, then points ``latest`` at it."""
    directory = check_path("directory", directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"checkpoint-{agent.num_timesteps:012d}"
    folder = directory / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    arrays = {
        f"{prefix}_{index:03d}": np.asarray(keras.ops.convert_to_numpy(variable))
        for prefix, variables in _variable_groups(agent)
        for index, variable in enumerate(variables)
    }
    save_npz_atomically(folder / "variables.npz", arrays)
    agent.replay_buffer.save(folder / "replay_buffer.npz")
    state = {
        "format_version": FORMAT_VERSION,
        "config": agent.get_config(),
        "num_timesteps": agent.num_timesteps,
        "num_updates": agent.num_updates,
        "target_is_stale": agent._target_is_stale,
        "rng_state": rng_state_to_json(agent._rng),
        "history": agent.history.to_dict(),
    }
    (folder / "agent.json").write_text(json.dumps(state), encoding="utf-8")
    temporary = directory / ".latest.tmp"
    temporary.write_text(name, encoding="utf-8")
    os.replace(temporary, directory / "latest")
    for old in directory.glob("checkpoint-*"):
        if old.name != name and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _read_state(directory: pathlib.Path) -> tuple[pathlib.Path, dict[str, Any]]:
    latest = directory / "latest"
    if not latest.is_file():
        raise ValueError(
            f"`directory` holds no DQNAgent checkpoint (no `latest` file). "
            f"Received: directory={str(directory)!r}"
        )
    folder = directory / latest.read_text(encoding="utf-8").strip()
    path = folder / "agent.json"
    if not path.is_file():
        raise ValueError(
            f"`latest` points at a missing checkpoint. Received: directory={str(directory)!r} "
            f"whose latest names {str(folder)!r}"
        )
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        version = state.get("format_version")
    except (ValueError, AttributeError, UnicodeDecodeError) as error:
        raise ValueError(f"`{path}` is not a DQNAgent checkpoint file: {error}") from error
    if version not in READABLE_VERSIONS:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise ValueError(
            f"`{path}` has checkpoint format {version!r}; this release reads formats "
            f"{READABLE_VERSIONS}{' (the file is newer)' if newer else ''}."
        )
    return folder, state


def load_checkpoint(cls: type, directory: str | os.PathLike) -> Any:
    """The agent of the latest checkpoint in ``directory``, fully restored, or ``ValueError``."""
    directory = check_path("directory", directory)
    folder, state = _read_state(directory)
    try:
        config = dict(state["config"])
        if "buffer_size" in config:  # format 1
            config["buffer_capacity"] = config.pop("buffer_size")
        config = with_legacy_values(config)
        config["observation_shape"] = tuple(config["observation_shape"])
        config["hidden_units"] = tuple(config["hidden_units"])
        agent = cls(**config)
        arrays = load_npz(folder / "variables.npz", "DQNAgent variables")
        for prefix, variables in _variable_groups(agent):
            names = sorted(key for key in arrays if key.startswith(f"{prefix}_"))
            if len(names) != len(variables):
                raise ValueError(f"{len(names)} {prefix} arrays for {len(variables)} variables")
            for name, variable in zip(names, variables, strict=True):
                if arrays[name].shape != tuple(variable.shape):
                    raise ValueError(f"array {name!r} has shape {arrays[name].shape}")
                variable.assign(arrays[name])
        agent.replay_buffer = ReplayBuffer.load(folder / "replay_buffer.npz")
        agent.num_timesteps = int(state["num_timesteps"])
        agent.num_updates = int(state["num_updates"])
        agent._target_is_stale = bool(state["target_is_stale"])
        agent._rng = rng_from_json(state["rng_state"])
        agent.history = TrainingHistory.from_dict(state["history"])
    except (KeyError, ValueError, TypeError, AttributeError, FileNotFoundError) as error:
        raise ValueError(
            f"`directory` holds a damaged DQNAgent checkpoint ({type(error).__name__}: {error}). "
            f"Received: directory={str(directory)!r}, checkpoint {str(folder)!r}"
        ) from error
    agent._acting_weights = agent.q_network.numpy_weights()
    return agent
