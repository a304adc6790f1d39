"""Sphinx configuration for the lagom documentation."""

from __future__ import annotations

import ast
import os
import re
import sys
import types
import typing
from typing import TYPE_CHECKING, ParamSpec, TypeAlias, TypeVar

from docutils import nodes
from sphinx import addnodes
from sphinx.pycode import ModuleAnalyzer
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


def _alias_name(self: object) -> str:
    return str(getattr(self, "name", ""))


# Sphinx evaluates an annotation with each alias of ``autodoc_type_aliases`` standing for a
# ``TypeAliasForwardRef``, and unwraps it only where it is the whole annotation: nested
# (``float | ArrayOrTensor``, ``list[Float64Array]``), it is written with its repr, as
# ``TypeAliasForwardRef('Float64Array')``, in descriptions and property types alike. Make
# that repr the alias's name.
try:
    from sphinx.util.inspect import TypeAliasForwardRef
except ImportError:  # another Sphinx: its own repr stays
    pass
else:
    TypeAliasForwardRef.__repr__ = _alias_name  # type: ignore[method-assign,assignment]


def _no_inline_attribute_type(
    app: object, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Keep napoleon from reading a summary as the type of an attribute.

    napoleon reads the first line of an attribute's, a constant's or a property's docstring as
    ``type: description``. lagom's types come from the annotations, and its docstrings start
    with ``summary: detail`` ("The zoo: environment id -> its tuned configuration"), which
    would be shown as "Type: The zoo". An empty comment before the docstring (it runs before
    napoleon) leaves napoleon no colon to split on; the rest is parsed as usual.
    """
    if what in ("attribute", "data", "property") and name.startswith("lagom.") and lines:
        lines[:0] = ["..", ""]


def _defining_module(modname: str, name: str) -> str | None:
    """The module that ``from ... import name`` in ``modname``'s source reads ``name`` from."""
    module = sys.modules.get(modname)
    source = getattr(module, "__file__", None)
    if source is None or not source.endswith(".py"):
        return None
    with open(source, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and any((alias.asname or alias.name) == name for alias in node.names)
        ):
            return node.module
    return None


def _reexported_constant_doc(
    app: object, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Give a re-exported constant its ``#:`` comment.

    A package re-exports constants and type aliases of its submodules (``lagom.vis.AXIS_LABELS``
    is ``lagom.vis.labels.AXIS_LABELS``); ``.. autodata:: lagom.vis.AXIS_LABELS`` on the
    package's page looks for their ``#:`` comment in the package's own source only, and shows
    the docstring of their type (``str``, ``dict``) instead. Follow the ``from ... import``
    (through re-exports of re-exports) to the module that defines the name, and use its comment.
    """
    if what != "data" or not name.startswith("lagom."):
        return
    modname, attr = name.rsplit(".", 1)
    seen: set[str] = set()
    while modname not in seen:
        seen.add(modname)
        comment = ModuleAnalyzer.for_module(modname).find_attr_docs().get(("", attr))
        if comment:
            if modname != name.rsplit(".", 1)[0]:
                lines[:] = list(comment)
            return
        source = _defining_module(modname, attr)
        if source is None:
            return
        modname = source


def _lagom_modules() -> list[types.ModuleType]:
    return [m for n, m in list(sys.modules.items()) if n.split(".")[0] == "lagom" and m]


def _lagom_object(target: str, modname: str | None) -> object:
    """What a reference's target names in lagom (``None``: nothing, or not lagom's)."""
    candidates = [target]
    if modname and not target.startswith("lagom."):
        candidates.append(f"{modname}.{target}")
    for candidate in candidates:
        parts = candidate.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = sys.modules.get(".".join(parts[:i]))
            if module is None or not module.__name__.startswith("lagom"):
                continue
            obj: object = module
            for part in parts[i:]:
                obj = getattr(obj, part, None)
            if obj is not None:
                return obj
    if "." not in target:
        # A bare name in a signature (``_P``, ``FloatT``): a type variable of some lagom module.
        for module in _lagom_modules():
            obj = getattr(module, target, None)
            if isinstance(obj, (TypeVar, ParamSpec)):
                return obj
    return None


def _is_unexported_alias(name: str) -> bool:
    """Whether ``name`` is a type alias of lagom that no module exports (``VecEnvMode``)."""
    found = False
    for module in _lagom_modules():
        obj = getattr(module, name, None)
        annotation = getattr(module, "__annotations__", {}).get(name)
        if obj is None or not (
            annotation in ("TypeAlias", TypeAlias)
            or typing.get_origin(obj) is not None
            or isinstance(obj, types.UnionType)
        ):
            continue
        if name in getattr(module, "__all__", ()):
            return False
        found = True
    return found


#: ``(page, section id, names)``: the section of ``docs/typing.rst`` whose table explains
#: lagom's array aliases (``ArrayOrTensor``, ``FloatT``...), found on first use.
_ALIAS_TABLE: list[tuple[str, str, set[str]]] = []


def _alias_section(env: BuildEnvironment, name: str) -> tuple[str, str] | None:
    """The page and section that explain ``name``, an array alias defined in ``lagom._types``."""
    if not _ALIAS_TABLE and "typing" in env.all_docs:
        for table in env.get_doctree("typing").findall(nodes.table):
            section = table.parent
            while section is not None and not isinstance(section, nodes.section):
                section = section.parent
            words = set(re.findall(r"\w+", table.astext()))
            if section is not None and "ArrayOrTensor" in words:
                _ALIAS_TABLE.append(("typing", section["ids"][0], words))
                break
    aliases = sys.modules.get("lagom._types")
    for page, section_id, words in _ALIAS_TABLE:
        if (
            name in words
            and name in getattr(aliases, "__all__", ())
            and _defining_module("lagom._types", name) is None  # not numpy's ArrayLike
        ):
            return page, section_id
    return None


def _unlinked_lagom_names(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """Resolve the references to lagom names that have no entry of their own.

    Signatures name lagom's array aliases (``ArrayOrTensor``, ``NDArray[FloatT]``; see
    ``autodoc_type_aliases``): they link to the table of ``docs/typing.rst`` that explains
    them. Signatures and ``Bases:`` lines also name type variables
    (``lagom.experiment.config.T``), private classes (``lagom.es._functional._FunctionalES``)
    and type aliases no module exports (``VecEnvMode``): they are not part of the documented
    API, have nothing to link to, and are shown as plain text, without the warning of a
    nitpicky build (``-n``). Any other unresolved reference, to a public lagom name
    included, is still reported.
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
        if _is_unexported_alias(target):
            return contnode
    obj = _lagom_object(target, node.get("py:module"))
    if isinstance(obj, (TypeVar, ParamSpec)):
        return contnode
    qualname = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
    if isinstance(obj, type) and any(part.startswith("_") for part in qualname.split(".")):
        return contnode
    return None


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
    # Before napoleon, which listens with the default priority 500.
    app.connect("autodoc-process-docstring", _no_inline_attribute_type, priority=400)
    app.connect("autodoc-process-docstring", _reexported_constant_doc)
    app.connect("autodoc-process-docstring", _absolute_doc_links)
    app.connect("doctree-read", _shorten_values)
    app.connect("missing-reference", _unlinked_lagom_names)
