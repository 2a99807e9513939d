"""``benchmarks/run.py`` writes the committed results only when asked for a reference run."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).parent.parent
_spec = importlib.util.spec_from_file_location("benchmarks_run", ROOT / "benchmarks" / "run.py")
run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run)

RESULTS = ROOT / "benchmarks" / "results"


def test_only_a_full_reference_run_defaults_to_the_committed_results():
    assert run.default_output_dir(quick=False, mixed_precision=False, jit_compile="auto") == RESULTS
    assert run.resolve_output_dir(run.parse_args([])) == RESULTS
    assert run.resolve_output_dir(run.parse_args(["--only", "models"])) == RESULTS


@pytest.mark.parametrize(
    ("argv", "folder"),
    [
        (["--quick"], "quick"),
        (["--quick", "--only", "import"], "quick"),
        (["--mixed-precision"], "mixed_bfloat16"),
        (["--jit-compile", "false"], "jit_false"),
        (
            ["--quick", "--mixed-precision", "--jit-compile", "true"],
            "quick-mixed_bfloat16-jit_true",
        ),
    ],
)
def test_other_runs_default_to_a_git_ignored_scratch_folder(argv, folder):
    output = run.resolve_output_dir(run.parse_args(argv))
    assert output == ROOT / "benchmarks" / "results-scratch" / folder
    assert RESULTS not in output.parents
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "benchmarks/results-scratch/" in ignored


def test_an_explicit_output_dir_wins(tmp_path):
    for argv in (["--quick"], [], ["--plots-only"]):
        assert (
            run.resolve_output_dir(run.parse_args([*argv, "--output-dir", str(tmp_path)]))
            == tmp_path
        )


def test_plots_only_redraws_the_committed_results_by_default():
    assert run.resolve_output_dir(run.parse_args(["--plots-only"])) == RESULTS


def test_a_script_run_on_its_own_does_not_write_the_committed_results(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("_common", ROOT / "benchmarks" / "_common.py")
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    assert common.RESULTS_DIR == ROOT / "benchmarks" / "results-scratch" / "direct"
