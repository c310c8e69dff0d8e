"""One script of pushes, faults and reads through the transport, respx and a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
import respx

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind, serve_in_thread
from spmkit_testing.fake._exchange import MAX_BODY_BYTES
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
from .threeways import WAYS, request, three_ways

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


WRONG_KEY = ("Invalid API key in the spm-api-key header: use the key the fake was started with "
             "(FakeShopimind(api_key=...) or spmkit serve --api-key).")
SENT_TWICE = ("The spm-api-key header holds several values (it was sent more than once, or its "
              "value has a comma): send it once, with the key the fake was started with "
              "(FakeShopimind(api_key=...) or spmkit serve --api-key).")


@pytest.mark.slow
@pytest.mark.parametrize(("values", "status", "message"), [
    ([KEY], 200, None),
    ([f" {KEY} "], 200, None),
    ([f"\t{KEY}  "], 200, None),
    ([KEY, KEY], 401, SENT_TWICE),
    ([KEY, "bad"], 401, SENT_TWICE),
    (["bad", KEY], 401, SENT_TWICE),
    ([f" {KEY} ", f"{KEY} "], 401, SENT_TWICE),
    ([f"{KEY}, {KEY}"], 401, SENT_TWICE),
    ([""], 401, WRONG_KEY),
    ([" "], 401, WRONG_KEY),
    ([KEY.upper()], 401, WRONG_KEY),
    ([], 401, "Missing spm-api-key header: send your ShopiMind API key in the spm-api-key "
              "header."),
])  # fmt: skip
def test_the_three_ways_read_the_spm_api_key_header_alike(
    values: list[str], status: int, message: str | None
) -> None:
    headers = [("Spm-Api-Key" if i % 2 else "spm-api-key", v) for i, v in enumerate(values)]
    with three_ways() as ways:
        answers = ways.send(request("POST", "/v1/data-sources", headers, b'{"label": "S"}'))
        statuses = {way: a.status for way, a in answers.items()}
        assert statuses == {way: (201 if status == 200 else status) for way in WAYS}
        if message is not None:
            assert {json.loads(a.body)["message"] for a in answers.values()} == {message}
        snapshots = ways.snapshots()
        assert snapshots["respx"] == snapshots["server"] == snapshots["transport"]


@pytest.mark.slow
def test_a_body_over_the_cap_is_413_on_every_way_in_and_one_at_the_cap_is_read() -> None:
    over = b"[" + b" " * MAX_BODY_BYTES + b"]"
    at_cap = b"[" + b" " * (MAX_BODY_BYTES - 2) + b"]"
    with three_ways() as ways:
        answers = ways.send(request("POST", "/v1/customers", [("spm-api-key", KEY)], over))
        assert {way: a.status for way, a in answers.items()} == dict.fromkeys(WAYS, 413)
        assert {json.loads(a.body)["message"] for a in answers.values()} == {
            f"The body has {MAX_BODY_BYTES + 2} bytes, above the limit of {MAX_BODY_BYTES}; "
            f"send smaller batches."
        }
        answers = ways.send(request("POST", "/v1/customers", [("spm-api-key", KEY)], at_cap))
        assert {way: a.status for way, a in answers.items()} == dict.fromkeys(WAYS, 200)
        journals = ways.journals()
        assert journals["respx"] == journals["server"] == journals["transport"]


@pytest.mark.slow
@pytest.mark.parametrize(("code_name", "path", "status"), [
    ("a b", "/v1/events/trigger/a%20b", 201),
    ("é", "/v1/events/trigger/%C3%A9", 201),
    ("a/b", "/v1/events/trigger/a%2Fb", 404),  # decoded, the path has one more segment
])  # fmt: skip
def test_a_percent_encoded_path_parameter_is_read_decoded_on_every_way_in(
    code_name: str, path: str, status: int
) -> None:
    def seed(fake: FakeShopimind) -> None:
        fake.state.create_event({"name": "E", "code_name": code_name})

    with three_ways(seed) as ways:
        answers = ways.send(request("POST", path, [("spm-api-key", KEY)], b"{}"))
        assert {way: a.status for way, a in answers.items()} == dict.fromkeys(WAYS, status)
        journals = ways.journals()
        assert journals["respx"] == journals["server"] == journals["transport"]
