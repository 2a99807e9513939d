"""Tests for the linear regression chapter: the tutorial's published numbers, by both methods."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_tutorial_kit.examples import linear_regression

# The tutorial's result after 10 000 epochs at learning rate 5e-4.
TUTORIAL_A, TUTORIAL_B = 0.97637, 0.05757


def test_reproduces_the_tutorial_numbers_by_numpy_and_by_autodiff(tmp_path):
    result = linear_regression.run(verbose=0, output_dir=tmp_path, plot=tmp_path / "fit.png")
    metrics = result.metrics
    for method in ("numpy", "autodiff"):
        assert metrics[f"a_{method}"] == pytest.approx(TUTORIAL_A, abs=5e-6)
        assert metrics[f"b_{method}"] == pytest.approx(TUTORIAL_B, abs=5e-6)
    assert len(result.history["loss_numpy"]) == len(result.history["loss_autodiff"]) == 10_000
    # The two methods make the same update, so their loss curves agree step by step.
    np.testing.assert_allclose(
        result.history["loss_autodiff"], result.history["loss_numpy"], rtol=1e-4
    )
    assert result.history["loss_numpy"][0] > 100 * metrics["final_loss"]
    reloaded = keras.saving.load_model(result.model_path)
    x, _ = linear_regression.normalized_data()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded(x[:, None])),
        metrics["a_autodiff"] * x[:, None] + metrics["b_autodiff"],
        rtol=1e-5,
    )
    assert result.plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_numpy_update_is_the_tutorials():
    x, y = linear_regression.normalized_data()
    np.testing.assert_allclose(x, [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(y, [0.0, 2000 / 5500, 3000 / 5500, 4500 / 5500, 1.0], rtol=1e-6)
    a, b, losses = linear_regression.fit_numpy(x, y, epochs=1, learning_rate=5e-4)
    # From a = b = 0 the first step is -lr * 2 * (-y) . x and -lr * 2 * sum(-y).
    assert a == pytest.approx(5e-4 * 2 * float(y @ x), rel=1e-6)
    assert b == pytest.approx(5e-4 * 2 * float(y.sum()), rel=1e-6)
    assert losses == [pytest.approx(float(np.sum(y**2)), rel=1e-6)]


def test_quick_runs_fewer_epochs():
    result = linear_regression.run(quick=True, verbose=0)
    assert len(result.history["loss_numpy"]) == linear_regression.QUICK_EPOCHS
    assert result.model_path is None and result.plot_path is None
    assert result.metrics["a_numpy"] == pytest.approx(result.metrics["a_autodiff"], rel=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"epochs": 0}, "epochs"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"plot": "fit.jpg"}, "plot"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        linear_regression.run(verbose=0, **kwargs)


def test_quick_still_checks_its_arguments():
    with pytest.raises(ValueError, match="`epochs`"):
        linear_regression.run(quick=True, epochs=0, verbose=0)
    with pytest.raises(ValueError, match="`quick`"):
        linear_regression.run(quick="yes", verbose=0)
