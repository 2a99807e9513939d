"""``keras-tutorial-kit``: run the tutorial's chapters and generate text from a terminal.

``keras-tutorial-kit list`` shows the chapters, ``keras-tutorial-kit run <chapter>
[options]`` runs one (``--quick`` for a seconds-long version, ``--plot out.png`` for
a picture of its learning curve), ``keras-tutorial-kit generate --model rnn.keras``
writes text with a model saved by ``run rnn``. Every chapter's options are the
keyword arguments of its ``ktk.examples.<chapter>.run`` function. Bad options
print a message and exit with status 2; a data set that cannot be had exits with
status 1.
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

PROG = "keras-tutorial-kit"
EXIT_USAGE = 2
EXIT_FAILURE = 1


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers >= ``minimum``."""
    expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _float_at_least(minimum: float, inclusive: bool) -> Callable[[str], float]:
    relation = ">=" if inclusive else ">"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number {relation} {minimum:g}, got {text!r}"
            ) from None
        if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
            raise argparse.ArgumentTypeError(
                f"expected a number {relation} {minimum:g}, got {text!r}"
            )
        return value

    return parse


def _argument_help(function: Callable[..., Any]) -> dict[str, str]:
    """Each argument's description from a Google-style docstring's ``Args:`` section."""
    doc = inspect.getdoc(function) or ""
    match = re.search(r"^Args:\n(.*?)(?:\n\S|\Z)", doc, flags=re.S | re.M)
    helps: dict[str, str] = {}
    if not match:
        return helps
    name = None
    for line in match.group(1).splitlines():
        entry = re.match(r"^    (\w+): (.*)$", line)
        if entry:
            name = entry.group(1)
            helps[name] = entry.group(2).strip()
        elif name is not None and line.strip():
            helps[name] += " " + line.strip()
    # argparse formats help with %: escape it; drop reST markup.
    return {k: v.replace("``", "").replace("%", "%%") for k, v in helps.items()}


