"""Tests for the MLP chapter: a quick run, and the default run's accuracy on the offline digits."""

from __future__ import annotations

import numpy as np
import pytest

from keras_tutorial_kit.examples import mlp


def test_quick_run_trains_saves_and_plots(tmp_path, assert_png, assert_reloads):
    result = mlp.run(quick=True, verbose=0, output_dir=tmp_path, plot=tmp_path / "mlp.png")
    assert result.chapter == "mlp"
    assert len(result.history["loss"]) == len(result.history["test_accuracy"]) == 2
    assert result.history["loss"][1] < result.history["loss"][0]
    assert 0.3 < result.metrics["test_accuracy"] <= 1.0  # 20 steps: far above chance (0.1)
    assert result.metrics["num_test_data"] == 449
    assert result.model_path == tmp_path / "mlp.keras"
    assert_png(result.plot_path)
    assert_reloads(result, _test_images())
    assert "test_accuracy" in result.summary() and str(result.model_path) in result.summary()


def _test_images():
    import keras_tutorial_kit as ktk

    return ktk.data.MNISTLoader(source="digits").test_data[:16]


def test_trains_on_a_local_mnist_file(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (120, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 120, dtype=np.uint8),
        x_test=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, 30, dtype=np.uint8),
    )
    result = mlp.run(quick=True, verbose=0, source="mnist", mnist_path=path, batch_size=20)
    assert result.metrics["num_train_data"] == 120 and result.metrics["num_test_data"] == 30
    assert tuple(result.model(np.zeros((1, 28, 28, 1), "float32")).shape) == (1, 10)


def test_same_seed_same_result():
    first = mlp.run(quick=True, verbose=0, seed=5)
    second = mlp.run(quick=True, verbose=0, seed=5)
    assert first.history == second.history


@pytest.mark.slow
def test_default_settings_reach_095_on_digits():
    result = mlp.run(verbose=0)
    assert result.metrics["test_accuracy"] >= 0.95, result.metrics


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"source": "cifar10"}, "source"),
        ({"seed": -3}, "seed"),
        ({"plot": "curves.svg"}, "plot"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        mlp.run(verbose=0, **kwargs)
