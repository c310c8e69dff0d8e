from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from spmkit import InvalidArgument
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind
from spmkit_testing.faults import (
    Fault,
    connect_error,
    connection_reset,
    failed_chunk,
    latency,
    poison,
    rate_limited,
    read_timeout,
    refused_chunk,
    status,
    token_bucket,
)

from .conftest import KEY, T0, customer

H = {"spm-api-key": KEY}
Call = Callable[[httpx.AsyncClient], Awaitable[Any]]


def run(fake: FakeShopimind, call: Call) -> Any:
    async def main() -> Any:
        async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as c:
            return await call(c)

    return asyncio.run(main())


def post(fake: FakeShopimind, path: str, body: Any, headers: dict[str, str] = H) -> httpx.Response:
    return run(fake, lambda c: c.post(path, json=body, headers=headers))  # type: ignore[no-any-return]


def test_bulk_write_answers_counts_at_the_top_level(fake: FakeShopimind) -> None:
    r = post(fake, "/v1/customers", [customer(1), customer(2, email="bad")])
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in ("sent_count", "rejected_count", "failed_count")} == {
        "sent_count": 1,
        "rejected_count": 1,
        "failed_count": 0,
    }
    assert body["rejected_items"][0]["key"] == "c2"
    assert list(fake.records("customers")) == ["c1"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing spm-api-key header: send your ShopiMind API key in the spm-api-key header."),
        ({"spm-api-key": "nope"}, "Invalid API key in the spm-api-key header: use the key"),
    ],
)
def test_missing_or_wrong_key_is_401(
    fake: FakeShopimind, headers: dict[str, str], message: str
) -> None:
    r = post(fake, "/v1/customers", [customer(1)], headers)
    assert r.status_code == 401
    assert r.json()["statusCode"] == 401 and r.json()["message"].startswith(message)
    assert fake.records("customers") == {}


def test_reads_and_creates_answer_status_code_and_data(fake: FakeShopimind) -> None:
    created = post(fake, "/v1/data-sources", {"label": "Shop"})
    assert created.status_code == 201
    assert created.json()["statusCode"] == 201 and created.json()["data"]["id_data_source"] == 1
    listed = run(fake, lambda c: c.get("/v1/data-sources", headers=H))
    assert listed.json() == {"statusCode": 200, "data": fake.data_sources()}
    updated = run(fake, lambda c: c.put("/v1/data-sources/1", json={"label": "S"}, headers=H))
    assert updated.json()["data"]["label"] == "S"


@pytest.mark.parametrize(
    ("method", "path", "content", "status", "message"),
    [
        ("POST", "/v1/customers", b"[{", 400, "The body is not valid JSON (Expecting property"),
        ("POST", "/v1/customers", b'{"a": 1}', 400, "POST/PUT /v1/customers expects a JSON array"),
        ("POST", "/v1/customers", b"[NaN]", 400, "The body contains NaN, which is not JSON"),
        ("POST", "/v1/customers", b"\xff\xfe\xfa", 400, "The body is not UTF-8 text"),
        ("GET", "/v1/clients", b"", 404, "No route GET /v1/clients in the fake ShopiMind API."),
        ("GET", "/v2/customers", b"", 404, "No route /v2/customers: the fake ShopiMind API"),
        ("DELETE", "/v1/customers", b"", 405, "DELETE is not allowed on /v1/customers; allowed:"),
        ("GET", "/v1/customers?limit=x", b"", 400, "Query parameter limit must be a whole number"),
    ],
)
def test_malformed_requests_get_a_4xx_naming_the_problem(
    fake: FakeShopimind, method: str, path: str, content: bytes, status: int, message: str
) -> None:
    r = run(fake, lambda c: c.request(method, path, content=content, headers=H))
    assert r.status_code == status
    assert r.json()["message"].startswith(message)


def test_oversize_batch_is_413_naming_the_limit(fake: FakeShopimind) -> None:
    r = post(fake, "/v1/custom-data-records/1", [{"id": i} for i in range(21)])
    assert r.status_code == 404  # no definition yet: the id is checked first
    post(
        fake,
        "/v1/custom-data-definitions",
        {"name": "d", "fields": [{"name": "x", "type": "text"}]},
    )
    r = post(fake, "/v1/custom-data-records/1", [{"id": i} for i in range(21)])
    assert r.status_code == 413 and "limit of 20 per request" in r.json()["message"]


def test_status_fault_on_calls_two_to_three(fake: FakeShopimind) -> None:
    fake.add_fault(status(503, resource="customers", calls=(2, 3)))
    statuses = [post(fake, "/v1/customers", [customer(i)]).status_code for i in range(4)]
    assert statuses == [200, 503, 503, 200]
    assert sorted(fake.records("customers")) == ["c0", "c3"]
    assert fake.journal[1].fault == "status(503, resource='customers', calls=(2, 3))"


def test_rate_limited_fault_sends_retry_after(fake: FakeShopimind) -> None:
    fake.add_fault(rate_limited("29.2s", calls=1))
    r = post(fake, "/v1/customers", [customer(1)])
    assert (r.status_code, r.headers["retry-after"]) == (429, "30")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (connect_error(), httpx.ConnectError),
        (read_timeout(), httpx.ReadTimeout),
        (connection_reset(), httpx.ReadError),
    ],
)
def test_network_faults_raise_from_the_transport_with_the_request(
    fake: FakeShopimind, fault: Fault, error: type[httpx.TransportError]
) -> None:
    fake.add_fault(fault)
    with pytest.raises(error) as excinfo:
        post(fake, "/v1/customers", [customer(1)])
    assert excinfo.value.request.url.path == "/v1/customers"
    assert fake.records("customers") == {}
    assert fake.journal[0].status == 0


