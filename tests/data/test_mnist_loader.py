"""Tests for ``ktk.data.MNISTLoader``: the offline digits, a local mnist.npz, Keras' download path."""

from __future__ import annotations

import os
import time

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.data import mnist_loader


def _write_mnist(path, num_train=12, num_test=5, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, size=(num_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=(num_train,), dtype=np.uint8),
        "x_test": rng.integers(0, 256, size=(num_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=(num_test,), dtype=np.uint8),
    }
    arrays["x_train"][0, 0, 0] = 255
    np.savez(path, **arrays)
    return arrays


def test_digits_are_scaled_images_with_a_fixed_split():
    from sklearn.datasets import load_digits

    loader = ktk.data.MNISTLoader(source="digits", seed=3)
    assert loader.train_data.shape == (1348, 8, 8, 1)
    assert loader.test_data.shape == (449, 8, 8, 1)
    assert (loader.num_train_data, loader.num_test_data) == (1348, 449)
    assert loader.image_shape == (8, 8, 1)
    assert loader.train_data.dtype == np.float32 and loader.train_label.dtype == np.int32
    assert loader.train_data.min() == 0.0 and loader.train_data.max() == 1.0
    # Every digit lands in exactly one of the two parts, divided by 16.
    digits = load_digits()
    everything = np.concatenate([loader.train_data, loader.test_data])[..., 0] * 16
    assert sorted(map(bytes, everything.astype(np.uint8))) == sorted(
        map(bytes, digits.images.astype(np.uint8))
    )
    labels = np.concatenate([loader.train_label, loader.test_label])
    np.testing.assert_array_equal(np.bincount(labels), np.bincount(digits.target))
    # The split does not depend on the seed: every run tests on the same images.
    other = ktk.data.MNISTLoader(source="digits", seed=99)
    np.testing.assert_array_equal(other.test_data, loader.test_data)
    np.testing.assert_array_equal(other.test_label, loader.test_label)


def test_test_fraction_sets_the_split_size():
    loader = ktk.data.MNISTLoader(source="digits", test_fraction=0.1)
    assert loader.num_test_data == 180
    assert loader.num_train_data == 1797 - 180


def test_get_batch_draws_training_examples_reproducibly():
    first = ktk.data.MNISTLoader(source="digits", seed=7)
    second = ktk.data.MNISTLoader(source="digits", seed=7)
    images, labels = first.get_batch(64)
    assert images.shape == (64, 8, 8, 1) and labels.shape == (64,)
    again_images, again_labels = second.get_batch(64)
    np.testing.assert_array_equal(images, again_images)
    np.testing.assert_array_equal(labels, again_labels)
    # Each drawn pair is a (image, label) pair of the training set.
    flat = first.train_data.reshape(first.num_train_data, -1)
    for image, label in zip(images, labels, strict=True):
        index = np.flatnonzero((flat == image.reshape(-1)).all(axis=1))
        assert index.size >= 1 and label in first.train_label[index]
    next_images, _ = first.get_batch(64)
    assert not np.array_equal(images, next_images)


def test_as_dataset_batches_for_fit():
    loader = ktk.data.MNISTLoader(source="digits", seed=0)
    test = loader.as_dataset("test", batch_size=100)
    batches = list(test.as_numpy_iterator())
    assert [len(labels) for _, labels in batches] == [100, 100, 100, 100, 49]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), loader.test_label)
    train = loader.as_dataset("train", batch_size=1348)
    ((images, labels),) = list(train.as_numpy_iterator())
    assert images.shape == (1348, 8, 8, 1)
    assert not np.array_equal(labels, loader.train_label)  # shuffled
    np.testing.assert_array_equal(np.sort(labels), np.sort(loader.train_label))


