"""Tests for the Keras Pipeline chapter: Sequential and Functional models, compile/fit/evaluate."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.examples import keras_pipeline


def test_quick_run_trains_both_apis(tmp_path, assert_png, assert_reloads):
    result = keras_pipeline.run(quick=True, verbose=0, output_dir=tmp_path, plot=tmp_path / "p.png")
    for api in ("sequential", "functional"):
        assert 0.2 < result.metrics[f"test_accuracy_{api}"] <= 1.0
        assert len(result.history[f"{api}_loss"]) == 2
        assert len(result.history[f"{api}_val_accuracy"]) == 2
        assert result.extras["model_paths"][api] == tmp_path / f"keras_pipeline_{api}.keras"
    # Same seed, same layers: the two APIs train the very same network.
    for key, values in result.history.items():
        if key.startswith("sequential_"):
            other = result.history[key.replace("sequential_", "functional_")]
            np.testing.assert_allclose(other, values, rtol=1e-5, err_msg=key)
    assert_png(result.plot_path)
    assert_reloads(result, ktk.data.MNISTLoader(source="digits").test_data[:8])


def test_the_two_apis_build_the_same_network():
    sequential = keras_pipeline.sequential_model((8, 8, 1))
    functional = keras_pipeline.functional_model((8, 8, 1))
    assert isinstance(sequential, keras.Sequential) and not isinstance(functional, keras.Sequential)
    assert [tuple(w.shape) for w in sequential.weights] == [
        tuple(w.shape) for w in functional.weights
    ]
    functional.set_weights(sequential.get_weights())
    images = np.random.default_rng(0).uniform(size=(4, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(functional(images)),
        keras.ops.convert_to_numpy(sequential(images)),
        rtol=1e-6,
    )


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`batch_size`"):
        keras_pipeline.run(batch_size=0, verbose=0)