def test_latency_is_awaited_on_the_simulated_clock(fake: FakeShopimind, clock: SimClock) -> None:
    fake.add_fault(latency("90s"))
    assert post(fake, "/v1/customers", [customer(1)]).status_code == 200
    assert clock.now() == T0 + timedelta(seconds=90)
    assert fake.journal[0].delay == 90 and fake.journal[0].at == clock.now()


def test_failed_chunk_counts_the_whole_batch_and_stores_nothing(fake: FakeShopimind) -> None:
    fake.add_fault(failed_chunk(resource="customers"))
    r = post(fake, "/v1/customers", [customer(1), customer(2)])
    assert r.status_code == 200 and r.json()["failed_count"] == 2
    assert fake.records("customers") == {}


def test_refused_chunk_is_a_4xx_and_stores_nothing(fake: FakeShopimind) -> None:
    fake.add_fault(refused_chunk(resource="customers"))
    r = post(fake, "/v1/customers", [customer(1)])
    assert r.status_code == 422
    assert r.json()["message"].startswith("The whole batch of 1 customers items was refused")
    assert fake.records("customers") == {}
    assert run(fake, lambda c: c.get("/v1/customers", headers=H)).status_code == 200


def test_poison_rejects_matching_items_inside_a_2xx(fake: FakeShopimind) -> None:
    fake.add_fault(poison(predicate=lambda i: i.get("customer_id") == "c2", reason="poison!"))
    r = post(fake, "/v1/customers", [customer(1), customer(2)])
    assert r.json()["rejected_items"] == [{"key": "c2", "index": 1, "reason": "poison!"}]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (poison("email", value="user2@example.com"),
         "poisoned item: email = 'user2@example.com' (a fault of the scenario)"),
        (poison("email", regex=r"^user2@"),
         "poisoned item: email matches '^user2@' (a fault of the scenario)"),
        (poison(keys=["c2"]), "poisoned record (a fault of the scenario)"),
        (poison(keys=["c2"], reason="poison!"), "poison!"),
    ],
)  # fmt: skip
def test_poison_data_forms_reject_matching_items_inside_a_2xx(
    fake: FakeShopimind, fault: Fault, reason: str
) -> None:
    fake.add_fault(fault)
    r = post(fake, "/v1/customers", [customer(1), customer(2)])
    assert r.status_code == 200
    assert r.json()["rejected_items"] == [{"key": "c2", "index": 1, "reason": reason}]
    assert list(fake.records("customers")) == ["c1"]
    assert fake.journal[0].fault == repr(fault)


def test_faults_added_and_removed_while_running(fake: FakeShopimind) -> None:
    async def script(c: httpx.AsyncClient) -> list[int]:
        out = [(await c.get("/v1/events", headers=H)).status_code]
        handle = fake.add_fault(status(500, path="events"))
        out.append((await c.get("/v1/events", headers=H)).status_code)
        fake.remove_fault(handle)
        out.append((await c.get("/v1/events", headers=H)).status_code)
        return out

    assert run(fake, script) == [200, 500, 200]


def test_rate_limit_on_the_simulated_clock(fake: FakeShopimind, clock: SimClock) -> None:
    fake.add_fault(token_bucket(2, refill_per_second=0.1))
    statuses = [post(fake, "/v1/customers", [customer(i)]) for i in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[2].headers["retry-after"] == "10"
    clock.advance(timedelta(seconds=10))
    assert post(fake, "/v1/customers", [customer(9)]).status_code == 200


def test_journal_records_bodies_and_simulated_time(fake: FakeShopimind, clock: SimClock) -> None:
    clock.advance(timedelta(hours=1))
    post(fake, "/v1/events", {"name": "Shipped", "code_name": "shipped"})
    (entry,) = fake.journal
    assert (entry.seq, entry.at, entry.method, entry.path, entry.status) == (
        1,
        T0 + timedelta(hours=1),
        "POST",
        "/v1/events",
        201,
    )
    assert entry.request_body == {"name": "Shipped", "code_name": "shipped"}
    assert entry.response_body["data"]["code_name"] == "shipped"


def test_sync_client_uses_the_same_transport(fake: FakeShopimind) -> None:
    with httpx.Client(transport=fake.transport(), base_url="http://fake") as c:
        r = c.post("/v1/orders", json=[{"order_id": "o1", "amount": 10}], headers=H)
    assert r.json()["sent_count"] == 1 and list(fake.records("orders")) == ["o1"]


def test_events_trigger_and_custom_data_through_the_wire(fake: FakeShopimind) -> None:
    post(fake, "/v1/events", {"name": "Shipped", "code_name": "shipped"})
    assert post(fake, "/v1/events/trigger/shipped", {"metaData": {"a": 1}}).status_code == 201
    assert post(fake, "/v1/events/trigger/unknown", {}).status_code == 404
    assert len(fake.event_triggers()) == 1


def test_a_bounded_journal_keeps_the_newest_entries_and_counts_every_request() -> None:
    fake = FakeShopimind(clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)), api_key="k")
    fake.journal_limit = 3
    with httpx.Client(transport=fake.transport(), base_url="https://x") as http:
        for _ in range(7):
            http.get("/v1/data-sources", headers={"spm-api-key": "k"})
    assert fake.journal_length == 7
    assert [e.seq for e in fake.journal] == [5, 6, 7]
    fake.reset()
    assert (fake.journal_limit, fake.journal_length) == (3, 0)
    with pytest.raises(InvalidArgument, match="journal_limit=0 must be an int >= 1"):
        fake.journal_limit = 0
