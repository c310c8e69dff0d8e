"""``FakeSource``: the records of one partner stream (one source of it), with their history.

The partner stamps ``updated_at`` with its own clock, ``clock.now() + skew`` (it may lag
or lead ours); a write with ``lag`` becomes readable ``lag`` later on the true clock (a
late arrival). A read sees, per key, the newest version visible at :meth:`FakeSource.read_instant`:
``clock.now()``, or the latest instant the clock reached when it has stepped back since (a
partner never un-publishes a record because our clock jumped).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from spmkit import Clock, InvalidArgument, ensure_aware_utc
from spmkit_testing.partner._records import EXCLUSIVE_SINCE, Bounds, RecordIndex, SourceRecord
from spmkit_testing.partner._time import truncate

__all__ = ["FakeSource"]


def _timedelta(value: object, name: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise InvalidArgument(
            f"Expected a timedelta for {name} but got {name}={value!r} "
            f"(type={type(value).__name__}); for example timedelta(seconds=30)."
        )
    return value


class FakeSource:
    """The records of one partner stream-source: writes, ground truth and windowed reads.

    Verbs: ``put``, ``update``, ``delete`` (writes); ``records``, ``get``, ``versions``
    (ground truth); ``read_window`` (what a read sees now).

    ``clock`` is the true clock (a :class:`~spmkit_testing.SimClock` in tests); ``skew``
    is how far the partner's clock is ahead (positive) or behind (negative) ours;
    ``precision`` truncates the stamps (``timedelta(milliseconds=1)`` for a partner
    that serves epoch milliseconds).
    """

    def __init__(self, clock: Clock, *, skew: timedelta = timedelta(0),
                 precision: timedelta | None = None) -> None:
        if not callable(getattr(clock, "now", None)):
            raise InvalidArgument(
                f"FakeSource needs a clock with now(), got clock={clock!r}; "
                f"pass a SimClock(start=...)."
            )
        self.clock = clock
        self._skew = _timedelta(skew, "skew")
        self.precision = precision
        self.index = RecordIndex()
        self._truth: tuple[int, list[SourceRecord]] | None = None

    # -- the partner clock -----------------------------------------------------------
    @property
    def skew(self) -> timedelta:
        """How far the partner's clock is ahead (positive) or behind (negative) ours."""
        return self._skew

    @skew.setter
    def skew(self, value: timedelta) -> None:
        self._skew = _timedelta(value, "skew")

    def partner_now(self) -> datetime:
        """The partner's clock: ``clock.now() + skew``."""
        return self.clock.now() + self._skew

    # -- writes ------------------------------------------------------------------------
    def put(
        self,
        key: str,
        payload: Mapping[str, Any],
        *,
        lag: timedelta = timedelta(0),
        updated_at: datetime | None = None,
    ) -> SourceRecord:
        """Create or replace ``key``; ``updated_at`` defaults to the partner's clock."""
        self._check_key(key)
        if not isinstance(payload, Mapping):
            raise InvalidArgument(
                f"payload must be a mapping (dict), got payload={payload!r} "
                f"(type={type(payload).__name__})."
            )
        return self._write(key, dict(payload), False, lag, updated_at)

    def update(
        self,
        key: str,
        changes: Mapping[str, Any],
        *,
        lag: timedelta = timedelta(0),
        updated_at: datetime | None = None,
    ) -> SourceRecord:
        """Merge ``changes`` into the payload of an existing, not deleted ``key``."""
        current = self._existing(key, "update")
        if not isinstance(changes, Mapping):
            raise InvalidArgument(
                f"changes must be a mapping (dict), got changes={changes!r} "
                f"(type={type(changes).__name__})."
            )
        return self._write(key, {**current.payload, **changes}, False, lag, updated_at)

    def delete(
        self, key: str, *, lag: timedelta = timedelta(0), updated_at: datetime | None = None
    ) -> SourceRecord:
        """Write a tombstone: reads serve ``key`` with ``deleted=true`` and empty data."""
        self._existing(key, "delete")
        return self._write(key, {}, True, lag, updated_at)

    def _check_key(self, key: object) -> None:
        if not isinstance(key, str) or not key:
            raise InvalidArgument(
                f"key must be a non-empty str, got key={key!r} (type={type(key).__name__})."
            )

    def _existing(self, key: str, verb: str) -> SourceRecord:
        self._check_key(key)
        current = self.index.latest(key)
        if current is None or current.deleted:
            state = "is deleted" if current is not None else "does not exist"
            raise InvalidArgument(
                f"cannot {verb} key={key!r}: it {state} in this source. "
                f"Use put(key, payload) to create it."
            )
        return current

    def _write(
        self,
        key: str,
        payload: dict[str, Any],
        deleted: bool,
        lag: timedelta,
        updated_at: datetime | None,
    ) -> SourceRecord:
        lag = _timedelta(lag, "lag")
        if lag < timedelta(0):
            raise InvalidArgument(
                f"lag={lag!r} is negative: a record cannot be readable before it is written. "
                f"To stamp it in the past, pass updated_at=... instead."
            )
        stamp = (
            self.partner_now() if updated_at is None else ensure_aware_utc(updated_at, "updated_at")
        )
        if self.precision is not None:
            stamp = truncate(stamp, self.precision)
        previous = self.index.latest(key)
        created = stamp if previous is None or previous.deleted else previous.created_at
        record = SourceRecord(
            key=key,
            payload=payload,
            updated_at=stamp,
            visible_at=self.clock.now() + lag,
            deleted=deleted,
            version=1 if previous is None else previous.version + 1,
            seq=self.index.next_seq(),
            created_at=created,
        )
        self.index.add(record)
        return record

    # -- ground truth and reads ----------------------------------------------------------
    def get(self, key: str) -> SourceRecord | None:
        """The newest version of ``key`` (visible yet or not), or ``None``."""
        return self.index.latest(key)

    def versions(self, key: str) -> list[SourceRecord]:
        """Every version of ``key`` in write order."""
        return self.index.versions(key)

    def records(self, *, include_deleted: bool = True) -> list[SourceRecord]:
        """Ground truth: the newest version of every key, by ``(updated_at, key)``."""
        if self._truth is None or self._truth[0] != self.index.writes:
            latest = [self.index.latest(key) for key in self.index.key_list()]
            ordered = sorted(
                (r for r in latest if r is not None), key=lambda r: (r.updated_at, r.key)
            )
            self._truth = (self.index.writes, ordered)  # cached until the next write
        return [r for r in self._truth[1] if include_deleted or not r.deleted]

    def read_window(
        self,
        since: datetime | None,
        until: datetime | None,
        *,
        limit: int | None = None,
        offset: int = 0,
        cursor: tuple[datetime, str] | None = None,
        bounds: Bounds = EXCLUSIVE_SINCE,
    ) -> list[SourceRecord]:
        """What a read sees now (:meth:`read_instant`): ``since < updated_at <= until``
        (``bounds=(True, True)``: ``since <= updated_at <= until``).

        Ordered by ``(updated_at, key)``. ``None`` bounds are open. ``cursor`` is the
        ``(updated_at, key)`` of the last record already read (keyset pagination);
        ``offset`` skips that many records (page pagination).
        """
        lower = None if since is None else ensure_aware_utc(since, "since")
        upper = None if until is None else ensure_aware_utc(until, "until")
        if cursor is not None:
            cursor = (ensure_aware_utc(cursor[0], "cursor[0]"), cursor[1])
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise InvalidArgument(f"limit must be an int >= 0 or None, got limit={limit!r}.")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidArgument(f"offset must be an int >= 0, got offset={offset!r}.")
        rows = self.index.scan(self.read_instant(), lower, upper, cursor, bounds)
        stop = None if limit is None else offset + limit
        return list(islice(rows, offset, stop))

    def read_instant(self) -> datetime:
        """The instant a read sees the records as of: ``clock.now()``, or the clock's
        ``latest`` instant when it has stepped back since (what was readable then stays
        readable)."""
        now = self.clock.now()
        latest = getattr(self.clock, "latest", now)
        return latest if isinstance(latest, datetime) and latest > now else now

    def __len__(self) -> int:
        return len(self.index)

    def __repr__(self) -> str:
        skew = f", skew={self._skew!r}" if self._skew else ""
        return f"FakeSource(records={len(self.index)}{skew})"
