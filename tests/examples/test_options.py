"""Tests for the chapters' declared options: one signature, one set of checks, for every chapter."""

from __future__ import annotations

import inspect
import warnings

import pytest

from keras_tutorial_kit import examples
from keras_tutorial_kit.examples import CHAPTERS, keras_pipeline, rnn

#: A value each kind of option must refuse.
BAD_VALUES = {
    "int": 0,
    "number": -1.0,
    "seed": -1,
    "flag": "yes",
    "choice": "cifar10",
    "verbose": 5,
    "path": 3,
}
CASES = [(name, option) for name, module in CHAPTERS.items() for option in module.CHAPTER.options]


def test_run_signature_and_docstring_come_from_the_declaration():
    for name, module in CHAPTERS.items():
        chapter = module.CHAPTER
        assert chapter.name == name
        parameters = inspect.signature(module.run).parameters
        assert list(parameters) == [option.name for option in chapter.options], name
        for option in chapter.options:
            assert parameters[option.name].default == option.default, (name, option.name)
            assert f"    {option.name}: " in module.run.__doc__, (name, option.name)
        args, returns = module.run.__doc__.index("Args:"), module.run.__doc__.index("Returns:")
        assert args < returns, name


@pytest.mark.parametrize(("chapter", "option"), CASES, ids=[f"{c}-{o.name}" for c, o in CASES])
def test_every_option_is_checked_before_any_work_even_when_quick(chapter, option):
    bad = BAD_VALUES[option.kind]
    kwargs = {option.name: bad}
    if option.name != "quick":
        kwargs["quick"] = True
    with pytest.raises(ValueError, match=f"`{option.name}`"):
        CHAPTERS[chapter].run(**kwargs)


def test_keras_pipeline_quick_run_still_checks_epochs():
    # The copies of the checks had drifted: this chapter skipped `epochs` when `quick`.
    with pytest.raises(ValueError, match="`epochs` must be a positive integer"):
        keras_pipeline.run(quick=True, epochs=-1, verbose=0)


def test_plot_must_be_png_and_image_size_has_a_minimum():
    with pytest.raises(ValueError, match=r"`plot` must be a path ending in \.png"):
        examples.cnn.run(plot="curves.jpg")
    with pytest.raises(ValueError, match="`image_size` must be an integer >= 32"):
        examples.flowers.run(image_size=16)


def test_unknown_and_doubled_arguments_are_refused():
    with pytest.raises(TypeError, match="text"):
        examples.cnn.run(text="a.txt")
    with pytest.raises(TypeError):
        examples.mlp.run(5, epochs=5)


def test_positional_arguments_keep_their_order(tmp_path):
    with pytest.raises(ValueError, match="`batch_size`"):
        examples.mlp.run(5, 0)  # epochs=5, batch_size=0


def test_rnn_text_is_renamed_text_path(tmp_path):
    assert "text" not in inspect.signature(rnn.run).parameters
    assert rnn.run.__renamed_arguments__ == {"text": ("text_path", "0.4.0")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(FileNotFoundError, match="`text_path`"):
            rnn.run(text=tmp_path / "missing.txt", verbose=0)
    assert any(issubclass(w.category, FutureWarning) and "0.4.0" in str(w.message) for w in caught)
    with pytest.raises(TypeError, match="both"):
        rnn.run(text="a.txt", text_path="b.txt")


def test_option_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="`kind`"):
        examples.Option("epochs", 1, "help", "integer")
