"""``Simulation``: the sync façade that wires one simulated world together.

One :class:`~spmkit_testing.SimClock` drives the engine, the store, the API client's
retries, the fake ShopiMind API and the simulated partner. The verbs are
synchronous (``tick``, ``advance``, ``run_for``) so Hypothesis rules and plain tests
can call them; each tick runs in virtual time, so an hour of ``Retry-After`` costs
milliseconds.

For example::

    sim = Simulation(seed=7)
    sim.partner.stream("customers").put("c1", {"email": "ada@example.com"})
    sim.tick()
    assert "c1" in sim.fake.records("customers")
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from spmkit import (
    Integration,
    InvalidArgument,
    LifecycleResult,
    ReplayGuard,
    SpmClient,
    Store,
    SyncOptions,
    SyncSummary,
    SyncWindow,
    ensure_provisioned,
    handle_lifecycle,
    install_redaction,
    open_store,
    run_integration_sync,
)
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind
from spmkit_testing.network import MountedTransport
from spmkit_testing.partner import PARTNER_BASE_URL, Partner
from spmkit_testing.reference import DEFAULT_STORES, PosSettings, build_reference_integration
from spmkit_testing.webhooks import sign_webhook_request

__all__ = [
    "CRASH_POINTS",
    "SimulatedCrash",
    "Simulation",
    "StepTrace",
    "TickTrace",
    "WebhookTrace",
]

API_BASE_URL = "https://api.shopimind.test"
DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)
CRASH_POINTS = (
    "after_fetch_page",
    "after_push",
    "before_cursor_write",
    "after_cursor_write",
    "during_dead_letter",
    "before_run_finish",
)


class SimulatedCrash(BaseException):
    """The engine 'process' died at a checkpoint (a BaseException: nothing catches it)."""


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


@dataclass
class _CrashPlan:
    point: str
    nth: int
    seen: int = 0


@dataclass
class Simulation:
    """A simulated world: SimClock, FakeShopimind, the partner, a store, the engine.

    ``integration`` defaults to the reference Demo POS integration, built with
    ``tolerate_rejects`` and ``batch_size``; ``settings`` default to
    :class:`~spmkit_testing.reference.PosSettings` pointed at the simulated partner.
    ``store`` is ``":memory:"`` (default) or a file path for the SQLite store.
    """

    integration: Integration | None = None
    start: datetime = DEFAULT_START
    seed: int = 0
    tolerate_rejects: bool | float = False
    overlap_seconds: float = 0
    backfill_days: float = 365
    batch_size: int = 500
    partner_skew: timedelta = timedelta(0)
    stores: tuple[str, ...] = DEFAULT_STORES
    store: str | os.PathLike[str] = ":memory:"
    api_key: str = "spm-test-key-0000"
    settings: Any = None
    allow_backwards: bool = True
    webhook_secret: str = "whsec-test-0000"
    trace: list[TickTrace] = field(default_factory=list, init=False)
    webhooks: list[WebhookTrace] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise InvalidArgument(
                f"Simulation(start={self.start!r}) is naive; pass datetime(..., tzinfo=UTC)."
            )
        # The API key must never reach a log line, whatever a failing tick logs (a key
        # under 4 characters is a toy that redaction would mangle ordinary text with).
        if isinstance(self.api_key, str) and len(self.api_key) >= 4:
            install_redaction(secrets=[self.api_key])
        self.clock = SimClock(self.start, allow_backwards=self.allow_backwards)
        self.replay_guard = ReplayGuard(self.clock)
        self.fake = FakeShopimind(clock=self.clock, api_key=self.api_key, seed=self.seed)
        self.partner = Partner(self.clock, stores=self.stores, skew=self.partner_skew,
                               seed=self.seed)
        self.network = MountedTransport()
        self.network.mount(f"{API_BASE_URL}/", self.fake.transport())
        self.partner.mount(self.network, PARTNER_BASE_URL)
        if self.integration is None:
            self.integration = build_reference_integration(
                tolerate_rejects=self.tolerate_rejects, batch_size=self.batch_size)
        if self.settings is None:
            self.settings = PosSettings(
                base_url=PARTNER_BASE_URL, transport=self.network, stores=self.stores,
                http=httpx.AsyncClient(base_url=PARTNER_BASE_URL, transport=self.network))
        self.db: Store = open_store(self.store, clock=self.clock)
        self.client = self._new_client()
        self._crash: _CrashPlan | None = None
        self._full_next = False
        self.restarts = 0
        self.provisioned = self.clock.run(self._provision())

    # -- verbs -------------------------------------------------------------------------

    def tick(self, *, full_backfill: bool = False) -> SyncSummary | None:
        """Run one sync now. Returns its summary, or ``None`` if the engine crashed."""
        summary = self.clock.run(self._tick(full_backfill))
        if summary is None:
            self.restart()
        return summary

    async def _tick(self, full_backfill: bool) -> SyncSummary | None:
        full = full_backfill or self._full_next
        self._full_next = False
        index = len(self.trace) + 1
        now = self.clock.now()
        faults = self.active_faults()
        options = SyncOptions(full_backfill=full, backfill_days=self.backfill_days,
                              overlap_seconds=self.overlap_seconds,
                              checkpoint=self._checkpoint)
        assert self.integration is not None
        try:
            summary = await run_integration_sync(
                self.integration, store=self.db, clock=self.clock, client=self.client,
                settings=self.settings, options=options, provisioned=self.provisioned)
        except SimulatedCrash as crash:
            self.trace.append(TickTrace(index=index, now=_iso(now) or "", status="crashed",
                                        full_backfill=full, steps=(), faults=faults,
                                        crashed_at=str(crash)))
            return None
        self.trace.append(_tick_trace(index, now, full, faults, summary))
        return summary

    def deliver_webhook(self, event: str, *, sent: timedelta = timedelta(0), times: int = 1,
                        tamper: str | None = None) -> list[LifecycleResult]:
        """Deliver a signed lifecycle webhook for ``event``, ``times`` times.

        ``sent`` shifts the sender's timestamp: ``-6 min`` is a late delivery, ``+30 s``
        an early one (a sender clock ahead of ours). Repeats resend the same body and
        headers (a replay); ``tamper="upper"`` upper-cases the repeated signature and
        ``tamper="trailing"`` appends characters to it, the two lenient-compare tricks.
        A ``sync`` or ``activate`` that is accepted runs the engine: it appears in the
        trace as a tick triggered by ``"webhook:<event>"``.
        """
        if tamper not in (None, "upper", "trailing"):
            raise InvalidArgument(
                f"deliver_webhook(tamper={tamper!r}): use None, 'upper' or 'trailing'."
            )
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise InvalidArgument(f"deliver_webhook(times={times!r}) must be an int >= 1.")
        body, headers = sign_webhook_request({"event": event}, self.webhook_secret,
                                             clock=self.clock, skew=sent)
        results = []
        for attempt in range(times):
            sent_headers = dict(headers)
            if attempt > 0 and tamper is not None:
                signature = sent_headers["x-shopimind-signature"]
                sent_headers["x-shopimind-signature"] = (
                    signature.upper() if tamper == "upper" else signature + "00")
            result = self.clock.run(self._webhook(event, body, sent_headers))
            if result is None:
                self.restart()
                continue
            results.append(result)
        return results

    async def _webhook(self, event: str, body: bytes,
                       headers: dict[str, str]) -> LifecycleResult | None:
        assert self.integration is not None
        index = len(self.trace) + 1
        now = self.clock.now()
        faults = self.active_faults()
        options = SyncOptions(backfill_days=self.backfill_days,
                              overlap_seconds=self.overlap_seconds, checkpoint=self._checkpoint)
        try:
            result = await handle_lifecycle(
                self.integration, body=body, headers=headers, secrets=[self.webhook_secret],
                clock=self.clock, replay_guard=self.replay_guard, store=self.db,
                client=self.client, settings=self.settings, sync_options=options)
        except SimulatedCrash as crash:
            self.trace.append(TickTrace(index=index, now=_iso(now) or "", status="crashed",
                                        full_backfill=event == "activate", steps=(),
                                        faults=faults, crashed_at=str(crash),
                                        trigger=f"webhook:{event}"))
            return None
        tick = None
        if result.summary is not None:
            if result.provisioned is not None:
                self.provisioned = result.provisioned
            self.trace.append(_tick_trace(index, now, result.summary.mode == "full", faults,
                                          result.summary, trigger=f"webhook:{event}"))
            tick = index
        self.webhooks.append(WebhookTrace(index=len(self.webhooks) + 1, at=_iso(now) or "",
                                          event=event, ok=result.ok, reason=result.reason,
                                          tick=tick))
        return result

    def advance(self, delta: timedelta) -> None:
        """Move simulated time forward (or back: a clock step) without syncing."""
        self.clock.advance(delta)

    def run_for(self, duration: timedelta, *, every: timedelta = timedelta(minutes=1),
                on_tick: Callable[[SyncSummary | None], None] | None = None) -> None:
        """Tick every ``every`` for ``duration`` (advance, then tick), in simulated time."""
        if every <= timedelta(0):
            raise InvalidArgument(f"run_for(every={every!r}) must be a positive timedelta.")
        end = self.clock.now() + duration
        while self.clock.now() + every <= end:
            # Many ticks per event loop: a loop per tick would cost more than the tick.
            crashed = self.clock.run(self._ticks_until(end, every, on_tick))
            if crashed:
                self.restart()

    async def _ticks_until(self, end: datetime, every: timedelta,
                           on_tick: Callable[[SyncSummary | None], None] | None) -> bool:
        while self.clock.now() + every <= end:
            self.clock.advance(every)
            result = await self._tick(False)
            if on_tick is not None:
                on_tick(result)
            if result is None:
                return True
        return False

    def full_backfill_next(self) -> None:
        """Make the next tick a full backfill."""
        self._full_next = True

    def crash_at(self, point: str, *, nth: int = 1) -> None:
        """Crash the engine the ``nth`` time it reaches ``point`` (see ``CRASH_POINTS``)."""
        if point not in CRASH_POINTS:
            raise InvalidArgument(
                f"unknown crash point {point!r}; choose one of: {', '.join(CRASH_POINTS)}."
            )
        self._crash = _CrashPlan(point, nth)

    def restart(self) -> None:
        """Restart the engine on the same store (a new client; the SQLite file is reopened)."""
        self.clock.run(self.client.aclose())
        if str(self.store) != ":memory:":
            self.db.close()
            self.db = open_store(self.store, clock=self.clock)
        self.client = self._new_client()
        self.restarts += 1

    def close(self) -> None:
        """Release the clients and the store."""
        self.clock.run(self._aclose())
        self.db.close()

    async def _aclose(self) -> None:
        await self.client.aclose()
        http = getattr(self.settings, "http", None)
        if isinstance(http, httpx.AsyncClient):
            await http.aclose()

    # -- views -------------------------------------------------------------------------

    def cursor(self, entity: str, source_key: str = "") -> datetime | None:
        """The stored cursor value of a step-source (``None`` if never advanced)."""
        row = self.db.get_cursor(entity, source_key)
        return None if row is None else row.last_synced_at

    def active_faults(self) -> tuple[str, ...]:
        """Readable descriptions of the fault rules active now (API and partner)."""
        out = [f"api: {rule!r}" for rule in self.fake.faults]
        for name, source in self.partner:
            out.extend(f"{name}: {rule!r}" for rule in source.faults)
        if self.partner.stores_fail:
            out.append("partner: GET /stores fails")
        return tuple(out)

    def trace_lines(self) -> list[str]:
        """The trace as JSON lines (one per tick)."""
        return [t.to_json() for t in self.trace]

    # -- internals ---------------------------------------------------------------------

    def _new_client(self) -> SpmClient:
        return SpmClient(self.api_key, base_url=API_BASE_URL, transport=self.network,
                         clock=self.clock, seed=self.seed)

    async def _provision(self) -> Any:
        assert self.integration is not None
        declare = self.integration.provisioning
        if declare is None:
            return None
        from spmkit import SyncContext

        ctx = SyncContext(settings=self.settings, clock=self.clock,
                          logger=logging.getLogger("spmkit.simulation"), store=self.db,
                          run_id=0, client=self.client)
        return await ensure_provisioned(self.client, self.db, declare(ctx))

    def _checkpoint(self, point: str) -> None:
        plan = self._crash
        if plan is None or plan.point != point:
            return
        plan.seen += 1
        if plan.seen >= plan.nth:
            self._crash = None
            raise SimulatedCrash(point)


def _tick_trace(index: int, now: datetime, full: bool, faults: tuple[str, ...],
                summary: SyncSummary, trigger: str = "tick") -> TickTrace:
    steps = tuple(
        StepTrace(
            entity=s.entity, source_key=s.source_key, window=_window(s.window),
            cursor_before=_iso(s.cursor_before), cursor_after=_iso(s.cursor_after),
            advanced=s.advanced, skipped=s.skipped_reason, errors=s.errors,
            attempted=s.attempted, rejected=s.rejected, dead_lettered=s.dead_lettered,
        )
        for s in summary.steps
    )
    return TickTrace(index=index, now=_iso(now) or "", status=summary.status, full_backfill=full,
                     steps=steps, faults=faults, run_id=summary.run_id, trigger=trigger)


def _window(window: SyncWindow | None) -> tuple[str, str] | None:
    if window is None:
        return None
    return (_iso(window.since) or "", _iso(window.until) or "")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()
