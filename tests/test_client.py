from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from spmkit import (
    BulkData,
    Envelope,
    EnvelopeError,
    InvalidArgument,
    RetryPolicy,
    SpmApiError,
    SpmClient,
    unwrap_or_raise,
)

T = TypeVar("T")
Handler = Callable[[httpx.Request], httpx.Response]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class FakeClock:
    def __init__(self) -> None:
        self.current = datetime(2024, 1, 1, tzinfo=UTC)
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)


class Recorder:
    """A MockTransport handler that records requests and answers from a function."""

    def __init__(self, answer: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: bulk_ok(request))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def bulk_ok(request: httpx.Request, **extra: Any) -> httpx.Response:
    items = json.loads(request.content)
    body: dict[str, Any] = {"sent_count": len(items), "rejected_count": 0, "failed_count": 0}
    body["rejected_items"] = []
    body.update(extra)
    return httpx.Response(200, json=body)


def make_client(handler: Handler, **kwargs: Any) -> SpmClient:
    kwargs.setdefault("clock", FakeClock())
    kwargs.setdefault("seed", 1)
    return SpmClient(
        "key-123",
        base_url="https://api.test",
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def customers(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"customer_id": f"c{i}", "email": f"c{i}@x.test"} for i in range(start, start + n)]


def test_bulk_save_chunks_by_resource_size_and_merges() -> None:
    recorder = Recorder()

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.bulk_save("customers", customers(120))

    env = run(go())
    assert [len(b) for b in recorder.bodies()] == [50, 50, 20]
    assert {str(r.url) for r in recorder.requests} == {"https://api.test/v1/customers"}
    assert all(r.headers["spm-api-key"] == "key-123" for r in recorder.requests)
    assert env.ok and env.status_code == 200 and env.error is None
    data = env.data
    assert isinstance(data, BulkData)
    assert (data.sent_count, data.rejected_count, data.failed_count) == (120, 0, 0)
    assert [c.index for c in data.chunks] == [0, 1, 2]
    assert data.chunks[2].item_keys == tuple(f"c{i}" for i in range(100, 120))


def test_chunk_sizes_follow_the_resource_table() -> None:
    recorder = Recorder()
    groups = [{"group_id": i} for i in range(150)]
    records = [{"id": i} for i in range(45)]

    async def go() -> None:
        async with make_client(recorder) as client:
            await client.customers_groups.bulk_save(groups)
            await client.custom_data_records.bulk_save(7, records)

    run(go())
    assert [len(b) for b in recorder.bodies()] == [100, 50, 20, 20, 5]
    assert str(recorder.requests[-1].url) == "https://api.test/v1/custom-data-records/7"
    assert recorder.bodies()[0][0] == {"group_id": 0, "label_source": "web"}


def test_failed_count_of_a_2xx_body_is_kept() -> None:
    recorder = Recorder(lambda request: bulk_ok(request, sent_count=8, failed_count=2))

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.customers.bulk_save(customers(10))

    env = run(go())
    assert env.ok
    assert env.data.failed_count == 2
    assert env.data.sent_count == 8
    assert env.data.chunks[0].failed_count == 2


def test_a_failing_chunk_marks_the_merge_and_counts_its_items_as_failed() -> None:
    calls = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 2:
            return httpx.Response(422, json={"message": ["email must be an email"]})
        rejected = [{"key": "c0", "reason": "bad date"}] if calls["n"] == 1 else []
        return bulk_ok(request, rejected_count=len(rejected), rejected_items=rejected)

    async def go() -> Envelope:
        async with make_client(Recorder(answer)) as client:
            return await client.customers.bulk_save(customers(110))

    env = run(go())
    assert not env.ok
    assert env.status_code == 422
    data = env.data
    assert data.failed_count == 50
    assert data.rejected_items == ({"key": "c0", "reason": "bad date"},)
    assert data.rejected_count == 1
    assert [c.ok for c in data.chunks] == [True, False, True]
    assert data.chunks[1].item_keys == tuple(f"c{i}" for i in range(50, 100))
    assert env.error is not None
    assert env.error.code == "HTTP_422"
    assert env.error.message == (
        "1 of 3 chunk(s) failed; first: chunk 1 (50 item(s)): HTTP 422: email must be an email"
    )
    assert env.error.retryable is False


def test_empty_bulk_sends_nothing() -> None:
    recorder = Recorder()

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.bulk_save("orders", [])

    env = run(go())
    assert env == Envelope(ok=True, status_code=200, data=BulkData())
    assert recorder.requests == []


def test_custom_data_records_needs_id_definition() -> None:
    async def go() -> None:
        async with make_client(Recorder()) as client:
            await client.bulk_save("custom-data-records", [{"id": 1}])

    with pytest.raises(InvalidArgument, match="needs id_definition"):
        run(go())


def test_id_definition_is_refused_for_other_resources() -> None:
    async def go() -> None:
        async with make_client(Recorder()) as client:
            await client.bulk_save("orders", [{"order_id": 1}], id_definition=3)

    with pytest.raises(InvalidArgument, match="only applies to 'custom-data-records'"):
        run(go())


