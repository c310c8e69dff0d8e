"""The golden rule as the oracle restates it: backoff, tolerance, the dead-letter cap, and
how a violation words a cursor row or an instant.

The oracle restates the rules from the design instead of importing the engine's own
helpers (``spmkit.backoff_window``, ``spmkit.rejects_tolerated``): a bug there would
otherwise be shared by the engine and the oracle that is meant to catch it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from spmkit import CursorState

__all__ = ["DEAD_LETTER_CAP", "backoff_window", "cursor_value", "describe_row",
           "rejects_tolerated", "stamp"]

DEAD_LETTER_CAP = 500
_BACKOFF_BASE = timedelta(minutes=1)
_BACKOFF_CAP = timedelta(hours=24)


def backoff_window(consecutive_failures: int) -> timedelta:
    """``2^(n-1)`` minutes after ``n`` consecutive failures, capped at 24 h (0 for none)."""
    if consecutive_failures <= 0:
        return timedelta(0)
    window: timedelta = _BACKOFF_BASE * 2 ** min(consecutive_failures - 1, 11)
    return min(window, _BACKOFF_CAP)


def rejects_tolerated(policy: bool | float, rejected: int, attempted: int) -> bool:
    """``False``/0: never; ``True``: always; a ratio: while ``rejected / attempted <= ratio``."""
    if rejected == 0 or attempted == 0 or policy is True:
        return True
    if policy is False:
        return False
    return rejected / attempted <= float(policy)


def cursor_value(row: CursorState | None) -> datetime | None:
    """The cursor a store row holds (``None`` without a row or a value)."""
    return row.last_synced_at if row is not None else None


def describe_row(row: CursorState | None) -> str:
    """A store row in a violation's words: its value, status and failure count."""
    if row is None:
        return "no row"
    return (f"value {stamp(row.last_synced_at)}, status {row.last_status}, "
            f"{row.consecutive_failures} failure(s)")


def stamp(value: datetime | None) -> str:
    """An instant as the traces write it (``...Z``), or ``unset``."""
    return "unset" if value is None else value.isoformat().replace("+00:00", "Z")
