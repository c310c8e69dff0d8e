"""The engine's runs in a simulated world: ticks (one worker or two, on a schedule or
triggered by a webhook), crashes and restarts, settling, and what every run leaves behind
(a trace line, a cursor snapshot, a journal mark), each checked by the oracle."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from spmkit import (
    InvalidArgument,
    LifecycleResult,
    SyncContext,
    SyncOptions,
    SyncSummary,
    ensure_provisioned,
    handle_lifecycle,
    run_integration_sync,
)
from spmkit_testing.oracle import Oracle, Violation
from spmkit_testing.sim._trace import TickTrace, WebhookTrace, iso, tick_trace
from spmkit_testing.sim._wiring import Parts
from spmkit_testing.webhooks import sign_webhook_request

__all__ = ["CRASH_POINTS", "DATA_FAULT", "MIN_KEEP_TICKS", "Runs", "SimulatedCrash"]

T = TypeVar("T")
#: Where the engine itself may crash (its ``checkpoint`` calls); an adapter adds the points
#: of its integration's own steps (``Adapter.crash_points``).
CRASH_POINTS = (
    "after_push",
    "before_cursor_write",
    "after_cursor_write",
    "during_dead_letter",
    "before_run_finish",
)
_SETTLE_SLACK_TICKS = 10
# A bounded simulation (keep_ticks) keeps about this many journal entries per kept tick
# (the reference integration makes four partner requests a tick).
_ENTRIES_PER_TICK = 6
# The oracle looks back this many ticks (the last runs of each step-source).
MIN_KEEP_TICKS = 50


class SimulatedCrash(BaseException):
    """The engine 'process' died at a checkpoint (a BaseException: nothing catches it)."""


@dataclass
class _CrashPlan:
    point: str
    nth: int
    seen: int = 0


class Runs:
    """Every run of the engine in one world, and what each left behind.

    ``trace`` (one :class:`TickTrace` per tick), ``webhooks``, ``history`` (the cursors
    after each tick, the first entry before any), ``journal_marks`` (the fake's journal
    length at the same moments) and ``violations`` (what the oracle found, each once).
    """

    def __init__(self, parts: Parts, *, strict: bool, keep_ticks: int | None) -> None:
        self.parts = parts
        self.strict = strict
        self.oracle: Oracle | None = None
        self.provisioned: Any = None
        self.trace: list[TickTrace] = []
        self.webhooks: list[WebhookTrace] = []
        self.violations: list[Violation] = []
        self.history: list[dict[tuple[str, str], datetime | None]] = []
        self.journal_marks: list[int] = []
        self.restarts = 0
        self.keep_ticks = keep_ticks
        self._history_keys: dict[tuple[str, str], tuple[str, str]] = {}
        self._forgotten_ticks = 0
        self._crash: _CrashPlan | None = None
        self._full_next = False
        self._seen: set[tuple[str, str, str | None]] = set()
        if keep_ticks is not None:
            parts.fake.journal_limit = keep_ticks * _ENTRIES_PER_TICK
            parts.partner.keep_calls = keep_ticks * _ENTRIES_PER_TICK

    @property
    def ticks(self) -> int:
        """How many ticks ran (webhook-triggered ones included), the forgotten ones too."""
        return self._forgotten_ticks + len(self.trace)

    @property
    def crash_points(self) -> tuple[str, ...]:
        """Where the engine may crash: its integration's own points, then the engine's."""
        return (*self.parts.adapter.crash_points, *CRASH_POINTS)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` in virtual time with no way out to the network: a connection or DNS
        lookup the simulation does not serve fails at once, naming the host (loopback stays
        open for a served fake)."""
        with self.parts.network_guard:
            return self.parts.clock.run(coro)

    def provision(self) -> None:
        """Run the integration's provisioning once, before the first tick."""
        declare = self.parts.integration.provisioning
        if declare is not None:
            self.provisioned = self.run(self._provision(declare))
        self.mark()

    async def _provision(self, declare: Any) -> Any:
        parts = self.parts
        ctx = SyncContext(settings=parts.settings, clock=parts.clock,
                          logger=logging.getLogger("spmkit.simulation"), store=parts.db,
                          run_id=0, client=parts.client)
        return await ensure_provisioned(parts.client, parts.db, declare(ctx))

    # -- ticks --------------------------------------------------------------------------

    def tick(self, *, full_backfill: bool = False, workers: int = 1) -> SyncSummary | None:
        """Run one sync now; its summary, or ``None`` if the engine crashed (it restarts)."""
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InvalidArgument(f"tick(workers={workers!r}) must be an int >= 1.")
        if workers == 1:
            summary = self.run(self._tick(full_backfill, "tick"))
        else:
            summary = self.run(self._concurrent(full_backfill, workers))
        if summary is None:
            self.restart()
        return summary

    def run_for(self, duration: timedelta, every: timedelta,
                on_tick: Callable[[SyncSummary | None], None] | None) -> None:
        """Tick on a fixed schedule for ``duration``: tick k at ``now + k * every``."""
        begin, last, k = self.parts.clock.now(), int(duration / every), 1
        while k <= last:
            ran, crashed = self.run(self._ticks_on_schedule(begin, every, k, last, on_tick))
            if crashed:
                self.restart()
            k = ran + 1

    async def _ticks_on_schedule(
            self, begin: datetime, every: timedelta, first: int, last: int,
            on_tick: Callable[[SyncSummary | None], None] | None) -> tuple[int, bool]:
        """Ticks ``first``..``last`` of the schedule, up to a crash: ``(last run, crashed)``."""
        # Many ticks per event loop: a loop per tick would cost more than the tick.
        clock = self.parts.clock
        for k in range(first, last + 1):
            late = begin + k * every - clock.now()
            if late > timedelta(0):
                clock.advance(late)
            summary = await self._tick(False, "tick")
            if on_tick is not None:
                on_tick(summary)
            if summary is None:
                return k, True
        return last, False

    def full_backfill_next(self) -> None:
        """Make the next tick a full backfill."""
        self._full_next = True

    def crash_at(self, point: str, nth: int) -> None:
        """Crash the engine the ``nth`` time it reaches ``point``."""
        if point not in self.crash_points:
            raise InvalidArgument(
                f"unknown crash point {point!r}; choose one of: "
                f"{', '.join(self.crash_points)} (a step of your own declares its points in "
                f"Adapter(crash_points=...)).")
        if isinstance(nth, bool) or not isinstance(nth, int) or nth < 1:
            raise InvalidArgument(f"crash_at(nth={nth!r}) must be an int >= 1.")
        self._crash = _CrashPlan(point, nth)

    def restart(self) -> None:
        """Restart the engine on the same store (a new client; a SQLite file is reopened)."""
        parts = self.parts
        self.run(parts.client.aclose())
        parts.reopen_store()
        parts.client = parts.new_client()
        self.restarts += 1

    def _options(self, full: bool, worker: str = "worker-1") -> SyncOptions:
        # A stable worker id: the same seed gives the same trace, and a worker restarted
        # after a crash takes its own leases back at once.
        world = self.parts.world
        return SyncOptions(full_backfill=full, backfill_days=world.backfill_days,
                           overlap_seconds=world.overlap_seconds, checkpoint=self._checkpoint,
                           worker_id=worker)

    def _checkpoint(self, point: str) -> None:
        plan = self._crash
        if plan is None or plan.point != point:
            return
        plan.seen += 1
        if plan.seen >= plan.nth:
            self._crash = None
            raise SimulatedCrash(point)

    def _begin(self, full_backfill: bool) -> tuple[bool, int, datetime]:
        full = full_backfill or self._full_next
        self._full_next = False
        if self.oracle is not None:
            self.oracle.begin()
        return full, self.ticks + 1, self.parts.clock.now()

    async def _tick(self, full_backfill: bool, trigger: str) -> SyncSummary | None:
        full, index, now = self._begin(full_backfill)
        try:
            summary = await self._sync(full, "worker-1")
        except SimulatedCrash as crash:
            self._finish(index, now, None, full, trigger, str(crash))
            return None
        self._finish(index, now, summary, full, trigger)
        return summary

    def _sync(self, full: bool, worker: str) -> Coroutine[Any, Any, SyncSummary]:
        parts = self.parts
        return run_integration_sync(
            parts.integration, store=parts.db, clock=parts.clock, client=parts.client,
            settings=parts.settings, options=self._options(full, worker),
            provisioned=self.provisioned)

    async def _concurrent(self, full_backfill: bool, workers: int) -> SyncSummary | None:
        full, index, now = self._begin(full_backfill)
        names = [f"worker-{n}" for n in range(1, workers + 1)]
        outcomes = await asyncio.gather(*(self._sync(full, name) for name in names),
                                        return_exceptions=True)
        crashed = next((o for o in outcomes if isinstance(o, SimulatedCrash)), None)
        failed = next((o for o in outcomes if isinstance(o, BaseException)
                       and not isinstance(o, SimulatedCrash)), None)
        if failed is not None:
            raise failed
        summaries = [o for o in outcomes if isinstance(o, SyncSummary)]
        faults = self.active_faults()
        for offset, (name, outcome) in enumerate(zip(names, outcomes, strict=True)):
            trigger = "tick" if offset == 0 else name
            if isinstance(outcome, SyncSummary):
                self.trace.append(tick_trace(index + offset, now, full, faults, outcome,
                                             trigger=trigger))
            else:
                self.trace.append(TickTrace(index=index + offset, now=iso(now) or "",
                                            status="crashed", full_backfill=full, steps=(),
                                            faults=faults, crashed_at=str(outcome),
                                            trigger=trigger))
        self.mark()
        self._check(self.ticks, now, summaries, full, workers)
        self._bound()
        self._adapter_failed()
        return None if crashed is not None else summaries[0]

    def _finish(self, index: int, now: datetime, summary: SyncSummary | None, full: bool,
                trigger: str, crashed_at: str | None = None) -> None:
        faults = self.active_faults()
        if summary is None:
            self.trace.append(TickTrace(index=index, now=iso(now) or "", status="crashed",
                                        full_backfill=full, steps=(), faults=faults,
                                        crashed_at=crashed_at, trigger=trigger))
        else:
            self.trace.append(tick_trace(index, now, full, faults, summary, trigger=trigger))
        self.mark()
        self._check(index, now, [] if summary is None else [summary], full)
        self._bound()
        self._adapter_failed()

    def _adapter_failed(self) -> None:
        """Stop the run with the adapter's own error, once a tick showed one (its trace
        is kept): what follows from it is not the integration's doing."""
        watch = self.parts.adapter_watch
        if watch is not None:
            watch.raise_first()

    # -- webhooks -----------------------------------------------------------------------

    def deliver_webhook(self, event: str, sent: timedelta, times: int,
                        tamper: str | None) -> list[LifecycleResult]:
        """Deliver a signed lifecycle webhook for ``event``, ``times`` times (see
        :meth:`Simulation.deliver_webhook`)."""
        if tamper not in (None, "upper", "trailing"):
            raise InvalidArgument(
                f"deliver_webhook(tamper={tamper!r}): use None, 'upper' or 'trailing'.")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise InvalidArgument(f"deliver_webhook(times={times!r}) must be an int >= 1.")
        parts = self.parts
        body, headers = sign_webhook_request({"event": event}, parts.world.webhook_secret,
                                             clock=parts.clock, skew=sent)
        results = []
        for attempt in range(times):
            sent_headers = dict(headers)
            if attempt > 0 and tamper is not None:
                signature = sent_headers["x-shopimind-signature"]
                sent_headers["x-shopimind-signature"] = (
                    signature.upper() if tamper == "upper" else signature + "00")
            result = self.run(self._webhook(event, body, sent_headers))
            if result is None:
                self.restart()
                continue
            results.append(result)
        return results

    async def _webhook(self, event: str, body: bytes,
                       headers: dict[str, str]) -> LifecycleResult | None:
        parts = self.parts
        index, now = self.ticks + 1, parts.clock.now()
        trigger = f"webhook:{event}"
        if self.oracle is not None:
            self.oracle.begin()
        try:
            result = await handle_lifecycle(
                parts.integration, body=body, headers=headers,
                secrets=[parts.world.webhook_secret], clock=parts.clock,
                replay_guard=parts.replay_guard, store=parts.db, client=parts.client,
                settings=parts.settings, sync_options=self._options(False))
        except SimulatedCrash as crash:
            self._finish(index, now, None, event == "activate", trigger, str(crash))
            return None
        tick = None
        if result.summary is not None:
            if result.provisioned is not None:
                self.provisioned = result.provisioned
            self._finish(index, now, result.summary, result.summary.mode == "full", trigger)
            tick = index
        self.webhooks.append(WebhookTrace(index=len(self.webhooks) + 1, at=iso(now) or "",
                                          event=event, ok=result.ok, reason=result.reason,
                                          tick=tick))
        return result

    # -- settling -----------------------------------------------------------------------

    def settle(self, every: timedelta) -> list[Violation]:
        """Tick on a quiet schedule until every step-source has caught up, or the bound;
        what has not caught up is an I10 violation."""
        oracle = self.oracle
        assert oracle is not None, "settle() needs the oracle (Simulation(oracle=True))"
        clock = self.parts.clock
        bound = oracle.settle_bound(every) + _SETTLE_SLACK_TICKS
        begin = clock.now()
        k = 0
        while k < bound:
            lags = oracle.lagging()
            if not lags:
                return []
            k += 1
            # While every step-source still behind is in backoff, the ticks on the schedule
            # before the first can run again change nothing: go to that tick.
            wakes = oracle.wakes_at(lags)
            if wakes is not None:
                k = min(bound, max(k, math.ceil((wakes - begin) / every)))
            late = begin + k * every - clock.now()
            if late > timedelta(0):
                clock.advance(late)
            if self.run(self._tick(False, "settle")) is None:
                self.restart()
        return self._found(oracle.progress(self.ticks, bound))

    # -- what runs leave behind ---------------------------------------------------------

    def active_faults(self) -> tuple[str, ...]:
        """The active faults as their names and DSL text (not the records ShopiMind refuses:
        those are data of the world, not faults)."""
        return tuple(h.label for h in self.parts.faults.active if h.name != DATA_FAULT)

    def mark(self) -> None:
        # One key tuple per step-source, shared by every snapshot.
        keys = self._history_keys
        self.history.append({keys.setdefault((c.entity, c.source_key), (c.entity, c.source_key)):
                             c.last_synced_at for c in self.parts.db.list_cursors()})
        self.journal_marks.append(self.parts.fake.journal_length)

    def _check(self, index: int, now: datetime, summaries: Sequence[SyncSummary],
               full: bool, workers: int = 1) -> None:
        if self.oracle is not None:
            self._found(self.oracle.check(index, now, summaries, full, workers=workers,
                                          finished=self.parts.clock.now()))

    def _found(self, violations: Sequence[Violation]) -> list[Violation]:
        new = [v for v in violations if v.key not in self._seen]
        self._seen.update(v.key for v in new)
        self.violations += new
        if new and self.strict:
            raise new[0]
        return new

    def _bound(self) -> None:
        # Trimmed by a quarter at a time: at most 1.25 x keep_ticks are ever kept.
        keep = self.keep_ticks
        if keep is not None and len(self.trace) >= keep + max(1, keep // 4):
            self._forget(keep)

    def _forget(self, keep: int) -> None:
        """Keep only the newest ``keep`` ticks of everything kept per tick (``keep_ticks``):
        the trace lines, the cursor snapshots and journal marks taken from the oldest kept
        tick on, and the store's runs since then."""
        dropped = len(self.trace) - keep
        del self.trace[:dropped]
        self._forgotten_ticks += dropped
        del self.history[:-(keep + 1)]
        del self.journal_marks[:-(keep + 1)]
        self.parts.db.purge_runs(before=datetime.fromisoformat(self.trace[0].now))


#: The name of the fault that stands for records the partner holds that ShopiMind refuses.
DATA_FAULT = "poisoned records"
