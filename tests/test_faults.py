"""The fault registry behaviours the fake ShopiMind API relies on.

Counters (``matched``/``fired``), ``calls=``, ``times=``, ``window=``, seeded
``probability``, ``never_fired()``, non-JSON and ``Retry-After`` answers, the token
bucket on the simulated clock, and the constructors' error messages.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from spmkit import InvalidArgument
from spmkit_testing import SimClock
from spmkit_testing.fake import FakeShopimind
from spmkit_testing.faults import (
    ApiRequest,
    FaultRegistry,
    Status,
    connect_error,
    failed_chunk,
    latency,
    null_page,
    rate_limited,
    status,
    token_bucket,
)
from spmkit_testing.scenario import InvalidScenario

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = "test-key"
H = {"spm-api-key": KEY}
EVENTS = ApiRequest("GET", "events", None, False)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def fake(clock: SimClock) -> FakeShopimind:
    return FakeShopimind(clock=clock, api_key=KEY, seed=7)


@pytest.fixture
def client(fake: FakeShopimind) -> Iterator[httpx.Client]:
    with httpx.Client(transport=fake.transport(), base_url="http://fake") as c:
        yield c


def get_events(client: httpx.Client) -> httpx.Response:
    return client.get("/v1/events", headers=H)


def counters(fake: FakeShopimind) -> list[tuple[str, int, int, bool]]:
    return [(repr(s.handle.fault), s.matched, s.fired, s.active) for s in fake.faults.stats()]


# -- counters: matched, fired, calls=, times= --------------------------------------------


def test_calls_two_to_four_fire_on_the_2nd_to_the_4th_matching_request(
    fake: FakeShopimind, client: httpx.Client
) -> None:
    fake.add_fault(status(503, path="events", calls=(2, 4)))
    statuses = []
    for _ in range(6):
        statuses.append(get_events(client).status_code)
        client.get("/v1/data-sources", headers=H)  # not matched: does not advance calls
    assert statuses == [200, 503, 503, 503, 200, 200]
    assert counters(fake) == [("status(503, path='events', calls=(2, 4))", 6, 3, True)]


def test_times_caps_the_firings_and_the_next_fault_takes_over(
    fake: FakeShopimind, client: httpx.Client
) -> None:
    first = fake.add_fault(status(503, times=2))
    fake.add_fault(status(500, calls=(1, None)))
    assert [get_events(client).status_code for _ in range(4)] == [503, 503, 500, 500]
    # Both matched every request; the first terminal fault in play decides the answer.
    assert counters(fake) == [
        ("status(503, times=2)", 4, 2, True),
        ("status(500, calls=(1, None))", 4, 2, True),
    ]
    assert [e.fault for e in fake.journal] == [
        "status(503, times=2)",
        "status(503, times=2)",
        "status(500, calls=(1, None))",
        "status(500, calls=(1, None))",
    ]
    fake.remove_fault(first)
    assert [s.active for s in fake.faults.stats()] == [False, True]
    assert fake.faults.active == [fake.faults.stats()[1].handle]


def test_a_named_fault_labels_the_journal_with_its_name(
    fake: FakeShopimind, client: httpx.Client
) -> None:
    handle = fake.add_fault(status(503, path="events"), name="outage")
    assert get_events(client).status_code == 503
    assert fake.journal[0].fault == "outage: status(503, path='events')"
    assert repr(handle) == "<fault #1 'outage' status(503, path='events')>"


def test_latency_and_a_terminal_fault_both_fire_and_both_label(
    fake: FakeShopimind, clock: SimClock
) -> None:
    fake.add_fault(latency("3s"))
    fake.add_fault(status(502))

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=fake.transport(), base_url="http://fake") as c:
            return await c.get("/v1/events", headers=H)

    assert clock.run(main()).status_code == 502
    assert clock.now() == T0 + timedelta(seconds=3)
    (entry,) = fake.journal
    assert (entry.fault, entry.delay) == ("latency('3s') + status(502)", 3)


def test_registry_rejects_what_is_not_a_fault(fake: FakeShopimind) -> None:
    with pytest.raises(InvalidArgument) as excinfo:
        fake.add_fault("status(503)")  # type: ignore[arg-type]
    assert str(excinfo.value) == (
        "Expected a Fault but got 'status(503)' (type=str); build one with a constructor "
        "such as spmkit_testing.faults.status(503)."
    )


# -- window= -------------------------------------------------------------------------------


def test_window_is_half_open_on_the_simulated_clock(
    fake: FakeShopimind, client: httpx.Client, clock: SimClock
) -> None:
    fault = connect_error(window=("2026-03-01T12:05:00Z", "2026-03-01T12:10:00Z"))
    assert fault == connect_error(window=(T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)))
    assert repr(fault) == "connect_error(window=('2026-03-01T12:05:00Z', '2026-03-01T12:10:00Z'))"
    fake.add_fault(fault)
    outcomes: list[int | str] = []
    for minutes in (4, 1, 4, 1):  # 12:04, 12:05, 12:09, 12:10
        clock.advance(timedelta(minutes=minutes))
        try:
            outcomes.append(get_events(client).status_code)
        except httpx.ConnectError:
            outcomes.append("connect error")
    assert outcomes == [200, "connect error", "connect error", 200]
    assert counters(fake)[0][1:3] == (4, 2)


# -- probability= ----------------------------------------------------------------------------


def test_probability_is_deterministic_for_a_seed() -> None:
    def pattern(seed: int) -> tuple[list[int], int]:
        fake = FakeShopimind(clock=SimClock(T0), api_key=KEY, seed=seed)
        fake.add_fault(status(503, probability=0.3))
        with httpx.Client(transport=fake.transport(), base_url="http://fake") as c:
            statuses = [get_events(c).status_code for _ in range(50)]
        (stats,) = fake.faults.stats()
        assert stats.matched == 50
        return statuses, stats.fired

    statuses, fired = pattern(7)
    assert pattern(7) == (statuses, fired)
    assert pattern(8)[0] != statuses
    assert fired == statuses.count(503)
    assert 5 <= fired <= 30
    assert set(statuses) == {200, 503}


def test_probability_draws_only_from_the_registry_rng() -> None:
    def pattern(seed: int) -> list[bool]:
        registry = FaultRegistry(random.Random(seed))
        registry.add(status(503, probability=0.5))
        random.seed(12345)  # the global random module plays no part
        return [isinstance(registry.decide_api(EVENTS, T0).terminal, Status) for _ in range(30)]

    assert pattern(3) == pattern(3)
    assert pattern(3) != pattern(4)


# -- never_fired() ---------------------------------------------------------------------------


def test_never_fired_lists_declared_faults_that_did_not_fire_removed_or_not(
    fake: FakeShopimind, client: httpx.Client
) -> None:
    fired = fake.add_fault(status(503, path="events", calls=1))
    orders = fake.add_fault(failed_chunk(resource="orders"))
    removed = fake.add_fault(connect_error(path="data-sources"))
    fake.remove_fault(removed)
    late = fake.add_fault(status(500, path="events", calls=3))
    assert [get_events(client).status_code for _ in range(2)] == [503, 200]
    client.post("/v1/customers", json=[{"customer_id": "c1"}], headers=H)
    assert fake.faults.never_fired() == [orders, removed, late]
    assert fired not in fake.faults.never_fired()
    assert fake.faults.active == [fired, orders, late]


# -- answers: non-JSON bodies, Retry-After ---------------------------------------------------


def test_status_502_html_is_a_proxy_page_not_json(
    fake: FakeShopimind, client: httpx.Client
) -> None:
    fake.add_fault(status(502, body="html"))
    r = get_events(client)
    assert r.status_code == 502
    assert r.headers["content-type"] == "text/html"
    assert "retry-after" not in r.headers
    assert r.text.startswith("<html>") and "502" in r.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    (entry,) = fake.journal
    assert (entry.status, entry.fault, entry.response_body) == (
        502,
        "status(502, body='html')",
        r.text,
    )


def test_status_json_body_has_the_api_error_shape_and_retry_after(
    fake: FakeShopimind, client: httpx.Client
) -> None:
    fake.add_fault(status(503, retry_after="30s", calls=1))
    fake.add_fault(status(500, calls=2))
    first, second = get_events(client), get_events(client)
    assert (first.status_code, first.headers["retry-after"]) == (503, "30")
    assert first.headers["content-type"] == "application/json"
    assert first.json() == {
        "statusCode": 503,
        "message": "HTTP 503 injected by a fault of the fake API; retry after 30 s.",
        "error": "Service Unavailable",
    }
    assert "retry-after" not in second.headers
    assert second.json() == {
        "statusCode": 500,
        "message": "HTTP 500 injected by a fault of the fake API.",
        "error": "Internal Server Error",
    }


@pytest.mark.parametrize(
    ("fault", "retry_after", "text"),
    [
        (rate_limited(), "30", "rate_limited('30s')"),
        (rate_limited("29.2s"), "30", "rate_limited('29200ms')"),
        (rate_limited(timedelta(minutes=2)), "120", "rate_limited('2m')"),
    ],
)
def test_rate_limited_answers_429_with_retry_after(
    fake: FakeShopimind, client: httpx.Client, fault: Any, retry_after: str, text: str
) -> None:
    assert repr(fault) == text
    fake.add_fault(fault)
    r = get_events(client)
    assert (r.status_code, r.headers["retry-after"]) == (429, retry_after)
    assert r.json() == {
        "statusCode": 429,
        "message": f"HTTP 429 injected by a fault of the fake API; retry after {retry_after} s.",
        "error": "Too Many Requests",
    }


def test_rate_limited_with_a_text_body_still_sends_retry_after(
    fake: FakeShopimind, client: httpx.Client
) -> None:
    fake.add_fault(rate_limited("1m", body="text"))
    r = get_events(client)
    assert (r.status_code, r.headers["retry-after"]) == (429, "60")
    assert (r.headers["content-type"], r.text) == ("text/plain", "HTTP 429 (simulated)")


# -- token_bucket ----------------------------------------------------------------------------


def test_token_bucket_refills_on_the_simulated_clock(
    fake: FakeShopimind, client: httpx.Client, clock: SimClock
) -> None:
    bucket = fake.add_fault(token_bucket(3, refill_per_second=0.5))

    def burst(n: int) -> list[tuple[int, str | None]]:
        return [
            (r.status_code, r.headers.get("retry-after"))
            for r in (get_events(client) for _ in range(n))
        ]

    assert burst(4) == [(200, None), (200, None), (200, None), (429, "2")]
    clock.advance(timedelta(seconds=1))  # half a token
    assert burst(1) == [(429, "1")]
    clock.advance(timedelta(seconds=1))  # one token
    assert burst(2) == [(200, None), (429, "2")]
    clock.advance(timedelta(hours=1))  # refilled up to the capacity, not beyond
    assert burst(4) == [(200, None), (200, None), (200, None), (429, "2")]
    (stats,) = fake.faults.stats()
    assert (stats.matched, stats.fired) == (11, 4)  # fired = the requests it refused
    assert fake.journal[3].fault == "token_bucket(3, refill_per_second=0.5)"
    assert fake.remove_fault(bucket) is True
    assert burst(5) == [(200, None)] * 5


# -- constructor errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: rate_limited(30),  # type: ignore[arg-type]  # a wrong type on purpose
         "retry_after=30 is a bare number; write durations as strings such as '30s' (or pass "
         "a datetime.timedelta)."),
        (lambda: status(503,
                        retry_after=30),  # type: ignore[arg-type]  # a wrong type on purpose
         "retry_after=30 is a bare number; write durations as strings such as '30s' (or pass "
         "a datetime.timedelta)."),
        (lambda: latency(2.5),  # type: ignore[arg-type]  # a wrong type on purpose
         "delay=2.5 is a bare number; write durations as strings such as '2.5s' (or pass a "
         "datetime.timedelta)."),
        (lambda: null_page(target="api"),
         "null_page() only applies to a partner stream; got target='api'."),
        (lambda: failed_chunk(target="partner"),
         "failed_chunk() only applies to the ShopiMind API; got target='partner'."),
        (lambda: status(503, colour="red"),
         "status() got unexpected keyword(s) colour; a fault takes target, method, resource, "
         "path, calls, window, probability and times."),
        (lambda: connect_error(retries=3, colour="red"),
         "connect_error() got unexpected keyword(s) colour, retries; a fault takes target, "
         "method, resource, path, calls, window, probability and times."),
    ],
)  # fmt: skip
def test_constructor_errors_say_what_to_write(build: Any, message: str) -> None:
    with pytest.raises(InvalidScenario) as excinfo:
        build()
    assert str(excinfo.value) == message
    assert isinstance(excinfo.value, InvalidArgument)


def test_reset_keeps_a_shared_registry() -> None:
    shared = FaultRegistry(random.Random(1))
    fake = FakeShopimind(clock=SimClock(datetime(2026, 3, 1, tzinfo=UTC)), api_key="k",
                         faults=shared)
    fake.reset()
    shared.add(status(503))
    with httpx.Client(transport=fake.transport(), base_url="http://fake") as c:
        r = c.get("/v1/events", headers={"spm-api-key": "k"})
    assert fake.faults is shared
    assert r.status_code == 503
