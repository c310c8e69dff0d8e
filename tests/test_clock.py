from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from spmkit import Clock, InvalidArgument
from spmkit_testing import DeadlockError, SimClock, SkewedClock

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


def test_sim_clock_is_a_clock(clock: SimClock) -> None:
    assert isinstance(clock, Clock)
    assert isinstance(clock.skewed(timedelta(seconds=5)), Clock)


def test_now_is_the_start_and_never_moves_by_itself(clock: SimClock) -> None:
    assert clock.now() == START
    time.sleep(0.001)
    assert clock.now() == START


def test_start_is_converted_to_utc() -> None:
    paris = dt.timezone(timedelta(hours=1))
    clock = SimClock(datetime(2024, 1, 1, 1, tzinfo=paris))
    assert clock.now() == START
    assert clock.now().tzinfo == UTC


def test_advance_and_set_move_forward(clock: SimClock) -> None:
    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5)
    assert clock.set(START + timedelta(hours=1)) == START + timedelta(hours=1)
    assert clock.now() == START + timedelta(hours=1)


def test_set_backwards_is_refused_unless_allowed(clock: SimClock) -> None:
    clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidArgument, match="moves forward only") as excinfo:
        clock.set(START)
    assert "allow_backwards=True" in str(excinfo.value)
    with pytest.raises(InvalidArgument, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == START + timedelta(hours=1)

    loose = SimClock(START, allow_backwards=True)
    loose.advance(timedelta(hours=1))
    assert loose.set(START) == START
    assert loose.advance(timedelta(seconds=-30)) == START - timedelta(seconds=30)


def test_naive_datetimes_are_refused(clock: SimClock) -> None:
    with pytest.raises(InvalidArgument, match="naive datetime"):
        SimClock(datetime(2024, 1, 1))
    with pytest.raises(InvalidArgument, match="naive datetime"):
        clock.set(datetime(2024, 6, 1))
    with pytest.raises(InvalidArgument, match="Expected a timedelta"):
        clock.advance(60)  # type: ignore[arg-type]


def test_sleepers_wake_in_timestamp_order_ties_fifo(clock: SimClock) -> None:
    woke: list[tuple[str, datetime]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    async def main() -> None:
        await asyncio.gather(
            sleeper("a", 10), sleeper("b", 5), sleeper("c", 10), sleeper("d", 5), sleeper("e", 0.25)
        )

    clock.run(main())
    assert woke == [
        ("e", START + timedelta(seconds=0.25)),
        ("b", START + timedelta(seconds=5)),
        ("d", START + timedelta(seconds=5)),
        ("a", START + timedelta(seconds=10)),
        ("c", START + timedelta(seconds=10)),
    ]


def test_gather_of_many_sleepers_wakes_sorted_by_time_then_arrival(clock: SimClock) -> None:
    rng = random.Random(7)
    delays = [rng.randrange(0, 50) for _ in range(500)]
    woke: list[int] = []

    async def sleeper(i: int) -> None:
        await clock.sleep(delays[i])
        assert clock.now() == START + timedelta(seconds=delays[i])
        woke.append(i)

    async def main() -> None:
        await asyncio.gather(*(sleeper(i) for i in range(len(delays))))

    clock.run(main())
    assert woke == sorted(range(len(delays)), key=lambda i: (delays[i], i))
    assert clock.now() == START + timedelta(seconds=max(delays))
    assert clock.jumps <= len(set(delays))


def test_an_hour_of_retry_after_costs_no_wall_time(clock: SimClock) -> None:
    async def retry_for_an_hour() -> int:
        attempts = 0
        while clock.now() < START + timedelta(hours=1):
            attempts += 1
            await clock.sleep(60)  # Retry-After: 60
        return attempts

    wall = time.perf_counter()
    assert clock.run(retry_for_an_hour()) == 60
    elapsed = time.perf_counter() - wall
    assert clock.now() == START + timedelta(hours=1)
    assert clock.jumps == 60
    assert clock.iterations < 200
    assert elapsed < 5  # loose on purpose: the point is that it never waits 3600 s


def test_asyncio_timers_share_the_virtual_timeline(clock: SimClock) -> None:
    async def main() -> list[str]:
        seen: list[str] = []
        await asyncio.sleep(30)
        seen.append(f"asyncio.sleep -> {clock.now().time()}")
        try:
            await asyncio.wait_for(asyncio.Event().wait(), timeout=90)
        except TimeoutError:
            seen.append(f"wait_for timeout -> {clock.now().time()}")
        try:
            await asyncio.wait_for(clock.sleep(3600), timeout=10)
        except TimeoutError:
            seen.append(f"cancelled clock.sleep -> {clock.now().time()}")
        await clock.sleep(5)
        seen.append(f"clock.sleep -> {clock.now().time()}")
        return seen

    assert clock.run(main()) == [
        "asyncio.sleep -> 00:00:30",
        "wait_for timeout -> 00:02:00",
        "cancelled clock.sleep -> 00:02:10",
        "clock.sleep -> 00:02:15",
    ]


def test_advance_from_a_task_wakes_due_sleepers(clock: SimClock) -> None:
    async def main() -> datetime:
        async def waiter() -> datetime:
            await clock.sleep(600)
            return clock.now()

        task = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        clock.advance(timedelta(hours=1))
        return await task

    assert clock.run(main()) == START + timedelta(hours=1)


def test_threads_take_no_virtual_time_and_are_not_a_deadlock(clock: SimClock) -> None:
    async def main() -> str:
        sleeper = asyncio.create_task(clock.sleep(1))
        value = await asyncio.to_thread(lambda: "from a thread")
        assert clock.now() == START  # the sleeper did not jump ahead of the thread
        await sleeper
        return value

    assert clock.run(main()) == "from a thread"
    assert clock.now() == START + timedelta(seconds=1)


def test_deadlock_is_reported_naming_the_pending_tasks(clock: SimClock) -> None:
    async def main() -> None:
        never_set = asyncio.Event()

        async def waiter() -> None:
            await never_set.wait()

        await asyncio.create_task(waiter(), name="stuck-waiter")

    with pytest.raises(DeadlockError) as excinfo:
        clock.run(main())
    message = str(excinfo.value)
    assert message.startswith("SimClock.run() deadlock at 2024-01-01T00:00:00+00:00")
    assert "task 'stuck-waiter': " in message
    assert "Event.wait()" in message
    assert "waiter()" in message
    assert "clock.sleep" in message  # the fix is suggested
    assert isinstance(excinfo.value, RuntimeError)
    # the clock is usable again afterwards
    assert clock.run(clock.sleep(1)) is None
    assert clock.now() == START + timedelta(seconds=1)


def test_run_returns_results_and_propagates_errors(clock: SimClock) -> None:
    async def boom() -> None:
        await clock.sleep(1)
        raise ValueError("boom")

    async def answer() -> int:
        await clock.sleep(1)
        return 42

    with pytest.raises(ValueError, match="boom"):
        clock.run(boom())
    assert clock.run(answer()) == 42
    assert clock.now() == START + timedelta(seconds=2)


def test_run_timeout_stops_a_run_whose_clock_never_stops(clock: SimClock) -> None:
    async def forever() -> None:
        async def heartbeat() -> None:
            while True:
                await clock.sleep(60)

        beat = asyncio.create_task(heartbeat())
        await asyncio.Event().wait()  # never set, but the heartbeat keeps time moving
        beat.cancel()

    with pytest.raises(TimeoutError, match=r"did not finish within 1 day, 0:00:00 of simulated"):
        clock.run(forever(), timeout=timedelta(days=1))
    assert clock.now() == START + timedelta(days=1)


def test_run_refuses_nesting_and_non_coroutines(clock: SimClock) -> None:
    async def nested() -> None:
        inner = clock.sleep(1)
        clock.run(inner)

    with pytest.raises(InvalidArgument, match="already running"):
        clock.run(nested())
    with pytest.raises(InvalidArgument, match="expects a coroutine"):
        clock.run(42)  # type: ignore[arg-type]


def test_sleep_outside_run_advances_and_returns(clock: SimClock) -> None:
    async def main() -> None:
        await clock.sleep(90)
        await clock.sleep(-5)  # negative means no wait

    wall = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - wall < 5
    assert clock.now() == START + timedelta(seconds=90)


def test_sleep_rejects_non_numbers(clock: SimClock) -> None:
    with pytest.raises(InvalidArgument, match="number of seconds"):
        asyncio.run(clock.sleep("60"))  # type: ignore[arg-type]


def test_skewed_view_reads_shifted_time_and_sleeps_on_the_same_timeline(clock: SimClock) -> None:
    partner = clock.skewed(timedelta(seconds=-90))
    assert isinstance(partner, SkewedClock)
    assert partner.now() == START - timedelta(seconds=90)
    clock.run(partner.sleep(60))
    assert clock.now() == START + timedelta(seconds=60)
    assert partner.now() == START - timedelta(seconds=30)
    both = partner.skewed(timedelta(seconds=90))
    assert both.now() == clock.now()
    assert repr(partner) == "SkewedClock(now=2023-12-31T23:59:30+00:00, skew=-0:01:30)"


def test_freeze_makes_wall_clock_reads_follow_the_sim_clock(clock: SimClock) -> None:
    async def legacy_code() -> list[datetime | float | dt.date]:
        before = dt.datetime.now(UTC)
        await clock.sleep(3600 * 24)
        return [before, dt.datetime.now(UTC), time.time(), dt.date.today()]

    with clock.freeze():
        before, after, epoch, today = clock.run(legacy_code())
        clock.advance(timedelta(minutes=1))
        assert dt.datetime.now(UTC) == START + timedelta(days=1, minutes=1)
    assert before == START
    assert after == START + timedelta(days=1)
    assert epoch == (START + timedelta(days=1)).timestamp()
    assert today == dt.date(2024, 1, 2)
    assert dt.datetime.now(UTC).year > 2024  # the bridge is gone


def test_repr_is_readable() -> None:
    assert repr(SimClock(START)) == "SimClock(now=2024-01-01T00:00:00+00:00)"
    loose = SimClock(START, allow_backwards=True)
    assert repr(loose) == "SimClock(now=2024-01-01T00:00:00+00:00, allow_backwards=True)"
