"""I9: per-source isolation. One failing source of a per-source step never stops another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spmkit import StepSource, SyncSummary
from spmkit_testing.oracle._facts import TickFacts
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._violation import Violation

__all__ = ["Isolation"]


@invariant("I9", rule="7", title="per-source isolation", checks="one failing source never "
           "stops another", exercised_by="one source of a per-source step failed while "
           "another ran")
class Isolation(Check):
    def exercised(self, summary: SyncSummary) -> int:
        failed = {s.entity for s in summary.steps if s.source_key and s.errors}
        ran = {s.entity for s in summary.steps if s.source_key and not s.errors
               and s.skipped_reason is None}
        return int(bool(failed & ran))

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        """When a source of a per-source step failed, every source the partner has still
        ran (or was skipped for its own reason)."""
        sources = self.ground.partner.sources
        for summary in facts.summaries:
            by_step: dict[str, dict[str, Any]] = {}
            for step in summary.steps:
                if step.source_key:
                    by_step.setdefault(step.entity, {})[step.source_key] = step
            for entity, reported in sorted(by_step.items()):
                failed = sorted(k for k, s in reported.items() if s.errors)
                if not failed:
                    continue
                for source in sources:
                    if source not in reported:
                        yield Violation("I9", facts.tick, str(StepSource(entity, source)),
                                        f"neither ran nor was skipped while source "
                                        f"{failed[0]!r} failed: one failing source stopped "
                                        f"another")
