"""The simulated world: :class:`World` (what it is), :class:`Target` (the code under test)
and :class:`Simulation` (the one model, built by one wiring function, :func:`wire`).

For example::

    from spmkit_testing.sim import Simulation, Target, World

    with Simulation(World(seed=7), Target(my_integration, my_adapter)) as sim:
        sim.put("customers", "c1")
        sim.tick()
        assert sim.violations == []
"""

from __future__ import annotations

from spmkit_testing.sim._origin import AdapterError
from spmkit_testing.sim._records import DEFAULT_STREAM, Factory, Record, record, records
from spmkit_testing.sim._runs import CRASH_POINTS, SimulatedCrash
from spmkit_testing.sim._simulation import Simulation
from spmkit_testing.sim._target import Target, resolve_object
from spmkit_testing.sim._trace import (
    StepError,
    StepTrace,
    TickTrace,
    WebhookTrace,
    format_timeline,
    step_errors,
)
from spmkit_testing.sim._wiring import API_BASE_URL, Parts, wire
from spmkit_testing.sim._world import DEFAULT_START, MEMORY, World

__all__ = [
    "AdapterError",
    "API_BASE_URL",
    "CRASH_POINTS",
    "DEFAULT_START",
    "DEFAULT_STREAM",
    "Factory",
    "format_timeline",
    "MEMORY",
    "Parts",
    "Record",
    "record",
    "records",
    "resolve_object",
    "SimulatedCrash",
    "Simulation",
    "step_errors",
    "StepError",
    "StepTrace",
    "Target",
    "TickTrace",
    "WebhookTrace",
    "wire",
    "World",
]
