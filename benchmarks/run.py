"""Runs every benchmark: each ``benchmarks/bench_*.py`` module's ``run(quick=...)``.

Usage::

    python benchmarks/run.py [--device auto|cpu|gpu] [--quick] [--backend tensorflow [jax]]
                             [--mixed-precision] [--jit-compile auto|true|false]
                             [--only models import ...] [--output-dir DIR] [--plots-only]

Each module saves its JSON (device, backend, versions, medians and spread) through
``_common.save_results``; this script then draws PNG plots next to every result file
(``plots.py``) and writes ``run_summary.json`` with what ran, for how long, and what
failed. A module that is missing or raises is reported and the others still run; the
exit status is 1 when any module failed.

Where results go: ``--output-dir`` when given. Otherwise only a full run with the
reference settings (no ``--quick``, no ``--mixed-precision``, ``--jit-compile auto``)
writes the committed ``benchmarks/results/``; any other run writes the git-ignored
``benchmarks/results-scratch/<quick|mixed_bfloat16|jit_true|...>/`` and says so, so
that a smoke run never overwrites the committed numbers (``default_output_dir``).

``--plots-only`` redraws the plots of the result files already in ``--output-dir``
(default ``benchmarks/results/``).

``--device cpu`` hides every GPU from TensorFlow and JAX; ``--device gpu`` fails unless
the backend sees a GPU; ``auto`` (the default) lets the backend choose, so a GPU is used
when one is present. ``--backend`` with several names runs one fresh process per
backend, each writing under ``<output-dir>/<backend>/``. ``--mixed-precision`` sets the
global ``mixed_bfloat16`` dtype policy before any model is built; ``--jit-compile`` is
passed to the modules whose ``run`` accepts it (as is ``mixed_precision``).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import pathlib
import subprocess
import sys
import time
import traceback
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results"  # committed: written by default by reference runs only
SCRATCH_OUTPUT = HERE / "results-scratch"  # git-ignored: every other run's default
BACKENDS = ("tensorflow", "jax", "torch")


def discover() -> list[str]:
    """Names (``models``, ``import``, ...) of every ``bench_*.py`` module, sorted."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def _parse_jit(value: str) -> Any:
    choices = {"auto": "auto", "true": True, "false": False}
    if value.lower() not in choices:
        raise argparse.ArgumentTypeError(
            f"--jit-compile must be auto, true or false. Received: {value!r}"
        )
    return choices[value.lower()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the keras-tutorial-kit benchmark suite.")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    parser.add_argument("--quick", action="store_true", help="a short smoke run of every module")
    parser.add_argument(
        "--backend",
        nargs="+",
        choices=BACKENDS,
        default=None,
        help="Keras backend(s); default: KERAS_BACKEND or tensorflow",
    )
    parser.add_argument(
        "--mixed-precision", action="store_true", help="global mixed_bfloat16 policy"
    )
    parser.add_argument(
        "--jit-compile", type=_parse_jit, default="auto", help="auto, true or false"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these modules (e.g. models import)"
    )
    parser.add_argument(
        "--output-dir",
        type=pathlib.Path,
        default=None,
        help="default: benchmarks/results/ for a full run with the reference settings, "
        "else benchmarks/results-scratch/<settings>/",
    )
    parser.add_argument("--no-plots", action="store_true", help="write JSON only")
    parser.add_argument("--list", action="store_true", help="list the benchmark modules and exit")
    parser.add_argument(
        "--plots-only",
        action="store_true",
        help="redraw the plots of the result files in --output-dir, run nothing",
    )
    return parser.parse_args(argv)


def default_output_dir(quick: bool, mixed_precision: bool, jit_compile: Any) -> pathlib.Path:
    """Where a run without ``--output-dir`` writes.

    The committed ``benchmarks/results/`` holds full runs with the reference settings;
    a quick run, or one with other numerics (``mixed_bfloat16``, a forced
    ``jit_compile``), writes a git-ignored folder named after what differs.
    """
    tags = []
    if quick:
        tags.append("quick")
    if mixed_precision:
        tags.append("mixed_bfloat16")
    if jit_compile != "auto":
        tags.append(f"jit_{str(jit_compile).lower()}")
    return SCRATCH_OUTPUT / "-".join(tags) if tags else DEFAULT_OUTPUT


def resolve_output_dir(args: argparse.Namespace) -> pathlib.Path:
    """``--output-dir`` if given; else the committed results for ``--plots-only``, else
    ``default_output_dir``."""
    if args.output_dir is not None:
        return args.output_dir
    if args.plots_only:
        return DEFAULT_OUTPUT
    return default_output_dir(args.quick, args.mixed_precision, args.jit_compile)


def _configure_device(device: str) -> None:
    """Must run before TensorFlow or JAX is imported."""
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
        os.environ["JAX_PLATFORMS"] = "cpu"


def _load_module(name: str):
    path = HERE / f"bench_{name}.py"
    if not path.is_file():
        raise FileNotFoundError(
            f"no benchmark module {path.name} (available: {', '.join(discover())})"
        )
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError(f"{path.name} has no run(quick=...) function")
    return module


def _call_run(module, args: argparse.Namespace) -> Any:
    parameters = inspect.signature(module.run).parameters
    kwargs: dict[str, Any] = {"quick": args.quick}
    if "jit_compile" in parameters:
        kwargs["jit_compile"] = args.jit_compile
    if "mixed_precision" in parameters:
        kwargs["mixed_precision"] = args.mixed_precision
    return module.run(**kwargs)


def _snapshot(directory: pathlib.Path) -> dict[pathlib.Path, float]:
    return {p: p.stat().st_mtime_ns for p in directory.glob("*.json")} if directory.is_dir() else {}


def run_all(args: argparse.Namespace) -> int:
    """Runs the selected modules in this process; returns the exit status."""
    _configure_device(args.device)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend[0]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(HERE))
    import _common

    output = args.output_dir.resolve()
    output.mkdir(parents=True, exist_ok=True)
    _common.RESULTS_DIR = output

    import keras

    env = _common.environment()
    if args.device == "gpu" and env["device"] != "gpu":
        print(
            f"--device gpu: the {env['backend']} backend sees no GPU on this machine.",
            file=sys.stderr,
        )
        return 2
    policy = "mixed_bfloat16" if args.mixed_precision else "float32"
    names = args.only or discover()
    print(
        f"benchmarks: {', '.join(names)} | backend {env['backend']} on {env['device']} | "
        f"quick={args.quick} policy={policy} jit_compile={args.jit_compile} -> {output}",
        flush=True,
    )
    summary: dict[str, Any] = {
        "options": {
            "device": args.device,
            "quick": args.quick,
            "mixed_precision": args.mixed_precision,
            "jit_compile": args.jit_compile,
            "dtype_policy": policy,
        },
        "environment": env,
        "modules": [],
    }
    failed = 0
    start_all = time.perf_counter()
    for name in names:
        print(f"\n=== bench_{name} ===", flush=True)
        keras.utils.clear_session()
        keras.config.set_dtype_policy(policy)
        before = _snapshot(output)
        start = time.perf_counter()
        entry: dict[str, Any] = {"module": f"bench_{name}"}
        try:
            _call_run(_load_module(name), args)
            entry["status"] = "ok"
        except BaseException as error:  # a broken module must not stop the others
            if isinstance(error, KeyboardInterrupt):
                raise
            failed += 1
            entry["status"] = "failed"
            entry["error"] = f"{type(error).__name__}: {error}"
            traceback.print_exc()
            print(f"bench_{name} FAILED: {entry['error']}", flush=True)
        entry["seconds"] = time.perf_counter() - start
        after = _snapshot(output)
        written = sorted(p for p, mtime in after.items() if before.get(p) != mtime)
        entry["results"] = [p.name for p in written]
        if not args.no_plots:
            entry["plots"] = _plot(written)
        summary["modules"].append(entry)
        print(f"bench_{name}: {entry['status']} in {entry['seconds']:.1f} s", flush=True)
    keras.config.set_dtype_policy("float32")
    summary["seconds"] = time.perf_counter() - start_all
    (output / "run_summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(
        f"\n{len(names) - failed} of {len(names)} benchmark modules ran in {summary['seconds']:.1f} s",
        flush=True,
    )
    for entry in summary["modules"]:
        if entry["status"] != "ok":
            print(f"  failed: {entry['module']}: {entry['error']}")
    return 1 if failed else 0


