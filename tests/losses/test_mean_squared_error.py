"""``MeanSquaredError`` equals ``keras.losses.MeanSquaredError`` for every reduction."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


@st.composite
def regression_problems(draw):
    """Targets shaped (B,), (B, k), (B, T, k) or (B,) against (B, 1) predictions, with weights."""
    batch = draw(st.integers(1, 6))
    layout = draw(st.sampled_from(["(B,)", "(B,k)", "(B,T,k)", "(B,) vs (B,1)"]))
    k = draw(st.integers(1, 5))
    t = draw(st.integers(1, 4))
    true_shape, pred_shape = {
        "(B,)": ((batch,), (batch,)),
        "(B,k)": ((batch, k), (batch, k)),
        "(B,T,k)": ((batch, t, k), (batch, t, k)),
        "(B,) vs (B,1)": ((batch,), (batch, 1)),
    }[layout]
    per_sample_shape = {
        "(B,)": (batch,),
        "(B,k)": (batch,),
        "(B,T,k)": (batch, t),
        "(B,) vs (B,1)": (batch,),
    }[layout]
    weights = draw(st.sampled_from(["none", "per sample", "per element"]))
    if weights == "per element" and len(per_sample_shape) == 1:
        weights = "per sample"
    seed = draw(st.integers(0, 2**31 - 1))
    return true_shape, pred_shape, per_sample_shape, weights, seed


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@given(problem=regression_problems())
def test_matches_keras_mean_squared_error(assert_close, reduction, problem):
    true_shape, pred_shape, per_sample_shape, weights, seed = problem
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=true_shape).astype("float32")
    y_pred = rng.normal(size=pred_shape).astype("float32")
    sample_weight = {
        "none": None,
        # Keras broadcasts weights from the right: one weight per sample is (B,) or (B, 1).
        "per sample": rng.uniform(
            0.0, 2.0, size=per_sample_shape[:1] + (1,) * (len(per_sample_shape) - 1)
        ).astype("float32"),
        "per element": rng.uniform(0.0, 2.0, size=per_sample_shape).astype("float32"),
    }[weights]
    ours = ktk.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight)
    theirs = keras.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight)
    assert_close("MeanSquaredError vs keras.losses.MeanSquaredError", ours, theirs)


@given(st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_function_matches_keras_function(assert_close, batch, k, seed):
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=(batch, k)).astype("float32")
    y_pred = rng.normal(size=(batch, k)).astype("float32")
    assert_close(
        "mean_squared_error vs keras.losses.mean_squared_error",
        ktk.losses.mean_squared_error(y_true, y_pred),
        keras.losses.mean_squared_error(y_true, y_pred),
    )


def test_one_dimensional_targets_do_not_broadcast_to_a_matrix():
    """The tutorial's loss turns (B,) targets and (B, 1) predictions into a B x B matrix."""
    y_true = np.array([1.0, 2.0, 3.0], dtype="float32")
    y_pred = np.array([[1.0], [2.0], [5.0]], dtype="float32")
    per_sample = ktk.losses.MeanSquaredError(reduction="none")(y_true, y_pred)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(per_sample), [0.0, 0.0, 4.0])
    tutorial = np.mean(np.square(y_pred - y_true))  # what the tutorial's loss computes
    assert tutorial != pytest.approx(4.0 / 3.0)
    assert float(ktk.losses.MeanSquaredError()(y_true, y_pred)) == pytest.approx(4.0 / 3.0)


def test_sample_weight_zero_removes_a_sample():
    y_true = np.array([[0.0], [10.0]], dtype="float32")
    y_pred = np.zeros((2, 1), dtype="float32")
    loss = ktk.losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert float(loss(y_true, y_pred, sample_weight=np.array([1.0, 0.0]))) == 0.0


def test_computes_in_float32_for_float16_inputs():
    y = np.full((2, 3), 300.0, dtype="float16")  # 300**2 overflows float16
    loss = ktk.losses.MeanSquaredError()(y, np.zeros_like(y))
    assert keras.backend.standardize_dtype(loss.dtype) == "float32"
    assert float(loss) == pytest.approx(90000.0)


@pytest.mark.parametrize("reduction", ["avg", "SUM", 0, "auto"])
def test_rejects_unknown_reduction(reduction):
    with pytest.raises(ValueError, match=r"`reduction`.*Received: reduction="):
        ktk.losses.MeanSquaredError(reduction=reduction)


def test_rejects_non_string_name():
    with pytest.raises(ValueError, match=r"Received: name=3"):
        ktk.losses.MeanSquaredError(name=3)


def test_config_lists_every_argument():
    loss = ktk.losses.MeanSquaredError(reduction="sum", name="mse", dtype="float64")
    assert loss.get_config() == {"reduction": "sum", "name": "mse", "dtype": "float64"}
