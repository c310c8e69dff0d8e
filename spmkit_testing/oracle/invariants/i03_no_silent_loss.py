"""I3: no silent loss. Once a cursor has passed a record for good (its ``updated_at`` is
before ``cursor - overlap_seconds``, so no later window reads it), the fake API holds its
latest version, or it was refused and dead-lettered under a tolerance that allowed it.
A record stamped exactly on that edge is not judged here: a partner whose ``since`` is
inclusive reads it again in the next window; if it never arrives, I10 says so.

The check is incremental: each tick looks only at what changed (new partner versions,
records the cursor passed or that became readable, items the fake stored), never at every
record again.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from spmkit import CursorState, SyncSummary
from spmkit_testing.oracle._delivery import dead_lettered, delivery_state
from spmkit_testing.oracle._facts import Memory, TickFacts
from spmkit_testing.oracle._ground import Binding, Ground, bindings, readable
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._rules import stamp
from spmkit_testing.oracle._violation import Violation
from spmkit_testing.partner import SourceRecord

__all__ = ["NoSilentLoss"]

Key = tuple[str, str]
Mark = tuple[str, str, str, int]


class _Watch:
    """What the loss check keeps about one stream-source between ticks.

    ``pending``: live newest versions the cursor has not passed yet, a heap by
    ``(updated_at, key)``; ``hidden``: passed but not readable yet, a heap by
    ``visible_at``; ``held``: passed and found in the fake (by record key, with the item
    key that finds them in ``by_item`` when the stream's items are keyed otherwise);
    ``excused``: passed, not in the fake, but dead-lettered under a tolerant policy
    (examined every tick). A heap entry whose version is no longer the newest is dropped
    when it comes up.
    """

    __slots__ = ("by_item", "excused", "held", "hidden", "pending", "seen")

    def __init__(self) -> None:
        self.seen = 0
        self.pending: list[tuple[datetime, str, int]] = []
        self.hidden: list[tuple[datetime, str, int]] = []
        self.held: dict[str, SourceRecord] = {}
        self.by_item: dict[str, str] = {}
        self.excused: dict[str, SourceRecord] = {}

    def due(self, binding: Binding, horizon: datetime, now: datetime,
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
            if index.latest(record.key) is record and binding.followed(record):
                heapq.heappush(self.pending, (record.updated_at, record.key, record.seq))
        examine: dict[str, SourceRecord] = dict(self.excused)
        self.excused.clear()
        while self.pending and self.pending[0][0] < horizon:
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

    def hold(self, binding: Binding, record: SourceRecord) -> None:
        self.held[record.key] = record
        if binding.stream.item_key is not None:  # else the item has the record's key
            self.by_item[binding.stream.key_of(record.key, binding.source)] = record.key

    def wait(self, record: SourceRecord) -> None:
        heapq.heappush(self.pending, (record.updated_at, record.key, record.seq))


@invariant("I3", rule="-", title="no silent loss", checks="**no silent loss**: once the cursor "
           "has passed a record for good (`updated_at < cursor - overlap_seconds`), the fake "
           "holds its latest version, or it was refused and dead-lettered under a tolerance "
           "that allowed it", exercised_by="a cursor advanced past records it pushed")
class NoSilentLoss(Check):
    def __init__(self, ground: Ground, memory: Memory) -> None:
        super().__init__(ground, memory)
        self._reported: set[Mark] = set()
        # The cursor each record version found when it first became readable, and per
        # stream-source the versions not readable yet (how many were seen, a heap by
        # visible_at): only what changed is looked at each tick.
        self._found: dict[Mark, datetime | None] = {}
        self._unnoted: dict[Key, tuple[int, list[tuple[datetime, str, int]]]] = {}
        # What is known per stream-source, the items the fake stored since the last tick,
        # and what those items were checked against.
        self._watches: dict[Key, _Watch] = {}
        self._changed: dict[str, set[str]] = {}
        self._watched: Any = None
        self._provisioned: Any = ground.provisioned
        self._watch_fake()

    def exercised(self, summary: SyncSummary) -> int:
        return sum(1 for step in summary.steps if step.advanced and step.attempted)

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        self._note_readable(facts.finished, facts.before)
        return iter(self._losses(facts.tick, facts.finished, facts.after))

    def _note_readable(self, now: datetime, before: dict[Key, CursorState]) -> None:
        """Remember the cursor each live version found when it became readable (by the end
        of this tick): looks only at the versions written since and those still hidden."""
        seen_at = max(now, self.ground.clock.latest)
        for binding in bindings(self.ground):
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
                if latest is not None and latest.seq == seq and binding.followed(latest):
                    mark = (binding.stream.name, binding.source, latest.key, latest.version)
                    self._found.setdefault(mark, cursor)

    def _losses(self, tick: int, now: datetime,
                rows: dict[Key, CursorState]) -> Sequence[Violation]:
        out = []
        ground = self.ground
        overlap = timedelta(seconds=ground.overlap_seconds)
        changed: dict[str, set[str]] | None = self._changed
        self._changed = {}
        if ground.provisioned is not self._provisioned or ground.fake.state is not \
                self._watched:
            # The data source ids, or the whole fake, changed: re-examine every held record.
            self._provisioned = ground.provisioned
            self._watch_fake()
            changed = None
        for binding in bindings(ground):
            row = rows.get(binding.key)
            if row is None or row.last_synced_at is None:
                continue
            watch = self._watches.setdefault(binding.key, _Watch())
            horizon = row.last_synced_at - overlap
            examine = watch.due(binding, horizon, max(now, ground.clock.latest),
                                None if changed is None else changed.get(binding.stream.resource,
                                                                         set()))
            tolerant = ground.policy(binding.stream.name) not in (False, 0.0)
            dead: set[str] | None = None
            for record in examine:
                if record.updated_at >= horizon or not readable(ground, record, now):
                    watch.wait(record)  # no longer passed (the cursor moved back)
                    continue
                mark = (binding.stream.name, binding.source, record.key, record.version)
                if mark in self._reported:
                    continue
                state = delivery_state(ground, binding, record)
                if state is None:
                    watch.hold(binding, record)
                    continue
                if tolerant:
                    dead = dead_lettered(ground, binding) if dead is None else dead
                    if binding.stream.key_of(record.key, binding.source) in dead:
                        watch.excused[record.key] = record
                        continue
                self._reported.add(mark)
                out.append(self._lost(tick, binding, record, horizon, state, overlap, mark))
        return out

    def _lost(self, tick: int, binding: Binding, record: SourceRecord, horizon: datetime,
              state: str, overlap: timedelta, mark: Mark) -> Violation:
        found = self._found.get(mark)
        hazard = found is not None and record.updated_at < found - overlap
        why = (f" It became readable only after a cursor ({stamp(found)}) had passed its "
               f"stamp by more than overlap_seconds: a lateness the overlap does not cover "
               f"(raise overlap_seconds; see clock_skew_loss)."
               if hazard and found is not None else "")
        return Violation(
            "I3", tick, binding.where,
            f"partner {'deletion' if record.deleted else 'updated_at'} "
            f"{stamp(record.updated_at)} (readable from "
            f"{stamp(record.visible_at)}) is before cursor - overlap {stamp(horizon)}, "
            f"so no later window reads it, but the fake API holds {state} and it was not "
            f"dead-lettered under a tolerant policy: lost for good.{why}",
            record=record.key, hazard=hazard)

    def _watch_fake(self) -> None:
        state = self.ground.fake.state
        if state is not self._watched:
            state.watch(self._stored)
            self._watched = state

    def _stored(self, resource: str, keys: Sequence[str]) -> None:
        self._changed.setdefault(resource, set()).update(keys)
