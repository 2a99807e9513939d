"""``MNISTLoader``: the tutorial's MNIST loader, with an offline handwritten-digits source."""

from __future__ import annotations

import numbers
import os
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_bool, check_positive_int, check_seed

MNIST_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
SOURCES = ("mnist", "digits")
_SPLIT_SEED = 0
_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")


class MNISTLoader:
    """Handwritten digits as float32 images in ``[0, 1]``: the tutorial's ``MNISTLoader``.

    The loader of the tutorial's "Multilayer perceptron" section, with the same
    attributes and ``get_batch``, and two sources:

    - ``source="mnist"``: the MNIST file Keras uses (60 000 training and 10 000
      test images, 28x28). Without ``path`` it is downloaded once and cached
      exactly as ``keras.datasets.mnist.load_data()`` does
      (``~/.keras/datasets/mnist.npz``, checked against its SHA-256); with
      ``path`` a local ``mnist.npz`` (keys ``x_train``, ``y_train``, ``x_test``,
      ``y_test``) is read and nothing is downloaded. When the file is neither
      cached nor reachable the loader fails at once with an ``OSError`` that
      says how to supply it.
    - ``source="digits"``: scikit-learn's bundled handwritten digits (1 797
      images, 8x8, values 0-16), offline. Pixels are divided by 16. The split
      into ``test_fraction`` test images and the rest for training is drawn
      with a fixed seed, so every run scores on the same test images, as with
      MNIST's fixed test set.

    Images are ``float32`` of shape ``(N, H, W, 1)``; labels are ``int32`` of
    shape ``(N,)``.

    Args:
        source: ``"mnist"`` or ``"digits"``.
        path: Local ``mnist.npz`` to read instead of Keras' cached download
            (``source="mnist"`` only).
        seed: Seed of the generator behind ``get_batch`` and the shuffling of
            ``as_dataset``; ``None`` draws fresh entropy.
        test_fraction: Fraction of the digits held out for testing
            (``source="digits"`` only), in ``(0, 1)``.

    Attributes:
        train_data: ``float32`` array ``(num_train_data, H, W, 1)`` in ``[0, 1]``.
        train_label: ``int32`` array ``(num_train_data,)``.
        test_data: ``float32`` array ``(num_test_data, H, W, 1)`` in ``[0, 1]``.
        test_label: ``int32`` array ``(num_test_data,)``.
        num_train_data: Number of training images.
        num_test_data: Number of test images.

    Raises:
        ValueError: If ``source`` is unknown, ``test_fraction`` is not in
            ``(0, 1)``, ``path`` is given with ``source="digits"``, or the file
            at ``path`` lacks one of the MNIST arrays.
        TypeError: If ``path`` is neither ``None`` nor a path.
        FileNotFoundError: If ``path`` does not exist.
        OSError: If MNIST is neither cached nor downloadable (for example
            offline).
        ImportError: If ``source="digits"`` and scikit-learn is not installed.

    Example:

    >>> import keras_tutorial_kit as ktk
    >>> loader = ktk.data.MNISTLoader(source="digits", seed=0)
    >>> loader.train_data.shape, loader.test_data.shape
    ((1348, 8, 8, 1), (449, 8, 8, 1))
    >>> images, labels = loader.get_batch(32)
    >>> images.shape, labels.shape, str(images.dtype), float(images.max()) <= 1.0
    ((32, 8, 8, 1), (32,), 'float32', True)
    """

    def __init__(
        self,
        source: str = "mnist",
        path: str | os.PathLike[str] | None = None,
        seed: int | None = None,
        test_fraction: float = 0.25,
    ) -> None:
        if not isinstance(source, str) or source not in SOURCES:
            raise ValueError(f"`source` must be one of {SOURCES}. Received: source={source!r}")
        if (
            isinstance(test_fraction, bool)
            or not isinstance(test_fraction, numbers.Real)
            or not 0.0 < float(test_fraction) < 1.0
        ):
            raise ValueError(
                f"`test_fraction` must be a number in (0, 1). Received: test_fraction={test_fraction!r}"
            )
        if path is not None and not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"`path` must be None or a path. Received: path={path!r}")
        if path is not None and source != "mnist":
            raise ValueError(
                f'`path` is only used with source="mnist". Received: source={source!r}, path={path!r}'
            )
        seed = check_seed("seed", seed)
        self.source = source
        self.path = path
        self.seed = seed
        self.test_fraction = float(test_fraction)
        if source == "mnist":
            (train_x, train_y), (test_x, test_y) = _load_mnist(path)
            scale = 255.0
        else:
            (train_x, train_y), (test_x, test_y) = _load_digits(self.test_fraction)
            scale = 16.0
        self.train_data = np.expand_dims(train_x.astype(np.float32) / scale, axis=-1)
        self.test_data = np.expand_dims(test_x.astype(np.float32) / scale, axis=-1)
        self.train_label = train_y.astype(np.int32)
        self.test_label = test_y.astype(np.int32)
        self.num_train_data = int(self.train_data.shape[0])
        self.num_test_data = int(self.test_data.shape[0])
        self._rng = np.random.default_rng(seed)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """The shape of one image, ``(height, width, 1)``."""
        return tuple(self.train_data.shape[1:])  # type: ignore[return-value]

    def get_batch(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Draws ``batch_size`` training images and labels uniformly, with replacement.

        The tutorial's ``get_batch``, drawing from the loader's own seeded
        generator instead of NumPy's global one.

        Args:
            batch_size: Positive integer, the number of examples.

        Returns:
            ``(images, labels)`` of shapes ``(batch_size, H, W, 1)`` and
            ``(batch_size,)``.

        Raises:
            ValueError: If ``batch_size`` is not a positive integer.
        """
        batch_size = check_positive_int("batch_size", batch_size)
        index = self._rng.integers(0, self.num_train_data, batch_size)
        return self.train_data[index], self.train_label[index]

    def as_dataset(
        self, split: str = "train", batch_size: int = 32, shuffle: bool | None = None
    ) -> Any:
        """Returns a batched ``tf.data.Dataset`` of ``(images, labels)`` for ``fit``/``evaluate``.

        Works as ``fit`` input on every Keras backend.

        Args:
            split: ``"train"`` or ``"test"``.
            batch_size: Positive integer, the batch size.
            shuffle: Whether to reshuffle each epoch (seeded by the loader's
                ``seed``); defaults to ``True`` for ``"train"`` and ``False``
                for ``"test"``.

        Returns:
            A ``tf.data.Dataset`` yielding ``(float32 [b, H, W, 1], int32 [b])``.

        Raises:
            ValueError: If ``split`` is unknown, ``batch_size`` is not a
                positive integer or ``shuffle`` is neither ``None`` nor a
                ``bool``.
        """
        if not isinstance(split, str) or split not in ("train", "test"):
            raise ValueError(f'`split` must be "train" or "test". Received: split={split!r}')
        batch_size = check_positive_int("batch_size", batch_size)
        if shuffle is not None:
            shuffle = check_bool("shuffle", shuffle)
        import tensorflow as tf

        if split == "train":
            images, labels = self.train_data, self.train_label
        else:
            images, labels = self.test_data, self.test_label
        dataset = tf.data.Dataset.from_tensor_slices((images, labels))
        if split == "train" if shuffle is None else shuffle:
            dataset = dataset.shuffle(len(images), seed=self.seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _load_mnist(path: str | os.PathLike[str] | None) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    if path is None:
        import keras

        try:
            path = keras.utils.get_file(
                fname="mnist.npz", origin=MNIST_ORIGIN, file_hash=MNIST_SHA256
            )
        except Exception as error:  # any download failure gets the same advice
            raise OSError(
                "MNIST is not in Keras' cache (~/.keras/datasets/mnist.npz) and could not be "
                f"downloaded from {MNIST_ORIGIN} ({type(error).__name__}: {error}). Download that "
                "file on a machine with internet access and pass it with "
                "MNISTLoader(path='mnist.npz'), or put it "
                'in ~/.keras/datasets/, or use source="digits", which works offline.'
            ) from error
    elif not os.path.isfile(path):
        raise FileNotFoundError(f"No MNIST file at `path`. Received: path={os.fspath(path)!r}")
    with np.load(path, allow_pickle=False) as arrays:
        missing = [key for key in _MNIST_KEYS if key not in arrays.files]
        if missing:
            raise ValueError(
                f"The MNIST file must hold the arrays {_MNIST_KEYS}; {missing} missing. "
                f"Received: path={os.fspath(path)!r}"
            )
        train = (arrays["x_train"], arrays["y_train"])
        test = (arrays["x_test"], arrays["y_test"])
    return train, test


def _load_digits(test_fraction: float) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            'source="digits" needs scikit-learn: pip install "keras-tutorial-kit[datasets]"'
        ) from error
    digits = load_digits()
    images, labels = digits.images, digits.target
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(images))
    num_test = round(test_fraction * len(images))
    test, train = order[:num_test], order[num_test:]
    return (images[train], labels[train]), (images[test], labels[test])
