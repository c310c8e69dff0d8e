"""One script of pushes, faults and reads through the transport, respx and a real server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
import respx

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind, serve_in_thread
from spmkit_testing.faults import (
    connect_error,
    connection_reset,
    failed_chunk,
    latency,
    poison,
    rate_limited,
    refused_chunk,
    status,
    token_bucket,
)

from .conftest import KEY, T0, customer

H = {"spm-api-key": KEY}
Outcome = tuple[Any, Any]


async def _send(c: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Outcome:
    try:
        r = await c.request(method, path, headers=kw.pop("headers", H), **kw)
    except httpx.TransportError:
        return ("network error", None)
    if r.headers.get("content-type") != "application/json":
        return (r.status_code, (r.headers.get("content-type"), r.text))
    return (r.status_code, r.json())


async def script(c: httpx.AsyncClient, fake: FakeShopimind) -> list[Outcome]:
    out = [await _send(c, "POST", "/v1/data-sources", json={"label": "Shop"})]
    items = [customer(1, id_data_source=1), customer(2, email="nope"), customer(3)]
    out.append(await _send(c, "POST", "/v1/customers", json=items))
    for fault, path, body in [
        (status(503, resource="customers", calls=1), "/v1/customers", [customer(4)]),
        (failed_chunk(), "/v1/customers", [customer(5)]),
        (poison(predicate=lambda i: i["customer_id"] == "c6"), "/v1/customers",
         [customer(6), customer(7)]),
        (refused_chunk(resource="orders"), "/v1/orders", [{"order_id": "o1"}]),
        (connect_error(path="events"), "/v1/events", {"name": "A", "code_name": "a"}),
        (rate_limited("12s", method="POST"), "/v1/orders", []),
        (status(502, body="html", path="events"), "/v1/events", {"name": "A", "code_name": "a"}),
        (connection_reset(resource="customers"), "/v1/customers", [customer(8)]),
    ]:  # fmt: skip
        handle = fake.add_fault(fault)
        out.append(await _send(c, "POST", path, json=body))
        fake.remove_fault(handle)
    out.append(await _send(c, "POST", "/v1/events", json={"name": "A", "code_name": "a"}))
    out.append(await _send(c, "POST", "/v1/events/trigger/a", json={"metaData": {"x": 1}}))
    definition = {"name": "loyalty", "fields": [{"name": "card", "type": "text"}]}
    out.append(await _send(c, "POST", "/v1/custom-data-definitions", json=definition))
    out.append(await _send(c, "POST", "/v1/custom-data-records/1", json=[{"id": 1, "card": "A"}]))
    bucket = fake.add_fault(token_bucket(1, refill_per_second=0.01))
    out.append(await _send(c, "GET", "/v1/events"))
    out.append(await _send(c, "GET", "/v1/events"))
    assert fake.remove_fault(bucket) is True
    out.append(await _send(c, "POST", "/v1/customers", content=b"[{oops"))
    out.append(await _send(c, "GET", "/v1/nowhere"))
    out.append(await _send(c, "PATCH", "/v1/customers"))
    out.append(await _send(c, "GET", "/v1/customers", headers={"spm-api-key": "wrong"}))
    out.append(await _send(c, "GET", "/v1/customers?limit=10"))
    fake.add_fault(latency("5s"))
    out.append(await _send(c, "GET", "/v1/data-sources"))
    return out


@asynccontextmanager
async def via_transport(fake: FakeShopimind) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as c:
        yield c


@asynccontextmanager
async def via_respx(fake: FakeShopimind) -> AsyncIterator[httpx.AsyncClient]:
    router = respx.Router(assert_all_called=False)
    fake.mount(router, base_url="https://core.shopimind.com/")
    transport = httpx.MockTransport(router.async_handler)
    async with httpx.AsyncClient(transport=transport, base_url="https://core.shopimind.com") as c:
        yield c


@asynccontextmanager
async def via_server(fake: FakeShopimind) -> AsyncIterator[httpx.AsyncClient]:
    with serve_in_thread(fake) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as c:
            yield c


Way = Callable[[FakeShopimind], AbstractAsyncContextManager[httpx.AsyncClient]]


def play(way: Way) -> tuple[FakeShopimind, list[Outcome]]:
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY, seed=3)

    async def main() -> list[Outcome]:
        async with way(fake) as c:
            return await script(c, fake)

    return fake, asyncio.run(main())


@pytest.mark.slow
def test_the_three_ways_in_give_the_same_answers_state_and_journal() -> None:
    ways: list[tuple[str, Way]] = [
        ("transport", via_transport),
        ("respx", via_respx),
        ("server", via_server),
    ]
    results = {name: play(way) for name, way in ways}
    base_fake, base_out = results["transport"]
    statuses = [code for code, _ in base_out]
    assert statuses == [201, 200, 503, 200, 200, 422, "network error", 429, 502, "network error",
                        201, 201, 201, 200, 200, 429, 400, 404, 405, 401, 200, 200]  # fmt: skip
    assert base_out[8][1][0] == "text/html" and base_out[8][1][1].startswith("<html>")
    assert sorted(base_fake.records("customers")) == ["c1", "c3", "c7"]
    for name in ("respx", "server"):
        fake, out = results[name]
        assert out == base_out, name
        assert fake.snapshot() == base_fake.snapshot(), name
        assert [e.without_timing() for e in fake.journal] == [
            e.without_timing() for e in base_fake.journal
        ], name
        assert [e.delay for e in fake.journal] == [e.delay for e in base_fake.journal]
