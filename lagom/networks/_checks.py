"""Argument checks shared by the network builders (private)."""

from __future__ import annotations

from lagom._checks import check_int

__all__ = ["check_int"]
