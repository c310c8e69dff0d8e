from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spmkit import InvalidArgument, backoff_window, compute_window, rejects_tolerated

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_first_run_reads_backfill_days_back() -> None:
    w = compute_window(None, now=NOW)
    assert (w.since, w.until) == (NOW - timedelta(days=365), NOW)


def test_incremental_window_starts_overlap_before_cursor() -> None:
    cursor = NOW - timedelta(hours=1)
    w = compute_window(cursor, now=NOW, overlap_seconds=120)
    assert (w.since, w.until) == (cursor - timedelta(seconds=120), NOW)


def test_full_backfill_ignores_cursor_and_overlap() -> None:
    w = compute_window(NOW - timedelta(hours=1), now=NOW, full=True, backfill_days=7,
                       overlap_seconds=60)
    assert w.since == NOW - timedelta(days=7)


def test_window_is_converted_to_utc() -> None:
    from datetime import timezone

    paris = timezone(timedelta(hours=1))
    w = compute_window(None, now=NOW.astimezone(paris), backfill_days=0)
    assert w.until.tzinfo == UTC and w.until == NOW


def test_naive_now_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgument, match=r"now=.* is a naive datetime.*tzinfo=UTC"):
        compute_window(None, now=datetime(2026, 1, 1))


def test_naive_cursor_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgument, match=r"last_synced_at=.* naive"):
        compute_window(datetime(2026, 1, 1), now=NOW)


def test_negative_backfill_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgument) as info:
        compute_window(None, now=NOW, backfill_days=-1)
    assert info.value.args == ("backfill_days=-1 must be >= 0 (365 reads one year back on a "
                               "first run).",)


def test_negative_overlap_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgument, match="overlap_seconds=-5 must be >= 0"):
        compute_window(NOW, now=NOW, overlap_seconds=-5)


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(-1, 0), (0, 0), (1, 1), (2, 2), (3, 4), (4, 8), (11, 1024), (12, 1440), (500, 1440)],
)
def test_backoff_window_doubles_from_one_minute_capped_at_a_day(failures: int,
                                                               minutes: int) -> None:
    assert backoff_window(failures) == timedelta(minutes=minutes)


def test_backoff_window_refuses_non_int() -> None:
    with pytest.raises(InvalidArgument, match="Expected int but got consecutive_failures='3'"):
        backoff_window("3")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("policy", "rejected", "attempted", "expected"),
    [
        (False, 1, 10, False),
        (0.0, 1, 10, False),
        (False, 0, 10, True),
        (True, 10, 10, True),
        (1.0, 10, 10, True),
        (0.4, 5, 10, False),  # the JS kit reads this as 5/15 and tolerates it
        (0.4, 4, 10, True),
        (0.5, 5, 10, True),
        (0.4, 0, 0, True),
    ],
)
def test_rejects_tolerated(policy: bool | float, rejected: int, attempted: int,
                           expected: bool) -> None:
    assert rejects_tolerated(policy, rejected, attempted) is expected


@pytest.mark.parametrize("policy", [1.5, -0.1, "yes", None])
def test_rejects_tolerated_refuses_a_policy_outside_0_1(policy: object) -> None:
    with pytest.raises(InvalidArgument, match="is not a valid policy"):
        rejects_tolerated(policy, 1, 2)  # type: ignore[arg-type]


def test_a_summary_writes_each_instant_in_its_own_offset() -> None:
    """to_dict writes each distinct instant once; an equal instant given in another offset
    (an advance_cursor_to in +01:00) keeps its own text."""
    from datetime import timezone

    from spmkit import StepSummary, SyncWindow

    utc = datetime(2026, 1, 1, 12, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    summary = StepSummary(entity="customers", source_key="", window=SyncWindow(utc, utc),
                          cursor_before=utc - timedelta(minutes=1), cursor_after=utc,
                          requested_advance=paris)
    out = summary.to_dict()
    assert out["requested_advance"] == "2026-01-01T13:00:00+01:00"
    assert out["window"] == [utc.isoformat(), utc.isoformat()] and out["cursor_after"] == \
        "2026-01-01T12:00:00+00:00"
    assert out["cursor_before"] == "2026-01-01T11:59:00+00:00"
