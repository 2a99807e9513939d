"""``load_flowers``: the tutorial's tensorflow-datasets ``tf_flowers`` input pipeline."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from typing import Any

from keras_tutorial_kit._validation import check_positive_int

FLOWERS_CLASSES = ("dandelion", "daisy", "tulips", "sunflowers", "roses")
FLOWERS_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
)
_PROBE_TIMEOUT_S = 10.0


def load_flowers(
    split: str = "train",
    image_size: int = 224,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    shuffle_buffer: int = 1024,
) -> Any:
    """Returns ``tf_flowers`` as batches of ``(image, label)``, resized and scaled to ``[0, 1]``.

    The input pipeline of the tutorial's "Using pre-built models" section:
    ``tfds.load("tf_flowers", as_supervised=True)``, then each image resized to
    ``image_size x image_size`` and divided by 255, shuffled and batched. The
    data set has five classes (:data:`FLOWERS_CLASSES`) and a single ``"train"``
    split of 3 670 images; use tensorflow-datasets' slicing (``"train[:80%]"``,
    ``"train[80%:]"``) for a held-out part.

    With ``download=True`` a data set not yet prepared in ``data_dir`` is
    downloaded (about 220 MB) and prepared there first; if the download address
    cannot be reached within a few seconds the function fails at once instead
    of letting tensorflow-datasets retry for minutes. With ``download=False``
    only an already-prepared copy is read. Tests run the pipeline offline under
    ``tfds.testing.mock_data``.

    Args:
        split: A tensorflow-datasets split string of ``tf_flowers``.
        image_size: Side, in pixels, of the square the images are resized to.
        batch_size: Positive integer, the batch size.
        shuffle: Whether to shuffle (a buffer of ``shuffle_buffer`` images,
            reshuffled each epoch).
        seed: Seed of the shuffling; ``None`` draws fresh entropy.
        data_dir: Where tensorflow-datasets keeps its data (its default,
            ``~/tensorflow_datasets``, when ``None``).
        download: Whether to download and prepare the data set if needed.
        shuffle_buffer: Positive integer, the size of the shuffle buffer.

    Returns:
        A ``tf.data.Dataset`` yielding ``float32 (batch, image_size,
        image_size, 3)`` images in ``[0, 1]`` and ``int32 (batch,)`` labels.

    Raises:
        ValueError: If ``image_size``, ``batch_size`` or ``shuffle_buffer`` is
            not a positive integer.
        OSError: If the data set is not prepared in ``data_dir`` and cannot be
            downloaded (``download=False``, or offline).
        ImportError: If tensorflow-datasets is not installed.
    """
    image_size = check_positive_int("image_size", image_size)
    batch_size = check_positive_int("batch_size", batch_size)
    shuffle_buffer = check_positive_int("shuffle_buffer", shuffle_buffer)
    try:
        import tensorflow as tf
        import tensorflow_datasets as tfds
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            'The flowers pipeline needs tensorflow-datasets: pip install "keras-tutorial-kit[datasets]"'
        ) from error

    builder = tfds.builder("tf_flowers", data_dir=None if data_dir is None else os.fspath(data_dir))
    if download and not builder.is_prepared():
        _check_reachable(FLOWERS_URL, builder.data_dir)
        builder.download_and_prepare()
    try:
        dataset = builder.as_dataset(split=split, as_supervised=True, shuffle_files=shuffle)
    except AssertionError as error:  # tensorflow-datasets' "could not find data"
        raise OSError(
            f"tf_flowers is not prepared in {builder.data_dir}. Run once with download=True "
            "(command line: without --no-download) on a machine with internet access, or pass "
            f"the data_dir of a prepared copy (--data-dir). ({error})"
        ) from error

    def preprocess(image, label):
        image = tf.image.resize(image, (image_size, image_size)) / 255.0
        return tf.cast(image, tf.float32), tf.cast(label, tf.int32)

    dataset = dataset.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _check_reachable(url: str, data_dir: str) -> None:
    """Raises ``OSError`` at once when ``url`` cannot be reached (tfds would retry for minutes)."""
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=_PROBE_TIMEOUT_S):
            pass
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise OSError(
            f"tf_flowers is not prepared in {data_dir} and {url} cannot be reached ({error}). "
            "Prepare it once on a machine with internet access "
            "(python -c \"import tensorflow_datasets as tfds; tfds.load('tf_flowers')\") and pass "
            "that data directory with data_dir= (command line: --data-dir)."
        ) from error
