"""``Simulation``: the one model of a simulated world, for any integration and its adapter.

One :class:`~spmkit_testing.SimClock` drives the engine, the store, the API client's
retries, the fake ShopiMind API and the simulated partner; one
:class:`~spmkit_testing.faults.FaultRegistry` holds every fault; the
:class:`~spmkit_testing.Oracle` checks the golden cursor rule after every tick. The
verbs are synchronous, so scenarios, pytest fixtures and Hypothesis rules all call
the same ones; each tick runs in virtual time (an hour of ``Retry-After`` costs
milliseconds).

For example::

    sim = Simulation(my_integration, my_adapter, seed=7, overlap_seconds=120)
    sim.put("customers", "c1", {"email": "ada@example.com"})
    sim.fault_on("outage", status(503, resource="customers", calls=(1, 2)))
    sim.tick()
    sim.run_for(timedelta(hours=1))
    assert sim.violations == [] and sim.undelivered() == []

Without arguments it simulates the reference Demo POS integration.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import os
import random
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from spmkit import (
    Integration,
    InvalidArgument,
    LifecycleResult,
    ReplayGuard,
    SpmClient,
    Store,
    SyncContext,
    SyncOptions,
    SyncSummary,
    ensure_provisioned,
    handle_lifecycle,
    install_redaction,
    open_store,
    run_integration_sync,
)
from spmkit_testing._trace import StepTrace, TickTrace, WebhookTrace, iso, tick_trace
from spmkit_testing.adapter import Adapter, InvalidAdapter, Stream
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind
from spmkit_testing.faults import Fault, FaultHandle, FaultRegistry, poison
from spmkit_testing.network import MountedTransport, no_network
from spmkit_testing.oracle import Oracle, Undelivered, Violation
from spmkit_testing.partner import DEFAULT_SOURCES, FakeSource, Partner, RestApi, SourceRecord
from spmkit_testing.partner._payloads import default_payload
from spmkit_testing.webhooks import sign_webhook_request

__all__ = [
    "API_BASE_URL",
    "CRASH_POINTS",
    "DEFAULT_START",
    "UNSET",
    "SimulatedCrash",
    "Simulation",
    "StepTrace",
    "TickTrace",
    "WebhookTrace",
]

T = TypeVar("T")
API_BASE_URL = "https://api.shopimind.test"
DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_API_KEY = "spm-test-key-0000"
DEFAULT_WEBHOOK_SECRET = "whsec-test-0000"
#: Where the engine itself may crash (its ``checkpoint`` calls); an adapter adds the points
#: of its integration's own steps (``Adapter.crash_points``).
CRASH_POINTS = (
    "after_push",
    "before_cursor_write",
    "after_cursor_write",
    "during_dead_letter",
    "before_run_finish",
)
_POISONED = "poisoned records"
_SETTLE_SLACK_TICKS = 10
# A bounded simulation (keep_ticks) keeps about this many journal entries per kept tick
# (the reference integration makes four partner requests a tick).
_ENTRIES_PER_TICK = 6
# The oracle looks back this many ticks (the last runs of each step-source).
_MIN_KEEP_TICKS = 50


class _Unset:
    """The type of :data:`UNSET`."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""A policy left to the integration itself (``tolerate_rejects``, ``batch_size``)."""


class SimulatedCrash(BaseException):
    """The engine 'process' died at a checkpoint (a BaseException: nothing catches it)."""


@dataclass
class _CrashPlan:
    point: str
    nth: int
    seen: int = 0


def _reference() -> tuple[Callable[..., Integration], Adapter]:
    from spmkit_testing.reference import build_reference_integration, reference_adapter

    return build_reference_integration, reference_adapter


