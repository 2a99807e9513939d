"""The chapters' keyword arguments, declared once: each one's default, check and help line."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import textwrap
import types
from collections.abc import Callable, Mapping
from typing import Any

from keras_tutorial_kit._validation import (
    check_bool,
    check_positive_int,
    check_positive_number,
    check_seed,
)

#: The Python annotation of each kind of option.
ANNOTATIONS = {
    "int": "int",
    "number": "float",
    "seed": "int | None",
    "path": "str | os.PathLike[str] | None",
    "flag": "bool",
    "choice": "str",
    "verbose": "int",
}


@dataclasses.dataclass(frozen=True)
class Option:
    """One keyword argument of a chapter's ``run`` function.

    The chapter's ``run`` signature, the checks of its arguments, the ``Args:``
    of its docstring and the options of ``keras-tutorial-kit run <chapter>``
    are all made from these declarations.

    Attributes:
        name: The argument's name.
        default: Its default value.
        help: What it does, one sentence.
        kind: What it holds: ``"int"`` (an integer >= ``minimum``), ``"number"``
            (a finite number > 0), ``"seed"`` (``None`` or an integer >= 0),
            ``"path"`` (``None``, a string or a path, ending in ``suffix`` if
            given), ``"flag"`` (a bool), ``"choice"`` (one of ``choices``) or
            ``"verbose"`` (0, 1 or 2).
        choices: The values a ``"choice"`` option accepts.
        minimum: The smallest value an ``"int"`` option accepts.
        suffix: The file suffix a ``"path"`` option must end with, e.g. ``".png"``.

    Example:

    >>> from keras_tutorial_kit.examples import Option
    >>> units = Option("units", 256, "Positive integer, the LSTM width.", "int")
    >>> units.check(128)
    128
    >>> units.check(0)
    Traceback (most recent call last):
    ...
    ValueError: `units` must be a positive integer. Received: units=0
    """

    name: str
    default: Any
    help: str
    kind: str
    choices: tuple[str, ...] = ()
    minimum: int = 1
    suffix: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ANNOTATIONS:
            raise ValueError(
                f"`kind` must be one of {tuple(ANNOTATIONS)}. Received: kind={self.kind!r}"
            )

    def check(self, value: Any) -> Any:
        """Returns ``value`` checked (and ints and floats normalized); raises ``ValueError`` naming it."""
        name, kind = self.name, self.kind
        if kind == "int":
            value = check_positive_int(name, value)
            if value < self.minimum:
                raise ValueError(
                    f"`{name}` must be an integer >= {self.minimum}. Received: {name}={value!r}"
                )
            return value
        if kind == "number":
            return check_positive_number(name, value)
        if kind == "seed":
            return check_seed(name, value)
        if kind == "flag":
            return check_bool(name, value)
        if kind == "choice":
            if value not in self.choices:
                raise ValueError(
                    f"`{name}` must be one of {self.choices}. Received: {name}={value!r}"
                )
            return value
        if kind == "verbose":
            if value not in (0, 1, 2):
                raise ValueError(f"`{name}` must be 0, 1 or 2. Received: {name}={value!r}")
            return int(value)
        return self._check_path(value)

    def _check_path(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise ValueError(
                f"`{self.name}` must be None or a path. Received: {self.name}={value!r}"
            )
        if self.suffix is not None and not os.fspath(value).lower().endswith(self.suffix):
            raise ValueError(
                f"`{self.name}` must be a path ending in {self.suffix}. "
                f"Received: {self.name}={os.fspath(value)!r}"
            )
        return value


@dataclasses.dataclass(frozen=True)
class Chapter:
    """A tutorial chapter's declaration: its name, one-line summary and ``run`` options.

    Attributes:
        name: The chapter's name (``keras-tutorial-kit run <name>``).
        summary: One line saying what the chapter does.
        options: The keyword arguments of its ``run``, in order.
        quick: The option values a ``quick=True`` run uses instead of the given ones.

    Example:

    >>> from keras_tutorial_kit import examples
    >>> chapter = examples.cnn.CHAPTER
    >>> chapter.name, [option.name for option in chapter.options][:3], chapter.quick
    ('cnn', ['epochs', 'batch_size', 'learning_rate'], {'epochs': 2})
    """

    name: str
    summary: str
    options: tuple[Option, ...]
    quick: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def runner(self, body: Callable[[types.SimpleNamespace], Any]) -> Callable[..., Any]:
        """Makes the chapter's ``run(**options)`` from ``body(options)``.

        ``run`` has one argument per option (``inspect.signature`` shows them),
        checks every argument before any work (a ``quick`` run included), then
        applies :attr:`quick` and calls ``body`` with the values as attributes.
        Its docstring is ``body``'s with an ``Args:`` section made from the
        options' help, before ``Returns:``.
        """
        signature = inspect.Signature(
            [
                inspect.Parameter(
                    option.name,
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=option.default,
                    annotation=ANNOTATIONS[option.kind],
                )
                for option in self.options
            ],
            return_annotation="ChapterResult",
        )

        @functools.wraps(body)
        def run(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = {
                option.name: option.check(bound.arguments[option.name]) for option in self.options
            }
            if values.get("quick"):
                values.update(self.quick)
            return body(types.SimpleNamespace(**values))

        run.__signature__ = signature  # type: ignore[attr-defined]
        run.__doc__ = _with_args_section(inspect.getdoc(body) or "", self.options)
        del run.__wrapped__  # the signature is the options', not the body's
        return run


def _with_args_section(doc: str, options: tuple[Option, ...]) -> str:
    lines = ["Args:"]
    for option in options:
        lines.append(
            textwrap.fill(
                option.help,
                width=88,
                initial_indent=f"    {option.name}: ",
                subsequent_indent="        ",
            )
        )
    args = "\n".join(lines)
    head, returns, tail = doc.partition("\nReturns:")
    return f"{head.rstrip()}\n\n{args}\n{returns}{tail}" if returns else f"{doc}\n\n{args}"


# The options several chapters share.


def epochs(default: int, help: str = "Positive integer, the number of epochs.") -> Option:
    """The ``epochs`` option."""
    return Option("epochs", default, help, "int")


def batch_size(default: int, help: str = "Positive integer, the batch size.") -> Option:
    """The ``batch_size`` option."""
    return Option("batch_size", default, help, "int")


def learning_rate(default: float, help: str = "Adam's learning rate.") -> Option:
    """The ``learning_rate`` option."""
    return Option("learning_rate", default, help, "number")


def seed(
    default: int | None = 0,
    help: str = "Seeds the weights and the batch draws; ``None`` for fresh randomness.",
) -> Option:
    """The ``seed`` option."""
    return Option("seed", default, help, "seed")


def outputs(files: str, plot: str, quick: str) -> tuple[Option, ...]:
    """``output_dir``, ``plot``, ``quick`` and ``verbose``, which every chapter has.

    Args:
        files: What ``output_dir`` receives, e.g. ``"``cnn.keras``"``.
        plot: What the ``plot`` picture shows.
        quick: What a quick run does.
    """
    return (
        Option(
            "output_dir",
            None,
            f"Folder for {files}; nothing is saved when ``None``.",
            "path",
        ),
        Option(
            "plot",
            None,
            f"A ``.png`` path for {plot}; no plot when ``None``.",
            "path",
            suffix=".png",
        ),
        Option("quick", False, f"A seconds-long run: {quick}", "flag"),
        Option(
            "verbose", 1, "0 for silence, 1 for progress bars, 2 for one line per epoch.", "verbose"
        ),
    )


def digits_options(epochs_default: int, files: str, quick: str) -> tuple[Option, ...]:
    """The options of the chapters that train a classifier on handwritten digits."""
    from keras_tutorial_kit.data.mnist_loader import SOURCES

    return (
        epochs(epochs_default),
        batch_size(50),
        learning_rate(1e-3),
        Option(
            "source",
            "digits",
            '``"digits"`` (offline) or ``"mnist"`` (see ``ktk.data.MNISTLoader``).',
            "choice",
            choices=tuple(sorted(SOURCES)),
        ),
        Option("mnist_path", None, 'A local ``mnist.npz`` for ``source="mnist"``.', "path"),
        seed(help="Seeds the weights and the order of the data; ``None`` for fresh randomness."),
        *outputs(files, "the learning curves", quick),
    )
