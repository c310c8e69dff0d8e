"""Backfill 200,000 customers through ``SpmClient`` on ``FakeShopimind.transport()``.

Chunks of 50 (the client chunks by the API's batch limit), 1 % of the items
poisoned by a ``poison(...)`` fault. Prints one JSON object with the throughput in
items per second. The official JS kit does about 150,000 items/s here.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks._common import emit
from spmkit import SpmClient
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind
from spmkit_testing.faults import poison

TOTAL = 200_000
CHUNK = 50
TARGET_ITEMS_PER_SECOND = 230_000
KEY = "bench-key"
BASE_URL = "https://api.shopimind.test"


def _items(total: int) -> list[dict[str, Any]]:
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
        for i in range(total)
    ]


def _is_poisoned(item: dict[str, Any]) -> bool:
    return str(item.get("email", "")).endswith("@poison.test")


async def _push(client: SpmClient, items: list[dict[str, Any]]) -> dict[str, int]:
    envelope = await client.bulk_save("customers", items)
    data = envelope.data
    return {
        "ok": int(envelope.ok),
        "sent": data.sent_count,
        "rejected": data.rejected_count,
        "failed": data.failed_count,
        "chunks": len(data.chunks),
    }


async def _run(client: SpmClient, items: list[dict[str, Any]]) -> dict[str, int]:
    try:
        return await _push(client, items)
    finally:
        await client.aclose()


def _per_chunk_us(seconds: float, chunks: int) -> float:
    return round(seconds / max(1, chunks) * 1e6, 1)


async def _breakdown(items: list[dict[str, Any]], chunks: int) -> dict[str, float]:
    """Where one 50-item chunk's time goes, each part measured alone."""
    import json

    import httpx

    parts = [items[i * CHUNK:(i + 1) * CHUNK] for i in range(chunks)]
    started = time.perf_counter()
    bodies = [json.dumps(part).encode() for part in parts]
    encode = time.perf_counter() - started

    started = time.perf_counter()
    for body in bodies:
        json.loads(body)
    decode = time.perf_counter() - started

    canned = json.dumps({"sent_count": CHUNK, "rejected_count": 0, "failed_count": 0,
                         "rejected_items": []}).encode()
    echo = httpx.MockTransport(lambda request: httpx.Response(
        200, content=canned, headers={"content-type": "application/json"}))
    async with httpx.AsyncClient(base_url=BASE_URL, transport=echo) as http:
        started = time.perf_counter()
        for body in bodies:
            response = await http.post("/v1/customers", content=body)
            response.json()
        httpx_client = time.perf_counter() - started

    clock = SimClock(datetime(2026, 3, 1, tzinfo=UTC))
    fake = FakeShopimind(clock=clock, api_key=KEY)
    transport = fake.transport()
    requests = [httpx.Request("POST", f"{BASE_URL}/v1/customers", content=body,
                              headers={"spm-api-key": KEY, "content-type": "application/json"})
                for body in bodies]
    started = time.perf_counter()
    for request in requests:
        await transport.handle_async_request(request)
    fake_only = time.perf_counter() - started
    return {
        "json_encode_us": _per_chunk_us(encode, chunks),
        "json_decode_us": _per_chunk_us(decode, chunks),
        "httpx_client_round_trip_us": _per_chunk_us(httpx_client, chunks),
        "fake_transport_only_us": _per_chunk_us(fake_only, chunks),
    }


def main(total: int = TOTAL) -> dict[str, Any]:
    items = _items(total)
    clock = SimClock(datetime(2026, 3, 1, tzinfo=UTC))
    fake = FakeShopimind(clock=clock, api_key=KEY)
    fake.add_fault(poison(predicate=_is_poisoned, reason="poison"))
    client = SpmClient(KEY, base_url=BASE_URL, transport=fake.transport(), clock=clock)
    started, cpu_started = time.perf_counter(), time.process_time()
    totals = asyncio.run(_run(client, items))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rate = total / elapsed if elapsed > 0 else 0.0
    return emit({
        "benchmark": "fake_backfill",
        "parameters": {"items": total, "chunk_size": CHUNK, "poison_ratio": 0.01},
        "client": "spmkit.SpmClient on FakeShopimind.transport()",
        "ok": bool(totals["ok"]),
        "requests": totals["chunks"],
        "sent": totals["sent"],
        "rejected": totals["rejected"],
        "failed": totals["failed"],
        "stored": len(fake.state.records("customers")),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "items_per_second": round(rate),
        "us_per_chunk": round(elapsed / max(1, totals["chunks"]) * 1e6, 1),
        "target_items_per_second": TARGET_ITEMS_PER_SECOND,
        "meets_target": rate >= TARGET_ITEMS_PER_SECOND,
        "target_us_per_chunk": round(CHUNK / TARGET_ITEMS_PER_SECOND * 1e6, 1),
        "breakdown_per_chunk": asyncio.run(_breakdown(items, min(400, total // CHUNK))),
    })


if __name__ == "__main__":
    main()