def _with_policies(integration: Integration | Callable[..., Integration] | None,
                   adapter: Adapter | None, tolerate_rejects: Any,
                   batch_size: Any) -> tuple[Integration, Adapter]:
    """The integration the engine runs, with the policies the simulation was given."""
    given = {k: v for k, v in (("tolerate_rejects", tolerate_rejects),
                               ("batch_size", batch_size)) if v is not UNSET}
    if integration is None:
        build, reference_adapter = _reference()
        if adapter is not None:
            raise InvalidAdapter("Simulation(adapter=...) needs the integration it describes: "
                                 "Simulation(integration=my_integration, adapter=my_adapter).")
        return build(**given), reference_adapter
    if not isinstance(integration, Integration):
        if not callable(integration):
            raise InvalidArgument(
                f"Simulation(integration={integration!r}): pass an Integration from "
                f"spmkit.define_integration(...), or a builder returning one.")
        built = integration(**given)
        if not isinstance(built, Integration):
            raise InvalidArgument(f"Simulation: the integration builder {integration!r} returned "
                                  f"{built!r}, not an Integration.")
        integration = built
    elif "batch_size" in given:
        raise InvalidArgument(
            f"Simulation(batch_size={batch_size!r}) cannot be applied to the integration object "
            f"{integration.slug!r}: define_bulk_step(batch_size=...) is fixed when the step is "
            f"defined. Pass a builder instead (integration=lambda **policy: build(**policy)) or "
            f"leave batch_size out.")
    elif "tolerate_rejects" in given:
        steps = [dataclasses.replace(s, tolerate_rejects=tolerate_rejects)
                 for s in integration.sync_steps]
        integration = dataclasses.replace(integration, sync_steps=tuple(steps))
    if adapter is None:
        if integration.slug.startswith("demo-pos"):
            return integration, _reference()[1]
        raise InvalidAdapter(
            f"Simulation(integration={integration.slug!r}) needs adapter=...: how the harness "
            f"serves the integration's partner API and builds its settings (see "
            f"spmkit_testing.Adapter).")
    if not isinstance(adapter, Adapter):
        raise InvalidAdapter(f"Simulation(adapter={adapter!r}) is not an spmkit_testing.Adapter.")
    adapter.check(integration)
    return integration, adapter


