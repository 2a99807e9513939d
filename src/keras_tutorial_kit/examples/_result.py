"""``ChapterResult``: what a chapter's ``run`` returns."""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any


@dataclasses.dataclass
class ChapterResult:
    """What a chapter run produced.

    Attributes:
        chapter: The chapter's name, as on the command line.
        metrics: Final figures, e.g. ``{"test_accuracy": 0.98}``.
        history: Per-epoch (or per-episode) curves, each a list of floats.
        model_path: The saved ``.keras`` model, or ``None`` without ``output_dir``.
        plot_path: The PNG written, or ``None`` without ``plot``.
        model: The trained model (or agent).
        extras: Chapter-specific results (generated texts, fitted parameters, ...).
    """

    chapter: str
    metrics: dict[str, float]
    history: dict[str, list[float]]
    model_path: pathlib.Path | None = None
    plot_path: pathlib.Path | None = None
    model: Any = dataclasses.field(default=None, repr=False)
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def summary(self) -> str:
        """A few human-readable lines: the metrics and the files written."""
        lines = [f"{self.chapter}:"]
        for name, value in self.metrics.items():
            lines.append(f"  {name:<26} {_format(value)}")
        if self.model_path is not None:
            lines.append(f"  {'model saved to':<26} {self.model_path}")
        if self.plot_path is not None:
            lines.append(f"  {'plot saved to':<26} {self.plot_path}")
        if "samples" in self.extras:
            lines.append(f"prompt: {self.extras.get('prompt', '')!r}")
            for diversity, text in self.extras["samples"].items():
                lines.append(f"--- diversity {diversity} ---\n{text}")
        return "\n".join(lines)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.5g}"
    return str(value)
