"""I4: failure bookkeeping. A failure keeps the cursor's value and counts; a clean run
resets; a skipped step-source's row does not change."""

from __future__ import annotations

from collections.abc import Iterator

from spmkit import StepSource, SyncSummary
from spmkit_testing.oracle._facts import TickFacts
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._rules import cursor_value, describe_row, stamp
from spmkit_testing.oracle._violation import Violation

__all__ = ["FailureBookkeeping"]


@invariant("I4", rule="2", title="failure bookkeeping", checks="failure bookkeeping: the value "
           "kept, failures counted, reset by a clean run; a skipped step-source's row "
           "unchanged", exercised_by="a failure was recorded")
class FailureBookkeeping(Check):
    def exercised(self, summary: SyncSummary) -> int:
        return sum(1 for step in summary.steps if step.errors)

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        for summary in facts.summaries:
            for run in facts.runs(summary):
                step, old, new = run.step, run.old, run.new
                if step.skipped_reason is not None:
                    if cursor_value(new) == cursor_value(old) and old != new:
                        yield Violation("I4", facts.tick, run.where, f"a step-source skipped "
                                        f"({step.skipped_reason}) changed its row from "
                                        f"{describe_row(old)} to {describe_row(new)}; a skip "
                                        f"records nothing")
                    continue
                if run.key in facts.twice:
                    continue
                if step.errors:
                    expected = (old.consecutive_failures if old else 0) + 1
                    if new is None or new.last_status != "error" or (
                            new.consecutive_failures != expected) or (
                            cursor_value(new) != cursor_value(old)):
                        yield Violation("I4", facts.tick, run.where, f"failed run recorded as "
                                        f"{describe_row(new)}; expected value "
                                        f"{stamp(cursor_value(old))}, status error, {expected} "
                                        f"consecutive failure(s)")
                elif new is not None and (new.consecutive_failures != 0
                                          or new.last_status != "ok"):
                    yield Violation("I4", facts.tick, run.where, f"clean run left the failure "
                                    f"bookkeeping at {describe_row(new)}; a clean run resets it")
        # A per-source step whose sources() answered: its step-level row is reset too.
        for entity in sorted({e for e, k in facts.listed if k}
                             - {e for e, k in facts.listed if not k}):
            health = facts.after.get((entity, ""))
            if health is not None and (health.last_status != "ok"
                                       or health.consecutive_failures != 0):
                yield Violation("I4", facts.tick, str(StepSource(entity)), f"sources() "
                                f"answered but the step-level row still says "
                                f"{describe_row(health)}; a clean run resets it")