def test_reads_a_local_mnist_file(tmp_path):
    path = tmp_path / "mnist.npz"
    arrays = _write_mnist(path)
    loader = ktk.data.MNISTLoader(source="mnist", path=path, seed=0)
    assert loader.train_data.shape == (12, 28, 28, 1) and loader.test_data.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(loader.train_data[..., 0], arrays["x_train"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(loader.test_label, arrays["y_test"])
    assert loader.train_data.max() == 1.0 and loader.train_label.dtype == np.int32


def test_mnist_without_path_uses_keras_cache(tmp_path, monkeypatch):
    path = tmp_path / "cached.npz"
    _write_mnist(path, num_train=3, num_test=2)
    calls = []

    def fake_get_file(**kwargs):
        calls.append(kwargs)
        return str(path)

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    loader = ktk.data.MNISTLoader(source="mnist")
    assert loader.num_train_data == 3 and loader.num_test_data == 2
    assert calls == [
        {
            "fname": "mnist.npz",
            "origin": mnist_loader.MNIST_ORIGIN,
            "file_hash": mnist_loader.MNIST_SHA256,
        }
    ]


def test_mnist_offline_fails_fast_with_advice(monkeypatch):
    def offline(**kwargs):
        raise Exception(
            f"URL fetch failure on {kwargs['origin']}: None -- [Errno -3] name resolution"
        )

    monkeypatch.setattr(keras.utils, "get_file", offline)
    start = time.perf_counter()
    with pytest.raises(OSError, match="could not be downloaded") as info:
        ktk.data.MNISTLoader(source="mnist")
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert "MNISTLoader(path=" in message
    assert "--mnist-path" not in message and "command line" not in message  # no CLI words
    assert 'source="digits"' in message and mnist_loader.MNIST_ORIGIN in message


def test_rejects_a_missing_or_incomplete_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        ktk.data.MNISTLoader(source="mnist", path=tmp_path / "nope.npz")
    incomplete = tmp_path / "incomplete.npz"
    np.savez(incomplete, x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="y_train"):
        ktk.data.MNISTLoader(source="mnist", path=incomplete)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"source": "cifar"}, "source"),
        ({"source": "digits", "test_fraction": 0.0}, "test_fraction"),
        ({"source": "digits", "test_fraction": 1}, "test_fraction"),
        ({"source": "digits", "test_fraction": True}, "test_fraction"),
        ({"source": "digits", "path": "mnist.npz"}, "path"),
        ({"source": "digits", "seed": -1}, "seed"),
        ({"source": "digits", "seed": 1.5}, "seed"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        ktk.data.MNISTLoader(**kwargs)


def test_rejects_bad_batch_arguments():
    loader = ktk.data.MNISTLoader(source="digits")
    with pytest.raises(ValueError, match="batch_size"):
        loader.get_batch(0)
    with pytest.raises(ValueError, match="split"):
        loader.as_dataset("validation")
    with pytest.raises(ValueError, match="batch_size"):
        loader.as_dataset("train", batch_size=-2)


@pytest.mark.network
@pytest.mark.skipif(os.environ.get("KTK_NETWORK_TESTS") != "1", reason="set KTK_NETWORK_TESTS=1")
def test_downloads_mnist():
    loader = ktk.data.MNISTLoader(source="mnist", seed=0)
    assert loader.train_data.shape == (60000, 28, 28, 1)
    assert loader.test_data.shape == (10000, 28, 28, 1)


@pytest.mark.parametrize("shuffle", ["yes", 1, 0.0])
def test_as_dataset_rejects_a_non_bool_shuffle(shuffle):
    loader = ktk.data.MNISTLoader(source="digits")
    with pytest.raises(ValueError, match="`shuffle`") as info:
        loader.as_dataset("train", shuffle=shuffle)
    assert repr(shuffle) in str(info.value)


def test_as_dataset_shuffle_false_keeps_the_order():
    loader = ktk.data.MNISTLoader(source="digits", seed=0)
    (_, labels), *_ = loader.as_dataset("train", batch_size=64, shuffle=False).as_numpy_iterator()
    np.testing.assert_array_equal(labels, loader.train_label[:64])


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"path": 5}, TypeError, "path"),
        ({"path": ["mnist.npz"]}, TypeError, "path"),
        ({"source": np.array(["digits"])}, ValueError, "source"),
        ({"source": ["digits"]}, ValueError, "source"),
    ],
)
def test_rejects_arguments_of_the_wrong_type(kwargs, error, name):
    with pytest.raises(error, match=f"`{name}`"):
        ktk.data.MNISTLoader(**kwargs)
