"""Tests for the CNN chapter: a quick run, and the default run's accuracy on the offline digits."""

from __future__ import annotations

import keras
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.examples import cnn


def test_quick_run_trains_saves_and_plots(tmp_path, assert_png, assert_reloads):
    result = cnn.run(quick=True, verbose=0, output_dir=tmp_path, plot=tmp_path / "cnn.png")
    assert isinstance(result.model, ktk.models.CNN)
    assert len(result.history["test_accuracy"]) == 2
    assert 0.3 < result.metrics["test_accuracy"] <= 1.0
    assert result.model_path == tmp_path / "cnn.keras"
    assert_png(result.plot_path)
    assert_reloads(result, ktk.data.MNISTLoader(source="digits").test_data[:16])


@pytest.mark.slow
@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="XLA:CPU runs these convolutions ~6x slower than TensorFlow (90 s); checked on TensorFlow",
)
def test_default_settings_reach_097_on_digits():
    result = cnn.run(verbose=0)
    assert result.metrics["test_accuracy"] >= 0.97, result.metrics


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="`epochs`"):
        cnn.run(epochs=-1, verbose=0)
    with pytest.raises(FileNotFoundError, match="path"):
        cnn.run(source="mnist", mnist_path=tmp_path / "missing.npz", verbose=0)
