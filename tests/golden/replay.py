"""How each kind of golden artifact is loaded and replayed, through the public API only.

A golden folder ``tests/golden/<version>/<artifact>/`` holds the saved object, a
``manifest.json`` (its ``kind``, the file to load, the call arguments, and for every
expected output whether it is compared ``exact`` or ``allclose``), ``inputs.npz`` and
``expected.npz``. ``generate.py`` computes the expected outputs with the functions
below from the object it just saved; ``tests/test_golden.py`` loads the file with the
code of today and replays the same calls.

These functions define what the goldens of every earlier release mean: change one only
in ways that keep every existing golden's outputs identical (add a new ``kind``
instead).
"""

from __future__ import annotations

import inspect
import json
import pathlib
import re
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

import keras_tutorial_kit as ktk

GOLDEN_FORMAT = 1


def _numpy(value: Any) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value))


def _fields(prefix: str, sample: Any) -> dict[str, np.ndarray]:
    """Every field of a ``ReplaySample``-like named tuple, as ``<prefix>_<field>``."""
    return {f"{prefix}_{name}": np.asarray(value) for name, value in sample._asdict().items()}


# ------------------------------------------------------------------------ loaders
def load_keras_model(folder: pathlib.Path, manifest: dict[str, Any]) -> Any:
    return keras.saving.load_model(folder / manifest["file"])


def load_sampler(folder: pathlib.Path, manifest: dict[str, Any]) -> Any:
    serialized = json.loads((folder / manifest["file"]).read_text(encoding="utf-8"))
    return [keras.saving.deserialize_keras_object(item) for item in serialized]


def load_replay_buffer(folder: pathlib.Path, manifest: dict[str, Any]) -> Any:
    return ktk.rl.ReplayBuffer.load(folder / manifest["file"])


def load_prioritized_replay_buffer(folder: pathlib.Path, manifest: dict[str, Any]) -> Any:
    return ktk.rl.PrioritizedReplayBuffer.load(folder / manifest["file"])


def load_dqn_agent(folder: pathlib.Path, manifest: dict[str, Any]) -> Any:
    return ktk.rl.DQNAgent.load(folder / manifest["file"])


# ------------------------------------------------------------------------ replays
# Each takes the object, the inputs and the manifest's ``arguments`` and returns the
# named outputs. Calls run in a fixed order: the random ones continue the generator
# state the file was saved with.
def replay_keras_model(model, inputs, arguments) -> dict[str, np.ndarray]:
    outputs = model(inputs["x"])
    if isinstance(outputs, dict):
        return {f"outputs_{key}": _numpy(value) for key, value in outputs.items()}
    return {"outputs": _numpy(outputs)}


def replay_compiled_model(model, inputs, arguments) -> dict[str, np.ndarray]:
    results = replay_keras_model(model, inputs, arguments)
    targets = {name[len("y_") :]: inputs[name] for name in inputs if name.startswith("y_")}
    scores = model.evaluate(
        inputs["x"], targets, batch_size=len(inputs["x"]), verbose=0, return_dict=True
    )
    results.update({f"evaluate_{key}": np.float64(value) for key, value in scores.items()})
    results["optimizer_iterations"] = _numpy(model.optimizer.iterations).astype(np.int64)
    return results


def replay_char_rnn(model, inputs, arguments) -> dict[str, np.ndarray]:
    results = replay_keras_model(model, inputs, arguments)
    ids, logits = model.generate(
        inputs["prompt"], length=arguments["length"], seed=arguments["seed"], return_logits=True
    )
    results.update({"generated_ids": ids, "generated_logits": logits})
    return results


def replay_q_network(model, inputs, arguments) -> dict[str, np.ndarray]:
    results = replay_keras_model(model, inputs, arguments)
    results["greedy_actions"] = model.act(inputs["x"])
    results["epsilon_greedy_actions"] = model.act(
        inputs["x"], epsilon=arguments["epsilon"], seed=arguments["seed"]
    )
    return results


