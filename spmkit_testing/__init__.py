"""spmkit_testing: the harness that proves a ShopiMind sync never loses data.

A stateful fake ShopiMind API (:class:`FakeShopimind`), a simulated clock
(:class:`SimClock`), a simulated partner system (:class:`FakeSource`), the
:class:`Simulation` façade that wires them to the engine, and the :class:`Oracle`
of the golden cursor rule.

For example::

    from spmkit_testing import Simulation

    sim = Simulation(seed=7)
    sim.partner.stream("customers").put("c1", {"email": "ada@example.com"})
    sim.tick()
    assert "c1" in sim.fake.records("customers")

Nothing in a test should reach the network: :func:`no_network` blocks every DNS lookup
and outbound connection except to loopback while it is active, and names the host::

    from spmkit_testing import no_network

    with no_network() as guard:
        sim.tick()          # a step with its own httpx.AsyncClient() fails at once
    assert guard.blocked == []
"""

from __future__ import annotations

from spmkit_testing.clock import DeadlockError, SimClock, SkewedClock
from spmkit_testing.fake import FakeApiError, FakeShopimind, FaultHandle, FaultRule, JournalEntry
from spmkit_testing.network import (
    MountedTransport,
    NetworkBlockedError,
    NetworkGuard,
    UnmountedRequestError,
    no_network,
)
from spmkit_testing.oracle import INVARIANTS, Oracle, StreamBinding, Violation
from spmkit_testing.partner import Partner
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
    SimulatedCrash,
    Simulation,
    StepTrace,
    TickTrace,
)
from spmkit_testing.source import FakeSource, SourceFault, SourceRecord

__all__ = [
    "CRASH_POINTS",
    "DeadlockError",
    "FakeApiError",
    "FakeShopimind",
    "FakeSource",
    "FaultHandle",
    "FaultRule",
    "INVARIANTS",
    "JournalEntry",
    "load_scenario",
    "MountedTransport",
    "NetworkBlockedError",
    "NetworkGuard",
    "no_network",
    "Oracle",
    "Partner",
    "run_scenario",
    "Scenario",
    "scenario_names",
    "ScenarioFailed",
    "ScenarioResult",
    "SimClock",
    "SimulatedCrash",
    "Simulation",
    "SkewedClock",
    "SourceFault",
    "SourceRecord",
    "StepTrace",
    "StreamBinding",
    "TickTrace",
    "UnmountedRequestError",
    "Violation",
    "World",
]
