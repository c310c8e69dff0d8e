"""What a simulation leaves behind per tick: :class:`TickTrace`, :class:`StepTrace`, webhooks.

A trace line is one JSON object per tick, keys sorted: byte-identical for the same
scenario and seed, on any machine. A failed step's whole traceback
(:attr:`StepTrace.traceback`, for reports and ``-v``) names files where this machine
keeps them, so it stays out of the line and out of comparisons.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from spmkit import StepSource, SyncSummary
from spmkit_testing._text import error_text

__all__ = ["StepError", "StepTrace", "TickTrace", "WebhookTrace", "format_timeline", "iso",
           "step_errors", "tick_trace"]


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
    traceback: str | None = field(default=None, compare=False, repr=False)

    @property
    def where(self) -> str:
        """Its step-source in the one spelling (``orders@store-1``)."""
        return str(StepSource(self.entity, self.source_key))


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
        line = dataclasses.asdict(self)
        for step in line["steps"]:
            del step["traceback"]
        return json.dumps(line, sort_keys=True, separators=(",", ":"))


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
            traceback=s.traceback,
        )
        for s in summary.steps
    )
    return TickTrace(index=index, now=at(now) or "", status=summary.status, full_backfill=full,
                     steps=steps, faults=faults, run_id=summary.run_id, trigger=trigger)


@dataclass(slots=True)
class StepError:
    """One distinct error of one step-source: where, the text, the first tick, how many
    ticks had it, and the traceback (``None`` when no exception was behind it)."""

    where: str
    error: str
    first_tick: int
    ticks: int
    traceback: str | None


def step_errors(trace: Sequence[TickTrace]) -> list[StepError]:
    """The distinct ``(step-source, first error)`` pairs of a trace, in order of first tick."""
    found: dict[tuple[str, str], StepError] = {}
    for tick in trace:
        for step in tick.steps:
            if not step.errors:
                continue
            key = (step.where, step.errors[0])
            seen = found.get(key)
            if seen is None:
                found[key] = StepError(step.where, step.errors[0], tick.index, 1, step.traceback)
            else:
                seen.ticks += 1
                seen.traceback = seen.traceback or step.traceback
    return list(found.values())


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def format_timeline(lines: Sequence[TickTrace], *, limit: int = 40) -> str:
    """A compact text timeline of ticks, most recent last.

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
            if s.skipped:
                parts.append(f"{s.where}: skipped ({s.skipped})")
            elif s.errors:
                parts.append(f"{s.where}: HELD ({error_text(s.errors[0], limit=90)})")
            elif s.advanced:
                parts.append(f"{s.where}: -> {(s.cursor_after or '')[11:19]}")
            else:
                parts.append(f"{s.where}: clean, not advanced")
        if t.crashed_at:
            parts.append(f"CRASH at {t.crashed_at}")
        trigger = "" if t.trigger == "tick" else f" [{t.trigger}]"
        out.append(f"  tick {t.index:>3} {t.now[:19]} {t.status:<8}{trigger} " + "; ".join(parts))
    return "\n".join(out)
