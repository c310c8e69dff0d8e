"""How far a world is from caught up: the step-sources that lag, when they can run again,
and how many quiet ticks it may take (what ``Simulation.settle`` and I10 read)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from spmkit import CursorState
from spmkit_testing.oracle._delivery import Undelivered, dead_lettered, undelivered
from spmkit_testing.oracle._facts import Memory
from spmkit_testing.oracle._ground import Binding, Ground, bindings, followed, readable, rows
from spmkit_testing.oracle._rules import backoff_window, stamp

__all__ = ["Lag", "lagging", "settle_bound", "wakes_at"]


@dataclass(frozen=True, slots=True)
class Lag:
    """A step-source that has not caught up: its ``key``, its step-source text ``where``,
    and ``why``."""

    key: tuple[str, str]
    where: str
    why: str


def lagging(ground: Ground, memory: Memory) -> list[Lag]:
    """Every step-source that has not caught up: a record readable but not delivered (a loss
    already reported under I3 aside), or a cursor short of the newest record. A step-source
    whose last run was held by refused records only is caught up: the strict policy doing
    its job (I6 checks the dead-letter)."""
    out: list[Lag] = []
    now = ground.clock.now()
    cursors = rows(ground)
    pending: dict[tuple[str, str], list[Undelivered]] = {}
    for u in undelivered(ground):
        if not u.lost:
            pending.setdefault((u.stream, u.source), []).append(u)
    for binding in bindings(ground):
        row = cursors.get(binding.key)
        if row is not None and row.last_status == "error" and _held_by_refusals(
                ground, memory, binding, row, pending.get(binding.key, [])):
            continue
        where = binding.where
        out += [Lag(binding.key, where,
                    f"record {u.record.key!r} not delivered: the fake holds {u.state}")
                for u in pending.get(binding.key, [])]
        newest = max((r.updated_at for r in followed(binding)
                      if readable(ground, r, now)), default=None)
        cursor = row.last_synced_at if row is not None else None
        if newest is None or (cursor is not None and cursor >= newest):
            continue
        shown = "unset" if cursor is None else stamp(cursor)
        out.append(Lag(binding.key, where, f"cursor {shown} has not passed the partner's "
                                           f"newest record (updated_at {stamp(newest)})"))
    return out


def _held_by_refusals(ground: Ground, memory: Memory, binding: Binding, row: CursorState,
                      pending: Sequence[Undelivered]) -> bool:
    """Whether the failure ``row`` records is the strict policy holding the cursor on
    records ShopiMind refused: as its run reported (``held_by``), or, for a run a crash cut
    short, as the data shows (nothing newer than the cursor is left undelivered, and the
    dead-letter holds a refused record newer than it)."""
    held_by = memory.held_by(binding.key, row)
    if held_by != "unknown":
        return held_by == "rejects"
    if pending:
        return False
    cursor = row.last_synced_at
    dead = dead_lettered(ground, binding)
    return any(binding.stream.key_of(r.key, binding.source) in dead
               for r in followed(binding)
               if cursor is None or r.updated_at > cursor)


def wakes_at(ground: Ground, memory: Memory, lags: Sequence[Lag]) -> datetime | None:
    """When the first of the ``lags`` step-sources can run again, if every one of them is in
    backoff now (``None`` when one can run at once, or none lags): the ticks before that
    instant can do nothing for them."""
    now = ground.clock.now()
    cursors = rows(ground)
    wakes: list[datetime] = []
    for key in {lag.key for lag in lags}:
        blocked = [memory.failed_at(k, cursors[k]) + backoff_window(cursors[k].consecutive_failures)
                   for k in {key, (key[0], "")} if k in cursors
                   and memory.in_backoff(k, cursors[k], now, full=False)]
        if not blocked:
            return None
        wakes.append(max(blocked))
    return min(wakes) if wakes else None


def settle_bound(ground: Ground, memory: Memory, every: timedelta) -> int:
    """Ticks it may take to catch up: the longest backoff left, the latest record still to
    become readable, the furthest record stamped ahead of now."""
    now = ground.clock.now()
    wait = timedelta(0)
    for key, row in rows(ground).items():
        if row.last_status == "error":
            wait = max(wait, memory.failed_at(key, row)
                       + backoff_window(row.consecutive_failures) - now)
    for binding in bindings(ground):
        for record in binding.data.records(include_deleted=True):
            wait = max(wait, record.visible_at - now, record.updated_at - now)
    return math.ceil(wait / every) + 1
