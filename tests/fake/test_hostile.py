"""Hostile bodies that made the fake answer 500 or change state on a refusal (issue 13)."""

from __future__ import annotations

import json

import httpx
import pytest

from spmkit_testing.fake import FakeShopimind

from .conftest import KEY

H = {"spm-api-key": KEY}
TYPES = "bool, text, longtext, number, decimal, list, date, datetime, json, geolocation"
TOO_DEEP = (
    "The body is nested more than 64 levels deep; the fake ShopiMind API refuses deeper "
    "JSON because it could not send it back (encoding recurses deeper than parsing). "
    "Flatten the data."
)


def send(fake: FakeShopimind, method: str, path: str, body: bytes | None = None) -> httpx.Response:
    with httpx.Client(transport=fake.transport(), base_url="http://fake") as client:
        return client.request(method, path, content=body, headers=H)


def refused(fake: FakeShopimind, method: str, path: str, body: bytes, status: int = 400) -> str:
    """Send, expect ``status`` with a JSON error and no state change; return the message."""
    before = fake.snapshot()
    answer = send(fake, method, path, body)
    assert answer.status_code == status, answer.text
    assert fake.snapshot() == before
    payload = answer.json()
    assert payload["statusCode"] == status
    return str(payload["message"])


def nested(depth: int, leaf: str = "1") -> str:
    """JSON text of ``depth`` nested arrays around ``leaf`` (built as text: no recursion)."""
    return "[" * depth + leaf + "]" * depth


def nested_objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def definition(field: str = '{"name": "card", "type": "text"}', **extra: str) -> bytes:
    parts = ['"name": "loyalty"', f'"fields": [{field}]']
    parts += [f'"{k}": {v}' for k, v in extra.items()]
    return ("{" + ", ".join(parts) + "}").encode()


@pytest.mark.parametrize("kind", ['["text"]', '{"t": "text"}', "[]", "{}", "null", "1"])
def test_a_field_type_that_is_not_a_string_is_a_400_on_create_and_extend(
    fake: FakeShopimind, kind: str
) -> None:
    shown = repr(json.loads(kind))
    message = refused(fake, "POST", "/v1/custom-data-definitions",
                      definition(f'{{"name": "card", "type": {kind}}}'))  # fmt: skip
    assert message == (f"POST /v1/custom-data-definitions: fields[0].type must be one of "
                       f"{TYPES}, got {shown}.")
    assert send(fake, "POST", "/v1/custom-data-definitions", definition()).status_code == 201
    message = refused(fake, "PATCH", "/v1/custom-data-definitions/1/extend",
                      f'{{"fields": [{{"name": "tier", "type": {kind}}}]}}'.encode())
    assert message == (f"PATCH /v1/custom-data-definitions/1/extend: fields[0].type must be "
                       f"one of {TYPES}, got {shown}.")


@pytest.mark.parametrize("keys", ['[["card"]]', '[{"card": 1}]', '["card", []]', '[1]',
                                  '"card"', '{"card": true}'])
def test_unique_keys_that_are_not_field_names_are_a_400(fake: FakeShopimind, keys: str) -> None:
    message = refused(fake, "POST", "/v1/custom-data-definitions",
                      definition(unique_keys=keys))
    assert message == ("POST /v1/custom-data-definitions: unique_keys must be an array of "
                       f"declared field names (card), got {json.loads(keys)!r}.")


@pytest.mark.parametrize("depth", [65, 500, 970, 985, 995, 1200, 5000])
@pytest.mark.parametrize(("method", "path", "template"), [
    ("POST", "/v1/events", '{{"name": "E", "code_name": "e", "properties": {{"p": {}}}}}'),
    ("POST", "/v1/custom-data-definitions",
     '{{"name": "d", "fields": [{{"name": "f", "type": "text"}}], "description": {}}}'),
    ("POST", "/v1/customers", '[{{"customer_id": "c1", "group_ids": {}}}]'),
    ("POST", "/v1/customers", '[{{"customer_id": "c1", "email": "bad", "x": {}}}]'),
    ("POST", "/v1/orders", '[{{"order_id": "o1", "customer": {{"a": {}}}}}]'),
    ("POST", "/v1/data-sources", '{{"label": "S", "config": {{"a": {}}}}}'),
])  # fmt: skip
def test_a_body_nested_too_deeply_is_a_400_that_stores_nothing(
    fake: FakeShopimind, depth: int, method: str, path: str, template: str
) -> None:
    for inner in (nested(depth), nested_objects(depth)):
        message = refused(fake, method, path, template.format(inner).encode())
        assert message == TOO_DEEP
    assert send(fake, "GET", path).status_code in (200, 405)  # the state still answers


def test_the_deepest_body_accepted_is_stored_and_answered_back(fake: FakeShopimind) -> None:
    # 64 levels: the body object, "properties", then 62 arrays around the leaf.
    body = '{"name": "E", "code_name": "e", "properties": {"p": ' + nested(62) + "}}"
    assert send(fake, "POST", "/v1/events", body.encode()).status_code == 201
    answer = send(fake, "GET", "/v1/events")
    assert answer.status_code == 200
    assert json.dumps(answer.json()["data"][0]["properties"]["p"]) == nested(62)
    deeper = '{"name": "F", "code_name": "f", "properties": {"p": ' + nested(63) + "}}"
    assert refused(fake, "POST", "/v1/events", deeper.encode()) == TOO_DEEP


@pytest.mark.parametrize("group_ids", [nested_objects(980), nested_objects(200), nested(990)])
def test_a_deep_group_ids_is_a_400_not_a_crash_of_the_reject_message(
    fake: FakeShopimind, group_ids: str
) -> None:
    body = f'[{{"customer_id": "c1", "group_ids": {group_ids}}}]'.encode()
    assert refused(fake, "POST", "/v1/customers", body) == TOO_DEEP


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1E+999", "123456789e999"])
@pytest.mark.parametrize(("path", "template"), [
    ("/v1/orders", '[{{"order_id": "o1", "amount": {}}}]'),
    ("/v1/events", '{{"name": "E", "code_name": "e", "properties": {{"p": [{}]}}}}'),
    ("/v1/custom-data-records/1", '[{{"id": 1, "card": {}}}]'),
])  # fmt: skip
def test_a_number_too_large_for_a_double_is_a_400(
    fake: FakeShopimind, number: str, path: str, template: str
) -> None:
    send(fake, "POST", "/v1/custom-data-definitions", definition())
    message = refused(fake, "POST", path, template.format(number).encode())
    assert message == (f"The body contains the number {number}, which is too large for a "
                       f"double (it would be Infinity, which is not JSON); send finite "
                       f"numbers only.")


def test_large_but_finite_numbers_are_kept_and_answered_as_strict_json(
    fake: FakeShopimind,
) -> None:
    body = b'{"name": "E", "code_name": "e", "properties": {"p": [1e308, -1e308, 5e-324, 1e-400]}}'
    assert send(fake, "POST", "/v1/events", body).status_code == 201
    text = send(fake, "GET", "/v1/events").content
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in {text!r}"))
