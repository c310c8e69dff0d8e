from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import httpx
import pytest

from spmkit import Envelope, InvalidArgument, RetryPolicy, SpmClient
from spmkit._retry import parse_retry_after

T = TypeVar("T")
START = datetime(2024, 1, 1, tzinfo=UTC)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class FakeClock:
    def __init__(self) -> None:
        self.current = START
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)


class Script:
    """Answers with the given responses in order (the last one repeats)."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok_bulk(n: int = 1) -> httpx.Response:
    return httpx.Response(200, json={"sent_count": n, "rejected_count": 0, "failed_count": 0})


def client_for(
    script: Callable[[httpx.Request], httpx.Response],
    clock: FakeClock,
    policy: RetryPolicy | None = None,
    seed: int = 7,
) -> SpmClient:
    return SpmClient(
        "k",
        base_url="https://api.test",
        transport=httpx.MockTransport(script),
        clock=clock,
        retry=policy,
        seed=seed,
    )


def call(client: SpmClient, go: Callable[[SpmClient], Coroutine[Any, Any, Envelope]]) -> Envelope:
    async def inner() -> Envelope:
        async with client:
            return await go(client)

    return run(inner())


def test_429_with_retry_after_waits_on_the_clock_only() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}), ok_bulk())
    env = call(client_for(script, clock), lambda c: c.customers.bulk_save([{"customer_id": "1"}]))
    assert env.ok
    assert clock.sleeps == [7.0]
    assert clock.current == START + timedelta(seconds=7)
    assert len(script.requests) == 2


def test_retry_after_is_capped() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(429, headers={"Retry-After": "3600"}), ok_bulk())
    policy = RetryPolicy(retry_after_cap=300.0)
    env = call(client_for(script, clock, policy), lambda c: c.customers.list())
    assert env.ok
    assert clock.sleeps == [300.0]


def test_retry_after_http_date_is_compared_with_the_injected_clock() -> None:
    clock = FakeClock()
    when = format_datetime(START + timedelta(seconds=120), usegmt=True)
    script = Script(httpx.Response(503, headers={"Retry-After": when}), ok_bulk())
    env = call(client_for(script, clock), lambda c: c.orders.list())
    assert env.ok
    assert clock.sleeps == [120.0]


def test_post_without_idempotency_is_not_retried() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(503), httpx.Response(201, json={"statusCode": 201, "data": {}}))
    env = call(client_for(script, clock), lambda c: c.data_sources.create({"label": "A"}))
    assert not env.ok and env.status_code == 503
    assert env.error is not None
    assert (env.error.retryable, env.error.attempts) == (True, 1)
    assert len(script.requests) == 1
    assert clock.sleeps == []


def test_post_with_idempotency_key_is_retried() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(503), httpx.Response(201, json={"statusCode": 201, "data": {}}))
    env = call(
        client_for(script, clock),
        lambda c: c.events.trigger("e", {"customData": {}}, idempotency_key="abc"),
    )
    assert env.ok
    assert len(script.requests) == 2
    assert script.requests[1].headers["Idempotency-Key"] == "abc"
    assert len(clock.sleeps) == 1


def test_bulk_upsert_is_retried_by_policy() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(502), httpx.ReadError("reset"), ok_bulk(2))
    items = [{"order_id": 1}, {"order_id": 2}]
    env = call(client_for(script, clock), lambda c: c.orders.bulk_save(items))
    assert env.ok and env.data.sent_count == 2
    assert len(script.requests) == 3
    assert all(
        json.loads(r.content) == json.loads(script.requests[0].content) for r in script.requests
    )
    assert len(clock.sleeps) == 2


def test_bulk_upsert_is_not_retried_when_the_policy_says_no() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(502), ok_bulk())
    policy = RetryPolicy(bulk_upserts_idempotent=False)
    env = call(client_for(script, clock, policy), lambda c: c.orders.bulk_save([{"order_id": 1}]))
    assert not env.ok and env.status_code == 502
    assert env.data.failed_count == 1
    assert len(script.requests) == 1
    assert clock.sleeps == []


def test_retries_run_out_with_exponential_jittered_backoff() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(500))
    policy = RetryPolicy(max_retries=3, base_delay=1.0, max_delay=3.0)
    env = call(client_for(script, clock, policy), lambda c: c.products.list())
    assert not env.ok
    assert env.error is not None and env.error.attempts == 4
    assert len(script.requests) == 4
    ceilings = [1.0, 2.0, 3.0]  # base * 2**(n-1), capped at max_delay
    assert len(clock.sleeps) == 3
    for slept, ceiling in zip(clock.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= slept <= ceiling


def test_jitter_is_reproducible_from_the_seed() -> None:
    def sleeps(seed: int) -> list[float]:
        clock = FakeClock()
        call(client_for(Script(httpx.Response(503)), clock, seed=seed), lambda c: c.vouchers.list())
        return clock.sleeps

    assert sleeps(3) == sleeps(3)
    assert sleeps(3) != sleeps(4)


def test_network_error_on_get_is_retried_then_succeeds() -> None:
    clock = FakeClock()
    script = Script(
        httpx.ConnectError("Connection refused"),
        httpx.Response(200, json={"statusCode": 200, "data": [1]}),
    )
    env = call(client_for(script, clock), lambda c: c.events.list())
    assert env.ok and env.data == [1]
    assert len(clock.sleeps) == 1


def test_a_4xx_is_not_retried() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(400, json={"message": "bad"}))
    env = call(client_for(script, clock), lambda c: c.customers.list())
    assert env.error is not None and env.error.attempts == 1
    assert len(script.requests) == 1


def test_max_retries_zero_disables_retries() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}))
    env = call(client_for(script, clock, RetryPolicy(max_retries=0)), lambda c: c.orders.list())
    assert env.status_code == 429
    assert len(script.requests) == 1


def test_backoff_is_bounded_by_max_delay() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=30.0)
    rng = random.Random(0)
    assert all(15.0 <= policy.backoff(20, rng) <= 30.0 for _ in range(50))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("12", 12.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("soon", None),
        ("nan", None),
        ("Mon, 01 Jan 2024 00:00:30 GMT", 30.0),
        ("Sun, 31 Dec 2023 23:59:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, START) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"max_retries": -1},
            "max_retries=-1 is negative; pass 0 to disable retries.",
        ),
        (
            {"max_retries": 1.5},
            "Expected int but got max_retries=1.5 (type=float); pass a whole number such as 3.",
        ),
        (
            {"base_delay": -1},
            "Expected a finite number of seconds >= 0 but got base_delay=-1 (type=int).",
        ),
        (
            {"base_delay": 5.0, "max_delay": 1.0},
            "max_delay=1.0 is smaller than base_delay=5.0; raise max_delay or lower base_delay.",
        ),
    ],
)
def test_retry_policy_validates(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument) as excinfo:
        RetryPolicy(**kwargs)
    assert excinfo.value.args == (message,)


def test_backoff_of_a_very_late_retry_stays_at_max_delay() -> None:
    """A large max_retries must not overflow 2**n into an exception escaping the client."""
    policy = RetryPolicy(max_retries=5000, base_delay=0.5, max_delay=30.0)
    assert 15.0 <= policy.backoff(2000, random.Random(1)) <= 30.0
