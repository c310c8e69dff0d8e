"""``Simulation``: the one model of a simulated world, built one way.

``Simulation(world, target)`` wires a :class:`World` around the code under test
(:class:`Target`: an integration and its adapter; the reference Demo POS by default). One
:class:`~spmkit_testing.SimClock` drives the engine, the store, the API client's retries,
the fake ShopiMind API and the simulated partner; one fault registry holds every fault;
the oracle checks the golden cursor rule after every tick. The verbs are synchronous, so
scenarios, pytest fixtures and Hypothesis rules all call the same ones; each tick runs in
virtual time (an hour of ``Retry-After`` costs milliseconds).

For example::

    sim = Simulation(World(seed=7, overlap_seconds=120), Target(my_integration, my_adapter))
    sim.put("customers", "c1", {"email": "ada@example.com"})
    sim.fault_on("outage", status(503, resource="customers", calls=(1, 2)))
    sim.tick()
    sim.run_for(timedelta(hours=1))
    assert sim.violations == [] and sim.undelivered() == []
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from spmkit import (
    InvalidArgument,
    LifecycleResult,
    ReplayGuard,
    SpmClient,
    Store,
    SyncSummary,
)
from spmkit_testing._dsl import parse_duration
from spmkit_testing.adapter import Adapter, Stream
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind
from spmkit_testing.faults import Fault, FaultHandle, FaultRegistry
from spmkit_testing.network import MountedTransport, NetworkGuard
from spmkit_testing.oracle import Oracle, Undelivered, Violation
from spmkit_testing.partner import FakeSource, Partner, SourceRecord
from spmkit_testing.sim._legacy import legacy_world
from spmkit_testing.sim._runs import MIN_KEEP_TICKS, Runs
from spmkit_testing.sim._target import Target
from spmkit_testing.sim._trace import TickTrace, WebhookTrace, iso
from spmkit_testing.sim._verbs import FaultSwitches, PartnerWrites
from spmkit_testing.sim._wiring import Parts, wire
from spmkit_testing.sim._world import World

__all__ = ["Simulation"]

T = TypeVar("T")
_ZERO = timedelta(0)


class Simulation:
    """A simulated world around one integration (see the module docstring).

    * ``world`` — a :class:`World` (``World()`` by default); ``target`` — a
      :class:`Target` (the reference Demo POS by default);
    * ``strict=True`` raises the first violation; ``oracle=False`` checks nothing;
    * ``keep_ticks`` (a long soak): keep only about the newest ``keep_ticks`` ticks of
      ``trace``, ``history`` and ``journal_marks``, of the fake's journal and the partner's
      calls and of the store's runs, so memory stays bounded whatever the simulated time;
      ``ticks`` still counts every tick. ``None`` (the default) keeps everything, as
      scenario expectations and reports need;
    * ``clock`` — a :class:`~spmkit_testing.SimClock` to share (its instant is the start);
    * ``parts`` — parts :func:`~spmkit_testing.sim.wire` already built (the pytest fixtures
      hand out the parts of one world, and the simulation of that same world).

    Its parts: ``clock``, ``fake``, ``partner``, ``network``, ``db`` (the store),
    ``client``, ``settings``, ``faults``, ``integration``, ``adapter``, ``oracle``.
    """

    def __init__(self, world: World | None = None, target: Target | None = None, *,
                 strict: bool = False, oracle: bool = True, keep_ticks: int | None = None,
                 clock: SimClock | None = None, parts: Parts | None = None,
                 **legacy: Any) -> None:
        if not isinstance(world, World | None) or legacy:
            warnings.warn("Simulation(integration, adapter, **options) is deprecated: write "
                          "Simulation(World(seed=..., overlap_seconds=...), "
                          "Target(integration, adapter))", DeprecationWarning, stacklevel=2)
            world, target = legacy_world(world, target, legacy)
        if parts is not None:
            world = parts.world if world is None else world
            target = parts.target if target is None else target
        world = World() if world is None else world
        target = Target() if target is None else target
        if clock is not None and isinstance(clock, SimClock) and clock.now() != world.start:
            world = dataclasses.replace(world, start=clock.now())  # a shared clock's instant
        if not isinstance(target, Target):
            raise InvalidArgument(f"Simulation(target={target!r}) must be a Target, such as "
                                  f"Target(my_integration, my_adapter).")
        if keep_ticks is not None and (isinstance(keep_ticks, bool) or not isinstance(
                keep_ticks, int) or keep_ticks < MIN_KEEP_TICKS):
            raise InvalidArgument(
                f"Simulation(keep_ticks={keep_ticks!r}) must be an int >= {MIN_KEEP_TICKS} "
                f"(the oracle looks back {MIN_KEEP_TICKS} ticks), or None to keep every tick.")
        if parts is not None and (world != parts.world or target != parts.target):
            raise InvalidArgument("Simulation(parts=...) is the world its parts were wired "
                                  "for: leave world and target out.")
        self.world = world if parts is None else parts.world
        self._parts: Parts = wire(world, target, clock=clock) if parts is None else parts
        self._runs = Runs(self._parts, strict=strict, keep_ticks=keep_ticks)
        self._writes = PartnerWrites(self._parts)
        self._switches = FaultSwitches(self._parts, self._writes)
        self._runs.provision()
        self.oracle = Oracle(self) if oracle else None
        self._runs.oracle = self.oracle
        for number, fault in enumerate(world.faults, start=1):
            self.fault_on(f"world-{number}", fault)
        self._writes.write(world.records)

    def __repr__(self) -> str:
        return (f"Simulation({self.integration.slug!r}, seed={self.seed}, "
                f"now={iso(self.clock.now())}, ticks={self.ticks})")

    # -- the parts ----------------------------------------------------------------------

    @property
    def clock(self) -> SimClock:
        return self._parts.clock

    @property
    def fake(self) -> FakeShopimind:
        return self._parts.fake

    @property
    def partner(self) -> Partner:
        return self._parts.partner

    @property
    def network(self) -> MountedTransport:
        return self._parts.network

    @property
    def network_guard(self) -> NetworkGuard:
        return self._parts.network_guard

    @property
    def db(self) -> Store:
        """The store (a SQLite file is reopened on :meth:`restart`)."""
        return self._parts.db

    @property
    def client(self) -> SpmClient:
        """The engine's API client (replace it to give the engine another one)."""
        return self._parts.client

    @client.setter
    def client(self, client: SpmClient) -> None:
        self._parts.client = client

    @property
    def settings(self) -> Any:
        return self._parts.settings

    @property
    def faults(self) -> FaultRegistry:
        return self._parts.faults

    @property
    def integration(self) -> Any:
        return self._parts.integration

    @property
    def adapter(self) -> Adapter:
        return self._parts.adapter

    @property
    def replay_guard(self) -> ReplayGuard:
        return self._parts.replay_guard

    @property
    def seed(self) -> int:
        return self.world.seed

    @property
    def overlap_seconds(self) -> float:
        return self.world.overlap_seconds

    @property
    def backfill_days(self) -> float:
        return self.world.backfill_days

    @property
    def provisioned(self) -> Any:
        """What provisioning returned (its data source ids), or ``None``."""
        return self._runs.provisioned

    def policy(self, entity: str) -> bool | float:
        """The reject policy of the integration's step ``entity``."""
        tolerate: bool | float = self.integration.step(entity).tolerate_rejects
        return tolerate

    # -- what the runs left behind ------------------------------------------------------

    @property
    def trace(self) -> list[TickTrace]:
        """One :class:`TickTrace` per tick."""
        return self._runs.trace

    @property
    def webhooks(self) -> list[WebhookTrace]:
        return self._runs.webhooks

    @property
    def violations(self) -> list[Violation]:
        """What the oracle found, each finding once."""
        return self._runs.violations

    @property
    def history(self) -> list[dict[tuple[str, str], datetime | None]]:
        """The cursors before the first tick, then after each."""
        return self._runs.history

    @property
    def journal_marks(self) -> list[int]:
        return self._runs.journal_marks

    @property
    def restarts(self) -> int:
        return self._runs.restarts

    @property
    def ticks(self) -> int:
        """How many ticks ran (webhook-triggered ones included), the forgotten ones too."""
        return self._runs.ticks

    @property
    def crash_points(self) -> tuple[str, ...]:
        """Where the engine may crash: its integration's own points, then the engine's."""
        return self._runs.crash_points

    # -- time and ticks -----------------------------------------------------------------

    def tick(self, *, full_backfill: bool = False, workers: int = 1) -> SyncSummary | None:
        """Run one sync now; its summary, or ``None`` if the engine crashed (it restarts).

        ``workers=2`` starts a second worker on the same store at the same instant (a
        deployment mistake the engine must survive): the run leases make each step-source
        run once, the other worker reports it ``skipped`` (``"leased"``). Each worker's run
        is a tick of the trace; the first worker's summary is returned.
        """
        return self._runs.tick(full_backfill=full_backfill, workers=workers)

    def advance(self, delta: timedelta | str) -> None:
        """Move simulated time by ``delta`` without syncing (negative: the clock steps back)."""
        self.clock.advance(parse_duration(delta, "delta"))

    def run_for(self, duration: timedelta | str, *, every: timedelta | str = timedelta(minutes=1),
                on_tick: Callable[[SyncSummary | None], None] | None = None) -> None:
        """Tick on a fixed schedule for ``duration``: tick k at ``now + k * every``, like cron.

        A tick that takes simulated time (retries, latency) past the next slot makes that
        one late (it runs as soon as the previous one ends). ``on_tick(summary)`` is called
        after each tick (``None`` for a crash), for example to write partner records.
        """
        step = parse_duration(every, "every")
        if step <= _ZERO:
            raise InvalidArgument(f"run_for(every={every!r}) must be a positive duration.")
        self._runs.run_for(parse_duration(duration, "duration"), step, on_tick)

    def full_backfill_next(self) -> None:
        """Make the next tick a full backfill."""
        self._runs.full_backfill_next()

    def crash_at(self, point: str, *, nth: int = 1) -> None:
        """Crash the engine the ``nth`` time it reaches ``point`` (one of ``crash_points``)."""
        self._runs.crash_at(point, nth)

    def restart(self) -> None:
        """Restart the engine on the same store (a new client; a SQLite file is reopened)."""
        self._runs.restart()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of your own in the simulation's virtual time, with no way out to
        the network (a request to a host the simulation does not serve fails at once,
        naming it)."""
        return self._runs.run(coro)

    # -- the partner --------------------------------------------------------------------

    def resolve(self, ref: str) -> tuple[Stream, str]:
        """``"customers"``, ``"orders@store-1"``, ``"global"``, ``"per-source@store-2"`` ->
        ``(stream, source key)``."""
        return self._writes.resolve(ref)

    def source(self, ref: str) -> FakeSource:
        """The records of a stream-source (a per-source stream without ``@key``: its first)."""
        return self._writes.source(ref)

    def put(self, ref: str, key: str, fields: Mapping[str, Any] | None = None, *,
            at: timedelta | None = None, lag: timedelta = _ZERO,
            poisoned: bool = False) -> SourceRecord:
        """The partner writes record ``key`` of stream-source ``ref``.

        ``fields`` default to a valid payload for the stream's resource; ``at`` stamps
        ``updated_at`` that far from the partner's now; ``lag`` makes it readable later
        (a late arrival, on top of the world's lag); ``poisoned`` makes the ShopiMind API
        refuse its item (bad data the partner holds: it stays refused until the world ends).
        """
        return self._writes.put(ref, key, fields, at=at, lag=lag, poisoned=poisoned)

    def update(self, ref: str, key: str, changes: Mapping[str, Any], *,
               at: timedelta | None = None, lag: timedelta = _ZERO) -> SourceRecord:
        """The partner updates record ``key`` (a new version)."""
        return self._writes.update(ref, key, changes, at=at, lag=lag)

    def delete(self, ref: str, key: str, *, lag: timedelta = _ZERO) -> SourceRecord:
        """The partner deletes record ``key`` (a tombstone version)."""
        return self._writes.delete(ref, key, lag=lag)

    def add_source(self, key: str) -> None:
        """A new source appears at the partner (a store opens)."""
        self.partner.add_source(key)

    def write(self, *items: Any) -> None:
        """The partner writes scenario records (``record(...)``, ``records(n)``)."""
        self._writes.write(items)

    # -- faults -------------------------------------------------------------------------

    def fault_on(self, name: str, fault: Fault) -> FaultHandle:
        """Switch ``fault`` on under ``name`` (``"global"``-style targets are resolved)."""
        return self._switches.on(name, fault)

    def fault_off(self, name: str) -> None:
        """Switch off the fault switched on under ``name``."""
        self._switches.off(name)

    def add_fault(self, fault: Fault, *, name: str = "") -> FaultHandle:
        """Activate a fault (see :mod:`spmkit_testing.faults`); returns its handle."""
        return self._switches.add(fault, name=name)

    @property
    def data_faults(self) -> list[FaultHandle]:
        """The faults that stand for data the partner holds (records ShopiMind refuses,
        ``put(..., poisoned=True)``), not for something going wrong."""
        return list(self._writes.data_faults.values())

    def unfired(self) -> list[FaultHandle]:
        """The faults switched on by name that never fired: a scenario that declares a fault
        which never happens tests less than it says."""
        return self._switches.unfired()

    def active_faults(self) -> tuple[str, ...]:
        """The active faults, as their names and DSL text (records the partner holds that
        ShopiMind refuses are data, not faults: they are not listed)."""
        return self._runs.active_faults()

    # -- webhooks -----------------------------------------------------------------------

    def deliver_webhook(self, event: str, *, sent: timedelta | str = _ZERO, times: int = 1,
                        tamper: str | None = None) -> list[LifecycleResult]:
        """Deliver a signed lifecycle webhook for ``event``, ``times`` times.

        ``sent`` shifts the sender's timestamp (``-6 min`` late, ``+30 s`` early). Repeats
        resend the same request (a replay); ``tamper="upper"`` or ``"trailing"`` alters
        the repeated signature. An accepted ``sync``/``activate`` runs the engine: a tick
        triggered by ``"webhook:<event>"``, checked by the oracle.
        """
        return self._runs.deliver_webhook(event, parse_duration(sent, "sent"), times, tamper)

    # -- the end of a run ---------------------------------------------------------------

    def settle(self, *, every: timedelta | str = timedelta(minutes=1)) -> list[Violation]:
        """Stop every fault of the timeline, keep the partner quiet and tick until the sync
        catches up: every record delivered (or refused and dead-lettered) and every cursor
        past the newest record. What has not within the bound is an I10 violation."""
        self._switches.stop_all()
        return self._runs.settle(parse_duration(every, "every"))

    def undelivered(self) -> list[Undelivered]:
        """Live partner records visible now that are neither in the fake API (latest
        version, through their data source) nor refused and dead-lettered. Each says
        whether the cursor has passed it for good (``lost``)."""
        assert self.oracle is not None, "undelivered() needs the oracle (Simulation(oracle=True))"
        return self.oracle.undelivered()

    def close(self) -> None:
        """Release the clients, the settings' httpx clients and the store."""
        self._parts.close()

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