def replay_sampler(samplers, inputs, arguments) -> dict[str, np.ndarray]:
    results = {}
    for index, sampler in enumerate(samplers):
        for call in range(arguments["calls"]):
            results[f"sampler{index}_call{call}"] = sampler(inputs["logits"])
        results[f"sampler{index}_large_vocab"] = sampler(inputs["large_logits"])
    for index, options in enumerate(arguments["sample_logits"]):
        results[f"sample_logits{index}"] = ktk.samplers.sample_logits(inputs["logits"], **options)
        results[f"sample_logits{index}_large_vocab"] = ktk.samplers.sample_logits(
            inputs["large_logits"], **options
        )
    return results


def replay_replay_buffer(buffer, inputs, arguments) -> dict[str, np.ndarray]:
    results = {
        "length": np.int64(len(buffer)),
        "position": np.int64(buffer.position),
        **_fields("transitions", buffer.transitions()),
    }
    for draw in range(arguments["draws"]):
        results.update(_fields(f"sample{draw}", buffer.sample(arguments["batch_size"])))
    return results


def replay_prioritized_replay_buffer(buffer, inputs, arguments) -> dict[str, np.ndarray]:
    results = {
        "length": np.int64(len(buffer)),
        "position": np.int64(buffer.position),
        "probabilities": buffer.probabilities(),
        **_fields("transitions", buffer.transitions()),
    }
    batch_size, beta = arguments["batch_size"], arguments["beta"]
    first = buffer.sample(batch_size, beta=beta)
    results.update(_fields("sample0", first))
    buffer.update_priorities(first.indices, inputs["new_priorities"])
    results["probabilities_after_update"] = buffer.probabilities()
    results.update(_fields("sample1", buffer.sample(batch_size, beta=beta)))
    # A new transition gets the largest priority seen so far (restored from the file).
    buffer.add(
        *(inputs[f"new_{name}"] for name in ("observation", "action", "reward")),
        inputs["new_next_observation"],
        bool(inputs["new_terminated"]),
    )
    results["probabilities_after_add"] = buffer.probabilities()
    results.update(_fields("sample2", buffer.sample(batch_size, beta=beta)))
    return results


def replay_dqn_agent(agent, inputs, arguments) -> dict[str, np.ndarray]:
    observations = inputs["observations"]
    results = {
        "num_timesteps": np.int64(agent.num_timesteps),
        "num_updates": np.int64(agent.num_updates),
        "optimizer_iterations": _numpy(agent.optimizer.iterations).astype(np.int64),
        "episode_returns": np.asarray(agent.history.episode_returns, dtype=np.float64),
        "q_values": _numpy(agent.q_network(observations)),
        "target_q_values": _numpy(agent.target_network(observations)),
        "greedy_actions": np.array([agent.act(o) for o in observations], dtype=np.int64),
        "epsilon_greedy_actions": np.array(
            [agent.act(o, epsilon=arguments["epsilon"]) for o in observations], dtype=np.int64
        ),
    }
    for draw in range(arguments["draws"]):
        results.update(
            _fields(f"buffer_sample{draw}", agent.replay_buffer.sample(arguments["batch_size"]))
        )
    return results


KINDS: dict[str, tuple[Callable, Callable]] = {
    "keras_model": (load_keras_model, replay_keras_model),
    "compiled_model": (load_keras_model, replay_compiled_model),
    "char_rnn": (load_keras_model, replay_char_rnn),
    "q_network": (load_keras_model, replay_q_network),
    "sampler": (load_sampler, replay_sampler),
    "replay_buffer": (load_replay_buffer, replay_replay_buffer),
    "prioritized_replay_buffer": (load_prioritized_replay_buffer, replay_prioritized_replay_buffer),
    "dqn_agent": (load_dqn_agent, replay_dqn_agent),
}


# ------------------------------------------------------------- seeded sampler draws
# The ids a seed draws from the text sampler are promised within a minor release only
# (docs/versioning.rst): across minor releases a draw is checked against the
# distribution it came from, not id for id. Greedy draws (temperature 0) are not draws.
def minor_release(version: str) -> tuple[int, int]:
    """``(major, minor)`` of a version string such as ``"0.2.0.dev0"``."""
    found = re.match(r"(\d+)\.(\d+)\.", version)
    if found is None:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    return int(found[1]), int(found[2])


def _drawn_from(logits: str, options: dict[str, Any]) -> dict[str, Any]:
    return {
        "logits": logits,
        "temperature": options.get("temperature", 1.0),
        "top_k": options.get("top_k"),
        "top_p": options.get("top_p"),
        "min_p": options.get("min_p"),
    }


