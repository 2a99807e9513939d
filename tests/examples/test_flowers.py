"""Tests for the flowers chapter (MobileNetV2), offline on tensorflow-datasets' mock data."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_tutorial_kit.examples import flowers

tfds = pytest.importorskip("tensorflow_datasets")


@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="compiling MobileNetV2's step under jax.jit takes about a minute on CPU; "
    "the loop is the one the jax-backend chapters test",
)
def test_quick_run_on_mock_data(tmp_path, assert_png):
    with tfds.testing.mock_data(num_examples=12):
        result = flowers.run(
            quick=True,
            verbose=0,
            batch_size=4,
            download=False,
            data_dir=tmp_path / "tfds",
            output_dir=tmp_path,
            plot=tmp_path / "f.png",
        )
    assert result.model.name == "mobilenetv2_1.00_32"
    assert result.model.output_shape == (None, 5)
    assert len(result.history["loss"]) == 1 and np.isfinite(result.history["loss"][0])
    assert 0.0 <= result.metrics["test_accuracy"] <= 1.0
    assert result.metrics["num_test_data"] == 8  # two batches of 4
    # training=True updated the batch-normalization statistics.
    moving_means = [w for w in result.model.non_trainable_weights if "moving_mean" in w.path]
    assert moving_means and any(
        np.abs(keras.ops.convert_to_numpy(w)).max() > 0 for w in moving_means
    )
    assert result.model_path.is_file() and result.model_path.suffix == ".keras"
    assert_png(result.plot_path)


def test_offline_without_data_fails_at_once(tmp_path):
    with pytest.raises(OSError, match="not prepared"):
        flowers.run(download=False, data_dir=tmp_path, verbose=0)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"image_size": 16}, "image_size"),
        ({"epochs": 0}, "epochs"),
        ({"download": "no"}, "download"),
    ],
)
def test_rejects_bad_arguments(kwargs, name, tmp_path):
    with pytest.raises(ValueError, match=f"`{name}`"):
        flowers.run(data_dir=tmp_path, verbose=0, **kwargs)
