"""Backfill 200,000 customers through ``FakeShopimind.transport()`` in chunks of 50.

1 % of the items are poisoned (a poison fault rule rejects them). Prints one JSON
object with the throughput in items per second.

Note: ``spmkit.SpmClient`` was not available when this was written; the push goes
through a raw ``httpx.AsyncClient`` on the fake's transport (what SpmClient wraps).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind, FaultRule

TOTAL = 200_000
CHUNK = 50
KEY = "bench-key"


def _items() -> list[dict[str, Any]]:
    return [
        {
            "customer_id": f"c{i}",
            "email": f"user{i}@poison.test" if i % 100 == 0 else f"user{i}@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "is_active": True,
            "lang": "fr",
            "updated_at": "2026-03-01T10:00:00Z",
            "id_data_source": 1,
        }
        for i in range(TOTAL)
    ]


async def _push(fake: FakeShopimind, items: list[dict[str, Any]]) -> dict[str, int]:
    totals = {"sent": 0, "rejected": 0, "failed": 0}
    headers = {"spm-api-key": KEY, "content-type": "application/json"}
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as client:
        for start in range(0, len(items), CHUNK):
            body = dumps(items[start : start + CHUNK]).encode()
            response = await client.post("/v1/customers", content=body, headers=headers)
            data = json.loads(response.content)
            totals["sent"] += data["sent_count"]
            totals["rejected"] += data["rejected_count"]
            totals["failed"] += data["failed_count"]
    return totals


def main() -> dict[str, Any]:
    items = _items()
    fake = FakeShopimind(clock=SimClock(datetime(2026, 3, 1, tzinfo=UTC)), api_key=KEY)
    fake.add_fault(
        FaultRule.poison(lambda item: item["email"].endswith("@poison.test"), reason="poison")
    )
    started = time.perf_counter()
    totals = asyncio.run(_push(fake, items))
    elapsed = time.perf_counter() - started
    result = {
        "benchmark": "fake_backfill",
        "items": TOTAL,
        "chunk_size": CHUNK,
        "requests": TOTAL // CHUNK,
        "sent": totals["sent"],
        "rejected": totals["rejected"],
        "failed": totals["failed"],
        "stored": len(fake.state.records("customers")),
        "seconds": round(elapsed, 3),
        "items_per_second": round(TOTAL / elapsed),
        "client": "httpx.AsyncClient (SpmClient not available yet)",
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
