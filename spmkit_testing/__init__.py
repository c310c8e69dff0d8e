"""spmkit_testing: the harness that proves a ShopiMind sync never loses data.

One model of the simulated world, :class:`Simulation`, built for *your* integration
through its :class:`Adapter` (its :class:`Stream` s, how its partner API is served —
:mod:`spmkit_testing.rest` route tables or an in-process client — and its settings).
Around it: a stateful fake ShopiMind API (:class:`FakeShopimind`), a simulated clock
(:class:`SimClock`), the simulated :class:`Partner`, one fault vocabulary
(:mod:`spmkit_testing.faults`) and the :class:`Oracle` of the golden cursor rule.

For example::

    from spmkit_testing import Simulation

    sim = Simulation(my_integration, my_adapter, seed=7)
    sim.put("customers", "c1", {"email": "ada@example.com"})
    sim.tick()
    assert "c1" in sim.fake.records("customers") and sim.violations == []

Nothing in a test should reach the network: :func:`no_network` blocks every DNS lookup
and outbound connection except to loopback while it is active, and names the host::

    from spmkit_testing import no_network

    with no_network() as guard:
        sim.tick()          # a step with its own httpx.AsyncClient() fails at once
    assert guard.blocked == []
"""

from __future__ import annotations

from spmkit_testing import faults, rest
from spmkit_testing.adapter import ROLES, Adapter, InvalidAdapter, Stream
from spmkit_testing.clock import DeadlockError, SimClock, SkewedClock
from spmkit_testing.fake import FakeApiError, FakeShopimind, JournalEntry
from spmkit_testing.faults import Fault, FaultHandle, FaultRegistry
from spmkit_testing.network import (
    MountedTransport,
    NetworkBlockedError,
    NetworkGuard,
    UnmountedRequestError,
    no_network,
)
from spmkit_testing.oracle import INVARIANTS, Oracle, Undelivered, Violation
from spmkit_testing.partner import FakeSource, Partner, PartnerFailure, SourceRecord
from spmkit_testing.scenario import (
    Scenario,
    ScenarioFailed,
    ScenarioResult,
    World,
    load_scenario,
    run_scenario,
    scenario_names,
)
from spmkit_testing.simulation import (
    CRASH_POINTS,
    UNSET,
    SimulatedCrash,
    Simulation,
    StepTrace,
    TickTrace,
)

__all__ = [
    "Adapter",
    "CRASH_POINTS",
    "DeadlockError",
    "FakeApiError",
    "FakeShopimind",
    "FakeSource",
    "Fault",
    "FaultHandle",
    "FaultRegistry",
    "faults",
    "InvalidAdapter",
    "INVARIANTS",
    "JournalEntry",
    "load_scenario",
    "MountedTransport",
    "NetworkBlockedError",
    "NetworkGuard",
    "no_network",
    "Oracle",
    "Partner",
    "PartnerFailure",
    "rest",
    "ROLES",
    "run_scenario",
    "Scenario",
    "scenario_names",
    "ScenarioFailed",
    "ScenarioResult",
    "SimClock",
    "SimulatedCrash",
    "Simulation",
    "SkewedClock",
    "SourceRecord",
    "StepTrace",
    "Stream",
    "TickTrace",
    "Undelivered",
    "UnmountedRequestError",
    "UNSET",
    "Violation",
    "World",
]
