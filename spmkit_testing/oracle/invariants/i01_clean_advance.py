"""I1: a cursor moves only on a clean step-run, and the store holds what the engine said."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from spmkit import BULK_RESOURCES, StepSource, StepSummary, SyncSummary
from spmkit_testing.oracle._facts import Run, TickFacts
from spmkit_testing.oracle._ground import Binding, bindings
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._rules import cursor_value, rejects_tolerated, stamp
from spmkit_testing.oracle._violation import Violation

__all__ = ["CleanAdvance"]

_BULK_PATHS = {f"/v1/{spec.path}": name for name, spec in BULK_RESOURCES.items()
               if "{" not in spec.path}


@invariant("I1", rule="1, 5", title="cursor advanced only on a clean step-run, as the engine "
           "reported", checks="a cursor moves only on a clean step-run (no error, no "
           "untolerated reject); the store holds what the engine reported",
           exercised_by="a step-run held its cursor")
class CleanAdvance(Check):
    def exercised(self, summary: SyncSummary) -> int:
        return sum(1 for step in summary.steps if step.errors)

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        if not facts.summaries:
            return  # a crashed tick reports nothing to hold the store to
        for summary in facts.summaries:
            for run in facts.runs(summary):
                yield from self._run(facts, run)
        for key, row in facts.after.items():
            old = facts.before.get(key)
            if key not in facts.listed and row.last_synced_at != cursor_value(old):
                yield Violation("I1", facts.tick, str(StepSource(*key)),
                                f"cursor moved {stamp(cursor_value(old))} -> "
                                f"{stamp(row.last_synced_at)} with no step-run reported")
        if facts.workers == 1:
            yield from self._past_failed_pushes(facts, facts.summaries[0])

    def _run(self, facts: TickFacts, run: Run) -> Iterator[Violation]:
        step, where = run.step, run.where
        twice = run.key in facts.twice
        if twice and step.cursor_after != step.cursor_before and not _clean(facts, step):
            # Two runs in one tick: each is held only to what it reports about itself.
            yield Violation("I1", facts.tick, where, _unclean(step.cursor_before,
                                                              step.cursor_after, step))
        old_value, new_value = cursor_value(run.old), cursor_value(run.new)
        if step.skipped_reason is not None:
            if new_value != old_value:
                yield Violation("I1", facts.tick, where, f"cursor moved on a step-source "
                                f"skipped ({step.skipped_reason})")
            return
        if twice:
            return
        if step.cursor_after != new_value:
            yield Violation("I1", facts.tick, where, f"the engine reported the cursor at "
                            f"{stamp(step.cursor_after)} but the store holds {stamp(new_value)}")
        if new_value != old_value and not _clean(facts, step):
            yield Violation("I1", facts.tick, where, _unclean(old_value, new_value, step))

    def _past_failed_pushes(self, facts: TickFacts, summary: SyncSummary) -> Iterator[Violation]:
        """From the fake's own journal: a step-source whose cursor moved although a push of
        its items failed this tick (non-2xx, no answer, or ``failed_count`` in a 2xx) and
        was not retried to success. Whatever the engine reported, the push did not land."""
        failed = _unrecovered(facts.journal)
        if not failed:
            return
        ran = {(s.entity, s.source_key) for s in summary.steps if s.skipped_reason is None}
        for binding in bindings(self.ground):
            key = binding.key
            old, new = facts.before.get(key), facts.after.get(key)
            if key not in ran or cursor_value(new) == cursor_value(old) or new is None:
                continue
            for resource, sources, keys, detail in failed:
                if resource == binding.stream.resource and self._pushed_by(binding, sources,
                                                                           keys, ran):
                    yield Violation("I1", facts.tick, binding.where,
                                    f"cursor moved {stamp(cursor_value(old))} -> "
                                    f"{stamp(cursor_value(new))} although a push of its items "
                                    f"failed and was not retried to success ({detail}): those "
                                    f"items did not land")
                    break

    def _pushed_by(self, binding: Binding, sources: set[Any], keys: set[str],
                   ran: set[tuple[str, str]]) -> bool:
        """Whether a push of items with these natural ``keys`` and ``id_data_source`` values
        was ``binding``'s: by the keys when they are the items of partner records (two
        step-sources may share a data source), else by the data source."""
        mine = {binding.stream.key_of(r.key, binding.source) for r in binding.data.records()}
        if keys & mine:
            return True
        if any(keys & {b.stream.key_of(r.key, b.source) for r in b.data.records()}
               for b in bindings(self.ground) if b.key != binding.key
               and b.stream.resource == binding.stream.resource):
            return False
        declared = binding.stream.data_source_of(binding.source)
        ids = getattr(self.ground.provisioned, "data_sources", None) or {}
        if declared is not None and declared in ids:
            return ids[declared] in sources
        # No data source to tell them apart: only when it is the one step-source of the
        # resource that ran.
        same = [b for b in bindings(self.ground) if b.stream.resource == binding.stream.resource
                and b.key in ran]
        return len(same) == 1


def _clean(facts: TickFacts, step: StepSummary) -> bool:
    tolerated = rejects_tolerated(facts.policy(step.entity), step.rejected,
                                  max(step.attempted, step.rejected))
    return not step.errors and tolerated


def _unclean(old: Any, new: Any, step: StepSummary) -> str:
    return (f"cursor moved {stamp(old)} -> {stamp(new)} on a run with errors "
            f"{list(step.errors)} or untolerated rejects ({step.rejected}/{step.attempted})")


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
