"""The oracle of the golden cursor rule: checks every tick against ground truth.

Ground truth is the partner's records (:class:`~spmkit_testing.FakeSource`), what
the fake ShopiMind API holds, and the store. After every tick :meth:`Oracle.check`
verifies:

* **I1** a cursor moved only on a clean step-run (no error, no untolerated reject);
* **I2** never past ``window.until``, never in the future, never backwards outside a
  full backfill;
* **I3** no silent loss: every record the cursor has passed is in the fake API
  (latest version), or was rejected *and* dead-lettered under a tolerance that
  allowed it;
* **I4** failure bookkeeping (value kept, ``consecutive_failures`` + 1, reset on a
  clean run);
* **I5** backoff respected (not run inside its window, run again once it elapses);
* **I6** dead-letter: at most 500 rows per run, one per rejected item up to the cap;
* **I7** run status ``partial`` iff errors;
* **I8** no inverted window.

A violation is a :class:`Violation` (an ``AssertionError``) naming the invariant,
the tick, the step-source and the record, with the seed and a text timeline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from spmkit import CursorState, Store, SyncSummary
from spmkit_testing.source import FakeSource

__all__ = ["INVARIANTS", "Oracle", "StreamBinding", "Violation", "format_timeline"]

INVARIANTS: dict[str, str] = {
    "I1": "cursor advanced only on a clean step-run",
    "I2": "cursor never past window.until, never in the future, never backwards",
    "I3": "no silent loss",
    "I4": "failure bookkeeping",
    "I5": "backoff respected",
    "I6": "dead-letter capped and complete",
    "I7": "run status partial iff errors",
    "I8": "no inverted window",
}

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


@dataclass(frozen=True, slots=True)
class StreamBinding:
    """Where the records of one step-source come from and where they must land.

    ``version(item)`` reads the partner ``updated_at`` back from an item stored in
    the fake API (so the oracle can tell the latest version from a stale one).
    """

    entity: str
    source_key: str
    source: FakeSource
    resource: str
    item_key: Callable[[str], str]
    version: Callable[[Mapping[str, Any]], datetime | None]


class Violation(AssertionError):
    """An invariant of the golden rule broke. ``invariant`` is ``"I1"``... ``"I8"``."""

    def __init__(self, invariant: str, tick: int, where: str, detail: str,
                 record: str | None = None) -> None:
        self.invariant = invariant
        self.tick = tick
        self.where = where
        self.detail = detail
        self.record = record
        self.context = ""
        super().__init__(self._text())

    def _text(self) -> str:
        head = (f"{self.invariant} ({INVARIANTS[self.invariant]}) violated at tick {self.tick}, "
                f"step-source {self.where}")
        if self.record is not None:
            head += f", record {self.record!r}"
        text = f"{head}: {self.detail}"
        return f"{text}\n{self.context}" if self.context else text

    def with_context(self, context: str) -> Violation:
        """Attach the seed and the timeline to the message."""
        self.context = context
        self.args = (self._text(),)
        return self


@dataclass
class _Snapshot:
    cursors: dict[tuple[str, str], CursorState]


class Oracle:
    """Checks the golden rule after every tick (see the module docstring).

    ``policies`` maps an entity to its ``tolerate_rejects``; ``bindings`` say
    which partner records each step-source must deliver.
    """

    def __init__(self, store: Store, fake: Any, bindings: Sequence[StreamBinding],
                 policies: Mapping[str, bool | float]) -> None:
        self.bindings = list(bindings)
        self.policies = dict(policies)
        self.fake = fake
        self.store = store
        self._before = self.snapshot()

    def rebind_store(self, store: Store) -> None:
        """Follow the engine to a reopened store after a restart."""
        self.store = store

    def snapshot(self) -> _Snapshot:
        return _Snapshot({(c.entity, c.source_key): c for c in self.store.list_cursors()})

    def check(self, tick: int, now: datetime, summary: SyncSummary | None,
              full_backfill: bool, *, finished: datetime | None = None) -> list[Violation]:
        """Check one finished tick (``summary`` is ``None`` when the engine crashed).

        ``now`` is when the tick started; ``finished`` when it ended (retries and
        latency take simulated time, so later steps of a tick run later).
        """
        before, after = self._before, self.snapshot()
        self._before = after
        found: list[Violation] = []
        if summary is not None:
            found += self._check_run(tick, now, summary, before, after, full_backfill)
        found += self._check_cursors_vs_time(tick, finished or now, before, after,
                                             full_backfill)
        found += self._check_no_loss(tick, after)
        return found

    # -- I1, I4, I5, I6, I7, I8 -------------------------------------------------------

    def _check_run(self, tick: int, now: datetime, summary: SyncSummary, before: _Snapshot,
                   after: _Snapshot, full: bool) -> list[Violation]:
        out: list[Violation] = []
        has_errors = bool(summary.errors)
        if (summary.status == "partial") != has_errors:
            out.append(Violation("I7", tick, "(run)", f"status {summary.status!r} with "
                                 f"{len(summary.errors)} error(s)"))
        rows = self.store.list_rejected(run_id=summary.run_id, limit=10 * DEAD_LETTER_CAP)
        if len(rows) > DEAD_LETTER_CAP:
            out.append(Violation("I6", tick, "(run)", f"{len(rows)} dead-letter rows in one run"))
        # Ground truth for dead-letters is the store, not the count the engine reports.
        written = Counter((d.entity, d.source_key) for d in rows)
        budget = DEAD_LETTER_CAP
        for step in summary.steps:
            where = f"{step.entity}/{step.source_key!r}"
            key = (step.entity, step.source_key)
            old, new = before.cursors.get(key), after.cursors.get(key)
            old_value = old.last_synced_at if old else None
            new_value = new.last_synced_at if new else None
            if step.window is not None and step.window.since > step.window.until:
                out.append(Violation("I8", tick, where, f"window since {step.window.since} > "
                                     f"until {step.window.until}"))
            if step.skipped_reason is not None:
                if new_value != old_value:
                    out.append(Violation("I1", tick, where, "cursor moved on a skipped step"))
                if step.skipped_backoff and not self._in_backoff(old, now, full):
                    out.append(Violation("I5", tick, where, "skipped for backoff although the "
                                         "backoff window had elapsed"))
                continue
            # A step that ran read its window at its own start: window.until is that instant.
            ran_at = step.window.until if step.window is not None else now
            if self._in_backoff(old, ran_at, full):
                out.append(Violation("I5", tick, where, f"ran inside its backoff window "
                                     f"({old.consecutive_failures if old else 0} failures)"))
            tolerated = rejects_tolerated(self.policies.get(step.entity, False), step.rejected,
                                          max(step.attempted, step.rejected))
            clean = not step.errors and tolerated
            if (new_value is not None and new_value != old_value and step.window is not None
                    and new_value > step.window.until):
                out.append(Violation("I2", tick, where, f"cursor moved to {_t(new_value)}, past "
                                     f"the window it read (until {_t(step.window.until)})"))
            if new_value != old_value and not clean:
                out.append(Violation("I1", tick, where, f"cursor moved {old_value} -> "
                                     f"{new_value} on a run with errors {list(step.errors)} or "
                                     f"untolerated rejects ({step.rejected}/{step.attempted})"))
            if step.errors:
                expected = (old.consecutive_failures if old else 0) + 1
                if new is None or new.last_status != "error" or (
                        new.consecutive_failures != expected) or new_value != old_value:
                    out.append(Violation("I4", tick, where, f"failed run recorded as "
                                         f"{_row(new)}; expected value {old_value}, status "
                                         f"error, {expected} consecutive failure(s)"))
            elif step.advanced and (new is None or new.consecutive_failures != 0
                                    or new.last_status != "ok"):
                out.append(Violation("I4", tick, where, f"clean advance recorded as {_row(new)}"))
            elif new is not None and (new.consecutive_failures != 0 or new.last_status != "ok"):
                out.append(Violation("I4", tick, where, f"clean run (not advanced) left the "
                                     f"failure bookkeeping at {_row(new)}; a clean run resets it"))
            want = min(step.rejected, max(budget, 0))
            stored = written.pop(key, 0)
            if step.dead_lettered != want or stored != want:
                out.append(Violation("I6", tick, where, f"{step.dead_lettered} dead-lettered "
                                     f"(reported), {stored} row(s) in the store, for "
                                     f"{step.rejected} rejected item(s); expected {want}"))
            budget -= stored
        for (entity, source_key), count in sorted(written.items()):
            out.append(Violation("I6", tick, f"{entity}/{source_key!r}", f"{count} dead-letter "
                                 f"row(s) written by a step-source that did not run"))
        out += self._check_unlisted(tick, now, summary, before, after, full)
        return out

    def _check_unlisted(self, tick: int, now: datetime, summary: SyncSummary,
                        before: _Snapshot, after: _Snapshot, full: bool) -> list[Violation]:
        """Step-sources the run did not report: their cursor must not move (I1), and one
        whose backoff has elapsed must run again (I5) unless its step failed as a whole."""
        out: list[Violation] = []
        listed = {(s.entity, s.source_key) for s in summary.steps}
        for key, row in after.cursors.items():
            old = before.cursors.get(key)
            if key not in listed and row.last_synced_at != (old.last_synced_at if old else None):
                out.append(Violation("I1", tick, f"{key[0]}/{key[1]!r}", f"cursor moved "
                                     f"{old.last_synced_at if old else None} -> "
                                     f"{row.last_synced_at} with no step-run reported"))
        for entity in sorted({e for e, k in listed if k} - {e for e, k in listed if not k}):
            # sources() answered: the step-level health row of a per-source step is clean.
            health = after.cursors.get((entity, ""))
            if health is not None and (health.last_status != "ok"
                                       or health.consecutive_failures != 0):
                out.append(Violation("I4", tick, f"{entity}/''", f"sources() answered but the "
                                     f"step-level row still says {_row(health)}; a clean run "
                                     f"resets it"))
        for binding in self.bindings:
            key = (binding.entity, binding.source_key)
            old = before.cursors.get(key)
            if key in listed or (binding.entity, "") in listed or old is None:
                continue
            if old.last_status == "error" and not self._in_backoff(old, now, full):
                out.append(Violation("I5", tick, f"{key[0]}/{key[1]!r}", f"neither run nor "
                                     f"skipped although its backoff after "
                                     f"{old.consecutive_failures} failure(s) had elapsed"))
        return out

    @staticmethod
    def _in_backoff(row: CursorState | None, now: datetime, full: bool) -> bool:
        if full or row is None or row.last_status != "error" or row.consecutive_failures <= 0:
            return False
        return now < row.updated_at + backoff_window(row.consecutive_failures)

    # -- I2 ---------------------------------------------------------------------------

    def _check_cursors_vs_time(self, tick: int, now: datetime, before: _Snapshot,
                               after: _Snapshot, full: bool) -> list[Violation]:
        out: list[Violation] = []
        for key, row in after.cursors.items():
            value = row.last_synced_at
            if value is None:
                continue
            where = f"{key[0]}/{key[1]!r}"
            old = before.cursors.get(key)
            old_value = old.last_synced_at if old else None
            if value != old_value and value > now:
                out.append(Violation("I2", tick, where, f"cursor {value} is in the future of "
                                     f"now {now}"))
            if old_value is not None and value < old_value and not full:
                out.append(Violation("I2", tick, where, f"cursor moved backwards {old_value} "
                                     f"-> {value} outside a full backfill"))
        return out

    # -- I3 ---------------------------------------------------------------------------

    def _check_no_loss(self, tick: int, after: _Snapshot) -> list[Violation]:
        out: list[Violation] = []
        for binding in self.bindings:
            row = after.cursors.get((binding.entity, binding.source_key))
            cursor = row.last_synced_at if row else None
            if cursor is None:
                continue
            stored = self.fake.records(binding.resource)
            policy = self.policies.get(binding.entity, False)
            dead: set[str] | None = None
            for record in binding.source.records(include_deleted=False):
                due = _due_version(binding.source, record.key, cursor)
                if due is None:
                    continue
                item = stored.get(binding.item_key(record.key))
                version = binding.version(item) if item is not None else None
                if version is not None and version >= due.updated_at:
                    continue
                if policy is not False and policy != 0.0:
                    if dead is None:
                        dead = {d.item_key or "" for d in self.store.list_rejected(
                            entity=binding.entity, limit=1_000_000)}
                    if binding.item_key(record.key) in dead:
                        continue
                state = ("nothing" if item is None else "an older version" if version is not None
                         else "an item it cannot count as this one (another data source's, or "
                              "without updated_at)")
                out.append(Violation(
                    "I3", tick, f"{binding.entity}/{binding.source_key!r}",
                    f"partner updated_at {_t(due.updated_at)} (visible from "
                    f"{_t(due.visible_at)}) is at or before the cursor {_t(cursor)}, but the "
                    f"fake API holds {state} for it and it was not dead-lettered under a "
                    f"tolerant policy: the cursor passed it, it is lost for good",
                    record=record.key,
                ))
        return out


def _due_version(source: FakeSource, key: str, cursor: datetime) -> Any:
    due = None
    for version in source.versions(key):
        passed = version.updated_at <= cursor and version.visible_at <= cursor
        if passed and not version.deleted and (due is None or version.updated_at >= due.updated_at):
            due = version
    return due


def _row(row: CursorState | None) -> str:
    if row is None:
        return "no row"
    return (f"value {row.last_synced_at}, status {row.last_status}, "
            f"{row.consecutive_failures} failure(s)")


def _t(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def format_timeline(lines: Sequence[Any], *, limit: int = 40) -> str:
    """A compact text timeline of ticks (``TickTrace`` objects), most recent last."""
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
                parts.append(f"{name}: HELD ({s.errors[0][:70]})")
            elif s.advanced:
                parts.append(f"{name}: -> {(s.cursor_after or '')[11:19]}")
            else:
                parts.append(f"{name}: clean, not advanced")
        if t.crashed_at:
            parts.append(f"CRASH at {t.crashed_at}")
        out.append(f"  tick {t.index:>3} {t.now[:19]} {t.status:<8} " + "; ".join(parts))
    return "\n".join(out)
