"""Sphinx extension for the keras-tutorial-kit docs.

* ``autodoc-process-signature``: Keras defines ``__new__`` on layers, models, losses
  and metrics, so autodoc shows every subclass as ``(*args, **kwargs)``; this hook
  reports the signature of the class's own ``__init__`` instead.
* ``autodoc-process-docstring`` (before napoleon): turns section headers such as
  ``Call arguments (``update_state``):``, which napoleon does not recognise, into
  ``Call arguments:``-style sections with the method named in the first line.
* ``missing-reference``: the package's own non-public helper types show as code, and
  the common outside names (``ndarray``, ``keras.Model``, ``os.PathLike``, ...) link to
  their documentation without intersphinx (which would download inventories).
* ``.. ktk-api-table::``: every public name of the given subpackages, one table per
  subpackage, each row linking the name's page (read from ``__all__``).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from typing import Any, ClassVar

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.inspect import signature as sphinx_signature
from sphinx.util.inspect import stringify_signature
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

_PACKAGE = "keras_tutorial_kit"


# --- signatures --------------------------------------------------------------------


def _init_signature(app, what, name, obj, options, signature, return_annotation):
    """Reports ``__init__``'s signature for the package's classes."""
    if what not in ("class", "exception") or not inspect.isclass(obj):
        return None
    if not obj.__module__.startswith(_PACKAGE):
        return None
    init = obj.__init__
    if init is object.__init__:
        return None
    try:
        sig = sphinx_signature(
            init, bound_method=True, type_aliases=app.config.autodoc_type_aliases
        )
    except (TypeError, ValueError):
        return None
    text = stringify_signature(
        sig,
        # With autodoc_typehints="description" the types are in the parameter list.
        show_annotation=app.config.autodoc_typehints in ("signature", "both"),
        show_return_annotation=False,
        unqualified_typehints=app.config.python_use_unqualified_type_names,
    )
    return text, None


# --- docstrings --------------------------------------------------------------------

_QUALIFIED_SECTION = re.compile(r"^(?P<indent>\s*)Call arguments \((?P<what>[^)]*)\):\s*$")


def _normalise_sections(app, what, name, obj, options, lines):
    """Rewrites ``Call arguments (``x``):`` so napoleon parses it as a section."""
    for i, line in enumerate(lines):
        match = _QUALIFIED_SECTION.match(line)
        if match:
            what_text = match.group("what").strip()
            lines[i] = f"{match.group('indent')}Call arguments:"
            # Say which call the arguments belong to, as napoleon would drop it.
            lines.insert(i, "")
            lines.insert(
                i, f"{match.group('indent')}The call arguments below are those of {what_text}."
            )


# --- references to the package's non-public names ------------------------------------


def _lookup(path: str) -> bool:
    """Whether the dotted ``path`` (module, then attributes) names an object."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False


def _resolve_internal(target: str) -> bool:
    """Whether ``target`` names a real object of the package, public or not."""
    if target.startswith(f"{_PACKAGE}."):
        return _lookup(target)
    if not target or not target.replace(".", "").replace("_", "").isalnum():
        return False
    head = target.split(".")[0]
    modules = [
        m for name, m in list(sys.modules.items()) if name.startswith(_PACKAGE) and m is not None
    ]
    return any(hasattr(m, head) and _lookup(f"{m.__name__}.{target}") for m in modules)


