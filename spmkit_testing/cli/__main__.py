"""``python -m spmkit_testing.cli``: the ``spmkit`` command."""

from __future__ import annotations

import sys

from spmkit_testing.cli import main

if __name__ == "__main__":
    sys.exit(main())
