"""Tests for the ``keras-tutorial-kit`` command line: chapters, generation, and error handling."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import keras
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit import cli
from keras_tutorial_kit._native_logs import NATIVE_LOG_LINE, quiet_native_logs
from keras_tutorial_kit.examples import CHAPTERS


def _run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_names_every_chapter(capsys):
    status, out, _ = _run(capsys, "list")
    assert status == 0
    listed = [line.split()[0] for line in out.splitlines()]
    assert (
        listed
        == list(CHAPTERS)
        == [
            "linear_regression",
            "mlp",
            "cnn",
            "flowers",
            "rnn",
            "dqn",
            "keras_pipeline",
            "custom_components",
        ]
    )


def test_every_chapter_option_is_a_run_argument():
    parser = cli.build_parser()
    for name, module in CHAPTERS.items():
        args = vars(parser.parse_args(["run", name]))
        assert args.pop("command") == "run" and args.pop("chapter") == name
        assert args.pop("native_logs") is False  # the command line's own --verbose
        parameters = inspect.signature(module.run).parameters
        assert set(args) == set(parameters), name
        assert args["output_dir"] == os.path.join("out", name)
        for key, value in args.items():
            if key != "output_dir":
                assert value == parameters[key].default, (name, key)


def test_run_prints_a_summary_and_writes_model_and_plot(tmp_path, capsys):
    status, out, err = _run(
        capsys,
        "run",
        "linear-regression",
        "--quick",
        "--quiet",
        "--output-dir",
        str(tmp_path),
        "--plot",
        str(tmp_path / "lr.png"),
    )
    assert status == 0, err
    assert "a_numpy" in out and "b_autodiff" in out
    assert (tmp_path / "linear_regression.keras").is_file()
    assert (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"


def test_run_passes_options_through(tmp_path, capsys):
    status, out, err = _run(
        capsys,
        "run",
        "linear_regression",
        "--epochs",
        "3",
        "--learning-rate",
        "0.01",
        "--quiet",
        "--output-dir",
        str(tmp_path),
    )
    assert status == 0, err
    # Three steps of lr 0.01 from zero: far from the converged fit.
    a = float(next(line.split()[1] for line in out.splitlines() if "a_numpy" in line))
    assert 0.0 < a < 0.2


def test_rnn_then_generate(tmp_path, capsys):
    status, out, err = _run(
        capsys, "run", "rnn", "--quick", "--quiet", "--output-dir", str(tmp_path)
    )
    assert status == 0, err
    for diversity in ("0.2", "0.5", "1.0", "1.2"):
        assert f"--- diversity {diversity} ---" in out
    model = str(tmp_path / "rnn.keras")
    generate = ["generate", "--model", model, "--temperature", "0.5", "--length", "30"]
    generate += ["--prompt", "The ", "--seed", "3"]
    status, out, err = _run(capsys, *generate)
    assert status == 0, err
    assert out.startswith("The ") and len(out.rstrip("\n")) == len("The ") + 30
    assert _run(capsys, *generate)[1] == out  # the same seed writes the same text
    status, _, err = _run(capsys, "generate", "--model", model, "--prompt", "\u2603")
    assert status == 2 and "prompt" in err
    for option, value in (("--top-p", "1.5"), ("--temperature", "-1"), ("--length", "0")):
        status, _, err = _run(capsys, "generate", "--model", model, option, value)
        assert status == 2 and option.lstrip("-").replace("-", "_") in err, (option, err)
    (tmp_path / "rnn.chars.json").unlink()
    status, _, err = _run(capsys, "generate", "--model", model)
    assert status == 2 and "No characters file" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required"),
        (["train"], "invalid choice"),
        (["run"], "required"),
        (["run", "gan"], "invalid choice"),
        (["run", "cnn", "--epochs", "0"], "positive integer"),
        (["run", "cnn", "--epochs", "ten"], "positive integer"),
        (["run", "cnn", "--learning-rate", "-0.1"], "number > 0"),
        (["run", "cnn", "--learning-rate", "nan"], "number > 0"),
        (["run", "cnn", "--seed", "-1"], "integer >= 0"),
        (["run", "cnn", "--source", "cifar10"], "invalid choice"),
        (["run", "cnn", "--text", "a.txt"], "unrecognized arguments"),
        (["run", "cnn", "--plot", "curves.jpg"], "`plot` must be a path ending in .png"),
        (["run", "cnn", "--quick", "--epochs", "0"], "positive integer"),
        (["run", "mlp", "--source", "mnist", "--mnist-path", "missing.npz"], "No MNIST file"),
        (["run", "rnn", "--text-path", "missing.txt"], "No text file"),
        (["run", "rnn", "--text", "missing.txt"], "No text file"),
        (["run", "flowers", "--image-size", "16"], "`image_size` must be an integer >= 32"),
        (["generate"], "--model"),
        (["generate", "--model", "missing.keras"], "No model file"),
        (["export", "--model", "missing.keras", "--format", "onnx", "--output", "x"], "No model"),
        (["export", "--model", "m.keras", "--format", "tflite", "--output", "x"], "invalid choice"),
        (["export", "--model", "m.keras", "--format", "onnx"], "--output"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(capsys, *argv)
    assert status == 2
    assert message in err
    assert "Traceback" not in err and "Traceback" not in out


def test_unavailable_data_exits_1_with_advice(capsys, monkeypatch, tmp_path):
    def offline(**kwargs):
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    status, _, err = _run(capsys, "run", "mlp", "--source", "mnist", "--output-dir", str(tmp_path))
    assert status == 1
    assert "mnist.npz" in err and "Traceback" not in err
    status, _, err = _run(capsys, "run", "flowers", "--no-download", "--data-dir", str(tmp_path))
    assert status == 1 and "not prepared" in err


def test_help_exits_0(capsys):
    status, out, _ = _run(capsys, "run", "rnn", "--help")
    assert status == 0
    assert "--text-path PATH" in out and "--quick" in out and "--plot PATH" in out
    assert "--text " not in out  # the deprecated spelling works but is not advertised


def test_module_entry_point_is_quiet_and_reports_errors_without_traceback():
    env = {key: value for key, value in os.environ.items() if not key.startswith("TF_CPP")}
    process = subprocess.run(
        [sys.executable, "-m", "keras_tutorial_kit", "run", "cnn", "--batch-size", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert process.returncode == 2
    assert "positive integer" in process.stderr and "Traceback" not in process.stderr
    native = [line for line in process.stderr.splitlines() if NATIVE_LOG_LINE.match(line.encode())]
    assert not native, native


def test_quiet_native_logs_drops_only_native_log_lines(capfd):
    with quiet_native_logs():
        os.write(2, b"I0000 00:00:1796176983.243667   11526 port.cc:153] oneDNN custom ops\n")
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are\n")
        os.write(2, b"a real warning\n")
        os.write(1, b"stdout is untouched\n")
    out, err = capfd.readouterr()
    assert err == "a real warning\n"
    assert out == "stdout is untouched\n"


def test_quiet_native_logs_keeps_text_after_tensorflows_unterminated_notice(capfd):
    # TensorFlow ends this notice without a newline: an argparse error written next
    # shares its line and must not be dropped with it.
    with quiet_native_logs():
        os.write(2, b"To enable the following instructions: AVX2 FMA, in other operations, ")
        os.write(2, b"rebuild TensorFlow with the appropriate compiler flags.")
        os.write(2, b"usage: keras-tutorial-kit run cnn\nerror: bad batch size\n")
    assert capfd.readouterr().err == "usage: keras-tutorial-kit run cnn\nerror: bad batch size\n"


def test_verbose_keeps_native_log_lines(capfd, monkeypatch):
    def fake_list(args):
        os.write(2, b"I0000 00:00:1796176983.243667   11526 port.cc:153] oneDNN custom ops\n")
        return 0

    monkeypatch.setattr(cli, "_list_chapters", fake_list)
    assert cli.main(["list", "--verbose"]) == 0
    assert "port.cc:153" in capfd.readouterr().err
    assert cli.main(["list"]) == 0
    assert capfd.readouterr().err == ""


def test_export_prints_the_check(tmp_path, capsys):
    format = "onnx" if keras.backend.backend() != "jax" else "saved_model"
    if format == "onnx":
        pytest.importorskip("onnxruntime")
    keras.utils.set_random_seed(0)
    model = ktk.models.MLP(hidden_units=(8,))
    model.build((None, 4))
    model.save(tmp_path / "mlp.keras")
    status, out, err = _run(
        capsys,
        "export",
        "--model",
        str(tmp_path / "mlp.keras"),
        "--format",
        format,
        "--output",
        str(tmp_path / "out"),
    )
    assert status == 0, err
    assert f"exported ({format})" in out
    difference = float(next(line.split()[-1] for line in out.splitlines() if "max abs" in line))
    assert 0.0 <= difference <= 1e-5
