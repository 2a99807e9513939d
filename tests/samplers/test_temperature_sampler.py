"""``TemperatureSampler``: seeded, serializable, and usable on NumPy and inside compiled functions.

The distribution itself is tested in ``test_sample_logits.py`` (the sampler calls the
same kernels); here: its state, its config, and compiled use.
"""

from __future__ import annotations

import json
import re

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk


def _logits(batch=32, vocab=20, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, vocab)).astype(np.float32)


@given(
    seed=st.integers(0, 2**31 - 1),
    temperature=st.sampled_from([0.5, 1.0, 2.0]),
    top_k=st.none() | st.integers(1, 25),
    top_p=st.none() | st.floats(0.05, 1.0),
)
def test_same_seed_gives_the_same_sequence_of_draws(seed, temperature, top_k, top_p):
    kwargs = dict(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
    first, second = (
        ktk.samplers.TemperatureSampler(**kwargs),
        ktk.samplers.TemperatureSampler(**kwargs),
    )
    logits = _logits()
    for _ in range(3):
        np.testing.assert_array_equal(first(logits), second(logits))


def test_draws_advance_between_calls():
    sampler = ktk.samplers.TemperatureSampler(seed=0)
    logits = np.zeros((64, 50), dtype=np.float32)
    # Two calls giving identical uniform draws over 50 ids for 64 rows: chance 50**-64.
    assert not np.array_equal(sampler(logits), sampler(logits))


def test_tensor_draws_are_reproducible_and_advance():
    logits = keras.ops.convert_to_tensor(np.zeros((64, 50), dtype=np.float32))
    first, second = ktk.samplers.TemperatureSampler(seed=3), ktk.samplers.TemperatureSampler(seed=3)
    a1, a2 = (keras.ops.convert_to_numpy(first(logits)) for _ in range(2))
    b1 = keras.ops.convert_to_numpy(second(logits))
    np.testing.assert_array_equal(a1, b1)
    assert not np.array_equal(a1, a2)
    assert a1.dtype == np.int32 and a1.shape == (64,)


def test_numpy_input_returns_numpy_int32():
    ids = ktk.samplers.TemperatureSampler(seed=0)(_logits().tolist())
    assert isinstance(ids, np.ndarray) and ids.dtype == np.int32 and ids.shape == (32,)


def test_call_seed_overrides_the_sampler_state():
    sampler = ktk.samplers.TemperatureSampler(seed=0)
    logits = _logits(batch=64, vocab=50)
    np.testing.assert_array_equal(sampler(logits, seed=9), sampler(logits, seed=9))


def test_zero_temperature_is_greedy():
    logits = _logits()
    ids = ktk.samplers.TemperatureSampler(temperature=0.0, top_k=3, top_p=0.5)(logits)
    np.testing.assert_array_equal(ids, logits.argmax(axis=1))


def _compiled_draws(sampler, logits, calls):
    """``calls`` draws of ``sampler`` inside one compiled function, as the docstring says."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        sample = tf.function(lambda x: sampler(x), jit_compile=True)
        return [sample(logits) for _ in range(calls)]
    if backend == "jax":
        import jax

        state = sampler.seed_generator.state

        @jax.jit
        def sample(x, value):
            with keras.StatelessScope(state_mapping=[(state, value)]) as scope:
                ids = sampler(x)
            return ids, scope.get_current_value(state)

        draws, value = [], state.value
        for _ in range(calls):
            ids, value = sample(logits, value)
            draws.append(ids)
        return draws
    return [sampler(logits) for _ in range(calls)]  # torch: eager tensors


def test_works_inside_a_compiled_function():
    kwargs = dict(temperature=0.8, top_k=5, top_p=0.9, min_p=0.05, seed=1)
    logits_np = _logits(batch=256, vocab=12)
    logits = keras.ops.convert_to_tensor(logits_np, dtype="float16")
    first, second = (
        keras.ops.convert_to_numpy(ids)
        for ids in _compiled_draws(ktk.samplers.TemperatureSampler(**kwargs), logits, 2)
    )
    again = keras.ops.convert_to_numpy(
        _compiled_draws(ktk.samplers.TemperatureSampler(**kwargs), logits, 1)[0]
    )
    assert first.shape == (256,) and first.dtype == np.int32
    # Only the 5 largest (float16) logits of each row can be drawn: the drawn logit is at
    # least the row's 5th largest value (ties at that value may be drawn too).
    half = logits_np.astype(np.float16).astype(np.float32)
    fifth = -np.sort(-half, axis=1)[:, 4]
    assert np.all(half[np.arange(256), first] >= fifth)
    # The seed generator advances between calls, and the same seed repeats the draws.
    assert not np.array_equal(first, second)  # 256 rows over >= 2 ids: equal by chance < 1e-20
    np.testing.assert_array_equal(first, again)
    greedy = _compiled_draws(ktk.samplers.TemperatureSampler(temperature=0.0), logits, 1)[0]
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(greedy), logits_np.astype(np.float16).argmax(axis=1)
    )


def test_advances_inside_a_compiled_loop():
    # What a compiled generation loop does: one draw per step inside ops.fori_loop, the
    # seed generator advancing from step to step and from call to call.
    sampler = ktk.samplers.TemperatureSampler(top_k=4, seed=0)
    logits = keras.ops.convert_to_tensor(np.zeros((16, 30), dtype=np.float32))
    steps, backend = 6, keras.backend.backend()

    def body(i, out):
        return keras.ops.slice_update(out, [0, i], sampler(logits)[:, None])

    start = keras.ops.zeros((16, steps), "int32")
    if backend == "tensorflow":
        import tensorflow as tf

        loop = tf.function(lambda: keras.ops.fori_loop(0, steps, body, start), jit_compile=True)
        first, second = loop(), loop()
    elif backend == "jax":
        import jax

        variable = sampler.seed_generator.state

        @jax.jit
        def loop(value):
            def stateless_body(i, carry):
                out, value = carry
                with keras.StatelessScope(state_mapping=[(variable, value)]) as scope:
                    out = body(i, out)
                return out, scope.get_current_value(variable)

            return keras.ops.fori_loop(0, steps, stateless_body, (start, value))

        first, value = loop(variable.value)
        second, _ = loop(value)
    else:
        first, second = (keras.ops.fori_loop(0, steps, body, start) for _ in "ab")
    first, second = keras.ops.convert_to_numpy(first), keras.ops.convert_to_numpy(second)
    assert first.shape == (16, steps) and first.min() >= 0 and first.max() < 30
    # 16 rows over 4 equally likely ids: two equal columns or calls by chance < 4**-16.
    assert len({tuple(column) for column in first.T}) == steps
    assert not np.array_equal(first, second)


def test_jax_jit_takes_a_seed_tensor_argument():
    if keras.backend.backend() != "jax":
        pytest.skip("seed tensors are a JAX feature of keras.random")
    import jax

    sampler = ktk.samplers.TemperatureSampler(top_p=0.9, seed=0)
    sample = jax.jit(lambda x, seed: sampler(x, seed=seed))
    logits = keras.ops.convert_to_tensor(_logits(batch=128, vocab=30))
    a = sample(logits, keras.random.SeedGenerator(0).next())
    b = sample(logits, keras.random.SeedGenerator(1).next())
    c = sample(logits, keras.random.SeedGenerator(0).next())
    np.testing.assert_array_equal(np.asarray(a), np.asarray(c))
    assert not np.array_equal(np.asarray(a), np.asarray(b))


def test_tensor_path_returns_a_backend_tensor():
    logits = keras.ops.convert_to_tensor(_logits())
    ids = ktk.samplers.TemperatureSampler(top_k=3, min_p=0.1, seed=0)(logits)
    assert keras.ops.is_tensor(ids) and not isinstance(ids, np.ndarray)
    assert keras.ops.convert_to_numpy(ids).dtype == np.int32


def test_numpy_integer_seed_draws_like_the_int_and_survives_get_config():
    logits = _logits()
    a = ktk.samplers.TemperatureSampler(top_p=0.9, seed=np.int64(3))
    b = ktk.samplers.TemperatureSampler(top_p=0.9, seed=3)
    assert a.get_config() == b.get_config()
    assert type(a.get_config()["seed"]) is int
    json.dumps(a.get_config())
    clone = ktk.samplers.TemperatureSampler.from_config(a.get_config())
    first = b(logits)
    np.testing.assert_array_equal(a(logits), first)
    np.testing.assert_array_equal(clone(logits), first)
    tensor = keras.ops.convert_to_tensor(logits)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(a(tensor)), keras.ops.convert_to_numpy(b(tensor))
    )


def test_loads_a_config_written_before_min_p():
    sampler = ktk.samplers.TemperatureSampler.from_config(
        {"temperature": 0.5, "top_k": 3, "top_p": 0.9, "seed": 1}
    )
    assert sampler.min_p is None and sampler.top_k == 3


def test_get_config_round_trip():
    sampler = ktk.samplers.TemperatureSampler(
        temperature=0.7, top_k=40, top_p=0.95, seed=5, min_p=0.1
    )
    config = sampler.get_config()
    assert config == {"temperature": 0.7, "top_k": 40, "top_p": 0.95, "seed": 5, "min_p": 0.1}
    clone = ktk.samplers.TemperatureSampler.from_config(config)
    logits = _logits()
    np.testing.assert_array_equal(clone(logits), sampler(logits))


def test_serializes_by_registered_name():
    sampler = ktk.samplers.TemperatureSampler(temperature=1.5, seed=2)
    serialized = keras.saving.serialize_keras_object(sampler)
    assert serialized["registered_name"] == "keras_tutorial_kit>TemperatureSampler"
    restored = keras.saving.deserialize_keras_object(serialized)
    assert isinstance(restored, ktk.samplers.TemperatureSampler)
    assert restored.get_config() == sampler.get_config()


@pytest.mark.parametrize("temperature", [-1.0, float("nan"), "hot"])
def test_rejects_invalid_temperature(temperature):
    with pytest.raises(ValueError, match=re.escape(f"temperature={temperature!r}")):
        ktk.samplers.TemperatureSampler(temperature=temperature)


@pytest.mark.parametrize("top_k", [0, -3, 2.0])
def test_rejects_top_k_below_one(top_k):
    with pytest.raises(ValueError, match=re.escape(f"top_k={top_k!r}")):
        ktk.samplers.TemperatureSampler(top_k=top_k)


@pytest.mark.parametrize("top_p", [0.0, 1.5, -0.1])
def test_rejects_top_p_outside_the_unit_interval(top_p):
    with pytest.raises(ValueError, match=re.escape(f"top_p={top_p!r}")):
        ktk.samplers.TemperatureSampler(top_p=top_p)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_rejects_invalid_seed(seed):
    with pytest.raises(ValueError, match=re.escape(f"seed={seed!r}")):
        ktk.samplers.TemperatureSampler(seed=seed)


@pytest.mark.parametrize("min_p", [-0.5, 2.0, float("nan"), "0.1"])
def test_rejects_min_p_outside_the_unit_interval(min_p):
    with pytest.raises(ValueError, match=re.escape(f"min_p={min_p!r}")):
        ktk.samplers.TemperatureSampler(min_p=min_p)


def test_rejects_a_call_seed_of_the_wrong_kind():
    sampler = ktk.samplers.TemperatureSampler(seed=0)
    with pytest.raises(ValueError, match="seed=-2"):
        sampler(_logits(), seed=-2)
    with pytest.raises(TypeError, match=r"seed=<.*SeedGenerator"):
        sampler(_logits(), seed=keras.random.SeedGenerator(0))
