"""The tutorial's chapters as runnable functions: ``ktk.examples.<chapter>.run(...)``.

Each chapter module has a ``run`` function taking keyword arguments (epochs,
batch size, data source, seed, output folder, plot path, ``quick``, ...) and
returning a :class:`ChapterResult` (metrics, history, model and its path). The
command line ``keras-tutorial-kit run <chapter>`` calls the same functions.

Example:

>>> from keras_tutorial_kit import examples
>>> sorted(examples.CHAPTERS)[:3]
['cnn', 'custom_components', 'dqn']
>>> result = examples.linear_regression.run(verbose=0)
>>> round(result.metrics["a_numpy"], 5), round(result.metrics["b_numpy"], 5)
(0.97637, 0.05757)
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from keras_tutorial_kit.examples import (
    cnn,
    custom_components,
    dqn,
    export,
    flowers,
    keras_pipeline,
    linear_regression,
    mlp,
    rnn,
)
from keras_tutorial_kit.examples._options import Chapter, Option
from keras_tutorial_kit.examples._result import ChapterResult

#: Chapter name -> module, in the tutorial's order.
CHAPTERS: dict[str, ModuleType] = {
    "linear_regression": linear_regression,
    "mlp": mlp,
    "cnn": cnn,
    "flowers": flowers,
    "rnn": rnn,
    "dqn": dqn,
    "keras_pipeline": keras_pipeline,
    "custom_components": custom_components,
}


def run_chapter(name: str, **kwargs: Any) -> ChapterResult:
    """Runs the chapter called ``name`` with ``kwargs`` (see each module's ``run``).

    Raises:
        ValueError: If ``name`` is not one of :data:`CHAPTERS`.
    """
    if name not in CHAPTERS:
        raise ValueError(f"`name` must be one of {tuple(CHAPTERS)}. Received: name={name!r}")
    return CHAPTERS[name].run(**kwargs)


__all__ = [
    "CHAPTERS",
    "Chapter",
    "ChapterResult",
    "Option",
    "cnn",
    "custom_components",
    "dqn",
    "export",
    "flowers",
    "keras_pipeline",
    "linear_regression",
    "mlp",
    "rnn",
    "run_chapter",
]
