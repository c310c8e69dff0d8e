"""map_with_concurrency: the JS kit's three tests, on a simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spmkit import InvalidArgument, map_with_concurrency
from spmkit_testing import SimClock

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_keeps_the_order_of_the_items_whatever_order_they_finish_in() -> None:
    clock = SimClock(T0)
    finished: list[int] = []

    async def slow_first(n: int) -> str:
        await clock.sleep(10 - n)  # the last item finishes first
        finished.append(n)
        return f"item-{n}"

    results = clock.run(map_with_concurrency(range(5), 5, slow_first))
    assert results == ["item-0", "item-1", "item-2", "item-3", "item-4"]
    assert finished == [4, 3, 2, 1, 0]


def test_never_runs_more_than_limit_at_once() -> None:
    clock = SimClock(T0)
    in_flight = 0
    peak = 0

    async def fetch(n: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await clock.sleep(10 + n % 3)
        in_flight -= 1
        return n * 2

    results = clock.run(map_with_concurrency(list(range(9)), 3, fetch))
    assert results == [n * 2 for n in range(9)]
    assert peak == 3
    # Nine calls of 10-12 virtual seconds, three at a time: three rounds, not one, not nine.
    assert timedelta(seconds=30) <= clock.now() - T0 <= timedelta(seconds=36)


@pytest.mark.parametrize("limit", [0, -1, 1.5, True, "2", None])
def test_refuses_an_invalid_limit(limit: object) -> None:
    async def fn(n: int) -> int:
        return n

    clock = SimClock(T0)
    with pytest.raises(InvalidArgument) as info:
        clock.run(map_with_concurrency([1], limit, fn))  # type: ignore[arg-type]
    assert info.value.args == (
        f"Expected an int >= 1 for limit but got limit={limit!r} "
        f"(type={type(limit).__name__}): it is how many calls of fn may run at once, such as 4.",)


def test_an_empty_list_maps_to_an_empty_list_and_a_failure_cancels_the_rest() -> None:
    clock = SimClock(T0)
    started: list[int] = []

    async def fn(n: int) -> int:
        started.append(n)
        if n == 1:
            raise ConnectionError("store 1 unreachable")
        await clock.sleep(60)
        return n

    assert clock.run(map_with_concurrency([], 2, fn)) == []
    with pytest.raises(ConnectionError, match="store 1 unreachable"):
        clock.run(map_with_concurrency(range(10), 2, fn))
    assert started == [0, 1]  # item 0 was cancelled mid-sleep, item 2 never started
