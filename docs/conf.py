"""Sphinx configuration for the lagom documentation."""

from __future__ import annotations

import os
import pkgutil
import re
import sys
import types
import typing
from typing import TYPE_CHECKING, ParamSpec, TypeAlias, TypeVar

import numpy.typing
from docutils import nodes
from sphinx import addnodes
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.inspect import TypeAliasForwardRef
from sphinx.util.nodes import make_refnode

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

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
# Signatures show these aliases (lagom._types', numpy.typing's) by name, not expanded.
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
)
autodoc_type_aliases = {name: name for name in _ALIASES}
# One parameter per line once a signature is longer than this (overloads of the metrics).
python_maximum_signature_line_length = 88
napoleon_numpy_docstring = False
# Attributes sections as :ivar: fields: attrs fields documented as members are not repeated.
napoleon_use_ivar = True
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {
    "page_width": "1180px",
    "sidebar_width": "240px",
    "body_max_width": "none",
}
html_static_path = ["_static"]
html_css_files = ["lagom.css"]


# A nested alias (``float | ArrayOrTensor``) is printed with this repr: make it the name.
TypeAliasForwardRef.__repr__ = lambda self: str(self.name)  # type: ignore[method-assign]


def _submodule_comment(name: str, obj: object) -> list[str] | None:
    """A re-exported constant's ``#:`` comment (autodoc reads the package's source only)."""
    package, attr = name.rsplit(".", 1)
    if ("", attr) in ModuleAnalyzer.for_module(package).find_attr_docs():
        return None
    # The package's own modules first, then its siblings' (common's from algorithm.py).
    for prefix in (f"{package}.", f"{package.rsplit('.', 1)[0]}."):
        for modname, module in sorted(sys.modules.items()):
            if modname.startswith(prefix) and getattr(module, attr, None) is obj:
                comment = ModuleAnalyzer.for_module(modname).find_attr_docs().get(("", attr))
                if comment:
                    return list(comment)
    return None


def _lagom_docstring(
    app: object, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Prepare a lagom docstring for napoleon, which reads it after this (priority 500)."""
    if not name.startswith("lagom."):
        return
    if what == "data":  # lagom.vis.AXIS_LABELS: the comment in lagom/vis/labels.py
        lines[:] = _submodule_comment(name, obj) or lines
    # The API pages live in docs/api/: a docstring's :doc:`clusters` is made absolute.
    lines[:] = [re.sub(r":doc:`(?![/.])([^`<>]+)`", r":doc:`/\1`", line) for line in lines]
    # An empty comment first, or napoleon shows a line "summary: detail" as "Type: summary".
    if what in ("attribute", "data", "property") and lines:
        lines[:0] = ["..", ""]


def _lagom_object(target: str, modname: str | None) -> object:
    """What a reference's target names in lagom (``None``: nothing, or not lagom's)."""
    for candidate in (target, f"{modname}.{target}"):
        if candidate.startswith("lagom."):
            try:
                return pkgutil.resolve_name(candidate)
            except (ImportError, AttributeError, ValueError):
                pass
    return None


def _is_private_type(name: str) -> bool:
    """Whether ``name`` is a lagom type variable (``_P``) or unexported alias (``VecEnvMode``)."""
    modules = [m for n, m in list(sys.modules.items()) if n.split(".")[0] == "lagom"]
    holders = [m for m in modules if getattr(m, name, None) is not None]
    if any(isinstance(getattr(m, name), (TypeVar, ParamSpec)) for m in holders):
        return True
    aliases = [
        m
        for m in holders
        if getattr(m, "__annotations__", {}).get(name) in ("TypeAlias", TypeAlias)
        or typing.get_origin(getattr(m, name)) is not None
        or isinstance(getattr(m, name), types.UnionType)
    ]
    return bool(aliases) and not any(name in getattr(m, "__all__", ()) for m in aliases)


#: ``(page, section id, words)`` of the table in ``docs/typing.rst`` that explains the aliases.
_ALIAS_TABLE: list[tuple[str, str, set[str]]] = []


def _alias_section(env: BuildEnvironment, name: str) -> tuple[str, str] | None:
    """The page and section that explain ``name``, an array alias defined in ``lagom._types``."""
    aliases = sys.modules.get("lagom._types")
    if name not in getattr(aliases, "__all__", ()) or getattr(aliases, name) is getattr(
        numpy.typing, name, None
    ):
        return None  # not one of lagom's aliases (numpy's ArrayLike and NDArray are not)
    if not _ALIAS_TABLE and "typing" in env.all_docs:
        for table in env.get_doctree("typing").findall(nodes.table):
            section = table.parent
            while section is not None and not isinstance(section, nodes.section):
                section = section.parent
            words = set(re.findall(r"\w+", table.astext()))
            if section is not None and "ArrayOrTensor" in words:
                _ALIAS_TABLE.append(("typing", section["ids"][0], words))
                break
    for page, section_id, words in _ALIAS_TABLE:
        if name in words:
            return page, section_id
    return None


def _unlinked_lagom_names(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """Link lagom's array aliases to typing.rst; leave private names unlinked and unreported.

    Type variables (``lagom.experiment.config.T``), private classes
    (``lagom.es._functional._FunctionalES``) and unexported aliases (``VecEnvMode``) have no
    entry; a public lagom name that does not resolve is still reported by ``-n``.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.").strip("'")
    if "." not in target:
        section = _alias_section(env, target)
        if section is not None:
            return make_refnode(
                app.builder, node["refdoc"], *section, contnode, "lagom's array aliases"
            )
        if _is_private_type(target):
            return contnode
    obj = _lagom_object(target, node.get("py:module"))
    qualname = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
    private = isinstance(obj, type) and any(p.startswith("_") for p in qualname.split("."))
    return contnode if private or isinstance(obj, (TypeVar, ParamSpec)) else None


#: A module constant's value is cut at this many characters (the zoo's reprs run to thousands).
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
    app.connect("autodoc-process-docstring", _lagom_docstring, priority=400)  # before napoleon
    app.connect("doctree-read", _shorten_values)
    app.connect("missing-reference", _unlinked_lagom_names)
