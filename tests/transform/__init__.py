"""Tests for ``lagom.transform``."""