def _plot(paths: list[pathlib.Path]) -> list[str]:
    import plots

    written: list[str] = []
    for path in paths:
        if path.name == "run_summary.json":
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            written += [p.name for p in plots.plot_document(document, path)]
        except Exception as error:  # a plot must not lose the results
            print(f"could not plot {path.name}: {type(error).__name__}: {error}", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print("\n".join(discover()))
        return 0
    if args.output_dir is None:
        args.output_dir = resolve_output_dir(args)
        if args.output_dir != DEFAULT_OUTPUT:
            print(
                f"not a reference run: results go to {args.output_dir} "
                "(benchmarks/results/ is written only by full runs with the default "
                "settings, or with --output-dir)",
                flush=True,
            )
    if args.plots_only:
        sys.path.insert(0, str(HERE))
        paths = sorted(args.output_dir.resolve().glob("*.json"))
        for name in _plot(paths):
            print(f"wrote {args.output_dir / name}")
        return 0
    if args.backend and len(args.backend) > 1:
        status = 0
        forwarded = [a for a in (argv if argv is not None else sys.argv[1:])]
        for backend in args.backend:
            command = [
                sys.executable,
                str(HERE / "run.py"),
                *_without_backend_and_output(forwarded),
            ]
            command += ["--backend", backend, "--output-dir", str(args.output_dir / backend)]
            print(f"\n##### backend {backend} #####", flush=True)
            status = max(status, subprocess.call(command))
        return status
    return run_all(args)


def _without_backend_and_output(argv: list[str]) -> list[str]:
    """``argv`` less its ``--backend ...`` and ``--output-dir ...`` options."""
    result: list[str] = []
    skipping = False
    for arg in argv:
        if arg in ("--backend", "--output-dir") or arg.startswith(("--backend=", "--output-dir=")):
            skipping = "=" not in arg
            continue
        if skipping and not arg.startswith("--"):
            continue
        skipping = False
        result.append(arg)
    return result


if __name__ == "__main__":
    sys.exit(main())
