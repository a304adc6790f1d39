"""``python -m lagom``: the ``lagom`` command (see :mod:`lagom.cli`)."""

from __future__ import annotations

import sys

from lagom.cli import main

if __name__ == "__main__":
    sys.exit(main())