def _add_chapter_options(
    parser: argparse.ArgumentParser, chapter: str, function: Callable[..., Any]
) -> None:
    """One option per keyword argument of the chapter's ``run`` function."""
    helps = _argument_help(function)
    for name, parameter in inspect.signature(function).parameters.items():
        default = parameter.default
        annotation = str(parameter.annotation)
        option = "--" + name.replace("_", "-")
        help_text = helps.get(name, "")
        if name == "verbose":
            parser.add_argument(
                "--quiet",
                dest="verbose",
                action="store_const",
                const=0,
                default=1,
                help="no progress bars",
            )
        elif name == "quick":
            parser.add_argument("--quick", action="store_true", help=help_text)
        elif annotation == "bool":
            if default is True:
                parser.add_argument(
                    f"--no-{name.replace('_', '-')}",
                    dest=name,
                    action="store_false",
                    help=f"turn off: {help_text}",
                )
            else:
                parser.add_argument(option, action="store_true", help=help_text)
        elif name == "output_dir":
            parser.add_argument(
                option,
                metavar="DIR",
                default=os.path.join("out", chapter),
                help=f"{help_text} (default: %(default)s)",
            )
        elif name == "source":
            from keras_tutorial_kit.data.mnist_loader import SOURCES

            parser.add_argument(
                option, choices=SOURCES, default=default, help=f"{help_text} (default: %(default)s)"
            )
        elif name == "seed":
            parser.add_argument(
                option,
                type=_non_negative_int,
                metavar="N",
                default=default,
                help=f"{help_text} (default: %(default)s)",
            )
        elif annotation.startswith("int"):
            parser.add_argument(
                option,
                type=_positive_int,
                metavar="N",
                default=default,
                help=f"{help_text} (default: %(default)s)",
            )
        elif annotation.startswith("float"):
            parser.add_argument(
                option,
                type=_float_at_least(0.0, inclusive=False),
                metavar="X",
                default=default,
                help=f"{help_text} (default: %(default)s)",
            )
        else:
            parser.add_argument(option, metavar="PATH", default=default, help=help_text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``keras-tutorial-kit`` command."""
    from keras_tutorial_kit._version import __version__
    from keras_tutorial_kit.examples import CHAPTERS

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="The chapters of the TensorFlow 2 tutorial (tf.wiki), run with keras-tutorial-kit.",
        epilog=f"Examples: {PROG} run cnn    {PROG} run rnn --quick --plot rnn.png    "
        f"{PROG} generate --model out/rnn/rnn.keras --temperature 0.5 --length 200",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    commands.add_parser("list", help="list the chapters", description="List the chapters.")

    run = commands.add_parser(
        "run", help="run a chapter", description="Run one chapter of the tutorial."
    )
    chapters = run.add_subparsers(
        dest="chapter", metavar="CHAPTER", required=True, help=", ".join(CHAPTERS)
    )
    for name, module in CHAPTERS.items():
        summary = _summary(module)
        aliases = [name.replace("_", "-")] if "_" in name else []
        sub = chapters.add_parser(
            name,
            aliases=aliases,
            help=summary,
            description=summary + "\n\n" + _run_doc(module),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(chapter=name)
        _add_chapter_options(sub, name, module.run)

    generate = commands.add_parser(
        "generate",
        help="write text with a model saved by `run rnn`",
        description="Write text with a CharRNN saved by `run rnn` (it reads <model>.chars.json next to it).",
    )
    generate.add_argument(
        "--model", required=True, metavar="PATH", help="the .keras file written by `run rnn`"
    )
    generate.add_argument(
        "--vocab",
        metavar="PATH",
        default=None,
        help="the characters file (default: <model stem>.chars.json next to the model)",
    )
    generate.add_argument(
        "--temperature",
        type=_float_at_least(0.0, inclusive=True),
        default=0.5,
        metavar="T",
        help="sampling temperature (diversity); 0 is greedy (default: %(default)s)",
    )
    generate.add_argument(
        "--length",
        type=_positive_int,
        default=400,
        metavar="N",
        help="characters to write (default: %(default)s)",
    )
    generate.add_argument(
        "--prompt",
        default=None,
        metavar="TEXT",
        help="text to continue (default: a newline, or the first known character)",
    )
    generate.add_argument(
        "--top-k",
        type=_positive_int,
        default=None,
        metavar="K",
        help="sample among the K likeliest",
    )
    generate.add_argument(
        "--top-p",
        type=_float_at_least(0.0, inclusive=False),
        default=None,
        metavar="P",
        help="nucleus sampling: the likeliest characters covering probability P (<= 1)",
    )
    generate.add_argument(
        "--seed", type=_non_negative_int, default=None, metavar="N", help="random seed"
    )
    return parser


def _summary(module: Any) -> str:
    """The first line of a chapter module's docstring, without reST markup."""
    return (module.__doc__ or module.__name__).strip().splitlines()[0].replace("``", "")


def _run_doc(module: Any) -> str:
    doc = inspect.getdoc(module.run) or ""
    paragraphs = doc.split("\n\n")
    text = paragraphs[1] if len(paragraphs) > 1 and not paragraphs[1].startswith("Args:") else ""
    return text.replace("``", "")


def _list_chapters() -> int:
    from keras_tutorial_kit.examples import CHAPTERS

    width = max(map(len, CHAPTERS))
    for name, module in CHAPTERS.items():
        print(f"{name:<{width}}  {_summary(module)}")
    return 0


def _run_chapter(args: argparse.Namespace) -> int:
    from keras_tutorial_kit.examples import CHAPTERS

    function = CHAPTERS[args.chapter].run
    kwargs = {name: getattr(args, name) for name in inspect.signature(function).parameters}
    result = function(**kwargs)
    print(result.summary())
    return 0


def _generate(args: argparse.Namespace) -> int:
    import keras

    from keras_tutorial_kit.examples.rnn import generate_text, load_vocabulary, vocabulary_path
    from keras_tutorial_kit.models import CharRNN

    if not os.path.isfile(args.model):
        raise FileNotFoundError(f"No model file at --model. Received: --model {args.model!r}")
    vocab = args.vocab if args.vocab is not None else vocabulary_path(args.model)
    if not os.path.isfile(vocab):
        raise FileNotFoundError(
            f"No characters file {os.fspath(vocab)!r} for the model: `run rnn` writes it next to the "
            "model; pass another with --vocab."
        )
    if args.top_p is not None and args.top_p > 1:
        raise ValueError(f"--top-p must be in (0, 1]. Received: --top-p {args.top_p}")
    chars = load_vocabulary(vocab)
    model = keras.saving.load_model(args.model)
    if not isinstance(model, CharRNN) or model.vocab_size != len(chars):
        raise ValueError(
            f"--model must be a CharRNN over the {len(chars)} characters of {os.fspath(vocab)!r}. "
            f"Received: {type(model).__name__}"
            + (f" over {model.vocab_size} characters" if isinstance(model, CharRNN) else "")
        )
    prompt = args.prompt if args.prompt is not None else ("\n" if "\n" in chars else chars[0])
    text = generate_text(
        model,
        chars,
        prompt,
        args.length,
        args.temperature,
        seed=args.seed,
        top_k=args.top_k,
        top_p=args.top_p,
    )
    print(prompt + text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line with ``argv`` (``sys.argv[1:]`` when ``None``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or an argparse error (status 2)
        return exit_.code if isinstance(exit_.code, int) else 0
    try:
        if args.command == "list":
            return _list_chapters()
        if args.command == "run":
            return _run_chapter(args)
        return _generate(args)
    except (ValueError, FileNotFoundError, IsADirectoryError) as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, ImportError) as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