def test_bad_items_are_refused_with_the_index() -> None:
    async def go() -> None:
        async with make_client(Recorder()) as client:
            await client.bulk_save("orders", [{"order_id": 1}, "nope"])  # type: ignore[list-item]

    with pytest.raises(InvalidArgument, match=r"items\[1\] of 'orders' must be a dict"):
        run(go())


def test_label_source_is_added_to_data_sync_bodies_only() -> None:
    recorder = Recorder(
        lambda request: (
            bulk_ok(request)
            if request.url.path.endswith(("customers", "/9"))
            else httpx.Response(200, json={"statusCode": 200, "data": {"id": 1}})
        )
    )

    async def go() -> None:
        async with make_client(recorder) as client:
            await client.customers.bulk_save(customers(1))
            await client.custom_data_records.bulk_save(9, [{"id": 1}])
            await client.data_sources.create({"label": "x"})
            await client.custom_data_definitions.create({"name": "d", "fields": []})
            await client.events.create({"name": "E", "code_name": "e"})
            await client.events.trigger("e", {"customData": {}})

    run(go())
    bodies = recorder.bodies()
    assert bodies[0] == [{**customers(1)[0], "label_source": "web"}]
    assert all("label_source" not in json.dumps(b) for b in bodies[1:])


def test_label_source_none_sends_no_label() -> None:
    recorder = Recorder()

    async def go() -> None:
        async with make_client(recorder, label_source=None) as client:
            await client.products.bulk_save([{"product_id": "p1"}])

    run(go())
    assert recorder.bodies() == [[{"product_id": "p1"}]]


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(InvalidArgument) as excinfo:
        SpmClient("k", base_url="http://api.example.com")
    assert excinfo.value.args == (
        "base_url='http://api.example.com' uses plain http to a remote host (api.example.com): "
        "the spm-api-key would travel in clear. Use https, a loopback host, or "
        "allow_insecure_base_url=True (development only).",
    )


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8080", "http://localhost:9000/", "http://[::1]:81"]
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"statusCode": 200, "data": []}))

    async def go() -> Envelope:
        client = SpmClient("k", base_url=base_url, transport=httpx.MockTransport(recorder))
        async with client:
            return await client.data_sources.list()

    env = run(go())
    assert env.ok and env.data == []
    assert str(recorder.requests[0].url) == base_url.rstrip("/") + "/v1/data-sources"


