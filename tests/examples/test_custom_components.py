"""Tests for the custom components chapter: the kit's layer, loss and metric agree with Keras."""

from __future__ import annotations

import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.examples import custom_components


def test_quick_run_matches_keras(tmp_path, assert_png, assert_reloads):
    result = custom_components.run(
        quick=True, verbose=0, output_dir=tmp_path, plot=tmp_path / "c.png"
    )
    metrics = result.metrics
    assert 0.2 < metrics["test_accuracy"] <= 1.0
    assert metrics["test_accuracy"] == pytest.approx(metrics["test_accuracy_keras"], abs=1e-7)
    assert result.history["ktk_accuracy"] == pytest.approx(
        result.history["keras_accuracy"], abs=1e-7
    )
    assert metrics["reload_max_abs_difference"] == 0.0
    # LinearLayer + ktk MeanSquaredError + SGD find the least-squares line.
    assert metrics["regression_a"] == pytest.approx(metrics["polyfit_a"], abs=1e-4)
    assert metrics["regression_b"] == pytest.approx(metrics["polyfit_b"], abs=1e-4)
    assert metrics["polyfit_a"] == pytest.approx(0.981818, abs=1e-5)
    assert metrics["mse_ktk"] == pytest.approx(metrics["mse_keras"], rel=1e-6)
    assert any(isinstance(layer, ktk.layers.LinearLayer) for layer in result.model.layers)
    assert result.model_path == tmp_path / "custom_components.keras"
    assert_png(result.plot_path)
    assert_reloads(result, ktk.data.MNISTLoader(source="digits").test_data[:8], rtol=0)


def test_reload_check_runs_without_output_dir():
    result = custom_components.run(quick=True, verbose=0)
    assert result.model_path is None
    assert result.metrics["reload_max_abs_difference"] == 0.0


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`learning_rate`"):
        custom_components.run(learning_rate="fast", verbose=0)
