"""Shared helpers of the benchmarks: the machine description, peak RSS and JSON output."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["emit", "machine", "peak_rss_mib", "run_main"]


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
    }


def peak_rss_mib() -> float:
    """The peak resident set size of this process so far, in MiB (``ru_maxrss``)."""
    # Linux reports KiB (macOS bytes; the benchmarks run on Linux).
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(result: dict[str, Any]) -> dict[str, Any]:
    """Print ``result`` (plus the machine) as one JSON line and return it."""
    out = {**result, "machine": machine()}
    print(json.dumps(out), flush=True)
    return out


def run_main(main: Callable[..., dict[str, Any]]) -> None:
    """``python -m benchmarks.bench_x '{"total": 1000}'``: ``main(**arguments)``."""
    arguments = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    main(**arguments)
