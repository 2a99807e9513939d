"""``import keras_tutorial_kit`` stays light: heavy optional modules are imported lazily."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Optional dependencies that only some chapters need. Keras 3 itself imports scikit-learn
# (its sklearn wrapper), and through it matplotlib, when they are installed, so the check
# is on what the kit adds to what `import keras` already loaded.
HEAVY_MODULES = ("tensorflow_datasets", "gymnasium", "sklearn", "matplotlib")
NEVER_IMPORTED_BY_KERAS = ("tensorflow_datasets", "gymnasium")

_PROBE = f"""
import json, sys
import keras
by_keras = sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)
import keras_tutorial_kit as ktk
for name in ktk.__all__:
    getattr(ktk, name)
after = sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)
print(json.dumps({{"by_keras": by_keras, "after": after}}))
"""


def _probe(code: str) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def imported() -> dict:
    return _probe(_PROBE)


def test_import_adds_no_heavy_optional_module(imported):
    added = sorted(set(imported["after"]) - set(imported["by_keras"]))
    assert added == [], (
        f"`import keras_tutorial_kit` imported {added} at import time; import them "
        "inside the function that needs them"
    )


@pytest.mark.parametrize("module", NEVER_IMPORTED_BY_KERAS)
def test_import_leaves_dataset_and_rl_dependencies_unloaded(imported, module):
    assert module not in imported["after"]
