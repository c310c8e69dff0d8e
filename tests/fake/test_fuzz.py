"""Hostile requests through the three ways in: never a 5xx, strict JSON, one verdict.

Every example resets three fakes (in-process transport, respx routes, a real server on
loopback) to the same seeded state and sends the same short sequence of hostile
requests through each. After every request: no 5xx, every answer strict JSON (no
``NaN``/``Infinity``), every error a ``{"statusCode", "message"}`` body, the same
status on every way in, the same resulting state, and no state change at all when the
request was refused; after every example, the same journal.

``SPMKIT_FUZZ_EXAMPLES`` sets the number of examples (2,000 by default, as in
``make test``); ``make fuzz`` runs the long profile.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spmkit_testing.fake import FakeShopimind

from .conftest import KEY, customer
from .threeways import Answer, ThreeWays, request, three_ways

EXAMPLES = int(os.environ.get("SPMKIT_FUZZ_EXAMPLES", "2000"))

PATHS = [
    "/v1/customers", "/v1/orders", "/v1/products", "/v1/customers/addresses/bulk",
    "/v1/newsletter-subscribers", "/v1/custom-data-records/1", "/v1/custom-data-records/999",
    "/v1/data-sources", "/v1/data-sources/1", "/v1/data-sources/abc", "/v1/events",
    "/v1/events/trigger/shipped", "/v1/events/trigger/%00", "/v1/custom-data-definitions",
    "/v1/custom-data-definitions/1", "/v1/custom-data-definitions/1/extend",
    "/v1/custom-data-definitions/1/activate", "/v1/custom-data-definitions/1/deactivate",
    "/v1/customers?limit=0", "/v1/customers?limit=abc&offset=-1", "/v1/events?limit=1e3",
    "/v1/custom-data-definitions?offset=99999999999", "/v1/events/trigger/a%2Fb",
    "/v1/events/trigger/%C3%A9", "/v1/events/trigger/%ff", "/v1/", "/", "/v2/customers",
    "/v1/customers/../orders", "/v1//customers", "/V1/customers",
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# JSON texts (or near-JSON) put into the holes of the templates below.
fragments = st.one_of(
    json_values.map(json.dumps),
    st.sampled_from([
        "1e400", "-1e400", "1E999", "1e-400", "NaN", "Infinity", "-Infinity", "9" * 4400,
        "-0", '"\\ud800"', '"\\u0000"', "[]", "{}", "null", "true", '"text"', '"card"',
        '["card"]', '{"name": "card"}', '[["card"]]', '"' + "é" * 300 + '"', '"a@b.co"',
        '"2026-03-01T10:00:00Z"', "1", '"shipped"',
    ]),
    st.integers(1, 1200).map(lambda d: "[" * d + "]" * d),
    st.integers(1, 1200).map(lambda d: '{"a":' * d + "1" + "}" * d),
    st.integers(58, 70).map(lambda d: "[" * d + '"x"' + "]" * d),
)
DEFS = "/v1/custom-data-definitions"
EXTEND = "/v1/custom-data-definitions/1/extend"
TEMPLATES = [
    ("POST", DEFS, '{"name": "d2", "fields": [{"name": "f", "type": §}]}'),
    ("POST", DEFS, '{"name": "d3", "fields": [{"name": "f", "type": "text"}], "unique_keys": [§]}'),
    ("POST", DEFS, '{"name": "d4", "fields": [{"name": "f", "type": "text"}], "unique_keys": §}'),
    ("POST", DEFS, '{"name": §, "fields": [{"name": "f", "type": "text"}]}'),
    ("POST", DEFS, '{"name": "d5", "fields": [{"name": "f", "type": "list", "options": §}]}'),
    ("POST", DEFS, '{"name": "d6", "fields": [{"name": "f", "type": "text", "required": §}], '
                   '"relationships": §}'),
    ("POST", DEFS, '{"name": "d7", "fields": §, "description": §}'),
    ("PATCH", EXTEND, '{"fields": [{"name": "g", "type": §}]}'),
    ("PATCH", EXTEND, '{"description": §, "relationships": §}'),
    ("PATCH", EXTEND, '{"fields": §}'),
    ("POST", "/v1/events", '{"name": "E", "code_name": "c", "properties": §}'),
    ("POST", "/v1/events", '{"name": §, "code_name": §}'),
    ("POST", "/v1/events/trigger/shipped", '{"metaData": §, "contact": {"a": §}}'),
    ("POST", "/v1/events/trigger/shipped", '{"customData": §}'),
    ("POST", "/v1/customers", '[{"customer_id": "c9", "group_ids": §}]'),
    ("POST", "/v1/customers", '[{"customer_id": §, "email": "a@b.co"}]'),
    ("PUT", "/v1/customers", '[{"customer_id": "c1", "email": §, "first_name": §}]'),
    ("POST", "/v1/customers", "[§]"),
    ("POST", "/v1/customers", "§"),
    ("POST", "/v1/orders", '[{"order_id": "o1", "amount": §, "customer": §, "products": [§]}]'),
    ("POST", "/v1/products", '[{"product_id": "p1", "category_ids": §, "price": §}]'),
    ("POST", "/v1/custom-data-records/1", '[{"id": §, "card": §}]'),
    ("POST", "/v1/custom-data-records/1", '[{"card": §, "tier": §}]'),
    ("POST", "/v1/data-sources", '{"label": §, "config": §}'),
    ("PUT", "/v1/data-sources/1", '{"parent_id": §, "is_default": §, "type": §}'),
    ("POST", "/v1/data-sources", '{"label": "S", "parent_id": §}'),
]  # fmt: skip
hostile_items = st.one_of(
    st.builds(customer, st.integers(0, 5)),
    st.dictionaries(
        st.sampled_from(["customer_id", "email", "updated_at", "amount", "price", "id", "card",
                         "label", "name", "code_name", "fields", "x\u0000", "é", "group_ids"]),
        json_values, max_size=6,
    ),
    json_values,
)  # fmt: skip
free_bodies = st.one_of(
    st.lists(hostile_items, max_size=8).map(lambda v: json.dumps(v).encode()),
    st.lists(st.builds(customer, st.integers()), min_size=49, max_size=60).map(
        lambda v: json.dumps(v).encode()
    ),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
    st.text(max_size=64).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"[" * 5000, b'"' + b"x" * 300_000 + b'"', b"[NaN]", b"{", b"\xff",
                     b"\xef\xbb\xbf[]", '[{"customer_id": "c1"}]'.encode("utf-16")]),
)  # fmt: skip
# spm-api-key as a client may send it: right, wrong, padded with spaces or tabs, twice.
key_values = st.sampled_from([KEY, KEY, KEY, f" {KEY}", f"{KEY}\t", "bad", "", f"{KEY},{KEY}",
                              KEY.upper()])
hostile_keys = st.lists(st.tuples(st.sampled_from(["spm-api-key", "SPM-API-KEY"]), key_values),
                        min_size=0, max_size=2)  # fmt: skip
good_key = st.just([("spm-api-key", KEY)])
key_headers = st.one_of(good_key, good_key, good_key, hostile_keys)
templated = st.builds(
    lambda t, fragment: (t[0], t[1], t[2].replace("§", fragment).encode()),
    st.sampled_from(TEMPLATES), fragments,
)
free = st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    st.one_of(st.sampled_from(PATHS),
              st.text(max_size=30).map(lambda t: "/v1/" + quote(t, safe="/?&=%"))),
    free_bodies,
)  # fmt: skip
requests = st.tuples(st.one_of(templated, templated, free), key_headers)

STATS: Counter[str] = Counter()


def seed(fake: FakeShopimind) -> None:
    fake.state.bulk_upsert("customers", [customer(1)])
    fake.state.create_data_source({"label": "Shop"})
    fake.state.create_custom_data_definition({
        "name": "d", "unique_keys": ["card"],
        "fields": [{"name": "card", "type": "text"}, {"name": "tier", "type": "list",
                                                      "options": ["a", "b"]}],
    })  # fmt: skip
    fake.state.create_event({"name": "Shipped", "code_name": "shipped"})


def strict_json(raw: bytes) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in an answer: {raw[:200]!r}")

    return json.loads(raw, parse_constant=refuse)


def check_answer(way: str, method: str, answer: Answer) -> None:
    assert 200 <= answer.status < 500, (way, answer)
    if way == "server" and method == "HEAD":
        return  # a HEAD answer has no body on the wire
    body = strict_json(answer.body)
    if answer.status >= 400:
        assert body["statusCode"] == answer.status, (way, body)
        assert isinstance(body["message"], str) and len(body["message"]) > 20, (way, body)


Batch = list[tuple[tuple[str, str, bytes], list[tuple[str, str]]]]


def play(ways: ThreeWays, batch: Batch) -> None:
    ways.reset()
    STATS["examples"] += 1
    for (method, path, body), headers in batch:
        try:
            req = request(method, path, [*headers, ("content-type", "application/json")], body)
        except (httpx.InvalidURL, UnicodeEncodeError):
            STATS["refused by httpx"] += 1
            continue  # httpx itself refuses to build it: nothing reaches a fake
        before = ways.fakes["transport"].snapshot()
        answers = ways.send(req)
        STATS["requests"] += 1
        for way, answer in answers.items():
            check_answer(way, method, answer)
        statuses = {way: answer.status for way, answer in answers.items()}
        STATS[f"status {statuses['transport']}"] += 1
        assert len(set(statuses.values())) == 1, (method, path, body[:200], headers, statuses)
        after = ways.snapshots()
        assert after["respx"] == after["transport"], (method, path, body[:200])
        assert after["server"] == after["transport"], (method, path, body[:200])
        if statuses["transport"] >= 400:
            assert after["transport"] == before, (method, path, body[:200], statuses)
    journals = ways.journals()
    assert journals["respx"] == journals["transport"]
    assert journals["server"] == journals["transport"]


@pytest.mark.slow
def test_hostile_requests_get_one_4xx_or_2xx_verdict_on_every_way_in() -> None:
    STATS.clear()
    with three_ways(seed) as ways:

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(st.lists(requests, min_size=1, max_size=3))
        def check(batch: Batch) -> None:
            play(ways, batch)

        check()
    print(f"fuzz: {dict(sorted(STATS.items()))}")
    assert STATS["examples"] >= EXAMPLES
    assert STATS["requests"] >= EXAMPLES
    # Both kinds of verdict are reached, on every way in: the corpus is not all refusals.
    assert STATS["status 200"] + STATS["status 201"] > EXAMPLES // 10
    assert STATS["status 400"] > EXAMPLES // 10
