"""Pure functions of the golden cursor rule: the sync window, backoff and reject tolerance.

They hold no state and read no clock (``now`` is an argument), so they are easy
to test and to reuse in an oracle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from spmkit._clock import ensure_aware_utc
from spmkit._errors import InvalidArgument

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "SyncWindow",
    "TolerancePolicy",
    "backoff_window",
    "check_tolerance_policy",
    "compute_window",
    "rejects_tolerated",
]

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=24)

TolerancePolicy = bool | float
"""``False`` (strict, the default), ``True`` (always tolerate) or a max ratio in [0, 1]."""


@dataclass(frozen=True, slots=True)
class SyncWindow:
    """The half-open interval ``(since, until]`` of partner updates one step-run reads."""

    since: datetime
    until: datetime

    @property
    def inverted(self) -> bool:
        """True when ``since`` is after ``until``: the engine never runs such a window."""
        return self.since > self.until


def compute_window(
    last_synced_at: datetime | None,
    *,
    now: datetime,
    full: bool = False,
    backfill_days: float = 365,
    overlap_seconds: float = 0,
) -> SyncWindow:
    """Compute the window of one step-run.

    A first run (no cursor) or a full backfill reads ``backfill_days`` back from
    ``now``; otherwise the window starts ``overlap_seconds`` before the cursor, so
    records stamped by a partner clock that lags ours are read again (re-pushing is
    an idempotent upsert). ``until`` is always ``now``.

    For example::

        >>> from datetime import UTC, datetime
        >>> w = compute_window(datetime(2026, 1, 1, tzinfo=UTC),
        ...                    now=datetime(2026, 1, 2, tzinfo=UTC), overlap_seconds=60)
        >>> w.since.isoformat()
        '2025-12-31T23:59:00+00:00'
    """
    now = ensure_aware_utc(now, "now")
    check_non_negative(backfill_days, "backfill_days", "365 reads one year back on a first run")
    check_non_negative(overlap_seconds, "overlap_seconds", "set it to the partner's worst skew")
    if full or last_synced_at is None:
        try:
            return SyncWindow(since=now - timedelta(days=backfill_days), until=now)
        except OverflowError:
            raise InvalidArgument(
                f"backfill_days={backfill_days!r} reaches before year 1; use a number of days "
                f"such as 365 (or 3650 for ten years)."
            ) from None
    last = ensure_aware_utc(last_synced_at, "last_synced_at")
    if overlap_seconds:
        last = last - timedelta(seconds=overlap_seconds)
    return SyncWindow(since=last, until=now)


def backoff_window(consecutive_failures: int) -> timedelta:
    """How long a step-source is skipped after ``n`` consecutive failures.

    0 for ``n <= 0``, else ``2^(n-1)`` minutes, capped at 24 hours: 1, 2, 4, 8 min...
    """
    if isinstance(consecutive_failures, bool) or not isinstance(consecutive_failures, int):
        raise InvalidArgument(
            f"Expected int but got consecutive_failures={consecutive_failures!r} "
            f"(type={type(consecutive_failures).__name__})."
        )
    if consecutive_failures <= 0:
        return timedelta(0)
    # 2^11 minutes already exceeds the cap; avoid building huge integers.
    if consecutive_failures > 11:
        return BACKOFF_CAP
    window: timedelta = BACKOFF_BASE * (2 ** (consecutive_failures - 1))
    return min(window, BACKOFF_CAP)


def check_tolerance_policy(policy: object, where: str) -> TolerancePolicy:
    """Validate a ``tolerate_rejects`` policy, naming ``where`` it was set in the error."""
    if isinstance(policy, bool):
        return policy
    if isinstance(policy, int | float) and 0.0 <= float(policy) <= 1.0:
        return float(policy)
    raise InvalidArgument(
        f"{where}: tolerate_rejects={policy!r} is not a valid policy. Use False (strict: any "
        f"rejected item holds the cursor), True (always advance), or a max reject ratio "
        f"between 0.0 and 1.0 such as 0.05."
    )


def rejects_tolerated(policy: TolerancePolicy, rejected: int, attempted: int) -> bool:
    """Say whether ``rejected`` of ``attempted`` items may let the cursor advance.

    ``False``/0.0 never tolerates a reject, ``True``/1.0 always does, a ratio ``r``
    tolerates while ``rejected / attempted <= r``. Nothing rejected, or nothing
    attempted, is always tolerated. ``attempted`` is what the pushes reported
    (sent + rejected), never the step's own item count.
    """
    ratio = check_tolerance_policy(policy, "rejects_tolerated")
    for name, value in (("rejected", rejected), ("attempted", attempted)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgument(
                f"Expected a non-negative int but got {name}={value!r} "
                f"(type={type(value).__name__})."
            )
    if rejected == 0 or attempted == 0:
        return True
    if ratio is True:
        return True
    if ratio is False:
        return False
    return rejected / attempted <= ratio


def check_non_negative(value: object, name: str, hint: str) -> float:
    """Return ``value`` as a float, or raise naming ``name`` if it is negative or not a number."""
    if (type(value) is int or type(value) is float) and 0 <= value < math.inf:
        return float(value)  # a plain finite number >= 0: the engine's call on every run
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(
            f"Expected a number but got {name}={value!r} (type={type(value).__name__})."
        )
    if value < 0:
        raise InvalidArgument(f"{name}={value!r} must be >= 0 ({hint}).")
    if not math.isfinite(value):
        raise InvalidArgument(f"{name}={value!r} must be a finite number >= 0 ({hint}).")
    return float(value)
