"""What a simulation leaves behind per tick: :class:`TickTrace`, :class:`StepTrace`, webhooks.

A trace line is one JSON object per tick, keys sorted: byte-identical for the same
scenario and seed, on any machine.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from spmkit import SyncSummary

__all__ = ["StepTrace", "TickTrace", "WebhookTrace", "iso", "tick_trace"]


@dataclass(frozen=True, slots=True)
class StepTrace:
    """One step-source in one tick: window, cursor before/after and what happened."""

    entity: str
    source_key: str
    window: tuple[str, str] | None
    cursor_before: str | None
    cursor_after: str | None
    advanced: bool
    skipped: str | None
    errors: tuple[str, ...]
    attempted: int
    rejected: int
    dead_lettered: int


@dataclass(frozen=True, slots=True)
class TickTrace:
    """One tick of the simulation, as it appears in traces and reports."""

    index: int
    now: str
    status: str
    full_backfill: bool
    steps: tuple[StepTrace, ...]
    faults: tuple[str, ...]
    crashed_at: str | None = None
    run_id: int | None = None
    trigger: str = "tick"

    def to_json(self) -> str:
        """One JSON line, keys sorted: byte-identical for the same scenario and seed."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class WebhookTrace:
    """One lifecycle webhook delivery: when, which event, accepted or why refused."""

    index: int
    at: str
    event: str
    ok: bool
    reason: str | None
    tick: int | None


def tick_trace(index: int, now: datetime, full: bool, faults: tuple[str, ...],
                summary: SyncSummary, trigger: str = "tick") -> TickTrace:
    """The trace of one finished tick."""
    # The instants of one tick repeat (every window ends at the tick's start, an advanced
    # cursor is that instant too): one string per instant, kept once in the trace.
    memo: dict[datetime, str] = {}

    def at(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = memo.get(value)
        if text is None:
            text = memo[value] = value.astimezone(UTC).isoformat()
        return text

    steps = tuple(
        StepTrace(
            entity=s.entity, source_key=s.source_key,
            window=None if s.window is None else (at(s.window.since) or "",
                                                  at(s.window.until) or ""),
            cursor_before=at(s.cursor_before), cursor_after=at(s.cursor_after),
            advanced=s.advanced, skipped=s.skipped_reason, errors=s.errors,
            attempted=s.attempted, rejected=s.rejected, dead_lettered=s.dead_lettered,
        )
        for s in summary.steps
    )
    return TickTrace(index=index, now=at(now) or "", status=summary.status, full_backfill=full,
                     steps=steps, faults=faults, run_id=summary.run_id, trigger=trigger)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()
