"""Import time of ``keras_tutorial_kit`` over ``keras``, in fresh subprocesses side by side.

Two measures, each repeated in fresh interpreters (alternating their order):

* incremental: in one fresh process, ``import keras`` then ``import keras_tutorial_kit``;
  the second import's time is what the kit adds (goal: at most 0.3 s);
* end to end: a fresh process that imports only ``keras`` against one that imports only
  ``keras_tutorial_kit`` (interpreter start-up included); the difference of the medians.

It also records which heavy optional modules (tensorflow_datasets, gymnasium, sklearn,
matplotlib) the kit's import added to those ``import keras`` already loaded (Keras 3
itself imports scikit-learn, and through it matplotlib, when they are installed): the
kit should add none.

Run ``python benchmarks/bench_import.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from _common import save_results, summarize

GOAL_MAX_SECONDS = 0.3
HEAVY_MODULES = ("tensorflow_datasets", "gymnasium", "sklearn", "matplotlib")

_INCREMENTAL = f"""
import json, sys, time
start = time.perf_counter()
import keras
middle = time.perf_counter()
by_keras = [m for m in {HEAVY_MODULES!r} if m in sys.modules]
import keras_tutorial_kit
end = time.perf_counter()
added = [m for m in {HEAVY_MODULES!r} if m in sys.modules and m not in by_keras]
print(json.dumps({{"keras_s": middle - start, "ktk_s": end - middle, "by_keras": by_keras, "added": added}}))
"""


def _python(code: str) -> str:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip().splitlines()[-1]


def _fresh_import_seconds(module: str) -> float:
    start = time.perf_counter()
    _python(f"import {module}; print('ok')")
    return time.perf_counter() - start


def run(quick: bool = False) -> dict[str, Any]:
    """Measures both import times; saves and returns the results."""
    repeats = 2 if quick else 9
    keras_s, ktk_s, heavy_added, heavy_by_keras = [], [], set(), set()
    end_to_end: dict[str, list[float]] = {"keras": [], "keras_tutorial_kit": []}
    for r in range(repeats):
        measured = json.loads(_python(_INCREMENTAL))
        keras_s.append(measured["keras_s"])
        ktk_s.append(measured["ktk_s"])
        heavy_added.update(measured["added"])
        heavy_by_keras.update(measured["by_keras"])
        if not quick:
            order = (
                ("keras", "keras_tutorial_kit") if r % 2 == 0 else ("keras_tutorial_kit", "keras")
            )
            for module in order:
                end_to_end[module].append(_fresh_import_seconds(module))
    incremental = summarize(ktk_s)
    payload: dict[str, Any] = {
        "description": (
            "Seconds that `import keras_tutorial_kit` adds after `import keras` in a fresh "
            "process (median over fresh interpreters), and the heavy optional modules it added."
        ),
        "quick": quick,
        "import_keras": summarize(keras_s),
        "import_time": {
            "label": "import keras_tutorial_kit after keras",
            "value": incremental["median_s"],
            "goal_max": GOAL_MAX_SECONDS,
            "time": incremental,
        },
        "heavy_modules_added_by_kit": sorted(heavy_added),
        "heavy_modules_imported_by_keras": sorted(heavy_by_keras),
    }
    if not quick:
        payload["end_to_end"] = {
            "keras": summarize(end_to_end["keras"]),
            "keras_tutorial_kit": summarize(end_to_end["keras_tutorial_kit"]),
            "difference_of_medians_s": statistics.median(end_to_end["keras_tutorial_kit"])
            - statistics.median(end_to_end["keras"]),
        }
    save_results("import", payload)
    _print(payload)
    return payload


def _print(payload: dict[str, Any]) -> None:
    value = payload["import_time"]["value"]
    print(f"import keras:              {payload['import_keras']['median_s']:.3f} s (median)")
    status = "met" if value <= GOAL_MAX_SECONDS else "NOT met"
    print(f"+ import keras_tutorial_kit: {value:.3f} s (goal <= {GOAL_MAX_SECONDS} s: {status})")
    if "end_to_end" in payload:
        e2e = payload["end_to_end"]
        print(
            f"fresh process, keras alone {e2e['keras']['median_s']:.3f} s, kit alone "
            f"{e2e['keras_tutorial_kit']['median_s']:.3f} s: difference {e2e['difference_of_medians_s']:+.3f} s"
        )
    added = payload["heavy_modules_added_by_kit"]
    print(
        f"heavy optional modules the kit added: {', '.join(added) if added else 'none'} "
        f"(keras itself imported: {', '.join(payload['heavy_modules_imported_by_keras']) or 'none'})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    run(quick=parser.parse_args().quick)
