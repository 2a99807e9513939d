"""The chapters' pictures: an off-screen matplotlib figure and learning curves."""

from __future__ import annotations

import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def new_figure(ncols: int = 1, width: float = 6.0, height: float = 4.0) -> tuple[Any, Any]:
    """A matplotlib figure and its axes, drawn off-screen (the Agg canvas)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            'Plots need matplotlib: pip install "keras-tutorial-kit[examples]"'
        ) from error
    figure = Figure(figsize=(width * ncols, height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, ncols)
    return figure, axes


def plot_learning_curves(
    history: Mapping[str, Sequence[float]],
    path: pathlib.Path,
    title: str,
    xlabel: str = "epoch",
    dashed: Sequence[str] = (),
) -> pathlib.Path:
    """Writes a PNG with the loss curves on the left and the accuracy curves on the right.

    Curves whose key starts with one of ``dashed`` are drawn dashed, so that
    curves lying on top of each other stay visible.
    """
    loss_keys = [key for key in history if "loss" in key]
    other_keys = [key for key in history if key not in loss_keys]
    figure, axes = new_figure(ncols=2 if other_keys else 1)
    axes = np.atleast_1d(axes)
    for ax, keys, label in ((axes[0], loss_keys, "loss"), (axes[-1], other_keys, "accuracy")):
        if not keys:
            continue
        for key in keys:
            values = history[key]
            ax.plot(
                range(1, len(values) + 1),
                values,
                marker="o" if len(values) <= 30 else None,
                markersize=3,
                linestyle="--" if key.startswith(tuple(dashed)) else "-",
                label=key,
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    figure.suptitle(title)
    figure.savefig(path, dpi=100)
    return path