def seeded_draws(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The outputs of a golden that are seeded draws of the text sampler.

    Maps each output name to what it was drawn from: ``logits`` (the name of the input,
    or for ``char_rnn`` of the expected output, holding the logits) and the sampler's
    ``temperature``, ``top_k``, ``top_p`` and ``min_p``. Greedy outputs are left out.
    """
    kind, arguments = manifest["kind"], manifest["arguments"]
    draws = {}
    if kind == "sampler":
        for index, config in enumerate(manifest["config"]):
            for call in range(arguments["calls"]):
                draws[f"sampler{index}_call{call}"] = _drawn_from("logits", config)
            draws[f"sampler{index}_large_vocab"] = _drawn_from("large_logits", config)
        for index, options in enumerate(arguments["sample_logits"]):
            draws[f"sample_logits{index}"] = _drawn_from("logits", options)
            draws[f"sample_logits{index}_large_vocab"] = _drawn_from("large_logits", options)
    elif kind == "char_rnn":  # generate()'s default sampler: temperature 1, no filter
        draws["generated_ids"] = _drawn_from("generated_logits", {})
    return {name: draw for name, draw in draws.items() if draw["temperature"] != 0}


# Outputs computed from earlier draws: across minor releases they are replayed with
# the golden's draws fed back in (teacher forcing) instead of new ones.
DRAW_DEPENDENT = {"char_rnn": ("generated_logits",)}


def char_rnn_forced_logits(model, inputs, arguments, generated_ids) -> np.ndarray:
    """The logits ``generate`` gives when its sampler returns ``generated_ids``, step by step.

    Deterministic whatever the sampler engine: each step is one LSTM step on the prompt
    and the forced prefix.
    """
    steps = iter(np.asarray(generated_ids, dtype=np.int32).T)

    def forced(logits):
        return next(steps)

    _, logits = model.generate(
        inputs["prompt"], length=arguments["length"], sampler=forced, return_logits=True
    )
    return _numpy(logits)


def _is_ours(obj: Any) -> bool:
    return type(obj).__module__.startswith("keras_tutorial_kit.")


def config_of(obj: Any) -> Any:
    """The configuration a golden records, of the kit's objects only.

    ``get_config()`` (or, for an object without one, its attributes named after its
    constructor arguments) without Keras' ``dtype`` policy entry for the kit's own objects; for
    a model built from Keras' classes (a functional model), the configs of the kit's
    layers in it, by layer name; for a list, the list of configs.
    """
    if isinstance(obj, list):
        return [config_of(item) for item in obj]
    if isinstance(obj, keras.Model) and not _is_ours(obj):
        return {"layers": {layer.name: config_of(layer) for layer in obj.layers if _is_ours(layer)}}
    if callable(getattr(obj, "get_config", None)):
        config = obj.get_config()
        config.pop("dtype", None)
    else:  # One attribute per constructor argument, spelled the same.
        parameters = inspect.signature(type(obj)).parameters
        config = {name: getattr(obj, name) for name in parameters if hasattr(obj, name)}
    return json.loads(json.dumps(config, default=str))


def renamed_arguments(obj: Any) -> dict[str, str]:
    """``old -> new`` constructor argument renames recorded by ``_deprecation.renamed_arguments``."""
    recorded = getattr(type(obj).__init__, "__renamed_arguments__", None) or {}
    return {old: new for old, (new, _removed_in) in recorded.items()}


def config_differences(
    expected: Any, actual: Any, path: str = "config", renames: dict[str, str] | None = None
) -> list[str]:
    """Where ``actual`` departs from ``expected``; keys only ``actual`` has are additions.

    ``renames`` (``old -> new``, top level only) lets a renamed constructor argument be
    found under its new name.
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a dict, got {actual!r}"]
        differences = []
        for key, value in expected.items():
            if key not in actual and (renames or {}).get(key) in actual:
                differences += config_differences(
                    value, actual[renames[key]], f"{path}[{key!r} renamed {renames[key]!r}]"
                )
            elif key not in actual:
                differences.append(f"{path}[{key!r}] is missing (expected {value!r})")
            else:
                differences += config_differences(value, actual[key], f"{path}[{key!r}]")
        return differences
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        differences = []
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            differences += config_differences(left, right, f"{path}[{index}]")
        return differences
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]
