"""The per-tick checks of the oracle (I1, I2's advance, I4 to I9) over one tick's summaries,
one per worker: :class:`~spmkit_testing.oracle.Oracle` runs one after every tick."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from spmkit import CursorState, SyncSummary
from spmkit_testing._rules import (
    DEAD_LETTER_CAP,
    Violation,
    rejects_tolerated,
)
from spmkit_testing._rules import cursor_value as _value
from spmkit_testing._rules import describe_row as _row
from spmkit_testing._rules import stamp as _t

if TYPE_CHECKING:
    from spmkit_testing.oracle import Oracle

__all__ = ["RunCheck"]


class _Everything:
    """A set that holds every key."""

    def __contains__(self, key: object) -> bool:
        return True


class RunCheck:
    """I1, I4, I5, I6, I7, I8, I9 for one tick's summaries (one per worker)."""

    def __init__(self, oracle: Oracle, tick: int, now: datetime, finished: datetime,
                 summaries: Sequence[SyncSummary], before: dict[tuple[str, str], CursorState],
                 after: dict[tuple[str, str], CursorState], full: bool, workers: int) -> None:
        self.o, self.tick, self.now, self.finished = oracle, tick, now, finished
        self.summaries, self.before, self.after, self.full = summaries, before, after, full
        self.out: list[Violation] = []
        ran = Counter((s.entity, s.source_key) for summary in summaries for s in summary.steps
                      if s.skipped_reason is None)
        # A step-source two workers both ran in this tick (one after the other released
        # its lease): the rows between the two runs are not observed, so only what each
        # run reports about itself is checked.
        self.twice = {key for key, count in ran.items() if count > 1 or workers > 1}
        # What a worker skipped while another ran it: the row is the other worker's. A
        # worker that crashed reports nothing: any step-source may have been its.
        self.ran_by_another: set[tuple[str, str]] | _Everything = (
            set() if workers == 1 else _Everything() if len(summaries) < workers else set(ran))

    def fail(self, invariant: str, where: str, detail: str) -> None:
        self.out.append(Violation(invariant, self.tick, where, detail))

    def run(self) -> list[Violation]:
        for summary in self.summaries:
            self.one(summary)
        self.unlisted()
        return self.out

    def one(self, summary: SyncSummary) -> None:
        if (summary.status == "partial") != bool(summary.errors):
            self.fail("I7", "(run)", f"status {summary.status!r} with {len(summary.errors)} "
                      f"error(s)")
        rows = self.o.sim.db.list_rejected(run_id=summary.run_id, limit=10 * DEAD_LETTER_CAP)
        if len(rows) > DEAD_LETTER_CAP:
            self.fail("I6", "(run)", f"{len(rows)} dead-letter rows in one run")
        # Ground truth for dead-letters is the store, not the count the engine reports.
        written = Counter((d.entity, d.source_key) for d in rows)
        budget = DEAD_LETTER_CAP
        for step in summary.steps:
            key = (step.entity, step.source_key)
            where = f"{step.entity}/{step.source_key!r}"
            old, new = self.before.get(key), self.after.get(key)
            if step.skipped_reason == "leased" or (
                    step.skipped_reason is not None and key in self.ran_by_another):
                continue  # another worker runs it: the row is that worker's
            if key in self.twice:
                self.ran_twice(where, step)
            elif step.window is not None:
                self.window(where, step, old)
            if step.skipped_reason is not None:
                self.skipped(where, step, old, new)
                continue
            if key not in self.twice:
                self.ran(where, step, old, new)
            want = min(step.rejected, max(budget, 0))
            stored = written.pop(key, 0)
            if step.dead_lettered != want or stored != want:
                self.fail("I6", where, f"{step.dead_lettered} dead-lettered (reported), {stored} "
                          f"row(s) in the store, for {step.rejected} rejected item(s); expected "
                          f"{want}")
            budget -= stored
        for (entity, source_key), count in sorted(written.items()):
            self.fail("I6", f"{entity}/{source_key!r}", f"{count} dead-letter row(s) written by "
                      f"a step-source that did not run")
        self.isolation(summary)

    def ran_twice(self, where: str, step: Any) -> None:
        """What one of two runs of a step-source in one tick says about itself."""
        tolerated = rejects_tolerated(self.o.policy(step.entity), step.rejected,
                                      max(step.attempted, step.rejected))
        moved = step.cursor_after != step.cursor_before
        if moved and (step.errors or not tolerated):
            self.fail("I1", where, f"cursor moved {_t(step.cursor_before)} -> "
                      f"{_t(step.cursor_after)} on a run with errors {list(step.errors)} or "
                      f"untolerated rejects ({step.rejected}/{step.attempted})")
        if moved and step.window is not None and step.cursor_after is not None \
                and step.cursor_after > step.window.until:
            self.fail("I2", where, f"cursor moved to {_t(step.cursor_after)}, past the window "
                      f"it read (until {_t(step.window.until)})")

    def window(self, where: str, step: Any, old: CursorState | None) -> None:
        window = step.window
        if window.since > window.until:
            self.fail("I8", where, f"window since {_t(window.since)} > until {_t(window.until)}")
            return
        if not self.now <= window.until <= self.finished:
            self.fail("I8", where, f"window until {_t(window.until)} is not the step's start "
                      f"(the tick ran from {_t(self.now)} to {_t(self.finished)})")
        cursor = old.last_synced_at if old is not None else None
        if self.full or cursor is None:
            since = window.until - timedelta(days=self.o.sim.backfill_days)
            rule = f"until - backfill_days ({self.o.sim.backfill_days:g})"
        else:
            since = cursor - timedelta(seconds=self.o.sim.overlap_seconds)
            rule = f"cursor {_t(cursor)} - overlap_seconds ({self.o.sim.overlap_seconds:g})"
        if window.since != since:
            self.fail("I8", where, f"window since {_t(window.since)}, but the rule gives {rule} "
                      f"= {_t(since)}")

    def skipped(self, where: str, step: Any, old: CursorState | None,
                new: CursorState | None) -> None:
        if _value(new) != _value(old):
            self.fail("I1", where, f"cursor moved on a step-source skipped ({step.skipped_reason})")
        elif old != new:
            self.fail("I4", where, f"a step-source skipped ({step.skipped_reason}) changed its "
                      f"row from {_row(old)} to {_row(new)}; a skip records nothing")
        key = (step.entity, step.source_key)
        if step.skipped_backoff and not self.o.in_backoff(key, old, self.now, self.full):
            self.fail("I5", where, "skipped for backoff although the backoff window had elapsed")

    def ran(self, where: str, step: Any, old: CursorState | None,
            new: CursorState | None) -> None:
        # A step that ran read its window at its own start: window.until is that instant.
        # Without a window (sources() or enabled() failed) the row it wrote is stamped with
        # its start, if it lies within the tick; else the tick's start is the best known.
        if step.window is not None:
            ran_at = step.window.until
        elif new is not None and new != old and self.now <= new.updated_at <= self.finished:
            ran_at = new.updated_at
        else:
            ran_at = self.now
        if self.o.in_backoff((step.entity, step.source_key), old, ran_at, self.full):
            failures = old.consecutive_failures if old else 0
            self.fail("I5", where, f"ran inside its backoff window ({failures} failures)")
        old_value, new_value = _value(old), _value(new)
        if step.cursor_after != new_value:
            self.fail("I1", where, f"the engine reported the cursor at {_t(step.cursor_after)} "
                      f"but the store holds {_t(new_value)}")
        tolerated = rejects_tolerated(self.o.policy(step.entity), step.rejected,
                                      max(step.attempted, step.rejected))
        clean = not step.errors and tolerated
        if (new_value is not None and new_value != old_value and step.window is not None
                and new_value > step.window.until):
            self.fail("I2", where, f"cursor moved to {_t(new_value)}, past the window it read "
                      f"(until {_t(step.window.until)})")
        if new_value != old_value and not clean:
            self.fail("I1", where, f"cursor moved {_t(old_value)} -> {_t(new_value)} on a run "
                      f"with errors {list(step.errors)} or untolerated rejects "
                      f"({step.rejected}/{step.attempted})")
        if step.errors:
            expected = (old.consecutive_failures if old else 0) + 1
            if new is None or new.last_status != "error" or (
                    new.consecutive_failures != expected) or new_value != old_value:
                self.fail("I4", where, f"failed run recorded as {_row(new)}; expected value "
                          f"{_t(old_value)}, status error, {expected} consecutive failure(s)")
        elif new is not None and (new.consecutive_failures != 0 or new.last_status != "ok"):
            self.fail("I4", where, f"clean run left the failure bookkeeping at {_row(new)}; a "
                      f"clean run resets it")

    def unlisted(self) -> None:
        """Step-sources the run did not report: their cursor must not move (I1), a clean
        per-source step's health row is reset (I4), an elapsed backoff runs again (I5)."""
        listed = {(s.entity, s.source_key) for summary in self.summaries
                  for s in summary.steps}
        for key, row in self.after.items():
            old = self.before.get(key)
            if key not in listed and row.last_synced_at != _value(old):
                self.fail("I1", f"{key[0]}/{key[1]!r}", f"cursor moved {_t(_value(old))} -> "
                          f"{_t(row.last_synced_at)} with no step-run reported")
        for entity in sorted({e for e, k in listed if k} - {e for e, k in listed if not k}):
            health = self.after.get((entity, ""))
            if health is not None and (health.last_status != "ok"
                                       or health.consecutive_failures != 0):
                self.fail("I4", f"{entity}/''", f"sources() answered but the step-level row "
                          f"still says {_row(health)}; a clean run resets it")
        for binding in self.o.bindings():
            key, old = binding.key, self.before.get(binding.key)
            if key in listed or (key[0], "") in listed or old is None:
                continue
            if old.last_status == "error" and not self.o.in_backoff(key, old, self.now, self.full):
                self.fail("I5", binding.where, f"neither run nor skipped although its backoff "
                          f"after {old.consecutive_failures} failure(s) had elapsed")

    def isolation(self, summary: SyncSummary) -> None:
        """One failing source never stops another: when a source of a per-source step
        failed, every source the partner has still ran (or was skipped for its own reason)."""
        by_step: dict[str, dict[str, Any]] = {}
        for step in summary.steps:
            if step.source_key:
                by_step.setdefault(step.entity, {})[step.source_key] = step
        sources = self.o.sim.partner.sources
        for entity, reported in sorted(by_step.items()):
            failed = sorted(k for k, s in reported.items() if s.errors)
            if not failed:
                continue
            for source in sources:
                if source not in reported:
                    self.fail("I9", f"{entity}/{source!r}", f"neither ran nor was skipped while "
                              f"source {failed[0]!r} failed: one failing source stopped another")
