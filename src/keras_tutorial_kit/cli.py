"""``keras-tutorial-kit``: run the tutorial's chapters, generate text and export models from a terminal.

``keras-tutorial-kit list`` shows the chapters, ``keras-tutorial-kit run <chapter>
[options]`` runs one (``--quick`` for a seconds-long version, ``--plot out.png`` for
a picture of its learning curve), ``keras-tutorial-kit generate --model rnn.keras``
writes text with a model saved by ``run rnn``, ``keras-tutorial-kit export --model
cnn.keras --format onnx --output DIR`` exports a model and checks the artifact. The
options of ``run <chapter>`` are made from the chapter's declaration
(``ktk.examples.<chapter>.CHAPTER``); every command calls ``ktk.examples``. The
command line is quiet: TensorFlow's C++ log lines are dropped unless ``--verbose``.
Bad options print a message and exit with status 2; a data set or package that
cannot be had exits with status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from keras_tutorial_kit._native_logs import quiet_native_logs

PROG = "keras-tutorial-kit"
EXIT_USAGE = 2
EXIT_FAILURE = 1
METAVARS = {"int": "N", "seed": "N", "number": "X", "path": "PATH", "choice": None}


def _help(option: Any) -> str:
    # argparse formats help with %: escape it; drop reST markup.
    text = option.help.replace("``", "").replace(":func:", "").replace("`", "")
    return text.replace("%", "%%")


def _parse_with(option: Any) -> Any:
    """An argparse ``type``: the text as a number, then the chapter's own check of it."""

    def parse(text: str) -> Any:
        value: Any = text
        for convert in (int, float) if option.kind == "number" else (int,):
            try:
                value = convert(text)
                break
            except ValueError:
                continue
        try:
            return option.check(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _add_option(parser: argparse.ArgumentParser, option: Any, chapter: str) -> None:
    flag = "--" + option.name.replace("_", "-")
    if option.kind == "verbose":
        parser.add_argument(
            "--quiet",
            dest=option.name,
            action="store_const",
            const=0,
            default=option.default,
            help="no progress bars",
        )
    elif option.kind == "flag" and option.default:
        parser.add_argument(
            f"--no-{option.name.replace('_', '-')}",
            dest=option.name,
            action="store_false",
            help=f"turn off: {_help(option)}",
        )
    elif option.kind == "flag":
        parser.add_argument(flag, action="store_true", help=_help(option))
    else:
        default = os.path.join("out", chapter) if option.name == "output_dir" else option.default
        parser.add_argument(
            flag,
            dest=option.name,
            default=default,
            choices=option.choices or None,
            type=_parse_with(option) if option.kind in ("int", "seed", "number") else None,
            metavar="DIR" if option.name.endswith("_dir") else METAVARS[option.kind],
            help=f"{_help(option)} (default: %(default)s)",
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``keras-tutorial-kit`` command."""
    from keras_tutorial_kit._version import __version__
    from keras_tutorial_kit.examples import CHAPTERS, export

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="The chapters of the TensorFlow 2 tutorial (tf.wiki), run with keras-tutorial-kit.",
        epilog=f"examples:\n  {PROG} run cnn\n  {PROG} run rnn --quick --plot rnn.png\n"
        f"  {PROG} generate --model out/rnn/rnn.keras --temperature 0.5 --length 200\n"
        f"  {PROG} export --model out/cnn/cnn.keras --format onnx --output out/export",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--verbose",
        dest="native_logs",
        action="store_true",
        help="show TensorFlow's C++ log lines (hidden by default); accepted after the command too",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("list", help="list the chapters", description="List the chapters.")

    run = commands.add_parser(
        "run", help="run a chapter", description="Run one chapter of the tutorial."
    )
    chapters = run.add_subparsers(
        dest="chapter", metavar="CHAPTER", required=True, help=", ".join(CHAPTERS)
    )
    for name, module in CHAPTERS.items():
        chapter = module.CHAPTER
        aliases = [name.replace("_", "-")] if "_" in name else []
        sub = chapters.add_parser(
            name, aliases=aliases, help=chapter.summary, description=chapter.summary
        )
        sub.set_defaults(chapter=name)
        for option in chapter.options:
            _add_option(sub, option, name)
        for old in getattr(module.run, "__renamed_arguments__", {}):
            sub.add_argument(
                "--" + old.replace("_", "-"),
                dest=old,
                default=argparse.SUPPRESS,
                help=argparse.SUPPRESS,  # deprecated: works until `removed_in`, not advertised
            )

    generate = commands.add_parser(
        "generate",
        help="write text with a model saved by `run rnn`",
        description="Write text with a CharRNN saved by `run rnn` (it reads <model>.chars.json next to it).",
    )
    add = generate.add_argument
    add("--model", required=True, metavar="PATH", help="the .keras file written by `run rnn`")
    add("--vocab", metavar="PATH", help="the characters file (default: <model>.chars.json)")
    add("--temperature", type=float, default=0.5, metavar="T", help="0 is greedy (default: 0.5)")
    add("--length", type=int, default=400, metavar="N", help="characters to write (default: 400)")
    add("--prompt", metavar="TEXT", help="text to continue (default: a newline)")
    add("--top-k", type=int, metavar="K", help="sample among the K likeliest")
    add("--top-p", type=float, metavar="P", help="sample among the likeliest covering P (<= 1)")
    add("--seed", type=int, metavar="N", help="random seed")

    exporter = commands.add_parser(
        "export",
        help="export a saved model to ONNX or a SavedModel, and check it",
        description="Export a .keras model with model.export, run the artifact outside Keras "
        "(onnxruntime, tf.saved_model.load) on random inputs and print its largest "
        "difference from the model.",
    )
    add = exporter.add_argument
    add("--model", required=True, metavar="PATH", help="a .keras file, e.g. out/cnn/cnn.keras")
    add("--format", required=True, choices=tuple(export.FORMATS), help="the artifact's format")
    add("--output", required=True, metavar="DIR", help="the folder to write the artifact into")
    add("--seed", type=int, default=0, metavar="N", help="seeds the check's inputs (default: 0)")
    return parser


def _run_chapter(args: argparse.Namespace) -> int:
    from keras_tutorial_kit.examples import CHAPTERS

    module = CHAPTERS[args.chapter]
    kwargs = {option.name: getattr(args, option.name) for option in module.CHAPTER.options}
    for old, (new, _) in getattr(module.run, "__renamed_arguments__", {}).items():
        if hasattr(args, old):
            kwargs.pop(new)
            kwargs[old] = getattr(args, old)
    print(module.run(**kwargs).summary())
    return 0


def _generate(args: argparse.Namespace) -> int:
    from keras_tutorial_kit.examples import rnn

    model, chars = rnn.load_generator(args.model, args.vocab)
    text = rnn.generate_text(
        model,
        chars,
        args.prompt,
        args.length,
        args.temperature,
        seed=args.seed,
        top_k=args.top_k,
        top_p=args.top_p,
    )
    print((args.prompt or "") + text)
    return 0


def _export(args: argparse.Namespace) -> int:
    from keras_tutorial_kit.examples import export

    print(export.export_model(args.model, args.output, args.format, seed=args.seed).summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line with ``argv`` (``sys.argv[1:]`` when ``None``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = "--verbose" in argv  # accepted anywhere, not only before the command
    argv = [arg for arg in argv if arg != "--verbose"]
    quiet = contextlib.nullcontext() if verbose else quiet_native_logs()
    with quiet:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:  # --help, --version, or an argparse error (status 2)
            return exit_.code if isinstance(exit_.code, int) else 0
        commands = {"list": _list_chapters, "run": _run_chapter}
        commands.update(generate=_generate, export=_export)
        try:
            return commands[args.command](args)
        except (ValueError, FileNotFoundError, IsADirectoryError) as error:
            print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except (OSError, ImportError) as error:
            print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
            return EXIT_FAILURE
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130


def _list_chapters(args: argparse.Namespace) -> int:
    from keras_tutorial_kit.examples import CHAPTERS

    width = max(map(len, CHAPTERS))
    for name, module in CHAPTERS.items():
        print(f"{name:<{width}}  {module.CHAPTER.summary}")
    return 0
