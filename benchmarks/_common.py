"""Shared helpers of the benchmarks: the machine description and JSON output."""

from __future__ import annotations

import json
import os
import platform
import sys
from typing import Any

__all__ = ["emit", "machine"]


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
    }


def emit(result: dict[str, Any]) -> dict[str, Any]:
    """Print ``result`` (plus the machine) as one JSON line and return it."""
    out = {**result, "machine": machine()}
    print(json.dumps(out), flush=True)
    return out
