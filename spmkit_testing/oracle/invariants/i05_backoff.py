"""I5: backoff respected. A failing step-source is not run inside its backoff window, and
runs again once it elapses."""

from __future__ import annotations

from collections.abc import Iterator

from spmkit import SyncSummary
from spmkit_testing.oracle._facts import TickFacts
from spmkit_testing.oracle._ground import bindings
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._violation import Violation

__all__ = ["Backoff"]


@invariant("I5", rule="4", title="backoff respected", checks="backoff respected, and a "
           "step-source runs again once its backoff elapses",
           exercised_by="a step-source was skipped for backoff")
class Backoff(Check):
    def exercised(self, summary: SyncSummary) -> int:
        return sum(1 for step in summary.steps if step.skipped_reason == "backoff")

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        if not facts.summaries:
            return  # a crashed tick reports nothing to hold the store to
        memory = self.memory
        for summary in facts.summaries:
            for run in facts.runs(summary):
                step, old, new = run.step, run.old, run.new
                if step.skipped_reason is not None:
                    if step.skipped_backoff and not memory.in_backoff(run.key, old, facts.now,
                                                                      facts.full):
                        yield Violation("I5", facts.tick, run.where, "skipped for backoff "
                                        "although the backoff window had elapsed")
                    continue
                if run.key in facts.twice:
                    continue
                # A step that ran read its window at its own start: window.until is that
                # instant. Without a window (sources() or enabled() failed) the row it wrote
                # is stamped with its start, if it lies within the tick; else the tick's
                # start is the best known.
                if step.window is not None:
                    ran_at = step.window.until
                elif new is not None and new != old and facts.now <= new.updated_at \
                        <= facts.finished:
                    ran_at = new.updated_at
                else:
                    ran_at = facts.now
                if memory.in_backoff(run.key, old, ran_at, facts.full):
                    failures = old.consecutive_failures if old else 0
                    yield Violation("I5", facts.tick, run.where, f"ran inside its backoff "
                                    f"window ({failures} failures)")
        for binding in bindings(self.ground):
            key, old = binding.key, facts.before.get(binding.key)
            if key in facts.listed or (key[0], "") in facts.listed or old is None:
                continue
            if old.last_status == "error" and not memory.in_backoff(key, old, facts.now,
                                                                    facts.full):
                yield Violation("I5", facts.tick, binding.where, f"neither run nor skipped "
                                f"although its backoff after {old.consecutive_failures} "
                                f"failure(s) had elapsed")
