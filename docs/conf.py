"""Sphinx configuration for the keras-tutorial-kit documentation.

Build with ``sphinx-build -W --keep-going -n docs docs/_build/html``. The build is
offline by default; set ``KTK_DOCS_INTERSPHINX=1`` to link to the Python and NumPy docs
through intersphinx (it downloads their inventories).
"""

from __future__ import annotations

import os
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

from quiet_import import import_quietly  # noqa: E402

# TensorFlow's C++ logging starts before TF_CPP_MIN_LOG_LEVEL is read ("All log messages
# before absl::InitializeLog() ..."), so the first import of the package (and with it
# Keras and TensorFlow) runs with its C++ log lines filtered out of stderr.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras_tutorial_kit = import_quietly("keras_tutorial_kit")

project = "keras-tutorial-kit"
author = "keras-tutorial-kit developers"
copyright = "keras-tutorial-kit developers"
release = keras_tutorial_kit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "myst_parser",
    "ktk_docs",
    "ktk_benchmarks",
]
if os.environ.get("KTK_DOCS_INTERSPHINX", "") not in ("", "0"):
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
    }

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "_ext", "_templates", "conftest.py"]

# API reference: one page per subpackage, one per public name, listed from each
# subpackage's ``__all__`` so that a new public name appears without editing the docs.
autosummary_generate = True
autosummary_ignore_module_all = False
autosummary_imported_members = False
autodoc_member_order = "bysource"
# Types go to the parameter list (where they are read), defaults stay in the signature,
# and a signature longer than a line shows one parameter per line.
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_typehints_format = "short"
maximum_signature_line_length = 72
autodoc_preserve_defaults = True
autodoc_default_options = {"show-inheritance": True}
add_module_names = False

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_custom_sections = [("Call arguments", "params_style")]

# Keras and TensorFlow publish no intersphinx inventory: their names stay plain text.
# NumPy's resolve only when intersphinx is switched on.
nitpick_ignore_regex = [
    (r"py:.*", r"(keras|tf|tensorflow|jax|gymnasium|tensorflow_datasets)(\..*)?"),
    (r"py:.*", r"(np|numpy)\..*"),
    (r"py:.*", r"(gym|gymnasium)\..*"),
    # The standard library resolves only with intersphinx on.
    (r"py:.*", r"(os|pathlib|types|collections\.abc|collections|typing|numbers|random|enum)\..*"),
]

html_theme = "furo"
html_title = f"keras-tutorial-kit {release}"
html_static_path = ["_static"]
html_css_files = ["ktk.css"]
html_show_sourcelink = False

# Copy buttons copy the code only: no ``>>>``/``...``/``$`` prompts, no output lines.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True
