"""Sphinx configuration for the lagom documentation."""

from __future__ import annotations

import os
import sys

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
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# Attributes sections become :ivar: fields, so attrs fields that autodoc also documents as
# members are not described twice.
napoleon_use_ivar = True
nitpicky = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
