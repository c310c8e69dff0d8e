"""Backfill customers in process: the engine into ``FakeShopimind.transport()``.

200,000 customers by default, 2-field items (the JS kit benchmark's) or 8-field ones
(``fields=8``); see :mod:`benchmarks._backfill` for the work. ``client="scripted"`` pushes
into :class:`benchmarks._scripted_api.ScriptedCustomers` instead, the JS benchmark's
in-process client (no HTTP, no JSON, a handler per chunk). Prints one JSON object:
items per second and the process's peak RSS.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from benchmarks._backfill import KEY, backfill
from benchmarks._common import emit, peak_rss_mib, run_main
from benchmarks._scripted_api import ScriptedCustomers
from spmkit import SpmClient
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind

TOTAL = 200_000
BASE_URL = "https://api.shopimind.test"
TARGET_ITEMS_PER_SECOND = 230_000


def main(total: int = TOTAL, fields: int = 2, client: str = "fake") -> dict[str, Any]:
    if client == "scripted":
        scripted = ScriptedCustomers()
        result = backfill(total, fields, scripted)
        stored = len(scripted.stored)
        path = "run_integration_sync + define_bulk_step -> ScriptedCustomers (no HTTP)"
    elif client == "fake":
        fake = FakeShopimind(clock=SimClock(datetime(2026, 3, 1, tzinfo=UTC)), api_key=KEY)
        result = backfill(total, fields,
                          SpmClient(KEY, base_url=BASE_URL, transport=fake.transport()))
        stored = fake.state.count("customers")
        path = "run_integration_sync + define_bulk_step + SpmClient -> FakeShopimind.transport()"
    else:
        raise ValueError(f"client={client!r}: use 'fake' or 'scripted'")
    return emit({
        "benchmark": "backfill",
        "parameters": {"items": total, "fields": fields, "chunk_size": 50, "batch_size": 500,
                       "poison_ratio": 0.01, "store": ":memory:", "client": client},
        "path": path,
        **result,
        "stored": stored,
        "peak_rss_mib": peak_rss_mib(),
        "target_items_per_second": TARGET_ITEMS_PER_SECOND,
        "meets_target": result["items_per_second"] >= TARGET_ITEMS_PER_SECOND,
    })


if __name__ == "__main__":
    run_main(main)
