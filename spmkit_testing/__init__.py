"""spmkit_testing: the harness that proves a ShopiMind sync never loses data.

One model of the simulated world, :class:`Simulation`, built one way:
``Simulation(World(...), Target(integration, adapter))``. A :class:`World` describes the
world (start, records, the partner's clock, policies, faults on at the start); a
:class:`Target` names the code under test, *your* integration and its :class:`Adapter`
(its :class:`Stream` s, how its partner API is served — :mod:`spmkit_testing.rest` route
tables or an in-process client — and its settings).
Around it: a stateful fake ShopiMind API (:class:`FakeShopimind`), a simulated clock
(:class:`SimClock`), the simulated :class:`Partner`, one fault vocabulary
(:mod:`spmkit_testing.faults`) and the :class:`Oracle` of the golden cursor rule.

For example::

    from spmkit_testing import Simulation, Target, World

    sim = Simulation(World(seed=7), Target(my_integration, my_adapter))
    sim.put("customers", "c1", {"email": "ada@example.com"})
    sim.tick()
    assert "c1" in sim.fake.records("customers") and sim.violations == []

Nothing in a test should reach the network: :func:`no_network` blocks every DNS lookup
and outbound connection except to loopback while it is active, and names the host::

    from spmkit_testing import no_network

    with no_network() as guard:
        sim.tick()          # a step with its own httpx.AsyncClient() fails at once
    assert guard.blocked == []

Property-check the golden rule: :func:`check_golden_rule` lets Hypothesis search fault
schedules, clock moves and crashes for a run that loses data, and writes the shrunk run
as a scenario file (:mod:`spmkit_testing.stateful`; strategies in
:mod:`spmkit_testing.strategies`)::

    from spmkit_testing import check_golden_rule

    def test_my_sync_keeps_the_golden_rule():
        check_golden_rule(my_integration, adapter=my_adapter)
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from spmkit_testing import _profiles

if _typing.TYPE_CHECKING:
    from spmkit_testing import faults, rest
    from spmkit_testing._dsl import ROLES
    from spmkit_testing.adapter import Adapter, InvalidAdapter, Stream
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
    from spmkit_testing.partner import (
        FakeSource,
        Partner,
        PartnerFailure,
        PartnerPage,
        SourceRecord,
    )
    from spmkit_testing.scenario import (
        Scenario,
        ScenarioFailed,
        ScenarioResult,
        load_scenario,
        run_scenario,
        scenario_names,
    )
    from spmkit_testing.sim import (
        CRASH_POINTS,
        AdapterError,
        SimulatedCrash,
        Simulation,
        StepTrace,
        Target,
        TickTrace,
        World,
    )
    from spmkit_testing.stateful import GoldenRuleBroken, Proof, check_golden_rule

__all__ = [
    "Adapter",
    "AdapterError",
    "check_golden_rule",
    "CRASH_POINTS",
    "DeadlockError",
    "FakeApiError",
    "FakeShopimind",
    "FakeSource",
    "Fault",
    "FaultHandle",
    "FaultRegistry",
    "faults",
    "GoldenRuleBroken",
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
    "PartnerPage",
    "Proof",
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
    "Target",
    "TickTrace",
    "Undelivered",
    "UnmountedRequestError",
    "Violation",
    "World",
]

# Imported on first use (PEP 562): loading the pytest plugin, which lives in this package,
# must not import the whole harness (Hypothesis, Faker, the fake API...).
_LAZY: dict[str, str] = {
    "Adapter": "spmkit_testing.adapter",
    "AdapterError": "spmkit_testing.sim",
    "check_golden_rule": "spmkit_testing.stateful",
    "CRASH_POINTS": "spmkit_testing.sim",
    "DeadlockError": "spmkit_testing.clock",
    "FakeApiError": "spmkit_testing.fake",
    "FakeShopimind": "spmkit_testing.fake",
    "FakeSource": "spmkit_testing.partner",
    "Fault": "spmkit_testing.faults",
    "FaultHandle": "spmkit_testing.faults",
    "FaultRegistry": "spmkit_testing.faults",
    "faults": "spmkit_testing.faults",
    "GoldenRuleBroken": "spmkit_testing.stateful",
    "InvalidAdapter": "spmkit_testing.adapter",
    "INVARIANTS": "spmkit_testing.oracle",
    "JournalEntry": "spmkit_testing.fake",
    "load_scenario": "spmkit_testing.scenario",
    "MountedTransport": "spmkit_testing.network",
    "NetworkBlockedError": "spmkit_testing.network",
    "NetworkGuard": "spmkit_testing.network",
    "no_network": "spmkit_testing.network",
    "Oracle": "spmkit_testing.oracle",
    "Partner": "spmkit_testing.partner",
    "PartnerFailure": "spmkit_testing.partner",
    "PartnerPage": "spmkit_testing.partner",
    "Proof": "spmkit_testing.stateful",
    "rest": "spmkit_testing.rest",
    "ROLES": "spmkit_testing._dsl",
    "run_scenario": "spmkit_testing.scenario",
    "Scenario": "spmkit_testing.scenario",
    "scenario_names": "spmkit_testing.scenario",
    "ScenarioFailed": "spmkit_testing.scenario",
    "ScenarioResult": "spmkit_testing.scenario",
    "SimClock": "spmkit_testing.clock",
    "SimulatedCrash": "spmkit_testing.sim",
    "Simulation": "spmkit_testing.sim",
    "SkewedClock": "spmkit_testing.clock",
    "SourceRecord": "spmkit_testing.partner",
    "StepTrace": "spmkit_testing.sim",
    "Stream": "spmkit_testing.adapter",
    "Target": "spmkit_testing.sim",
    "TickTrace": "spmkit_testing.sim",
    "Undelivered": "spmkit_testing.oracle",
    "UnmountedRequestError": "spmkit_testing.network",
    "Violation": "spmkit_testing.oracle",
    "World": "spmkit_testing.sim",
}


# Hypothesis' own entry point registers the spmkit-* profiles when it is imported; if it
# was imported before this package, register them now (Hypothesis is never imported here).
_profiles.register_if_loaded()


def __getattr__(name: str) -> _typing.Any:
    if name == "UNSET":
        import warnings

        warnings.warn("spmkit_testing.UNSET is deprecated: a World leaves a policy to the "
                      "integration with None (World(tolerate_rejects=None, batch_size=None))",
                      DeprecationWarning, stacklevel=2)
        return None
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spmkit_testing' has no attribute {name!r}")
    # Not cached here: sys.modules is the one cache, so a name always comes from the module
    # Python currently has (pytester's in-process runs drop and re-import modules).
    imported = _importlib.import_module(module)
    return imported if module == f"spmkit_testing.{name}" else getattr(imported, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