def _internal_reference(app, env, node, contnode):
    """Shows a reference to one of the package's non-public names as plain text.

    Public methods return helper types (named tuples, histories) that are not in any
    ``__all__`` and so have no page; such a reference is not an error. A reference to a
    name that does not exist still warns.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if _resolve_internal(target):
        return contnode
    return None


# --- outside names, linked without intersphinx ------------------------------------

# Names the API pages use most, with their documentation. intersphinx would find them
# too but downloads inventories (the build is offline by default); Keras and TensorFlow
# publish none at all. Matched against the whole target, most specific first.
_EXTERNAL = [
    (
        r"(numpy|np)\.random\.Generator",
        "https://numpy.org/doc/stable/reference/random/generator.html",
    ),
    (r"(numpy|np)\.dtype", "https://numpy.org/doc/stable/reference/generated/numpy.dtype.html"),
    (
        r"((numpy|np)\.)?ndarray",
        "https://numpy.org/doc/stable/reference/generated/numpy.ndarray.html",
    ),
    (r"keras(\.src)?(\.\w+)*\.Sequential", "https://keras.io/api/models/sequential/"),
    (r"keras(\.src)?(\.\w+)*\.(Model|Functional)", "https://keras.io/api/models/model/"),
    (r"keras(\.src)?(\.\w+)*\.Layer", "https://keras.io/api/layers/base_layer/"),
    (r"keras(\.src)?(\.\w+)*\.Loss", "https://keras.io/api/losses/"),
    (r"keras(\.src)?(\.\w+)*\.Metric", "https://keras.io/api/metrics/"),
    (r"keras(\.src)?(\.\w+)*\.History", "https://keras.io/api/models/model_training_apis/"),
    (
        r"(tf|tensorflow)\.data\.Dataset",
        "https://www.tensorflow.org/api_docs/python/tf/data/Dataset",
    ),
    (r"(gymnasium|gym)\.Env", "https://gymnasium.farama.org/api/env/"),
    (r"os\.PathLike|PathLike", "https://docs.python.org/3/library/os.html#os.PathLike"),
    (r"pathlib\.Path|Path", "https://docs.python.org/3/library/pathlib.html#pathlib.Path"),
    (r"(typing\.)?Any", "https://docs.python.org/3/library/typing.html#typing.Any"),
    (
        r"(collections\.abc|typing)\.(Callable|Mapping|Sequence|Iterable|Iterator)",
        "https://docs.python.org/3/library/collections.abc.html",
    ),
]
_EXTERNAL_PATTERNS = [(re.compile(pattern), url) for pattern, url in _EXTERNAL]


def _external_url(target: str) -> str | None:
    for pattern, url in _EXTERNAL_PATTERNS:
        if pattern.fullmatch(target):
            return url
    return None


def _reference(app, env, node, contnode):
    """Resolves the package's own helper types and the outside names listed above."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    url = _external_url(target)
    if url is not None and not target.startswith(_PACKAGE):
        return nodes.reference("", "", contnode, refuri=url, reftitle=target, internal=False)
    return _internal_reference(app, env, node, contnode)


# --- the API index: every public name ------------------------------------------------


class ApiTable(SphinxDirective):
    """``.. ktk-api-table:: layers models ...``: a section per subpackage, listing
    every name of its ``__all__`` with its one-line summary and a link to its page."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        lines: list[str] = [".. currentmodule:: keras_tutorial_kit", ""]
        for subpackage in self.arguments[0].split():
            module = importlib.import_module(f"{_PACKAGE}.{subpackage}")
            names = [
                n
                for n in module.__all__
                if callable(getattr(module, n)) or inspect.ismodule(getattr(module, n))
            ]
            title = f"ktk.{subpackage}"
            lines += [title, "-" * len(title), ""]
            summary = (inspect.getdoc(module) or "").split("\n")[0]
            lines += [f"{summary} (:mod:`module page <{_PACKAGE}.{subpackage}>`)", ""]
            lines += [".. autosummary::", "   :nosignatures:", ""]
            lines += [f"   {subpackage}.{name}" for name in names]
            lines.append("")
        lines += [".. currentmodule:: None", ""]
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="ktk-api-table"), container)
        return container.children


def _drop_object_base(app, name, obj, options, bases):
    """No "Bases: object" under a plain class (the agent, buffers, loaders): the base
    goes here, and the then empty "Bases:" line in :func:`_drop_empty_bases`."""
    bases[:] = [base for base in bases if base is not object]


def _drop_empty_bases(app, doctree):
    for paragraph in list(doctree.findall(nodes.paragraph)):
        if paragraph.astext().strip() == "Bases:":
            paragraph.parent.remove(paragraph)


def setup(app):
    app.connect("autodoc-process-signature", _init_signature)
    # Before sphinx.ext.napoleon (priority 500) so that it sees standard sections.
    app.connect("autodoc-process-docstring", _normalise_sections, priority=400)
    app.connect("autodoc-process-bases", _drop_object_base)
    app.connect("doctree-read", _drop_empty_bases)
    app.connect("missing-reference", _reference)
    app.add_directive("ktk-api-table", ApiTable)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
