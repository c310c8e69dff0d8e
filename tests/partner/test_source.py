from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spmkit import InvalidArgument
from spmkit_testing import FakeSource, SimClock
from spmkit_testing.partner import record_dict

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
def source(clock: SimClock) -> FakeSource:
    return FakeSource(clock)


def keys(rows: Any) -> list[str]:
    return [row.key if hasattr(row, "key") else row["key"] for row in rows]


# -- records and windows ---------------------------------------------------------------------
def test_window_is_since_exclusive_until_inclusive_ordered_by_time_then_key(
    source: FakeSource, clock: SimClock
) -> None:
    source.put("b", {"v": 1})
    source.put("a", {"v": 1})
    clock.advance(timedelta(minutes=1))
    source.put("c", {"v": 1})
    clock.advance(timedelta(minutes=1))
    source.put("d", {"v": 1})
    assert keys(source.read_window(None, None)) == ["a", "b", "c", "d"]
    assert keys(source.read_window(START, START + timedelta(minutes=1))) == ["c"]
    assert keys(source.read_window(START - timedelta(seconds=1), START)) == ["a", "b"]
    assert keys(source.read_window(None, None, limit=2, offset=1)) == ["b", "c"]
    assert keys(source.read_window(None, None, cursor=(START, "a"))) == ["b", "c", "d"]
    with pytest.raises(InvalidArgument, match="naive datetime"):
        source.read_window(datetime(2024, 1, 1), None)


def test_late_arrival_is_invisible_until_visible_at(source: FakeSource, clock: SimClock) -> None:
    late = source.put("late", {"v": 1}, lag=timedelta(minutes=5))
    assert late.updated_at == START
    assert late.visible_at == START + timedelta(minutes=5)
    assert source.read_window(None, None) == []
    assert keys(source.records()) == ["late"]  # ground truth knows it
    clock.advance(timedelta(minutes=5))
    assert source.read_window(None, None) == [late]


def test_a_clock_that_steps_back_does_not_unpublish_a_record() -> None:
    # Found by the property check: a record readable before the step back vanished from
    # reads until the clock caught up, and a window read meanwhile advanced past it.
    clock = SimClock(START, allow_backwards=True)
    source = FakeSource(clock)
    clock.advance(timedelta(minutes=1))
    seen = source.put("seen", {"v": 1})
    pending = source.put("pending", {"v": 1}, lag=timedelta(minutes=5))
    clock.advance(timedelta(seconds=-15))
    assert clock.latest == START + timedelta(minutes=1) > clock.now()
    assert source.read_instant() == clock.latest
    assert source.read_window(None, None) == [seen]
    after = source.put("after", {"v": 1})  # written after the step: readable at once
    assert source.read_window(None, None) == [after, seen]
    clock.advance(timedelta(minutes=6))
    assert source.read_instant() == clock.now() == clock.latest
    assert pending in source.read_window(None, None)


def test_a_lagging_update_shows_the_previous_version_until_visible(
    source: FakeSource, clock: SimClock
) -> None:
    first = source.put("k", {"v": 1, "name": "x"})
    clock.advance(timedelta(seconds=10))
    second = source.update("k", {"v": 2}, lag=timedelta(seconds=30))
    assert second.payload == {"v": 2, "name": "x"}
    assert second.version == 2
    assert source.read_window(None, None) == [first]
    clock.advance(timedelta(seconds=30))
    assert source.read_window(None, None) == [second]
    assert source.versions("k") == [first, second]
    assert source.get("k") == second


def test_partner_skew_stamps_updated_at_and_can_fall_behind_a_cursor(clock: SimClock) -> None:
    source = FakeSource(clock, skew=timedelta(seconds=-90))
    clock.advance(timedelta(minutes=10))
    cursor = clock.now() - timedelta(seconds=30)  # the engine read up to here earlier
    record = source.put("skewed", {"v": 1})
    assert record.updated_at == clock.now() - timedelta(seconds=90)
    assert source.read_window(cursor, clock.now()) == []  # lost without overlap
    overlap = timedelta(seconds=120)
    assert source.read_window(cursor - overlap, clock.now()) == [record]
    source.skew = timedelta(seconds=5)
    assert source.partner_now() == clock.now() + timedelta(seconds=5)


def test_delete_writes_a_tombstone_served_as_deleted(source: FakeSource, clock: SimClock) -> None:
    source.put("k", {"v": 1})
    clock.advance(timedelta(seconds=1))
    tomb = source.delete("k")
    assert tomb.deleted and tomb.payload == {}
    assert source.read_window(None, None) == [tomb]
    assert record_dict(tomb) == {
        "key": "k",
        "updated_at": "2024-01-01T00:00:01.000000Z",
        "deleted": True,
    }
    assert source.records(include_deleted=False) == []
    with pytest.raises(InvalidArgument, match="cannot update key='k': it is deleted"):
        source.update("k", {"v": 2})
    with pytest.raises(InvalidArgument, match="cannot delete key='nope': it does not exist"):
        source.delete("nope")
    assert source.put("k", {"v": 3}).version == 3
    assert [(r.key, r.deleted) for r in source.records(include_deleted=False)] == [("k", False)]


def test_bad_writes_are_refused_with_a_clear_message(source: FakeSource) -> None:
    with pytest.raises(InvalidArgument, match="key must be a non-empty str"):
        source.put("", {})
    with pytest.raises(InvalidArgument, match=r"lag=.* is negative"):
        source.put("k", {}, lag=timedelta(seconds=-1))
    with pytest.raises(InvalidArgument, match="payload must be a mapping"):
        source.put("k", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="naive datetime"):
        source.put("k", {}, updated_at=datetime(2024, 1, 1))


def test_explicit_updated_at_is_indexed_in_order(source: FakeSource) -> None:
    source.put("new", {}, updated_at=START + timedelta(hours=1))
    source.put("old", {}, updated_at=START - timedelta(hours=1))
    assert keys(source.read_window(None, None)) == ["old", "new"]
    assert keys(source.records()) == ["old", "new"]


def test_reprs(source: FakeSource) -> None:
    record = source.put("k", {"v": 1}, lag=timedelta(seconds=5))
    assert repr(record) == (
        "SourceRecord(key='k', updated_at=2024-01-01T00:00:00.000000Z, "
        "visible_at=2024-01-01T00:00:05.000000Z, version=1, payload={'v': 1})"
    )
    assert repr(source) == "FakeSource(records=1)"


def test_a_partner_with_millisecond_precision_truncates_its_stamps(clock: SimClock) -> None:
    source = FakeSource(clock, precision=timedelta(milliseconds=1))
    clock.advance(timedelta(microseconds=1_234_567))
    assert source.put("k", {}).updated_at == START + timedelta(microseconds=1_234_000)


def test_windowed_reads_stay_fast_on_a_large_source(source: FakeSource, clock: SimClock) -> None:
    for i in range(20_000):
        source.put(f"r-{i}", {"n": i}, updated_at=START + timedelta(seconds=i))
    clock.set(START + timedelta(seconds=20_000))
    total = 0
    for tick in range(2_000):
        since = START + timedelta(seconds=tick * 10)
        total += len(source.read_window(since, since + timedelta(seconds=10)))
    assert total == 20_000 - 1  # every record once, except the one at START itself
