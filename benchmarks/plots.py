"""Plots of benchmark result files, and the same plots in words (their alt text).

``benchmarks/run.py`` calls :func:`plot_document` to draw PNG plots next to each JSON
result; the docs' Benchmarks page shows them with :func:`describe_goals` as alt text.
Reading the files and finding their goals is ``result_files.py``; its functions are
available from here too. matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import math
import pathlib
import textwrap
from typing import Any

from result_files import (
    LABEL_KEYS,
    goal_checks,
    is_number,
    load_results,
    plots_for,
    tables,
)

__all__ = [
    "describe_goals",
    "describe_throughput",
    "goal_checks",
    "load_results",
    "plot_document",
    "plot_goals",
    "plot_throughput",
    "plots_for",
    "readable",
    "tables",
]


def readable(label: str) -> str:
    """A goal's label for people: ``ratio_ktk_over_sb3`` becomes ``ratio ktk over sb3``."""
    return " ".join(label.replace("_", " ").split())


def _score(check: dict[str, Any]) -> float:
    """Measured / goal, inverted for *at most* goals: 1 or more meets the goal."""
    value, goal = check["value"], check["goal"]
    if math.isnan(value):
        return math.nan
    if check["at_most"]:
        return goal / value if value > 0 else math.inf
    return value / goal if goal > 0 else math.inf


def describe_goals(document: dict[str, Any]) -> str:
    """The goals plot in words (its alt text): what is drawn, and each bar's figure."""
    checks = goal_checks(document)
    met = sum(check["met"] for check in checks)
    bars = "; ".join(
        f"{readable(c['label'])}: {c['value']:.3g}, goal {c['goal_text']}, "
        f"{'met' if c['met'] else 'not met'}"
        for c in checks
    )
    return (
        f"Horizontal bar chart of the {document.get('benchmark', 'benchmark')} benchmark: "
        f"each bar is a measured figure divided by its goal, with a dashed line at 1 "
        f"(at or past it meets the goal); {met} of {len(checks)} goals met. {bars}."
    )


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# Drawn for a docs page about 750 px wide: at 100 dpi a 7.5 inch figure is shown at its
# own size on a desktop, so 11-point labels read as about 15 px.
_WIDTH_IN, _DPI, _FONT = 7.5, 100, 11


def _wrap(label: str, width: int = 26) -> str:
    return textwrap.fill(readable(label), width=width, break_long_words=True)


def plot_goals(document: dict[str, Any], path: pathlib.Path) -> pathlib.Path | None:
    """Bar chart of every goal check, as measured / goal (>= 1 meets the goal)."""
    checks = goal_checks(document)
    if not checks:
        return None
    plt = _pyplot()
    labels = [_wrap(c["label"]) for c in checks]
    scores = [min(s, 1e6) if not math.isnan(s) else 0.0 for s in map(_score, checks)]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, 1.3 + 0.28 * lines + 0.2 * len(checks)))
    y = list(range(len(checks)))
    colors = ["#2e7d32" if c["met"] else "#c62828" for c in checks]
    ax.barh(y, scores, color=colors, height=0.6)
    ax.axvline(1.0, color="black", linewidth=1.2, linestyle="--")
    ax.set_yticks(y, labels, fontsize=_FONT)
    ax.invert_yaxis()
    positive = [s for s in scores if s > 0]
    log = bool(positive) and max(positive) / min(positive) > 30
    if log:
        ax.set_xscale("log")
    for i, (check, score) in enumerate(zip(checks, scores, strict=True)):
        verdict = "met" if check["met"] else "NOT met"
        ax.text(
            max(score, min(positive, default=1.0)),
            i,
            f" {check['value']:.3g} (goal {check['goal_text']}) {verdict}",
            va="center",
            fontsize=_FONT - 1,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        )
    ax.set_xlim(
        left=min(positive, default=1.0) / 3 if log else 0,
        right=max(scores) * (12 if log else 1.9),
    )
    ax.set_xlabel("measured / goal  (dashed line = goal; at or right of it = met)", fontsize=_FONT)
    ax.tick_params(axis="x", labelsize=_FONT - 1)
    env = document.get("environment", {})
    ax.set_title(
        f"{document.get('benchmark', path.stem)}: goals "
        f"({env.get('backend', '?')}, {env.get('device', '?')})",
        fontsize=_FONT + 1,
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
    plt.close(fig)
    return path


def plot_throughput(document: dict[str, Any], path: pathlib.Path) -> pathlib.Path | None:
    """Grouped bars of every ``*_per_s`` column of each table (log scale), if any."""
    groups = []
    for title, header, rows, _ in tables(document):
        label_names = ("entry", *LABEL_KEYS)
        if title.endswith("_per_s"):  # a table of rates, one column per method
            columns = [i for i, c in enumerate(header) if c not in label_names]
        else:
            columns = [i for i, c in enumerate(header) if c.endswith("_per_s")]
        if len(columns) < 2:
            continue
        label_columns = [i for i, c in enumerate(header) if c in label_names]
        for row in rows:
            values = [row[i] for i in columns]
            if all(is_number(v) for v in values):
                label = (
                    " / ".join(
                        f"{header[i]} {row[i]:g}" if is_number(row[i]) else str(row[i])
                        for i in label_columns
                    )
                    or title
                )
                groups.append((label, [header[i] for i in columns], values))
    if not groups:
        return None
    plt = _pyplot()
    series = []
    for _, names, _ in groups:
        series.extend(n for n in names if n not in series)
    bar = 0.8 / len(series)
    fig, ax = plt.subplots(
        figsize=(_WIDTH_IN, 1.6 + 0.1 * len(groups) * len(series) + 0.2 * len(series))
    )
    for j, name in enumerate(series):
        ys, xs = [], []
        for i, (_, names, values) in enumerate(groups):
            if name in names:
                ys.append(i + j * bar)
                xs.append(values[names.index(name)])
        ax.barh(ys, xs, height=bar, label=readable(name))
    ax.set_yticks(
        [i + 0.4 - bar / 2 for i in range(len(groups))],
        [_wrap(g[0], 16) for g in groups],
        fontsize=_FONT,
    )
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("per second (log scale, higher is better)", fontsize=_FONT)
    ax.tick_params(axis="x", labelsize=_FONT - 1)
    ax.legend(fontsize=_FONT - 2, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    env = document.get("environment", {})
    ax.set_title(
        f"{document.get('benchmark', path.stem)}: throughput "
        f"({env.get('backend', '?')}, {env.get('device', '?')})",
        fontsize=_FONT + 1,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
    plt.close(fig)
    return path


def describe_throughput(document: dict[str, Any]) -> str:
    """The throughput plot in words (its alt text)."""
    return (
        f"Grouped horizontal bar chart of the {document.get('benchmark', 'benchmark')} "
        "benchmark's rates per second on a log scale, one bar per method in each case; "
        "the numbers are in the table above it."
    )


def plot_document(document: dict[str, Any], result_path: pathlib.Path) -> list[pathlib.Path]:
    """Writes ``<stem>_goals.png`` and ``<stem>_throughput.png`` next to ``result_path``.

    A plot that no longer applies is removed; PNGs a benchmark wrote itself under
    other names are left alone.
    """
    written = []
    for plot, suffix in ((plot_goals, "_goals"), (plot_throughput, "_throughput")):
        out = result_path.with_name(f"{result_path.stem}{suffix}.png")
        if plot(document, out) is not None:
            written.append(out)
        elif out.exists():
            out.unlink()
    return written
