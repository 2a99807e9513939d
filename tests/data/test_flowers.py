"""Tests for ``ktk.data.load_flowers``, offline: tensorflow-datasets' mock data and unreachable hosts."""

from __future__ import annotations

import time
import urllib.error

import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.data import flowers

tfds = pytest.importorskip("tensorflow_datasets")


def test_resizes_scales_and_batches(tmp_path):
    with tfds.testing.mock_data(num_examples=10):
        dataset = ktk.data.load_flowers(
            image_size=40, batch_size=4, shuffle=False, data_dir=tmp_path, download=False
        )
        batches = list(dataset.as_numpy_iterator())
    assert [len(labels) for _, labels in batches] == [4, 4, 2]
    for images, labels in batches:
        assert images.shape[1:] == (40, 40, 3)
        assert images.dtype == np.float32 and labels.dtype == np.int32
        assert images.min() >= 0.0 and images.max() <= 1.0
        assert set(labels.tolist()) <= set(range(len(flowers.FLOWERS_CLASSES)))
    # The mock's random uint8 pixels span most of 0..255, so the scaling is by 255.
    assert max(float(images.max()) for images, _ in batches) > 0.9


def test_shuffle_keeps_the_examples(tmp_path):
    with tfds.testing.mock_data(num_examples=12):
        plain = ktk.data.load_flowers(
            image_size=32, batch_size=12, shuffle=False, data_dir=tmp_path, download=False
        )
        shuffled = ktk.data.load_flowers(
            image_size=32, batch_size=12, shuffle=True, seed=1, data_dir=tmp_path, download=False
        )
        ((_, plain_labels),) = list(plain.as_numpy_iterator())
        ((_, shuffled_labels),) = list(shuffled.as_numpy_iterator())
    np.testing.assert_array_equal(np.sort(plain_labels), np.sort(shuffled_labels))


def test_not_prepared_without_download_fails_at_once(tmp_path):
    start = time.perf_counter()
    with pytest.raises(OSError, match="not prepared") as info:
        ktk.data.load_flowers(data_dir=tmp_path, download=False)
    assert time.perf_counter() - start < 10
    assert str(tmp_path) in str(info.value) and "--data-dir" in str(info.value)


def test_unreachable_download_fails_at_once(tmp_path, monkeypatch):
    def unreachable(request, timeout):
        assert timeout <= 10
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    def must_not_download(self, *args, **kwargs):
        raise AssertionError("download_and_prepare must not run when the host is unreachable")

    monkeypatch.setattr(flowers.urllib.request, "urlopen", unreachable)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", must_not_download)
    start = time.perf_counter()
    with pytest.raises(OSError, match="cannot be reached") as info:
        ktk.data.load_flowers(data_dir=tmp_path, download=True)
    assert time.perf_counter() - start < 10
    assert flowers.FLOWERS_URL in str(info.value)


@pytest.mark.parametrize("name", ["image_size", "batch_size", "shuffle_buffer"])
def test_rejects_non_positive_sizes(name, tmp_path):
    with pytest.raises(ValueError, match=f"`{name}`"):
        ktk.data.load_flowers(data_dir=tmp_path, download=False, **{name: 0})


def _labels(seed, tmp_path):
    with tfds.testing.mock_data(num_examples=16):
        dataset = ktk.data.load_flowers(
            image_size=4, batch_size=16, seed=seed, data_dir=tmp_path, download=False
        )
        return [labels.tolist() for _, labels in dataset.as_numpy_iterator()]


@pytest.mark.parametrize("seed", [np.uint8(7), np.int32(7), np.int64(7)])
def test_numpy_integer_seeds_shuffle_like_the_python_int(seed, tmp_path):
    assert _labels(seed, tmp_path) == _labels(7, tmp_path)


@pytest.mark.parametrize("seed", [-1, 2**31, 1.5, "3", True, np.float64(3.0)])
def test_rejects_bad_seeds(seed, tmp_path):
    with pytest.raises(ValueError, match="`seed`") as info:
        ktk.data.load_flowers(seed=seed, data_dir=tmp_path, download=False)
    assert repr(seed) in str(info.value)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"split": 5}, TypeError),
        ({"split": ["train"]}, TypeError),
        ({"split": "train[:x]"}, ValueError),
        ({"split": "validation"}, ValueError),
        ({"split": "train[:50%]+test"}, ValueError),
        ({"shuffle": "yes"}, ValueError),
        ({"shuffle": 1}, ValueError),
        ({"data_dir": 5}, TypeError),
        ({"download": "no"}, ValueError),
        ({"download": 0}, ValueError),
    ],
)
def test_rejects_bad_arguments_before_any_work(kwargs, error, tmp_path, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("a bad argument must be rejected before tensorflow-datasets runs")

    monkeypatch.setattr(flowers.urllib.request, "urlopen", no_work)
    monkeypatch.setattr(tfds, "builder", no_work)
    ((name, value),) = kwargs.items()
    with pytest.raises(error, match=f"`{name}`") as info:
        ktk.data.load_flowers(**{"data_dir": tmp_path, "download": True, **kwargs})
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("split", ["train[:50%]", "train[50%:]+train[:25%]", "all"])
def test_accepts_sliced_splits(split, tmp_path):
    with tfds.testing.mock_data(num_examples=8):
        dataset = ktk.data.load_flowers(
            split=split, image_size=4, batch_size=8, data_dir=tmp_path, download=False
        )
        ((images, _),) = list(dataset.as_numpy_iterator())
    assert images.shape[1:] == (4, 4, 3)
