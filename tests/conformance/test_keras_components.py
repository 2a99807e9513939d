"""Conformance point ``keras``: Keras' own contract, over every public Keras component.

Every class exported through a subpackage's ``__all__`` and registered with Keras under
the package name ``keras_tutorial_kit`` is a component. Each one needs an entry in
``CASES`` below (``test_every_component_has_a_case`` fails otherwise), and then gets the
checks that apply to its kind:

- every component: docstring ``Example:``, registered-name serialization without
  ``custom_objects``, ``get_config``/``from_config`` round trip;
- layers and models: ``.keras`` save and ``load_model(..., safe_mode=True)`` give
  identical outputs, a symbolic call agrees with the eager output shape, one ``fit``
  step with ``jit_compile`` off and on, a custom training loop (``tf.GradientTape``,
  ``jax.value_and_grad`` or torch's ``backward``), ``mixed_float16`` / ``mixed_bfloat16`` policies;
- losses and metrics: the same, through a small model compiled with them.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk

SUBPACKAGES = ("data", "layers", "losses", "metrics", "models", "rl", "samplers")
CONTRACT_POINT = "keras"
NOT_APPLICABLE = {
    "data.CharCorpus": "not a Keras object",
    "data.MNISTLoader": "not a Keras object",
    "data.load_flowers": "a function returning a tf.data pipeline",
    "losses.mean_squared_error": "a function; equal to keras.losses.mean_squared_error "
    "(tests/losses)",
    "rl.DQNAgent": "not a Keras object (its checkpoints: test_files.py)",
    "rl.LinearSchedule": "not a Keras object",
    "rl.PrioritizedReplayBuffer": "not a Keras object",
    "rl.ReplayBuffer": "not a Keras object",
    "rl.StopWhenSolved": "not a Keras object (a `DQNAgent.learn` callback)",
    "rl.evaluate_policy": "a function over gymnasium environments",
    "samplers.sample_logits": "a function; its Keras use is tested in tests/samplers",
}


@dataclasses.dataclass(frozen=True)
class Case:
    """How to build one component and feed it.

    ``inputs``/``targets`` take a ``numpy.random.Generator``. For layers and models they
    are the component's own inputs and ``fit`` targets (with ``loss``); for losses and
    metrics they feed a small ``Dense`` model compiled with the component.
    """

    make: Callable[[], Any]
    inputs: Callable[[np.random.Generator], np.ndarray] | None = None
    targets: Callable[[np.random.Generator], np.ndarray] | None = None
    loss: Any = "mse"


def _floats(*shape):
    return lambda rng: rng.normal(size=shape).astype("float32")


def _labels(n, classes):
    return lambda rng: rng.integers(0, classes, size=(n,)).astype("int32")


def _images(*shape):
    return lambda rng: rng.uniform(size=shape).astype("float32")


# One entry per public component, keyed by "<subpackage>.<name>".
CASES: dict[str, Case] = {
    "layers.LinearLayer": Case(
        make=lambda: ktk.layers.LinearLayer(3),
        inputs=_floats(4, 2, 5),
        targets=_floats(4, 2, 3),
    ),
    "losses.MeanSquaredError": Case(
        make=lambda: ktk.losses.MeanSquaredError(),
        inputs=_floats(8, 5),
        targets=_floats(8, 3),
    ),
    "metrics.SparseCategoricalAccuracy": Case(
        make=lambda: ktk.metrics.SparseCategoricalAccuracy(),
        inputs=_floats(8, 5),
        targets=_labels(8, 3),
    ),
    "models.Linear": Case(
        make=lambda: ktk.models.Linear(units=2, kernel_initializer="glorot_uniform"),
        inputs=_floats(4, 3),
        targets=_floats(4, 2),
    ),
    "models.MLP": Case(
        make=lambda: ktk.models.MLP(num_classes=4, hidden_units=(16, 8)),
        inputs=_images(4, 6, 6, 1),
        targets=_labels(4, 4),
        loss="sparse_categorical_crossentropy",
    ),
    "models.QNetwork": Case(
        make=lambda: ktk.models.QNetwork(num_actions=3, hidden_units=(8, 8)),
        inputs=_floats(4, 5),
        targets=_floats(4, 3),
    ),
    "models.CNN": Case(
        make=lambda: ktk.models.CNN(num_classes=3, filters=(4, 8), kernel_size=3, dense_units=16),
        inputs=_images(4, 9, 7, 2),
        targets=_labels(4, 3),
        loss="sparse_categorical_crossentropy",
    ),
    "models.CharRNN": Case(
        make=lambda: ktk.models.CharRNN(vocab_size=6, units=8),
        inputs=lambda rng: rng.integers(0, 6, size=(4, 7)).astype("int32"),
        targets=_labels(4, 6),
        loss="sparse_categorical_crossentropy",
    ),
    # Not a layer: docstring, registered-name serialization and config checks only; its
    # use inside compiled functions is tested in tests/samplers/test_temperature_sampler.py.
    "samplers.TemperatureSampler": Case(
        make=lambda: ktk.samplers.TemperatureSampler(temperature=0.7, top_k=5, top_p=0.9, seed=1),
    ),
}


def _public_components() -> dict[str, type]:
    components = {}
    for subpackage in SUBPACKAGES:
        module = importlib.import_module(f"keras_tutorial_kit.{subpackage}")
        for name in module.__all__:
            obj = getattr(module, name)
            registered = keras.saving.get_registered_name(obj) if inspect.isclass(obj) else ""
            if registered.startswith("keras_tutorial_kit>"):
                components[f"{subpackage}.{name}"] = obj
    return components


COMPONENTS = _public_components()


def _of_kind(base: type) -> list[str]:
    return sorted(key for key, cls in COMPONENTS.items() if key in CASES and issubclass(cls, base))


LAYERS = _of_kind(keras.layers.Layer)
LOSSES = _of_kind(keras.losses.Loss)
METRICS = _of_kind(keras.metrics.Metric)
COMPILED = LOSSES + METRICS
POLICIES = ("mixed_float16", "mixed_bfloat16")


def _data(case: Case, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return case.inputs(rng), case.targets(rng)


def _as_model(layer: keras.layers.Layer, x: np.ndarray) -> keras.Model:
    """The component itself if it is a model, else a one-layer functional model around it."""
    if isinstance(layer, keras.Model):
        layer(x)
        return layer
    inputs = keras.Input(shape=x.shape[1:], dtype=str(x.dtype))
    return keras.Model(inputs, layer(inputs))


def _compiled_host(key: str, jit_compile: Any = "auto") -> keras.Model:
    """A small Dense model compiled with the loss or metric under test."""
    case = CASES[key]
    component = case.make()
    x, y = _data(case)
    is_loss = isinstance(component, keras.losses.Loss)
    units = y.shape[-1] if is_loss else 3
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), keras.layers.Dense(units)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=component if is_loss else "sparse_categorical_crossentropy",
        metrics=None if is_loss else [component],
        jit_compile=jit_compile,
    )
    return model


def _numpy(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_every_component_has_a_case():
    missing = sorted(set(COMPONENTS) - set(CASES))
    stale = sorted(set(CASES) - set(COMPONENTS))
    assert not missing, f"public components without a conformance case: {missing}"
    assert not stale, f"conformance cases for names that are not public components: {stale}"


def test_every_public_name_has_a_case(public_names):
    covered = set(CASES) | set(NOT_APPLICABLE)
    assert not public_names - covered, f"no keras case: {sorted(public_names - covered)}"
    assert not covered - public_names, f"cases for unknown names: {sorted(covered - public_names)}"


@pytest.mark.parametrize("key", sorted(COMPONENTS))
def test_docstring_has_a_runnable_example(key):
    doc = inspect.getdoc(COMPONENTS[key]) or ""
    assert "Example:" in doc and ">>> " in doc, f"{key} has no docstring Example: with >>> lines"


@pytest.mark.parametrize("key", sorted(CASES))
def test_serializes_by_registered_name_without_custom_objects(key):
    component = CASES[key].make()
    config = keras.saving.serialize_keras_object(component)
    assert config["registered_name"] == f"keras_tutorial_kit>{type(component).__name__}"
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is type(component)
    assert restored.get_config() == component.get_config()


@pytest.mark.parametrize("key", sorted(CASES))
def test_config_round_trip(key):
    component = CASES[key].make()
    config = component.get_config()
    clone = type(component).from_config(config)
    assert clone.get_config() == config
    # Every constructor argument is in the config, under its own name.
    parameters = inspect.signature(type(component).__init__).parameters
    named = [p for p in parameters if p not in ("self", "args", "kwargs")]
    assert set(named) <= set(config), f"config lacks {sorted(set(named) - set(config))}"


@pytest.mark.parametrize("key", LAYERS)
def test_saves_and_reloads_with_identical_outputs(key, tmp_path):
    case = CASES[key]
    x, _ = _data(case)
    model = _as_model(case.make(), x)
    expected = _numpy(model(x))
    path = tmp_path / "component.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(_numpy(reloaded(x)), expected)


@pytest.mark.parametrize("key", LAYERS)
def test_symbolic_call_matches_eager_shape(key):
    case = CASES[key]
    x, _ = _data(case)
    layer = case.make()
    eager = layer(x)
    symbolic = layer(keras.Input(shape=x.shape[1:], dtype=str(x.dtype)))
    assert tuple(symbolic.shape)[1:] == tuple(eager.shape)[1:]
    assert tuple(layer.compute_output_shape(x.shape)) == tuple(eager.shape)


@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("key", LAYERS)
def test_one_fit_step_changes_weights(key, jit_compile):
    case = CASES[key]
    x, y = _data(case)
    model = _as_model(case.make(), x)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=case.loss, jit_compile=jit_compile)
    before = [_numpy(w).copy() for w in model.trainable_weights]
    history = model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = [_numpy(w) for w in model.trainable_weights]
    assert any(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def _loss_and_gradients(model, loss_fn, x, y):
    """The loss and its gradients for the trainable weights, with the backend's autodiff
    (``tf.GradientTape``, ``jax.value_and_grad`` or torch's ``backward``)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return float(loss), tape.gradient(loss, model.trainable_variables)
    if keras.backend.backend() == "jax":
        import jax

        non_trainable = [v.value for v in model.non_trainable_variables]

        def compute(trainable):
            y_pred, _ = model.stateless_call(trainable, non_trainable, x)
            return loss_fn(y, y_pred)

        loss, gradients = jax.value_and_grad(compute)([v.value for v in model.trainable_variables])
        return float(loss), gradients

    model.zero_grad()
    loss = loss_fn(y, model(x, training=True))
    loss.backward()
    gradients = [v.value.grad for v in model.trainable_variables]
    return float(loss.detach()), gradients


def _apply(optimizer, gradients, variables):
    if keras.backend.backend() == "torch":
        import torch

        with torch.no_grad():
            optimizer.apply(gradients, variables)
    else:
        optimizer.apply(gradients, variables)


@pytest.mark.parametrize("key", LAYERS)
def test_trains_in_a_custom_loop(key):
    """The tutorial's way: gradients by autodiff, ``optimizer.apply`` by hand; the loss falls."""
    case = CASES[key]
    x, y = _data(case)
    model = _as_model(case.make(), x)
    per_sample = keras.losses.get(case.loss)

    def loss_fn(y_true, y_pred):
        return keras.ops.mean(per_sample(y_true, y_pred))

    optimizer = keras.optimizers.SGD(0.01)
    losses = []
    for _ in range(4):
        loss, gradients = _loss_and_gradients(model, loss_fn, x, y)
        assert all(g is not None for g in gradients)
        _apply(optimizer, gradients, model.trainable_variables)
        losses.append(loss)
    assert losses[-1] < losses[0], losses


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("key", LAYERS)
def test_runs_under_mixed_precision(key, policy):
    keras.config.set_dtype_policy(policy)
    case = CASES[key]
    x, _ = _data(case)
    layer = case.make()
    outputs = layer(x)
    compute_dtype = keras.DTypePolicy(policy).compute_dtype
    assert keras.backend.standardize_dtype(outputs.dtype) == compute_dtype
    assert np.all(np.isfinite(_numpy(keras.ops.cast(outputs, "float32"))))
    # Weights stay float32 under a mixed policy.
    assert all(keras.backend.standardize_dtype(w.dtype) == "float32" for w in layer.weights)


@pytest.mark.parametrize("key", COMPILED)
def test_compiled_with_component_saves_and_reloads(key, tmp_path):
    x, y = _data(CASES[key])
    model = _compiled_host(key)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    path = tmp_path / "compiled.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert reloaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("key", COMPILED)
def test_compiled_with_component_fits(key, jit_compile):
    x, y = _data(CASES[key])
    model = _compiled_host(key, jit_compile=jit_compile)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert all(np.isfinite(v) for values in history.history.values() for v in values)
    if key in METRICS:
        name = CASES[key].make().name
        assert all(0.0 <= v <= 1.0 for v in history.history[name])


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("key", COMPILED)
def test_compiled_with_component_under_mixed_precision(key, policy):
    keras.config.set_dtype_policy(policy)
    x, y = _data(CASES[key])
    model = _compiled_host(key)
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert all(np.isfinite(v) for values in history.history.values() for v in values)
