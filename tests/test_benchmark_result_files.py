"""``benchmarks/result_files.py`` reads each goal of a result file in the right direction."""

from __future__ import annotations

import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).parent.parent
_spec = importlib.util.spec_from_file_location(
    "benchmarks_result_files", ROOT / "benchmarks" / "result_files.py"
)
result_files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(result_files)


def _by_label(document):
    return {check["label"]: check for check in result_files.goal_checks(document)}


def test_goal_table_keys_are_floors_unless_marked_at_most():
    document = {
        "benchmark": "example",
        "speedup": 4.0,
        "top_p_over_top_k": 1.4,
        "goal": {"speedup": 4.5, "top_p_over_top_k_at_most": 1.3, "met": False},
    }
    checks = _by_label(document)
    assert set(checks) == {"speedup", "top_p_over_top_k"}
    assert checks["speedup"]["goal_text"] == ">= 4.5" and not checks["speedup"]["met"]
    ceiling = checks["top_p_over_top_k"]
    assert ceiling["at_most"] and ceiling["goal_text"] == "<= 1.3" and not ceiling["met"]
    document["top_p_over_top_k"] = 1.1
    assert _by_label(document)["top_p_over_top_k"]["met"]


def test_text_goals_bits_per_character_ratio_is_a_ceiling():
    document = {"benchmark": "text_goals", "bpc_ratio": 0.9, "goal": {"bpc_ratio": 0.85}}
    check = _by_label(document)["bpc_ratio"]
    assert check["at_most"] and not check["met"]
    document["bpc_ratio"] = 0.79
    assert _by_label(document)["bpc_ratio"]["met"]


def test_committed_text_goals_agree_with_the_files_own_verdict():
    path = ROOT / "benchmarks" / "results" / "text_goals.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    checks = _by_label(document)
    assert set(checks) == {"bpc_ratio", "generation_speedup"}
    assert all(check["met"] for check in checks.values()) == document["goal"]["met"]
