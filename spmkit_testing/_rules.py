"""The golden rule as the oracle states it: the invariants, the backoff and tolerance rules
(restated, not imported from the engine), :class:`Violation`, and how a violation words a
cursor row or an instant. :mod:`spmkit_testing.oracle` re-exports the public names."""

from __future__ import annotations

from datetime import datetime, timedelta

from spmkit import CursorState

__all__ = ["DEAD_LETTER_CAP", "INVARIANTS", "RULES", "Violation", "backoff_window",
           "cursor_value", "describe_row", "rejects_tolerated", "stamp"]

INVARIANTS: dict[str, str] = {
    "I1": "cursor advanced only on a clean step-run, as the engine reported",
    "I2": "cursor never past window.until, never in the future, never backwards",
    "I3": "no silent loss",
    "I4": "failure bookkeeping",
    "I5": "backoff respected",
    "I6": "dead-letter capped and complete",
    "I7": "run status partial iff errors",
    "I8": "windows as the rule computes them, never inverted",
    "I9": "per-source isolation",
    "I10": "progress: the sync catches up once faults stop",
}
#: The rule of the README's golden cursor rule each invariant checks (I3, I10: the goal).
RULES: dict[str, str] = {"I1": "1, 5", "I2": "1", "I3": "-", "I4": "2", "I5": "4", "I6": "6",
                         "I7": "8", "I8": "3", "I9": "7", "I10": "-"}

DEAD_LETTER_CAP = 500

# The oracle restates the rules from the design instead of importing the engine's own
# helpers (spmkit.backoff_window, spmkit.rejects_tolerated): a bug there would
# otherwise be shared by the engine and the oracle that is meant to catch it.
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


class Violation(AssertionError):
    """An invariant of the golden rule broke: which, when, where, for which record, and why."""

    def __init__(self, invariant: str, tick: int, where: str, detail: str, *,
                 record: str | None = None, hazard: bool = False) -> None:
        self.invariant = invariant
        self.tick = tick
        self.where = where
        self.detail = detail
        self.record = record
        #: A loss no engine could prevent with this overlap: the record became readable
        #: only after a cursor had passed its stamp by more than ``overlap_seconds``.
        self.hazard = hazard
        self.context = ""
        super().__init__(self._text())

    def _text(self) -> str:
        head = (f"{self.invariant} ({INVARIANTS[self.invariant]}) violated at tick {self.tick}, "
                f"step-source {self.where}")
        if self.record is not None:
            head += f", record {self.record!r}"
        text = f"{head}: {self.detail}"
        return f"{text}\n{self.context}" if self.context else text

    def one_line(self) -> str:
        """The violation without its context, first line of the detail only."""
        return self._text().splitlines()[0]

    def with_context(self, context: str) -> Violation:
        """Attach the seed and the timeline to the message."""
        self.context = context
        self.args = (self._text(),)
        return self


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
