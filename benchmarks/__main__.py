"""Run every ``benchmarks/bench_*.py`` module's ``main()``, in name order.

Usage: ``python -m benchmarks``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if not names:
        print("No benchmarks/bench_*.py module found.", file=sys.stderr)
        return 1
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
