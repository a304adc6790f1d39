"""Sphinx configuration for the lagom documentation."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx

sys.path.insert(0, os.path.abspath(".."))

project = "lagom"
author = "lagom developers"
copyright = "2026, lagom developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Show the array aliases of lagom._types (and numpy.typing) by name: expanded, ``ArrayLike``
# is a nine-part union and ``NDArray[FloatT]`` is ``ndarray[tuple[Any, ...], dtype[FloatT]]``.
# An annotation that names one of them stays as written in the source.
_ALIASES = (
    "ArrayLike",
    "ArrayOrTensor",
    "BoolArray",
    "DTypeLike",
    "Float32Array",
    "Float64Array",
    "FloatArray",
    "IntArray",
    "IntoFloat64",
    "NDArray",
    "TensorLike",
)
autodoc_type_aliases = {name: name for name in _ALIASES}
# One parameter per line once a signature is longer than this (overloads of the metrics).
python_maximum_signature_line_length = 88
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# Attributes sections become :ivar: fields, so attrs fields that autodoc also documents as
# members are not described twice.
napoleon_use_ivar = True
nitpicky = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {
    "page_width": "1180px",
    "sidebar_width": "240px",
    "body_max_width": "none",
}
html_static_path = ["_static"]
html_css_files = ["lagom.css"]


def _absolute_doc_links(
    app: object, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Docstrings name pages from the docs root (``:doc:`clusters```); the API pages live in
    ``docs/api/``, where a relative name would miss, so make such links absolute."""
    for i, line in enumerate(lines):
        lines[i] = re.sub(r":doc:`(?![/.])([^`<>]+)`", r":doc:`/\1`", line)


#: A module constant's value is shown up to this many characters (then "..."): the named
#: configurations and registries would otherwise print a repr of thousands of characters.
VALUE_CHARS = 100


def _shorten_values(app: Sphinx, doctree: nodes.document) -> None:
    """Cut the ``= value`` of a long module constant's signature, keeping its start."""
    for annotation in doctree.findall(addnodes.desc_annotation):
        text = annotation.astext()
        if not text.lstrip().startswith("=") or len(text) <= VALUE_CHARS:
            continue
        value = text.lstrip()[1:].strip()
        annotation.children = []
        annotation += addnodes.desc_sig_space()
        annotation += addnodes.desc_sig_punctuation("", "=")
        annotation += addnodes.desc_sig_space()
        annotation += nodes.Text(value[: VALUE_CHARS - 10].rstrip() + " ...")


def setup(app: Sphinx) -> None:
    app.connect("autodoc-process-docstring", _absolute_doc_links)
    app.connect("doctree-read", _shorten_values)
