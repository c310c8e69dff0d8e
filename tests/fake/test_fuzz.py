"""Hostile requests through the transport: never a 5xx, never an exception, state intact."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind

from .conftest import KEY, T0, customer

PATHS = [
    "/v1/customers", "/v1/orders", "/v1/products", "/v1/customers/addresses/bulk",
    "/v1/newsletter-subscribers", "/v1/custom-data-records/1", "/v1/custom-data-records/999",
    "/v1/data-sources", "/v1/data-sources/1", "/v1/data-sources/abc", "/v1/events",
    "/v1/events/trigger/shipped", "/v1/events/trigger/%00", "/v1/custom-data-definitions",
    "/v1/custom-data-definitions/1/extend", "/v1/custom-data-definitions/1/activate",
    "/v1/", "/", "/v2/customers", "/v1/customers/../orders",
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
hostile_items = st.one_of(
    st.builds(customer, st.integers(0, 5)),
    st.dictionaries(
        st.sampled_from(["customer_id", "email", "updated_at", "amount", "price", "id", "card",
                         "label", "name", "code_name", "fields", "x\u0000", "é"]),
        json_values, max_size=6,
    ),
    json_values,
)  # fmt: skip
bodies = st.one_of(
    st.lists(hostile_items, max_size=8).map(lambda v: json.dumps(v).encode()),
    st.lists(st.builds(customer, st.integers()), min_size=49, max_size=70).map(
        lambda v: json.dumps(v).encode()
    ),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
    st.text(max_size=64).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"[" * 5000, b'"' + b"x" * 300_000 + b'"', b"[NaN]", b"{", b"\xff"]),
)
requests = st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    st.one_of(
        st.sampled_from(PATHS), st.text(max_size=40).map(lambda t: "/v1/" + quote(t, safe="/?&=%"))
    ),
    st.sampled_from([{"spm-api-key": KEY}, {}, {"spm-api-key": "bad"}]),
    bodies,
)

SENT = {"count": 0}


def seeded_fake() -> FakeShopimind:
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    fake.state.bulk_upsert("customers", [customer(1)])
    fake.state.create_data_source({"label": "Shop"})
    fake.state.create_custom_data_definition(
        {"name": "d", "fields": [{"name": "card", "type": "text"}]}
    )
    fake.state.create_event({"name": "Shipped", "code_name": "shipped"})
    return fake


async def send_all(
    fake: FakeShopimind, batch: list[tuple[str, str, dict[str, str], bytes]]
) -> None:
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as client:
        for method, path, headers, content in batch:
            before = fake.snapshot()
            try:
                request = client.build_request(method, path, headers=headers, content=content)
            except (httpx.InvalidURL, UnicodeEncodeError):
                continue  # httpx itself refuses it: nothing reaches the fake
            response = await client.send(request)
            SENT["count"] += 1
            assert 200 <= response.status_code < 500, (method, path, response.text)
            body: Any = response.json()
            if response.status_code >= 400:
                assert body["statusCode"] == response.status_code
                assert isinstance(body["message"], str) and len(body["message"]) > 20
                assert fake.snapshot() == before, (method, path)


@pytest.mark.slow
def test_hostile_requests_never_crash_the_fake() -> None:
    SENT["count"] = 0

    @settings(max_examples=560)
    @given(st.lists(requests, min_size=4, max_size=4))
    def check(batch: list[tuple[str, str, dict[str, str], bytes]]) -> None:
        asyncio.run(send_all(seeded_fake(), batch))

    check()
    assert SENT["count"] >= 2000