def test_allow_insecure_base_url_opts_in() -> None:
    client = SpmClient("k", base_url="http://staging.test", allow_insecure_base_url=True)
    assert client.base_url == "http://staging.test"
    run(client.aclose())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_url": "ftp://x.test"}, "must be an absolute http"),
        ({"timeout": 0}, "timeout=0"),
        ({"label_source": ""}, "label_source=''"),
    ],
)
def test_bad_constructor_arguments_name_the_argument(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        SpmClient("k", **kwargs)


def test_empty_api_key_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="api_key=''"):
        SpmClient("")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, {"message": "Invalid API key"}, "HTTP 401: Invalid API key"),
        (404, None, "HTTP 404: Not Found"),
        (422, {"message": ["a", "b"]}, "HTTP 422: a; b"),
    ],
)
def test_http_errors_become_envelopes(status: int, body: Any, message: str) -> None:
    recorder = Recorder(lambda request: httpx.Response(status, json=body))

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.orders.list(limit=5)

    env = run(go())
    assert env.ok is False
    assert env.status_code == status
    assert env.data == body
    assert env.error == EnvelopeError(
        message=message, code=f"HTTP_{status}", retryable=False, attempts=1, details=body
    )
    assert len(recorder.requests) == 1
    assert recorder.requests[0].url.params["limit"] == "5"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "ECONNREFUSED"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "ENOTFOUND"),
        (httpx.ReadTimeout("timed out"), "ETIMEDOUT"),
        (httpx.ConnectTimeout("timed out"), "ETIMEDOUT"),
        (httpx.ReadError("connection reset by peer"), "ECONNRESET"),
        (httpx.RemoteProtocolError("Server disconnected"), "ECONNRESET"),
    ],
)
def test_network_errors_become_envelopes_with_codes(exc: Exception, code: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc

    async def go() -> Envelope:
        async with make_client(Recorder(answer), retry=RetryPolicy(max_retries=0)) as client:
            return await client.customers.list()

    env = run(go())
    assert env.ok is False
    assert env.status_code == 0
    assert env.error is not None
    assert env.error.code == code
    assert env.error.retryable is True
    assert env.error.message.startswith(f"{code}: {type(exc).__name__} calling GET ")


def test_bulk_network_failure_counts_the_chunk_as_failed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused")

    async def go() -> Envelope:
        policy = RetryPolicy(max_retries=0)
        async with make_client(Recorder(answer), retry=policy) as client:
            return await client.vouchers.bulk_save([{"voucher_id": "v1"}, {"voucher_id": "v2"}])

    env = run(go())
    assert not env.ok and env.status_code == 0
    assert env.data.failed_count == 2
    assert env.error is not None and env.error.code == "ECONNREFUSED"


def test_reads_unwrap_the_status_code_data_wrapper() -> None:
    payload = {"statusCode": 200, "data": [{"id_data_source": 3, "label": "A"}]}
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.data_sources.list()

    env = run(go())
    assert env.data == [{"id_data_source": 3, "label": "A"}]


def test_redirects_are_not_followed() -> None:
    recorder = Recorder(
        lambda request: httpx.Response(302, headers={"Location": "https://evil.test/v1/x"})
    )

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.request("GET", "orders")

    env = run(go())
    assert not env.ok and env.status_code == 302
    assert len(recorder.requests) == 1
    assert env.error is not None and env.error.code == "HTTP_302"
    assert "redirect to https://evil.test/v1/x not followed" in env.error.message


def test_unserializable_body_names_the_fix() -> None:
    async def go() -> None:
        async with make_client(Recorder()) as client:
            await client.orders.bulk_save([{"order_id": 1, "at": datetime(2024, 1, 1)}])

    with pytest.raises(InvalidArgument, match=r"Convert datetimes with \.isoformat\(\)"):
        run(go())


def test_event_trigger_path_is_encoded() -> None:
    recorder = Recorder(lambda request: httpx.Response(201, json={"statusCode": 201, "data": {}}))

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.events.trigger("a b/c", {"customData": {"x": 1}})

    env = run(go())
    assert env.ok and env.status_code == 201
    assert recorder.requests[0].url.raw_path == b"/v1/events/trigger/a%20b%2Fc"
    assert recorder.requests[0].method == "POST"


def test_transport_attribute_is_the_injected_one() -> None:
    transport = httpx.MockTransport(Recorder())
    client = SpmClient("k", transport=transport)
    assert client.transport is transport
    run(client.aclose())


def test_unwrap_or_raise_returns_data() -> None:
    assert unwrap_or_raise(Envelope(ok=True, status_code=200, data=[1])) == [1]
    wrapped = Envelope(ok=True, status_code=200, data={"statusCode": 200, "data": {"a": 1}})
    assert unwrap_or_raise(wrapped) == {"a": 1}


def test_unwrap_or_raise_raises_spm_api_error() -> None:
    error = EnvelopeError(message="HTTP 403: Forbidden", code="HTTP_403", retryable=False)
    with pytest.raises(SpmApiError) as excinfo:
        unwrap_or_raise(Envelope(ok=False, status_code=403, error=error))
    assert excinfo.value.args == (
        "ShopiMind API call failed (HTTP_403, 1 attempt(s)): HTTP 403: Forbidden",
    )
    assert excinfo.value.status_code == 403
    assert excinfo.value.code == "HTTP_403"


def test_unwrap_or_raise_refuses_a_non_envelope() -> None:
    with pytest.raises(InvalidArgument, match="Expected an Envelope"):
        unwrap_or_raise({"ok": True})  # type: ignore[arg-type]


def test_negative_or_non_finite_counts_of_a_2xx_body_never_hide_failures() -> None:
    calls = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return bulk_ok(request, sent_count=45, failed_count=5)
        body = b'{"sent_count": NaN, "rejected_count": 0, "failed_count": -5}'
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async def go() -> Envelope:
        async with make_client(Recorder(answer)) as client:
            return await client.customers.bulk_save(customers(60))

    env = run(go())  # never raises
    assert env.data.failed_count >= 5


def test_items_a_2xx_body_does_not_account_for_count_as_failed() -> None:
    """A 200 that reports nothing (empty body, a proxy page) stored nothing we know of."""
    recorder = Recorder(lambda request: httpx.Response(200, text="<html>ok</html>"))

    async def go() -> Envelope:
        async with make_client(recorder) as client:
            return await client.customers.bulk_save(customers(3))

    env = run(go())
    assert env.data.failed_count == 3
    assert env.data.chunks[0].failed_count == 3


def test_requests_carry_what_httpx_would_build_and_no_cookie_is_kept() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"sent_count": 1, "rejected_count": 0, "failed_count": 0,
                                         "rejected_items": []},
                              headers={"set-cookie": "session=abc; Path=/"})

    async def go() -> None:
        async with SpmClient("key-1", base_url="https://api.shopimind.test",
                             transport=httpx.MockTransport(handler)) as client:
            await client.customers.bulk_save([{"customer_id": "c1", "email": "a@b.co"}])
            await client.data_sources.list()
            await client.request("POST", "events", json={"a": 1},
                                 headers={"Idempotency-Key": "k1"})
            async with httpx.AsyncClient(headers=client._http.headers) as plain:
                expected = plain.build_request("POST", "https://api.shopimind.test/v1/customers",
                                               content=seen[0].content)
            assert seen[0].headers.raw == expected.headers.raw

    run(go())
    post, get, keyed = seen
    assert json.loads(post.content) == [{"customer_id": "c1", "email": "a@b.co",
                                         "label_source": "web"}]
    assert (get.method, get.headers.get("content-length"), get.content) == ("GET", None, b"")
    assert keyed.headers["idempotency-key"] == "k1" and json.loads(keyed.content) == {"a": 1}
    # The answer set a cookie: SpmClient never sends it back (the key is the credential).
    assert all("cookie" not in r.headers for r in seen)
