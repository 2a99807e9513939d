"""CPU time of the test suite, test by test, in two source trees run alternately.

Two uses:

* a pytest plugin (``-p suite_time`` with this folder on ``sys.path``) that records,
  for every test, the CPU time (user + system) spent in the pytest process *and* in
  the child processes it waited for (``resource.getrusage(RUSAGE_CHILDREN)``: the
  command-line tests run ``python -m keras_tutorial_kit`` in subprocesses), plus the
  wall time. Setup, call and teardown are counted together. Environment variables:
  ``SUITE_TIME_OUT`` (JSON lines appended, one per test), ``SUITE_TIME_LABEL`` (a tag
  copied into each line) and ``SUITE_TIME_ONLY`` (a file of test ids, one a line:
  every other collected test is deselected);
* a script that compares two checkouts, e.g. a commit before a change and after it::

      git worktree add /tmp/before <commit>
      nice -n 5 python benchmarks/suite_time.py --before /tmp/before --after . --runs 2
      python benchmarks/suite_time.py --report benchmarks/results-scratch/suite_time.jsonl

  It collects the tests of both trees (or reads ``--ids``), keeps the test ids present
  in both, and runs them in groups of ``--files-per-run`` test files, one fresh pytest
  process per group and tree. The trees alternate group by group: before, after on
  the first pass over the groups; after, before on the second; and so on, so that the
  machine's load falls on both alike and a comparison cut short still covers every
  file it reached. Each tree runs with its own ``src`` on ``PYTHONPATH`` and its own
  ``tests``, ``conftest.py`` and pytest configuration. The report sums, per test
  file, each test's mean CPU time over the runs, and prints every run's total to show
  the noise. ``--files-per-run 1`` is the fairest; larger groups save the start-up of
  a process (importing TensorFlow: about 6 s of CPU each).

Set the backend and the test profile in the environment as for any test run (e.g.
``CI=true TF_CPP_MIN_LOG_LEVEL=2 KERAS_BACKEND=tensorflow``). CPU time rather than wall
time, because the machine is shared; it still grows somewhat with load (caches, memory
bandwidth), hence the alternation.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


# --- the pytest plugin -------------------------------------------------------------


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def pytest_collection_modifyitems(config, items):
    """Keeps only the test ids listed in ``SUITE_TIME_ONLY`` (when set)."""
    only = os.environ.get("SUITE_TIME_ONLY")
    if not only:
        return
    wanted = set(pathlib.Path(only).read_text().splitlines())
    kept = [item for item in items if item.nodeid in wanted]
    dropped = [item for item in items if item.nodeid not in wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


_OUTCOMES: dict[str, str] = {}


def pytest_runtest_logreport(report):
    """Keeps each test's outcome: failed if any phase failed, else skipped or passed."""
    if report.failed or report.skipped or report.when == "call":
        if _OUTCOMES.get(report.nodeid) != "failed":
            _OUTCOMES[report.nodeid] = report.outcome


def _record(nodeid: str, cpu: float, wall: float) -> None:
    out = os.environ.get("SUITE_TIME_OUT")
    if not out:
        return
    line = {
        "label": os.environ.get("SUITE_TIME_LABEL", ""),
        "nodeid": nodeid,
        "cpu": round(cpu, 4),
        "wall": round(wall, 4),
        "outcome": _OUTCOMES.get(nodeid, "unknown"),
    }
    with open(out, "a", encoding="utf-8") as file:
        file.write(json.dumps(line) + "\n")


try:  # only the plugin half needs pytest
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

if pytest is not None:

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        cpu, wall = _cpu_seconds(), time.perf_counter()
        try:
            return (yield)
        finally:
            _record(item.nodeid, _cpu_seconds() - cpu, time.perf_counter() - wall)


# --- the comparison script -----------------------------------------------------------


