"""Backfill customers over real HTTP: the engine against ``spmkit serve`` in another process.

The same work as :mod:`benchmarks.bench_backfill` (2-field items by default), but
``SpmClient`` talks to the fake over loopback, as it talks to ShopiMind in production:
with httpx's own network transport (``transport="httpx"``, SpmClient's default) or with
aiohttp's, the ``spmkit-shopimind[aiohttp]`` extra (``transport="aiohttp"``:
``SpmClient(..., transport=aiohttp_transport())``). Prints one JSON object: items per
second.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from benchmarks._backfill import KEY, backfill
from benchmarks._common import emit, peak_rss_mib, run_main
from spmkit import SpmClient, aiohttp_transport

TOTAL = 200_000
TARGET_ITEMS_PER_SECOND = 45_000  # the JS kit's SDK against spmkit serve, before the fixes


def start_server() -> tuple[subprocess.Popen[str], str]:
    """``spmkit serve`` on a free port; its process and base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spmkit_testing.cli", "serve", "--port", "0", "--api-key", KEY],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("SPMKIT_FAKE_API="):
        proc.kill()
        raise RuntimeError(f"spmkit serve did not print its base URL (got {line!r})")
    return proc, line.strip().split("=", 1)[1]


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)


def main(total: int = TOTAL, fields: int = 2, transport: str = "httpx") -> dict[str, Any]:
    if transport not in ("httpx", "aiohttp"):
        raise ValueError(f"transport={transport!r}: use 'httpx' or 'aiohttp'")
    proc, base_url = start_server()
    try:
        network = None
        if transport == "aiohttp":
            network = aiohttp_transport()
        result = backfill(total, fields, SpmClient(KEY, base_url=base_url, transport=network))
    finally:
        stop_server(proc)
    return emit({
        "benchmark": "http",
        "parameters": {"items": total, "fields": fields, "chunk_size": 50, "batch_size": 500,
                       "poison_ratio": 0.01, "store": ":memory:", "transport": transport},
        "path": f"run_integration_sync + SpmClient ({transport} network) -> spmkit serve "
                f"(loopback)",
        **result,
        "peak_rss_mib": peak_rss_mib(),
        "target_items_per_second": TARGET_ITEMS_PER_SECOND,
        "meets_target": result["items_per_second"] >= TARGET_ITEMS_PER_SECOND,
    })


if __name__ == "__main__":
    run_main(main)
