"""Where a chapter writes its files: the model folder and the plot."""

from __future__ import annotations

import os
import pathlib


def output_path(output_dir: str | os.PathLike[str] | None, filename: str) -> pathlib.Path | None:
    """``output_dir / filename`` with ``output_dir`` created, or ``None`` when ``output_dir`` is ``None``."""
    if output_dir is None:
        return None
    directory = pathlib.Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / filename


def plot_path(plot: str | os.PathLike[str] | None) -> pathlib.Path | None:
    """``plot`` (a checked ``.png`` path) as a ``Path`` with its folder created, or ``None``."""
    if plot is None:
        return None
    path = pathlib.Path(plot)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