def _collect(tree: pathlib.Path) -> list[str]:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"]
    done = subprocess.run(
        command, cwd=tree, env=_env(tree), capture_output=True, text=True, check=False
    )
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    if not ids:
        raise SystemExit(
            f"no tests collected in {tree}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return ids


def _env(tree: pathlib.Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(tree / "src"), str(HERE)])
    return env


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def compare(args: argparse.Namespace) -> None:
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    if args.ids:  # the common ids of an earlier comparison: skips collecting both trees
        common = args.ids.read_text().splitlines()
    else:
        collected = {label: _collect(tree) for label, tree in trees.items()}
        common = [i for i in collected["after"] if i in set(collected["before"])]
    if args.files:
        common = [i for i in common if _file(i) in args.files]
    files = list(dict.fromkeys(_file(i) for i in common))
    only = args.output.with_suffix(".ids")
    only.write_text("\n".join(common) + "\n")
    print(f"{len(common)} common tests in {len(files)} files", flush=True)
    groups = [files[i : i + args.files_per_run] for i in range(0, len(files), args.files_per_run)]
    # One pass over every group per run, so that a cut-short comparison still covers every
    # file; the trees' order flips from pass to pass (AB, BA, ...) so that neither always
    # runs second.
    for run in range(args.runs):
        order = list(trees.items()) if run % 2 == 0 else list(trees.items())[::-1]
        for number, group in enumerate(groups, 1):
            for label, tree in order:
                env = _env(
                    tree,
                    SUITE_TIME_OUT=str(args.output.resolve()),
                    SUITE_TIME_LABEL=f"{label}:{run}",
                    SUITE_TIME_ONLY=str(only.resolve()),
                )
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
                command += ["-p", pathlib.Path(__file__).stem, *group]
                started = time.perf_counter()
                done = subprocess.run(
                    command, cwd=tree, env=env, capture_output=True, text=True, check=False
                )
                tail = done.stdout.strip().splitlines()[-1:] or ["(no output)"]
                print(
                    f"group {number}/{len(groups)} {label} run {run}: "
                    f"{time.perf_counter() - started:.0f} s wall, {tail[0]}",
                    flush=True,
                )


def report(path: pathlib.Path) -> str:
    """The per-file table of a results file written by ``compare``."""
    cpu: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    runs: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in path.read_text().splitlines():
        row = json.loads(line)
        label, run = row["label"].split(":")
        cpu[label, row["nodeid"]].append(row["cpu"])
        runs[label][run] += row["cpu"]
    ids = sorted(
        {i for (label, i) in cpu if label == "after"}
        & {i for (label, i) in cpu if label == "before"}
    )
    per_file: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    ratios = []
    for nodeid in ids:
        before, after = (statistics.mean(cpu[label, nodeid]) for label in ("before", "after"))
        entry = per_file[_file(nodeid)]
        entry[0] += before
        entry[1] += after
        entry[2] += 1
        if before > 0.05:
            ratios.append(after / before)
    lines = [
        "| file | tests | before CPU s | after CPU s | after/before |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (before, after, count) in sorted(per_file.items(), key=lambda kv: -kv[1][0]):
        lines.append(
            f"| {name} | {count} | {before:.1f} | {after:.1f} | {after / max(before, 1e-9):.2f} |"
        )
    before = sum(e[0] for e in per_file.values())
    after = sum(e[1] for e in per_file.values())
    lines.append(f"| **total** | {len(ids)} | {before:.1f} | {after:.1f} | {after / before:.3f} |")
    lines.append("")
    for label in ("before", "after"):
        totals = ", ".join(f"{runs[label][run]:.1f}" for run in sorted(runs[label]))
        lines.append(f"{label}: total CPU per run (s): {totals}")
    if ratios:
        lines.append(f"median per-test ratio (tests over 0.05 s): {statistics.median(ratios):.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=pathlib.Path, help="the checkout before the change")
    parser.add_argument("--after", type=pathlib.Path, help="the checkout after the change")
    parser.add_argument("--runs", type=int, default=2, help="runs of each tree (default: 2)")
    parser.add_argument(
        "--files-per-run", type=int, default=1, help="test files per pytest process"
    )
    parser.add_argument(
        "--files", nargs="*", help="only these test files (paths as pytest shows them)"
    )
    parser.add_argument(
        "--ids", type=pathlib.Path, help="test ids to run (default: those common to both trees)"
    )
    parser.add_argument(
        "--output",
        type=pathlib.Path,
        default=HERE / "results-scratch" / "suite_time.jsonl",
        help="the results file, one JSON line per test and run (default: %(default)s, git-ignored)",
    )
    parser.add_argument(
        "--report", type=pathlib.Path, help="print the table of a results file and stop"
    )
    args = parser.parse_args(argv)
    if args.report:
        print(report(args.report))
        return
    if not (args.before and args.after):
        parser.error("--before and --after are required (or --report)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.unlink(missing_ok=True)
    compare(args)
    print(report(args.output))


if __name__ == "__main__":
    main()
