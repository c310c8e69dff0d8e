"""The engine holds the cursor on every transport failure variant, end to end through the fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spmkit_testing import Simulation, World
from spmkit_testing.faults import (
    connect_error,
    failed_chunk,
    rate_limited,
    read_timeout,
    refused_chunk,
    status,
)


def world(**kwargs: object) -> Simulation:
    sim = Simulation(World(seed=2, **kwargs))  # type: ignore[arg-type]
    customers = sim.source("customers")
    for i in range(60):
        customers.put(f"c{i:02}", {"email": f"u{i}@example.com"},
                      updated_at=sim.clock.now() - timedelta(minutes=120 - i))
    return sim


VARIANTS = {
    "503": (status(503, resource="customers"), "HTTP_503"),
    "network error": (connect_error(resource="customers"), "ECONNREFUSED"),
    "read timeout": (read_timeout(resource="customers"), "ETIMEDOUT"),
    "429 forever": (rate_limited("5s", resource="customers"), "HTTP_429"),
    "failed_count on a 200": (failed_chunk(resource="customers", calls=2),
                              "failed_count=10"),
    "whole chunk 4xx": (refused_chunk(status=422, resource="customers", calls=1),
                        "refused a whole chunk"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cursor_holds_on_every_transport_failure(variant: str) -> None:
    rule, needle = VARIANTS[variant]
    sim = world(tolerate_rejects=True)  # transport failures are never tolerated
    sim.fake.add_fault(rule)
    summary = sim.tick()
    assert summary is not None
    step = summary.step("customers")
    assert step.advanced is False and sim.cursor("customers") is None
    assert needle in " ".join(step.errors)
    sim.fake.clear_faults()
    sim.advance(timedelta(minutes=2))
    sim.tick()
    assert len(sim.fake.records("customers")) == 60
    assert sim.cursor("customers") == sim.clock.now()


def test_whole_chunk_refusal_names_resource_and_item_keys() -> None:
    sim = world()
    sim.fake.add_fault(refused_chunk(status=422, resource="customers", calls=1,
                                               message="one item is malformed"))
    summary = sim.tick()
    assert summary is not None
    error = summary.step("customers").errors[0]
    assert "customers: the API refused a whole chunk of 50 item(s) with HTTP 422" in error
    assert "one item is malformed" in error and "c00, c01" in error and "c49" in error
    # the chunk after the refused one still went through
    assert set(sim.fake.records("customers")) == {f"c{i:02}" for i in range(50, 60)}


def test_rejected_items_are_dead_lettered_with_the_api_reason() -> None:
    sim = Simulation(World(seed=4))
    customers = sim.source("customers")
    customers.put("good", {"email": "good@example.com"},
                  updated_at=sim.clock.now() - timedelta(minutes=5))
    customers.put("bad", {"email": "not-an-email"},
                  updated_at=sim.clock.now() - timedelta(minutes=5))
    summary = sim.tick()
    assert summary is not None and summary.step("customers").advanced is False
    rows = sim.db.list_rejected(entity="customers")
    assert [(r.item_key, r.payload["email"]) for r in rows] == [("bad", "not-an-email")]
    assert "email" in rows[0].reason
    assert "good" in sim.fake.records("customers")


def test_a_rejected_item_without_a_key_is_traced_back_to_its_payload() -> None:
    import json

    import httpx

    from spmkit import SpmClient
    from spmkit._push import outcome_from_envelope
    from spmkit_testing import SimClock

    def api(request: httpx.Request) -> httpx.Response:
        chunk = json.loads(request.content)
        bad = [i for i, item in enumerate(chunk) if not item.get("customer_id")]
        return httpx.Response(200, json={
            "sent_count": len(chunk) - len(bad), "rejected_count": len(bad), "failed_count": 0,
            "rejected_items": [{"key": None, "index": i, "reason": "customer_id is required"}
                               for i in bad]})

    items = [{"customer_id": f"c{i}", "email": f"u{i}@example.com"} for i in range(55)]
    items[52] = {"customer_id": "", "email": "nokey@example.com"}  # second chunk, index 2
    clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC))

    async def push() -> object:
        async with SpmClient("k", transport=httpx.MockTransport(api), clock=clock) as client:
            envelope = await client.bulk_save("customers", items)
        return outcome_from_envelope("customers", items, envelope, natural_key="customer_id")

    outcome = clock.run(push())
    [rejected] = outcome.rejected_items  # type: ignore[attr-defined]
    assert rejected.key is None and rejected.reason == "customer_id is required"
    assert rejected.payload["email"] == "nokey@example.com"
