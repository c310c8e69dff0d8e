"""The oracle of the golden cursor rule: every tick checked against ground truth.

Ground truth is the partner's records (every version, with when it became readable),
what the fake ShopiMind API holds, and the store. One invariant per rule of the
golden cursor rule (the README numbers the rules):

* **I1** (rules 1, 5) a cursor moves only on a clean step-run: no error, no untolerated
  reject; and the store holds the cursor the engine reported;
* **I2** (rule 1) never past ``window.until``, never in the future, never backwards
  outside a full backfill;
* **I3** no silent loss: once a cursor has passed a record for good (its ``updated_at``
  is at or before ``cursor - overlap_seconds``, so no later window reads it), the fake
  API holds its latest version, or it was refused and dead-lettered under a tolerance
  that allowed it;
* **I4** (rule 2) failure bookkeeping: a failure keeps the value and counts; a clean run
  resets; a skipped step-source's row does not change;
* **I5** (rule 4) backoff respected: not run inside its window, run again once it elapses;
* **I6** (rule 6) dead-letter: every rejected item stored, at most 500 per run;
* **I7** (rule 8) run status ``partial`` iff errors;
* **I8** (rule 3) windows as the rule computes them (``cursor - overlap`` or
  ``backfill_days`` back, to the step's start), never inverted;
* **I9** (rule 7) per-source isolation: one failing source never stops another;
* **I10** progress: once the faults stop and the partner is quiet, the sync catches up
  within a bounded number of ticks: every record of every source the partner has is
  delivered (or refused and dead-lettered) and every cursor passes the newest record,
  unless refused records hold it (the strict policy doing its job).

A violation is a :class:`Violation` (an ``AssertionError``) naming the invariant, the
tick, the step-source and the record.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from spmkit import BULK_RESOURCES, CursorState, SyncSummary
from spmkit_testing._report_text import error_text
from spmkit_testing._rules import (
    DEAD_LETTER_CAP,
    INVARIANTS,
    RULES,
    Violation,
    backoff_window,
    rejects_tolerated,
)
from spmkit_testing._rules import cursor_value as _value
from spmkit_testing._rules import stamp as _t
from spmkit_testing._run_check import RunCheck
from spmkit_testing.adapter import Stream
from spmkit_testing.partner import FakeSource, SourceRecord

if TYPE_CHECKING:
    from spmkit_testing.simulation import Simulation

__all__ = ["DEAD_LETTER_CAP", "INVARIANTS", "RULES", "Oracle", "Undelivered", "Violation",
           "backoff_window", "format_timeline", "rejects_tolerated"]

@dataclass(frozen=True, slots=True)
class Undelivered:
    """A live partner record the fake API does not hold (latest version), not dead-lettered.

    ``lost`` says the cursor has passed it for good (no later window reads it).
    """

    stream: str
    source: str
    record: SourceRecord
    state: str
    lost: bool

    @property
    def where(self) -> str:
        return self.stream + (f"@{self.source}" if self.source else "")

    def __str__(self) -> str:
        fate = "the cursor passed it: lost" if self.lost else "the cursor has not passed it"
        return (f"{self.where} {self.record.key!r} (updated_at {_t(self.record.updated_at)}): "
                f"the fake holds {self.state}; {fate}")


@dataclass(frozen=True, slots=True)
class _Binding:
    stream: Stream
    source: str
    data: FakeSource

    @property
    def key(self) -> tuple[str, str]:
        return (self.stream.name, self.source)

    @property
    def where(self) -> str:
        return f"{self.stream.name}/{self.source!r}"


class _Watch:
    """What the loss check keeps about one stream-source between ticks.

    ``pending``: live newest versions the cursor has not passed yet, a heap by
    ``(updated_at, key)``; ``hidden``: passed but not readable yet, a heap by
    ``visible_at``; ``held``: passed and found in the fake (by record key, with the item
    key that finds them in ``by_item`` when the stream's items are keyed otherwise);
    ``excused``: passed, not in the fake, but
    dead-lettered under a tolerant policy (examined every tick). A heap entry whose
    version is no longer the newest is dropped when it comes up.
    """

    __slots__ = ("by_item", "excused", "held", "hidden", "pending", "seen")

    def __init__(self) -> None:
        self.seen = 0
        self.pending: list[tuple[datetime, str, int]] = []
        self.hidden: list[tuple[datetime, str, int]] = []
        self.held: dict[str, SourceRecord] = {}
        self.by_item: dict[str, str] = {}
        self.excused: dict[str, SourceRecord] = {}

    def due(self, binding: _Binding, horizon: datetime, now: datetime,
            changed: set[str] | None) -> list[SourceRecord]:
        """The records to examine this tick, in ``(updated_at, key)`` order: the
        passed-and-readable ones not examined yet, the excused ones, and the held ones
        whose item the fake stored again (every held one when ``changed`` is None)."""
        index = binding.data.index
        new = index.written_since(self.seen)
        self.seen += len(new)
        for record in new:
            self.held.pop(record.key, None)
            self.excused.pop(record.key, None)
            if index.latest(record.key) is record and not record.deleted:
                heapq.heappush(self.pending, (record.updated_at, record.key, record.seq))
        examine: dict[str, SourceRecord] = dict(self.excused)
        self.excused.clear()
        while self.pending and self.pending[0][0] <= horizon:
            _, key, seq = heapq.heappop(self.pending)
            found = index.latest(key)
            if found is None or found.seq != seq:
                continue
            if found.visible_at > now:
                heapq.heappush(self.hidden, (found.visible_at, key, seq))
            else:
                examine[key] = found
        while self.hidden and self.hidden[0][0] <= now:
            _, key, seq = heapq.heappop(self.hidden)
            found = index.latest(key)
            if found is not None and found.seq == seq:
                examine[key] = found
        if changed is None:
            examine.update(self.held)
            self.held.clear()
            self.by_item.clear()
        else:
            same_keys = binding.stream.item_key is None
            for item_key in changed:
                held_key = item_key if same_keys else self.by_item.pop(item_key, None)
                if held_key is not None and held_key in self.held:
                    examine[held_key] = self.held.pop(held_key)
        return sorted(examine.values(), key=lambda r: (r.updated_at, r.key))

    def hold(self, binding: _Binding, record: SourceRecord) -> None:
        self.held[record.key] = record
        if binding.stream.item_key is not None:  # else the item has the record's key
            self.by_item[binding.stream.key_of(record.key, binding.source)] = record.key

    def wait(self, record: SourceRecord) -> None:
        heapq.heappush(self.pending, (record.updated_at, record.key, record.seq))


class Oracle:
    """Checks a :class:`~spmkit_testing.Simulation` after every tick (see the module docstring)."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._before = self._rows()
        self._reported: set[tuple[str, str, str, int]] = set()
        # The cursor each record version found when it first became readable, and per
        # stream-source the versions not readable yet (how many were seen, a heap by
        # visible_at): only what changed is looked at each tick.
        self._found: dict[tuple[str, str, str, int], datetime | None] = {}
        self._unnoted: dict[tuple[str, str], tuple[int, list[tuple[datetime, str, int]]]] = {}
        # When each failing step-source's last failed run started, as the oracle saw it
        # (with the failure count then): backoff is measured on the simulation's one clock,
        # whatever the store stamped (a store on a second clock is a bug to catch).
        self._failed_at: dict[tuple[str, str], tuple[int, datetime]] = {}
        self._journal_at = 0
        # The incremental loss check (I3): what it knows per stream-source, the items the
        # fake stored since the last tick, and what those items were checked against.
        self._watches: dict[tuple[str, str], _Watch] = {}
        self._changed: dict[str, set[str]] = {}
        self._watched: Any = None
        self._provisioned: Any = sim.provisioned if hasattr(sim, "provisioned") else None
        self._watch_fake()

    def bindings(self) -> Iterator[_Binding]:
        """Every stream-source the partner has, with its records."""
        for stream_name, source, data in self.sim.partner:
            yield _Binding(self.sim.adapter.stream(stream_name), source, data)

    def policy(self, stream: str) -> bool | float:
        return self.sim.integration.step(stream).tolerate_rejects

    def begin(self) -> None:
        """Note the store and the fake's journal as a tick starts (a test may have changed
        the store between ticks)."""
        self._before = self._rows()
        self._journal_at = self.sim.fake.journal_length

    def _rows(self) -> dict[tuple[str, str], CursorState]:
        return {(c.entity, c.source_key): c for c in self.sim.db.list_cursors()}

    # -- after every tick ---------------------------------------------------------------

    def check(self, tick: int, now: datetime, summaries: Sequence[SyncSummary], full: bool, *,
              finished: datetime, workers: int = 1) -> list[Violation]:
        """Check one finished tick: the summaries of the workers that ran it (none when the
        engine crashed; two when a second worker ran the same tick).

        ``now`` is when the tick started, ``finished`` when it ended (retries and
        latency take simulated time, so later steps of a tick run later). With several
        ``workers`` a row may change under a step while it runs (another worker, one that
        crashed): each run is then held only to what it reports about itself.
        """
        before, after = self._before, self._rows()
        self._before = after
        found: list[Violation] = []
        if summaries:
            found += RunCheck(self, tick, now, finished, summaries, before, after, full,
                               workers).run()
            if workers == 1:
                found += self._advanced_past_failed_pushes(tick, summaries[0], before, after)
            self._note_failures(now, finished, summaries, after)
        found += self._cursors_vs_time(tick, finished, before, after, full)
        self._note_readable(finished, before)
        found += self._losses(tick, finished, after)
        return found

    def _advanced_past_failed_pushes(self, tick: int, summary: SyncSummary,
                                     before: dict[tuple[str, str], CursorState],
                                     after: dict[tuple[str, str], CursorState]
                                     ) -> list[Violation]:
        """I1 from the fake's own journal: a step-source whose cursor moved although a push of
        its items failed this tick (non-2xx, no answer, or ``failed_count`` in a 2xx) and was
        not retried to success. Whatever the engine reported, the push did not land."""
        failed = _unrecovered(self.sim.fake.journal_since(self._journal_at))
        if not failed:
            return []
        ran = {(s.entity, s.source_key) for s in summary.steps if s.skipped_reason is None}
        out = []
        for binding in self.bindings():
            key = binding.key
            old, new = before.get(key), after.get(key)
            if key not in ran or _value(new) == _value(old) or new is None:
                continue
            for resource, sources, keys, detail in failed:
                if resource == binding.stream.resource and self._pushed_by(binding, sources,
                                                                           keys, ran):
                    out.append(Violation("I1", tick, binding.where,
                                         f"cursor moved {_t(_value(old))} -> {_t(_value(new))} "
                                         f"although a push of its items failed and was not "
                                         f"retried to success ({detail}): those items did not "
                                         f"land"))
                    break
        return out

    def _pushed_by(self, binding: _Binding, sources: set[Any], keys: set[str],
                   ran: set[tuple[str, str]]) -> bool:
        """Whether a push of items with these natural ``keys`` and ``id_data_source`` values
        was ``binding``'s: by the keys when they are the items of partner records (two
        step-sources may share a data source), else by the data source."""
        mine = {binding.stream.key_of(r.key, binding.source) for r in binding.data.records()}
        if keys & mine:
            return True
        if any(keys & {b.stream.key_of(r.key, b.source) for r in b.data.records()}
               for b in self.bindings() if b.key != binding.key
               and b.stream.resource == binding.stream.resource):
            return False
        declared = binding.stream.data_source_of(binding.source)
        ids = getattr(self.sim.provisioned, "data_sources", None) or {}
        if declared is not None and declared in ids:
            return ids[declared] in sources
        # No data source to tell them apart: only when it is the one step-source of the
        # resource that ran.
        same = [b for b in self.bindings() if b.stream.resource == binding.stream.resource
                and b.key in ran]
        return len(same) == 1

    def _note_failures(self, now: datetime, finished: datetime,
                       summaries: Sequence[SyncSummary],
                       after: dict[tuple[str, str], CursorState]) -> None:
        for summary in summaries:
            for step in summary.steps:
                key = (step.entity, step.source_key)
                row = after.get(key)
                if len(summaries) > 1:
                    # Two workers: which one wrote the row last is not observed; its stamp is.
                    self._failed_at.pop(key, None)
                elif step.errors and row is not None:
                    # A step-source's start is its window's end; a failure before any window
                    # (sources(), enabled()) started when its step did, which the summary
                    # does not say: the row's stamp, if it lies within the tick.
                    started = step.window.until if step.window is not None else (
                        row.updated_at if now <= row.updated_at <= finished else now)
                    self._failed_at[key] = (row.consecutive_failures, started)
                elif step.skipped_reason is None and not step.errors:
                    self._failed_at.pop(key, None)

    def failed_at(self, key: tuple[str, str], row: CursorState) -> datetime:
        """When the failure ``row`` records started: the oracle's own observation when it has
        one for this failure count, else the row's stamp (a failure in a crashed tick)."""
        seen = self._failed_at.get(key)
        return seen[1] if seen is not None and seen[0] == row.consecutive_failures \
            else row.updated_at

    def in_backoff(self, key: tuple[str, str], row: CursorState | None, now: datetime,
                   full: bool) -> bool:
        if full or row is None or row.last_status != "error" or row.consecutive_failures <= 0:
            return False
        return now < self.failed_at(key, row) + backoff_window(row.consecutive_failures)

    def _readable(self, record: SourceRecord, now: datetime) -> bool:
        """Whether a read at ``now`` sees ``record``: as the partner reads, what was
        readable at the latest instant the clock reached stays readable after it steps
        back."""
        return record.visible_at <= max(now, self.sim.clock.latest)

    def _note_readable(self, now: datetime, before: dict[tuple[str, str], CursorState]) -> None:
        """Remember the cursor each live version found when it became readable (by the end
        of this tick): looks only at the versions written since and those still hidden."""
        seen_at = max(now, self.sim.clock.latest)
        for binding in self.bindings():
            index = binding.data.index
            seen, hidden = self._unnoted.get(binding.key, (0, []))
            new = index.written_since(seen)
            for record in new:
                heapq.heappush(hidden, (record.visible_at, record.key, record.seq))
            self._unnoted[binding.key] = (seen + len(new), hidden)
            row = before.get(binding.key)
            cursor = row.last_synced_at if row is not None else None
            while hidden and hidden[0][0] <= seen_at:
                _, key, seq = heapq.heappop(hidden)
                latest = index.latest(key)
                if latest is not None and latest.seq == seq and not latest.deleted:
                    mark = (binding.stream.name, binding.source, latest.key, latest.version)
                    self._found.setdefault(mark, cursor)

    def _cursors_vs_time(self, tick: int, now: datetime, before: dict[tuple[str, str],
                         CursorState], after: dict[tuple[str, str], CursorState],
                         full: bool) -> list[Violation]:
        out = []
        for key, row in after.items():
            value, old = row.last_synced_at, before.get(key)
            old_value = old.last_synced_at if old else None
            if value is None or value == old_value:
                continue
            where = f"{key[0]}/{key[1]!r}"
            if value > now:
                out.append(Violation("I2", tick, where, f"cursor {_t(value)} is in the future "
                                     f"of now {_t(now)}"))
            if old_value is not None and value < old_value and not full:
                out.append(Violation("I2", tick, where, f"cursor moved backwards "
                                     f"{_t(old_value)} -> {_t(value)} outside a full backfill"))
        return out

    def _losses(self, tick: int, now: datetime,
                rows: dict[tuple[str, str], CursorState]) -> list[Violation]:
        """I3, incrementally: each tick examines what changed (new partner versions,
        records the cursor passed or that became readable, items the fake stored), never
        every record again; a record found in the fake is examined again only when the
        fake's item for it changes."""
        out = []
        overlap = timedelta(seconds=self.sim.overlap_seconds)
        changed: dict[str, set[str]] | None = self._changed
        self._changed = {}
        if self.sim.provisioned is not self._provisioned or self.sim.fake.state is not \
                self._watched:
            # The data source ids, or the whole fake, changed: re-examine every held record.
            self._provisioned = self.sim.provisioned
            self._watch_fake()
            changed = None
        for binding in self.bindings():
            row = rows.get(binding.key)
            if row is None or row.last_synced_at is None:
                continue
            watch = self._watches.setdefault(binding.key, _Watch())
            horizon = row.last_synced_at - overlap
            examine = watch.due(binding, horizon, max(now, self.sim.clock.latest),
                                None if changed is None else changed.get(binding.stream.resource,
                                                                         set()))
            tolerant = self.policy(binding.stream.name) not in (False, 0.0)
            dead: set[str] | None = None
            for record in examine:
                if record.updated_at > horizon or not self._readable(record, now):
                    watch.wait(record)  # no longer passed (the cursor moved back)
                    continue
                mark = (binding.stream.name, binding.source, record.key, record.version)
                if mark in self._reported:
                    continue
                state = self._state(binding, record)
                if state is None:
                    watch.hold(binding, record)
                    continue
                if tolerant:
                    dead = self._dead(binding) if dead is None else dead
                    if binding.stream.key_of(record.key, binding.source) in dead:
                        watch.excused[record.key] = record
                        continue
                self._reported.add(mark)
                found = self._found.get(mark)
                hazard = found is not None and record.updated_at <= found - overlap
                why = (f" It became readable only after a cursor ({_t(found)}) had passed its "
                       f"stamp by more than overlap_seconds: a lateness the overlap does not "
                       f"cover (raise overlap_seconds; see clock_skew_loss)."
                       if hazard and found is not None else "")
                out.append(Violation(
                    "I3", tick, binding.where,
                    f"partner updated_at {_t(record.updated_at)} (readable from "
                    f"{_t(record.visible_at)}) is at or before cursor - overlap "
                    f"{_t(horizon)}, so no later window reads it, but the fake API holds "
                    f"{state} and it was not dead-lettered under a tolerant policy: lost for "
                    f"good.{why}", record=record.key, hazard=hazard))
        return out

    def _watch_fake(self) -> None:
        state = self.sim.fake.state
        if state is not self._watched:
            state.watch(self._stored)
            self._watched = state

    def _stored(self, resource: str, keys: Sequence[str]) -> None:
        self._changed.setdefault(resource, set()).update(keys)

    # -- delivery, the one computation -------------------------------------------------

    def _state(self, binding: _Binding, record: SourceRecord) -> str | None:
        """``None`` when the fake holds ``record`` (this version or newer) as the item of
        ``binding``; else what it holds instead."""
        stream = binding.stream
        item = self.sim.fake.state.record(stream.resource, stream.key_of(record.key,
                                                                         binding.source))
        if item is None:
            return "nothing"
        source_key = stream.data_source_of(binding.source)
        ids = getattr(self.sim.provisioned, "data_sources", None) or {}
        want = ids.get(source_key) if source_key is not None else None
        if want is not None and item.get("id_data_source") != want:
            return "another data source's item under that key"
        if stream.version is None:
            return None
        version = stream.version_of(item)
        if version is None:
            return f"an item without a readable {stream.version!r}"
        return None if version >= record.updated_at else "an older version"

    def _dead(self, binding: _Binding) -> set[str]:
        rows = self.sim.db.list_rejected(entity=binding.stream.name, limit=1_000_000)
        return {d.item_key or "" for d in rows if d.source_key == binding.source}

    def undelivered(self) -> list[Undelivered]:
        """Live records readable now that the fake does not hold and nobody dead-lettered."""
        out = []
        now = self.sim.clock.now()
        overlap = timedelta(seconds=self.sim.overlap_seconds)
        rows = self._rows()
        for binding in self.bindings():
            row = rows.get(binding.key)
            cursor = row.last_synced_at if row is not None else None
            dead: set[str] | None = None
            for record in binding.data.records(include_deleted=False):
                if not self._readable(record, now):
                    continue
                state = self._state(binding, record)
                if state is None:
                    continue
                dead = self._dead(binding) if dead is None else dead
                if binding.stream.key_of(record.key, binding.source) in dead:
                    continue
                lost = cursor is not None and record.updated_at <= cursor - overlap
                out.append(Undelivered(binding.stream.name, binding.source, record, state, lost))
        return out

    # -- progress (I10) -----------------------------------------------------------------

    def behind(self) -> list[tuple[str, str]]:
        """``(step-source, why)`` for every step-source that has not caught up: a record
        readable but not delivered (a loss already reported under I3 aside), or a cursor
        short of the newest record. A step-source whose last run was held by refused
        records only is caught up: the strict policy doing its job (I6 checks the
        dead-letter)."""
        return [(where, why) for _, where, why in self.lagging()]

    def wakes_at(self, lagging: Sequence[tuple[tuple[str, str], str, str]]) -> datetime | None:
        """When the first of the ``lagging`` step-sources (from :meth:`lagging`) can run
        again, if every one of them is in backoff now (``None`` when one can run at once, or
        none lags): the ticks before that instant can do nothing for them."""
        now = self.sim.clock.now()
        rows = self._rows()
        wakes: list[datetime] = []
        for key in {key for key, _, _ in lagging}:
            blocked = [self.failed_at(k, rows[k]) + backoff_window(rows[k].consecutive_failures)
                       for k in {key, (key[0], "")} if k in rows
                       and self.in_backoff(k, rows[k], now, full=False)]
            if not blocked:
                return None
            wakes.append(max(blocked))
        return min(wakes) if wakes else None

    def lagging(self) -> list[tuple[tuple[str, str], str, str]]:
        """:meth:`behind` with each step-source's ``(stream, source)`` key first."""
        out: list[tuple[tuple[str, str], str, str]] = []
        now = self.sim.clock.now()
        rows = self._rows()
        pending: dict[tuple[str, str], list[Undelivered]] = {}
        for u in self.undelivered():
            if not u.lost:
                pending.setdefault((u.stream, u.source), []).append(u)
        for binding in self.bindings():
            row = rows.get(binding.key)
            # The store, not the trace: a run in a crashed tick leaves no summary behind.
            if row is not None and row.last_status == "error" \
                    and _REJECTS_ONLY.match(row.last_error or ""):
                continue
            where = binding.stream.name + (f"@{binding.source}" if binding.source else "")
            out += [(binding.key, where,
                     f"record {u.record.key!r} not delivered: the fake holds {u.state}")
                    for u in pending.get(binding.key, [])]
            newest = max((r.updated_at for r in binding.data.records(include_deleted=False)
                          if self._readable(r, now)), default=None)
            cursor = row.last_synced_at if row is not None else None
            if newest is None or (cursor is not None and cursor >= newest):
                continue
            shown = "unset" if cursor is None else _t(cursor)
            out.append((binding.key, where, f"cursor {shown} has not passed the partner's "
                                            f"newest record (updated_at {_t(newest)})"))
        return out

    def settle_bound(self, every: timedelta) -> int:
        """Ticks it may take to catch up: the longest backoff left, the latest record still
        to become readable, the furthest record stamped ahead of now."""
        now = self.sim.clock.now()
        wait = timedelta(0)
        for key, row in self._rows().items():
            if row.last_status == "error":
                wait = max(wait, self.failed_at(key, row)
                           + backoff_window(row.consecutive_failures) - now)
        for binding in self.bindings():
            for record in binding.data.records(include_deleted=True):
                wait = max(wait, record.visible_at - now, record.updated_at - now)
        return math.ceil(wait / every) + 1

    def progress(self, tick: int, bound: int) -> list[Violation]:
        """I10 violations: what has not caught up after the settle ticks."""
        return [Violation("I10", tick, where, f"{why} after {bound} quiet tick(s) with no "
                          f"fault: the sync does not catch up (a cursor that never advances, "
                          f"a source that is never read, or a wall-clock read?)")
                for where, why in self.behind()]


_BULK_PATHS = {f"/v1/{spec.path}": name for name, spec in BULK_RESOURCES.items()
               if "{" not in spec.path}


# The engine's error for a run held by refused items only (a documented, stable prefix).
_REJECTS_ONLY = re.compile(r"\d+ item\(s\) rejected \(cursor held[^;)]*;[^;)]*\)(?: — [^;]*)?$")


def _unrecovered(entries: Sequence[Any]) -> list[tuple[str, set[Any], set[str], str]]:
    """Bulk writes that failed and were not later retried to success, in journal order:
    ``(resource, the items' id_data_source values, their natural keys, what went wrong)``."""
    failed: dict[tuple[str, tuple[str, ...]], tuple[str, set[Any], set[str], str]] = {}
    for entry in entries:
        resource = _BULK_PATHS.get(entry.path.rstrip("/"))
        if resource is None or entry.method not in ("POST", "PUT"):
            continue
        body = entry.request_body  # parsed from the entry's bytes: read once, here
        if not isinstance(body, list):
            continue
        natural = BULK_RESOURCES[resource].natural_key
        same = (resource, tuple(str(i.get(natural)) for i in body if isinstance(i, dict)))
        answer = entry.response_body if isinstance(entry.response_body, dict) else {}
        count = answer.get("failed_count", 0)
        if 200 <= entry.status < 300 and not count:
            failed.pop(same, None)
            continue
        what = (f"{entry.method} {entry.path} answered {entry.status or 'nothing'}"
                + (f" with failed_count={count}" if count else ""))
        sources = {i.get("id_data_source") for i in body if isinstance(i, dict)}
        failed[same] = (resource, sources, set(same[1]), what)
    return list(failed.values())


def format_timeline(lines: Sequence[Any], *, limit: int = 40) -> str:
    """A compact text timeline of ticks (``TickTrace`` objects), most recent last.

    A step held by rejects names the first records and the API's reason, each cut to
    60 characters (``HELD (1 item(s) rejected — 'bad': email must be …)``); any other
    error is cut to 90.
    """
    shown = list(lines)[-limit:]
    out = []
    if len(lines) > limit:
        out.append(f"  ... {len(lines) - limit} earlier tick(s)")
    for t in shown:
        parts = []
        for s in t.steps:
            name = s.entity + (f"@{s.source_key}" if s.source_key else "")
            if s.skipped:
                parts.append(f"{name}: skipped ({s.skipped})")
            elif s.errors:
                parts.append(f"{name}: HELD ({error_text(s.errors[0], limit=90)})")
            elif s.advanced:
                parts.append(f"{name}: -> {(s.cursor_after or '')[11:19]}")
            else:
                parts.append(f"{name}: clean, not advanced")
        if t.crashed_at:
            parts.append(f"CRASH at {t.crashed_at}")
        trigger = "" if t.trigger == "tick" else f" [{t.trigger}]"
        out.append(f"  tick {t.index:>3} {t.now[:19]} {t.status:<8}{trigger} " + "; ".join(parts))
    return "\n".join(out)
