"""``load_flowers``: the tutorial's tensorflow-datasets ``tf_flowers`` input pipeline."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from typing import Any

from keras_tutorial_kit._validation import check_bool, check_positive_int, check_seed

FLOWERS_CLASSES = ("dandelion", "daisy", "tulips", "sunflowers", "roses")
FLOWERS_SPLITS = ("train", "all")  # tf_flowers' only split, and tensorflow-datasets' "all"
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
        seed: Seed of the shuffling (of the files and of the buffer): ``None``,
            a Python or a NumPy integer; ``None`` draws fresh entropy.
        data_dir: Where tensorflow-datasets keeps its data (its default,
            ``~/tensorflow_datasets``, when ``None``).
        download: Whether to download and prepare the data set if needed.
        shuffle_buffer: Positive integer, the size of the shuffle buffer.

    Returns:
        A ``tf.data.Dataset`` yielding ``float32 (batch, image_size,
        image_size, 3)`` images in ``[0, 1]`` and ``int32 (batch,)`` labels.

    Raises:
        ValueError: If ``split`` is not a split of ``tf_flowers``,
            ``image_size``, ``batch_size`` or ``shuffle_buffer`` is not a
            positive integer, ``shuffle`` or ``download`` is not a ``bool``,
            or ``seed`` is not ``None`` or an integer in ``[0, 2**31 - 1]``.
        TypeError: If ``split`` is not a string, or ``data_dir`` is not
            ``None``, a string or a path.
        OSError: If the data set is not prepared in ``data_dir`` and cannot be
            downloaded (``download=False``, or offline).
        ImportError: If tensorflow-datasets is not installed.

    Example:

    Offline, on tensorflow-datasets' mock data (random images); outside tests,
    drop the ``with`` line:

    >>> import tensorflow_datasets as tfds
    >>> import keras_tutorial_kit as ktk
    >>> with tfds.testing.mock_data(num_examples=8):
    ...     dataset = ktk.data.load_flowers(
    ...         "train[:50%]", image_size=32, batch_size=2, seed=0, download=False
    ...     )
    ...     images, labels = next(iter(dataset))
    >>> tuple(images.shape), images.dtype.name, tuple(labels.shape), labels.dtype.name
    ((2, 32, 32, 3), 'float32', (2,), 'int32')
    """
    if not isinstance(split, str):
        raise TypeError(f"`split` must be a string. Received: split={split!r}")
    image_size = check_positive_int("image_size", image_size)
    batch_size = check_positive_int("batch_size", batch_size)
    shuffle = check_bool("shuffle", shuffle)
    seed = check_seed("seed", seed)
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(
            f"`data_dir` must be None, a string or a path. Received: data_dir={data_dir!r}"
        )
    download = check_bool("download", download)
    shuffle_buffer = check_positive_int("shuffle_buffer", shuffle_buffer)
    try:
        import tensorflow as tf
        import tensorflow_datasets as tfds
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            'The flowers pipeline needs tensorflow-datasets: pip install "keras-tutorial-kit[datasets]"'
        ) from error

    _check_split(split, tfds)
    builder = tfds.builder("tf_flowers", data_dir=None if data_dir is None else os.fspath(data_dir))
    if download and not builder.is_prepared():
        _check_reachable(FLOWERS_URL, builder.data_dir)
        builder.download_and_prepare()
    try:
        dataset = builder.as_dataset(
            split=split,
            as_supervised=True,
            shuffle_files=shuffle,
            read_config=tfds.ReadConfig(shuffle_seed=seed),
        )
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


def _check_split(split: str, tfds: Any) -> None:
    """Raises ``ValueError`` naming ``split`` unless it parses and names only ``FLOWERS_SPLITS``."""
    try:
        tfds.core.ReadInstruction.from_spec(split)
    except ValueError as error:
        raise ValueError(
            f"`split` must be a tensorflow-datasets split string such as 'train[:80%]'. "
            f"Received: split={split!r}"
        ) from error
    names = {part.split("[")[0].strip() for part in split.split("+")}
    if not names <= set(FLOWERS_SPLITS):
        raise ValueError(
            f"`split` may only name the splits {FLOWERS_SPLITS} of tf_flowers. "
            f"Received: split={split!r}"
        )


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
