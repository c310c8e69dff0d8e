"""The fake keeps what came over the wire compactly, and gives it back exactly.

Items pushed over the wire are stored as their JSON bytes and the journal keeps each
request's bytes, not the parsed batch (benchmarks/README.md, Memory). Reading them
back must give exactly what was sent, and each read a new value.
"""

from __future__ import annotations

import asyncio
import gc
import math
import tracemalloc
from datetime import datetime
from typing import Any

import httpx

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind

from .conftest import KEY, T0

H = {"spm-api-key": KEY}


def _push(fake: FakeShopimind, batches: list[list[dict[str, Any]]], method: str = "POST") -> None:
    async def main() -> None:
        async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as c:
            for batch in batches:
                answer = await c.request(method, "/v1/customers", json=batch, headers=H)
                assert answer.status_code == 200, answer.text

    asyncio.run(main())


def test_wire_items_read_back_exactly_as_sent() -> None:
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    sent: list[dict[str, Any]] = [
        {"customer_id": "c1", "email": "a@b.co", "first_name": "Zoë 🎉", "group_ids": [1, [2]]},
        {"customer_id": 7, "email": None, "lang": 2**70, "is_active": False},
        {"customer_id": "c3", "email": "c@d.io", "lang": 0.1, "phone_number": -1.5e-300},
    ]
    _push(fake, [sent])
    stored = fake.state.records("customers")
    assert stored == {"c1": sent[0], "7": sent[1], "c3": sent[2]}
    assert type(stored["7"]["lang"]) is int and stored["7"]["lang"] == 2**70
    assert fake.state.record("customers", "c3") == sent[2]
    assert fake.state.list_records("customers", limit=2, offset=1) == sent[1:]
    # Each read is a new value: changing it changes nothing stored.
    stored["c1"]["email"] = "changed@x.io"
    assert fake.state.record("customers", "c1") == sent[0]


def test_a_put_merges_into_an_item_stored_from_the_wire() -> None:
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    _push(fake, [[{"customer_id": "c1", "email": "a@b.co", "lang": "fr"}]])
    _push(fake, [[{"customer_id": "c1", "lang": "en"}]], method="PUT")
    assert fake.state.record("customers", "c1") == {
        "customer_id": "c1", "email": "a@b.co", "lang": "en"}
    fake.state.bulk_upsert("customers", [{"customer_id": "c1", "first_name": "Ada"}], merge=True)
    assert fake.state.record("customers", "c1") == {
        "customer_id": "c1", "email": "a@b.co", "lang": "en", "first_name": "Ada"}


def test_the_journal_gives_the_parsed_body_and_keeps_it_unchanged() -> None:
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    batch = [{"customer_id": "c1", "email": "a@b.co"}]
    _push(fake, [batch])
    entry = fake.journal[-1]
    body = entry.request_body
    assert body == batch
    body.clear()
    assert entry.request_body != []
    assert "request_body=[{" in repr(entry)
    assert entry.without_timing()[4] == entry.request_body


def test_a_backfill_holds_a_few_hundred_bytes_an_item() -> None:
    """Measured, not timed: what 2,000 pushed 8-field customers leave allocated.

    Kept as parsed dicts (shared with the journal's parsed batches) they took about
    670 bytes each (490 now); an orjson output kept as it came holds its 4 KiB buffer.
    """
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    batches = [[{"customer_id": f"c{i}", "email": f"user{i}@example.com", "first_name": "Ada",
                 "last_name": "Lovelace", "is_active": True, "lang": "fr",
                 "updated_at": f"2026-03-01T10:{i % 60:02}:00Z", "id_data_source": 1}
                for i in range(start, start + 50)] for start in range(0, 2000, 50)]
    _push(fake, batches[:1])  # the first push builds the fake's caches
    tracemalloc.start()
    try:
        gc.collect()  # the cycles the clients leave behind are not what the fake keeps
        before = tracemalloc.get_traced_memory()[0]
        _push(fake, batches[1:])
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    per_item = held / 1950
    assert fake.state.count("customers") == 2000
    assert per_item < 580, f"{per_item:.0f} bytes held per pushed item (about 490 expected)"


def test_a_put_over_an_item_given_from_python_keeps_python_values() -> None:
    """Only what the wire parsed is kept as JSON: a merge over an item given from Python
    keeps its values (a NaN, a tuple, a datetime, a set) as they are, and answers 200."""
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    when = datetime(2026, 1, 1)
    fake.state.bulk_upsert("customers", [
        {"customer_id": "a", "group_ids": [math.nan, (1, 2), when, {3}]}])
    _push(fake, [[{"customer_id": "a", "lang": "en"}]], method="PUT")
    stored = fake.state.record("customers", "a")
    assert stored is not None and stored["lang"] == "en"
    groups = stored["group_ids"]
    assert math.isnan(groups[0]) and groups[1:] == [(1, 2), when, {3}]
    kept = [{"customer_id": "b", "group_ids": [(1,)]}]
    fake.state.bulk_upsert("customers", kept, copy=False)
    assert fake.state.record("customers", "b") == {"customer_id": "b", "group_ids": [(1,)]}


def test_journal_entries_are_equal_when_their_bodies_parse_alike() -> None:
    from spmkit_testing.fake import JournalEntry

    def entry(request: Any, is_json: bool) -> JournalEntry:
        return JournalEntry(1, T0, "POST", "/v1/customers", 200, request, {"sent_count": 1},
                            None, 0.0, is_json)

    spaced = entry(b'[ {"customer_id": "c1"} ]', True)
    tight = entry(b'[{"customer_id":"c1"}]', True)
    assert spaced == tight
    by_hand = JournalEntry(1, T0, "POST", "/v1/customers", 200, [{"customer_id": "c1"}],
                           {"sent_count": 1})
    assert by_hand.request_body == [{"customer_id": "c1"}] and by_hand == tight
    assert entry(b'[{"customer_id":"c2"}]', True) != tight