class Simulation:
    """A simulated world around one integration (see the module docstring).

    * ``integration`` — an :class:`~spmkit.Integration` or a builder called with the
      policies given here; ``adapter`` — its :class:`~spmkit_testing.Adapter` (both
      default to the reference Demo POS); ``settings`` — a function ``partner ->
      settings`` replacing the adapter's;
    * policies: ``tolerate_rejects`` (applied to every step; by default each step keeps
      its own), ``batch_size`` (a builder only), ``overlap_seconds``, ``backfill_days``;
    * the world: ``start``, ``seed`` (every random choice), ``skew`` (partner clock
      minus ours), ``sources`` (the partner's source keys), ``store`` (``":memory:"`` or
      a SQLite path);
    * the oracle: on by default; ``strict=True`` raises the first violation;
    * ``keep_ticks`` (a long soak): keep only about the newest ``keep_ticks`` ticks of
      ``trace``, ``history`` and ``journal_marks``, of the fake's journal and the
      partner's calls (``_ENTRIES_PER_TICK`` entries a tick) and of the store's runs
      (``purge_runs``), so memory stays bounded whatever the simulated time; ``ticks``
      still counts every tick. ``None`` (the default) keeps everything, as scenario
      expectations and reports need.
    * ``clock``: a :class:`~spmkit_testing.SimClock` to share (its instant is the start).
    """

    def __init__(
        self,
        integration: Integration | Callable[..., Integration] | None = None,
        adapter: Adapter | None = None,
        *,
        settings: Callable[[Partner], Any] | None = None,
        seed: int = 0,
        start: datetime = DEFAULT_START,
        tolerate_rejects: bool | float = UNSET,
        batch_size: int = UNSET,
        overlap_seconds: float = 0,
        backfill_days: float = 365,
        skew: timedelta = timedelta(0),
        sources: Sequence[str] = DEFAULT_SOURCES,
        store: str | os.PathLike[str] = ":memory:",
        api_key: str = DEFAULT_API_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        strict: bool = False,
        oracle: bool = True,
        allow_backwards: bool = True,
        keep_ticks: int | None = None,
        clock: SimClock | None = None,
    ) -> None:
        if clock is not None and not isinstance(clock, SimClock):
            raise InvalidArgument(f"Simulation(clock={clock!r}) must be a SimClock.")
        start = clock.now() if clock is not None else start
        if not isinstance(start, datetime) or start.utcoffset() is None:
            raise InvalidArgument(
                f"Simulation(start={start!r}) must be an aware datetime, such as "
                f"datetime(2026, 1, 1, tzinfo=UTC).")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgument(
                f"Expected int but got seed={seed!r} (type={type(seed).__name__}).")
        if keep_ticks is not None and (isinstance(keep_ticks, bool) or not isinstance(
                keep_ticks, int) or keep_ticks < _MIN_KEEP_TICKS):
            raise InvalidArgument(
                f"Simulation(keep_ticks={keep_ticks!r}) must be an int >= {_MIN_KEEP_TICKS} "
                f"(the oracle looks back {_MIN_KEEP_TICKS} ticks), or None to keep every tick.")
        if settings is not None and not callable(settings):
            raise InvalidArgument(
                f"Simulation(settings={settings!r}) must be a function partner -> settings (the "
                f"partner gives .transport and .client to point the integration at).")
        self.integration, self.adapter = _with_policies(integration, adapter, tolerate_rejects,
                                                        batch_size)
        # The API key must never reach a log line, whatever a failing tick logs (a key
        # under 4 characters is a toy that redaction would mangle ordinary text with).
        if isinstance(api_key, str) and len(api_key) >= 4:
            install_redaction(secrets=[api_key])
        self.seed, self.api_key, self.webhook_secret = seed, api_key, webhook_secret
        self.overlap_seconds, self.backfill_days = overlap_seconds, backfill_days
        SyncOptions(overlap_seconds=overlap_seconds, backfill_days=backfill_days)  # validates
        self.strict = strict
        self.store_location = store
        self.clock = clock if clock is not None else SimClock(start,
                                                              allow_backwards=allow_backwards)
        self.faults = FaultRegistry(random.Random(seed))
        self.replay_guard = ReplayGuard(self.clock)
        self.fake = FakeShopimind(clock=self.clock, api_key=api_key, seed=seed, faults=self.faults)
        precision = (timedelta(milliseconds=1) if isinstance(self.adapter.partner_api, RestApi)
                     and self.adapter.partner_api.time_format == "epoch_ms" else None)
        self.partner = Partner(self.clock, self.adapter.streams, sources=sources, skew=skew,
                               faults=self.faults, seed=seed, precision=precision)
        self.network = MountedTransport()
        self.network_guard = no_network()
        self.network.mount(f"{API_BASE_URL}/", self.fake.transport())
        self.partner.transport = self.network
        api = self.adapter.partner_api
        if isinstance(api, RestApi):
            self.network.mount(f"{api.base_url}/", api.transport(self.partner))
        else:
            self.partner.client = api(self.partner)
        self.settings = (settings or self.adapter.settings)(self.partner)
        self.db: Store = open_store(store, clock=self.clock)
        self.client = self._new_client()
        self.trace: list[TickTrace] = []
        self.webhooks: list[WebhookTrace] = []
        self.violations: list[Violation] = []
        self.history: list[dict[tuple[str, str], datetime | None]] = []
        self._history_keys: dict[tuple[str, str], tuple[str, str]] = {}
        self.journal_marks: list[int] = []
        self.restarts = 0
        self.keep_ticks = keep_ticks
        self._forgotten_ticks = 0
        if keep_ticks is not None:
            self.fake.journal_limit = keep_ticks * _ENTRIES_PER_TICK
            self.partner.keep_calls = keep_ticks * _ENTRIES_PER_TICK
        self._crash: _CrashPlan | None = None
        self._full_next = False
        self._named: dict[str, FaultHandle] = {}
        self._data_faults: dict[str, FaultHandle] = {}
        self._poisoned: dict[str, set[str]] = {}
        self._seen: set[tuple[str, str, str | None]] = set()
        self.oracle = Oracle(self) if oracle else None
        self.provisioned = self._run(self._provision())
        self._mark()

    def __repr__(self) -> str:
        return (f"Simulation({self.integration.slug!r}, seed={self.seed}, "
                f"now={iso(self.clock.now())}, ticks={self.ticks})")

    @property
    def ticks(self) -> int:
        """How many ticks ran (webhook-triggered ones included), the forgotten ones too."""
        return self._forgotten_ticks + len(self.trace)

    # -- time and ticks -----------------------------------------------------------------

    def tick(self, *, full_backfill: bool = False, workers: int = 1) -> SyncSummary | None:
        """Run one sync now; its summary, or ``None`` if the engine crashed (it restarts).

        ``workers=2`` starts a second worker on the same store at the same instant (a
        deployment mistake the engine must survive): the run leases make each step-source
        run once, the other worker reports it ``skipped`` (``"leased"``). Each worker's run
        is a tick of the trace; the first worker's summary is returned.
        """
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InvalidArgument(f"tick(workers={workers!r}) must be an int >= 1.")
        if workers == 1:
            summary = self._run(self._tick(full_backfill, "tick"))
        else:
            summary = self._run(self._concurrent(full_backfill, workers))
        if summary is None:
            self.restart()
        return summary

    def advance(self, delta: timedelta) -> None:
        """Move simulated time by ``delta`` without syncing (negative: the clock steps back)."""
        self.clock.advance(delta)

    def run_for(self, duration: timedelta, *, every: timedelta = timedelta(minutes=1),
                on_tick: Callable[[SyncSummary | None], None] | None = None) -> None:
        """Tick on a fixed schedule for ``duration``: tick k at ``now + k * every``, like cron.

        A tick that takes simulated time (retries, latency) past the next slot makes that
        one late (it runs as soon as the previous one ends). ``on_tick(summary)`` is called
        after each tick (``None`` for a crash), for example to write partner records.
        """
        if not isinstance(every, timedelta) or every <= timedelta(0):
            raise InvalidArgument(f"run_for(every={every!r}) must be a positive timedelta.")
        begin, last, k = self.clock.now(), int(duration / every), 1
        while k <= last:
            ran, crashed = self._run(self._ticks_on_schedule(begin, every, k, last,
                                                                  on_tick))
            if crashed:
                self.restart()
            k = ran + 1

    async def _ticks_on_schedule(
            self, begin: datetime, every: timedelta, first: int, last: int,
            on_tick: Callable[[SyncSummary | None], None] | None) -> tuple[int, bool]:
        """Ticks ``first``..``last`` of the schedule, up to a crash: ``(last run, crashed)``."""
        # Many ticks per event loop: a loop per tick would cost more than the tick.
        for k in range(first, last + 1):
            late = begin + k * every - self.clock.now()
            if late > timedelta(0):
                self.clock.advance(late)
            summary = await self._tick(False, "tick")
            if on_tick is not None:
                on_tick(summary)
            if summary is None:
                return k, True
        return last, False

    def full_backfill_next(self) -> None:
        """Make the next tick a full backfill."""
        self._full_next = True

    @property
    def crash_points(self) -> tuple[str, ...]:
        """Where the engine may crash: its integration's own points, then the engine's."""
        return (*self.adapter.crash_points, *CRASH_POINTS)

    def crash_at(self, point: str, *, nth: int = 1) -> None:
        """Crash the engine the ``nth`` time it reaches ``point`` (one of ``crash_points``)."""
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
        self._run(self.client.aclose())
        if str(self.store_location) != ":memory:":
            self.db.close()
            self.db = open_store(self.store_location, clock=self.clock)
        self.client = self._new_client()
        self.restarts += 1

    # -- the partner --------------------------------------------------------------------

    def resolve(self, ref: str) -> tuple[Stream, str]:
        """``"customers"``, ``"orders@store-1"``, ``"global"``, ``"per-source@store-2"`` ->
        ``(stream, source key)`` (``""`` for a global stream or a per-source stream's
        step-level row)."""
        if not isinstance(ref, str) or not ref:
            raise InvalidArgument(f"Expected a stream name such as 'customers' or "
                                  f"'orders@store-1', got {ref!r}.")
        name, _, source = ref.partition("@")
        stream = self.adapter.stream(name)
        if source and not stream.per_source:
            raise InvalidArgument(f"{ref!r}: stream {stream.name!r} is global; it has no sources.")
        if source and source not in self.partner.sources:
            raise InvalidArgument(f"{ref!r}: the partner has no source {source!r} (sources: "
                                  f"{', '.join(self.partner.sources)}).")
        return stream, source

    def source(self, ref: str) -> FakeSource:
        """The records of a stream-source (a per-source stream without ``@key``: its first)."""
        stream, key = self.resolve(ref)
        if stream.per_source and not key:
            key = self.partner.sources[0]
        return self.partner.source(stream.name, key)

    def put(self, ref: str, key: str, fields: Mapping[str, Any] | None = None, *,
            at: timedelta | None = None, lag: timedelta = timedelta(0),
            poisoned: bool = False) -> SourceRecord:
        """The partner writes record ``key`` of stream-source ``ref``.

        ``fields`` default to a valid payload for the stream's resource; ``at`` stamps
        ``updated_at`` that far from the partner's now; ``lag`` makes it readable later
        (a late arrival); ``poisoned`` makes the ShopiMind API refuse its item (bad data
        the partner holds: it stays refused until the scenario ends).
        """
        stream, _ = self.resolve(ref)
        data = self.source(ref)
        payload = default_payload(stream.resource, key) | dict(fields or {})
        stamp = None if at is None else data.partner_now() + at
        record = data.put(key, payload, lag=lag, updated_at=stamp)
        if poisoned:
            self._poison(stream, ref, key)
        return record

    def update(self, ref: str, key: str, changes: Mapping[str, Any], *,
               at: timedelta | None = None, lag: timedelta = timedelta(0)) -> SourceRecord:
        """The partner updates record ``key`` (a new version)."""
        data = self.source(ref)
        stamp = None if at is None else data.partner_now() + at
        return data.update(key, changes, lag=lag, updated_at=stamp)

    def delete(self, ref: str, key: str, *, lag: timedelta = timedelta(0)) -> SourceRecord:
        """The partner deletes record ``key`` (a tombstone version)."""
        return self.source(ref).delete(key, lag=lag)

    def add_source(self, key: str) -> None:
        """A new source appears at the partner (a store opens)."""
        self.partner.add_source(key)

    def _poison(self, stream: Stream, ref: str, key: str) -> None:
        _, source = self.resolve(ref)
        if stream.per_source and not source:
            source = self.partner.sources[0]
        keys = self._poisoned.setdefault(stream.resource, set())
        if not keys:
            natural = stream.natural_key

            def poisoned_record(item: Mapping[str, Any]) -> bool:
                return str(item.get(natural)) in keys

            self._data_faults[stream.resource] = self.faults.add(
                poison(predicate=poisoned_record, resource=stream.resource,
                       reason="refused by ShopiMind: bad data held by the partner"),
                name=_POISONED)
        keys.add(stream.key_of(key, source))

    # -- faults -------------------------------------------------------------------------

    def fault_on(self, name: str, fault: Fault) -> FaultHandle:
        """Switch ``fault`` on under ``name`` (``"global"``-style targets are resolved)."""
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"fault_on(name={name!r}) needs a non-empty name.")
        if name in self._named:
            raise InvalidArgument(f"fault_on({name!r}, ...): a fault is already on under that "
                                  f"name; switch it off first or pick another name.")
        self._named[name] = self.add_fault(fault, name=name)
        return self._named[name]

    def fault_off(self, name: str) -> None:
        """Switch off the fault switched on under ``name``."""
        handle = self._named.pop(name, None)
        if handle is None:
            on = ", ".join(sorted(self._named)) or "none"
            raise InvalidArgument(f"fault_off({name!r}): no fault is on under that name (on "
                                  f"now: {on}).")
        self.faults.remove(handle)

    def add_fault(self, fault: Fault, *, name: str = "") -> FaultHandle:
        """Activate a fault (see :mod:`spmkit_testing.faults`); returns its handle."""
        if not isinstance(fault, Fault):
            raise InvalidArgument(f"Expected a Fault such as status(503), got {fault!r}.")
        where = fault.where
        if where.stream is not None:
            stream = self.adapter.stream(where.stream)
            target = stream.name + (f"@{where.source}" if where.source else "") + (
                "/sources" if where.sources_listing else "")
            if where.source is not None:
                self.resolve(f"{stream.name}@{where.source}")
            if where.sources_listing and not stream.per_source:
                raise InvalidArgument(f"{fault!r}: stream {stream.name!r} is global; only a "
                                      f"per-source stream lists its sources.")
            fault = fault.retargeted(target)
        return self.faults.add(fault, name=name)

    @property
    def data_faults(self) -> list[FaultHandle]:
        """The faults that stand for data the partner holds (records ShopiMind refuses,
        ``put(..., poisoned=True)``), not for something going wrong."""
        return list(self._data_faults.values())

    def unfired(self) -> list[FaultHandle]:
        """The faults switched on by name (``fault_on``) that never fired: a scenario that
        declares a fault which never happens tests less than it says."""
        data = set(self._data_faults.values())
        return [h for h in self.faults.never_fired() if h.name and h not in data]

    def active_faults(self) -> tuple[str, ...]:
        """The active faults, as their names and DSL text (records the partner holds that
        ShopiMind refuses are data, not faults: they are not listed)."""
        data = set(self._data_faults.values())
        return tuple(f"{h.name}: {h.fault!r}" if h.name else repr(h.fault)
                     for h in self.faults.active if h not in data)

    # -- webhooks -----------------------------------------------------------------------

    def deliver_webhook(self, event: str, *, sent: timedelta = timedelta(0), times: int = 1,
                        tamper: str | None = None) -> list[LifecycleResult]:
        """Deliver a signed lifecycle webhook for ``event``, ``times`` times.

        ``sent`` shifts the sender's timestamp (``-6 min`` late, ``+30 s`` early). Repeats
        resend the same request (a replay); ``tamper="upper"`` or ``"trailing"`` alters
        the repeated signature. An accepted ``sync``/``activate`` runs the engine: a tick
        triggered by ``"webhook:<event>"``, checked by the oracle.
        """
        if tamper not in (None, "upper", "trailing"):
            raise InvalidArgument(
                f"deliver_webhook(tamper={tamper!r}): use None, 'upper' or 'trailing'.")
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
            result = self._run(self._webhook(event, body, sent_headers))
            if result is None:
                self.restart()
                continue
            results.append(result)
        return results

    async def _webhook(self, event: str, body: bytes,
                       headers: dict[str, str]) -> LifecycleResult | None:
        index, now = self.ticks + 1, self.clock.now()
        trigger = f"webhook:{event}"
        if self.oracle is not None:
            self.oracle.begin()
        try:
            result = await handle_lifecycle(
                self.integration, body=body, headers=headers, secrets=[self.webhook_secret],
                clock=self.clock, replay_guard=self.replay_guard, store=self.db,
                client=self.client, settings=self.settings, sync_options=self._options(False))
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

    # -- the end of a run ---------------------------------------------------------------

    def settle(self, *, every: timedelta = timedelta(minutes=1)) -> list[Violation]:
        """Stop every fault of the timeline, keep the partner quiet and tick until the sync
        catches up: every record delivered (or refused and dead-lettered) and every cursor
        past the newest record. What has not within the bound is an I10 violation."""
        for name in list(self._named):
            self.fault_off(name)
        for handle in self.faults.active:
            if handle not in self._data_faults.values():
                self.faults.remove(handle)
        assert self.oracle is not None, "settle() needs the oracle (Simulation(oracle=True))"
        bound = self.oracle.settle_bound(every) + _SETTLE_SLACK_TICKS
        begin = self.clock.now()
        k = 0
        while k < bound:
            lagging = self.oracle.lagging()
            if not lagging:
                return []
            k += 1
            # While every step-source still behind is in backoff, the ticks on the schedule
            # before the first can run again change nothing: go to that tick.
            wakes = self.oracle.wakes_at(lagging)
            if wakes is not None:
                k = min(bound, max(k, math.ceil((wakes - begin) / every)))
            late = begin + k * every - self.clock.now()
            if late > timedelta(0):
                self.clock.advance(late)
            if self._run(self._tick(False, "settle")) is None:
                self.restart()
        found = [v for v in self.oracle.progress(self.ticks, bound) if self._new(v)]
        self.violations += found
        if found and self.strict:
            raise found[0]
        return found

    def undelivered(self) -> list[Undelivered]:
        """Live partner records visible now that are neither in the fake API (latest
        version, through their data source) nor refused and dead-lettered. Each says
        whether the cursor has passed it for good (``lost``)."""
        assert self.oracle is not None, "undelivered() needs the oracle (Simulation(oracle=True))"
        return self.oracle.undelivered()

    def close(self) -> None:
        """Release the clients, the settings' httpx clients and the store."""
        self._run(self._aclose())
        self.db.close()

    async def _aclose(self) -> None:
        await self.client.aclose()
        attributes = (vars(self.settings).values() if hasattr(self.settings, "__dict__")
                      else (getattr(self.settings, f.name) for f in
                            dataclasses.fields(self.settings))
                      if dataclasses.is_dataclass(self.settings) else ())
        for value in attributes:
            if isinstance(value, httpx.AsyncClient):
                await value.aclose()

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- views --------------------------------------------------------------------------

    def cursor(self, ref: str) -> datetime | None:
        """The stored cursor of a stream-source (``None`` if never advanced)."""
        stream, key = self.resolve(ref)
        row = self.db.get_cursor(stream.name, key)
        return None if row is None else row.last_synced_at

    def trace_lines(self) -> list[str]:
        """The trace as JSON lines (one per tick)."""
        return [t.to_json() for t in self.trace]

    # -- internals ----------------------------------------------------------------------

    def _options(self, full: bool, worker: str = "worker-1") -> SyncOptions:
        # A stable worker id: the same seed gives the same trace, and a worker restarted
        # after a crash takes its own leases back at once.
        return SyncOptions(full_backfill=full, backfill_days=self.backfill_days,
                           overlap_seconds=self.overlap_seconds, checkpoint=self._checkpoint,
                           worker_id=worker)

    async def _tick(self, full_backfill: bool, trigger: str) -> SyncSummary | None:
        full = full_backfill or self._full_next
        self._full_next = False
        index, now = self.ticks + 1, self.clock.now()
        if self.oracle is not None:
            self.oracle.begin()
        try:
            summary = await self._sync(full, "worker-1")
        except SimulatedCrash as crash:
            self._finish(index, now, None, full, trigger, str(crash))
            return None
        self._finish(index, now, summary, full, trigger)
        return summary

    def _sync(self, full: bool, worker: str) -> Coroutine[Any, Any, SyncSummary]:
        return run_integration_sync(
            self.integration, store=self.db, clock=self.clock, client=self.client,
            settings=self.settings, options=self._options(full, worker),
            provisioned=self.provisioned)

    async def _concurrent(self, full_backfill: bool, workers: int) -> SyncSummary | None:
        full = full_backfill or self._full_next
        self._full_next = False
        index, now = self.ticks + 1, self.clock.now()
        if self.oracle is not None:
            self.oracle.begin()
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
        self._mark()
        self._check(self.ticks, now, summaries, full, workers)
        self._bound()
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
        self._mark()
        self._check(index, now, [] if summary is None else [summary], full)
        self._bound()

    def _bound(self) -> None:
        # Trimmed by a quarter at a time: at most 1.25 x keep_ticks are ever kept.
        keep = self.keep_ticks
        if keep is not None and len(self.trace) >= keep + max(1, keep // 4):
            self._forget(keep)

    def _check(self, index: int, now: datetime, summaries: Sequence[SyncSummary],
               full: bool, workers: int = 1) -> None:
        if self.oracle is None:
            return
        found = [v for v in self.oracle.check(index, now, summaries, full, workers=workers,
                                              finished=self.clock.now()) if self._new(v)]
        self.violations += found
        if found and self.strict:
            raise found[0]

    def _forget(self, keep: int) -> None:
        """Keep only the newest ``keep`` ticks of everything kept per tick (``keep_ticks``):
        the trace lines, the cursor snapshots and journal marks taken from the oldest
        kept tick on, and the store's runs since then."""
        dropped = len(self.trace) - keep
        del self.trace[:dropped]
        self._forgotten_ticks += dropped
        del self.history[:-(keep + 1)]
        del self.journal_marks[:-(keep + 1)]
        self.db.purge_runs(before=datetime.fromisoformat(self.trace[0].now))

    def _new(self, violation: Violation) -> bool:
        key = (violation.invariant, violation.where, violation.record)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _mark(self) -> None:
        # One key tuple per step-source, shared by every snapshot.
        keys = self._history_keys
        self.history.append({keys.setdefault((c.entity, c.source_key), (c.entity, c.source_key)):
                             c.last_synced_at for c in self.db.list_cursors()})
        self.journal_marks.append(self.fake.journal_length)

    def _new_client(self) -> SpmClient:
        return SpmClient(self.api_key, base_url=API_BASE_URL, transport=self.network,
                         clock=self.clock, seed=self.seed)

    async def _provision(self) -> Any:
        declare = self.integration.provisioning
        if declare is None:
            return None
        ctx = SyncContext(settings=self.settings, clock=self.clock,
                          logger=logging.getLogger("spmkit.simulation"), store=self.db,
                          run_id=0, client=self.client)
        return await ensure_provisioned(self.client, self.db, declare(ctx))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` in virtual time with no way out to the network: a connection or DNS
        lookup the simulation does not serve fails at once, naming the host
        (:attr:`network_guard` keeps the list; loopback stays open for a served fake)."""
        with self.network_guard:
            return self.clock.run(coro)

    def _checkpoint(self, point: str) -> None:
        plan = self._crash
        if plan is None or plan.point != point:
            return
        plan.seen += 1
        if plan.seen >= plan.nth:
            self._crash = None
            raise SimulatedCrash(point)
