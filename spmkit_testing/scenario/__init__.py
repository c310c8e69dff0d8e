"""The scenario DSL: a scenario is data — a world, a timeline and expectations.

A scenario file is plain Python that builds one :class:`Scenario`::

    \"\"\"A poisoned customer holds the cursor; the good ones still arrive.\"\"\"

    from spmkit_testing.scenario import *

    scenario = Scenario(
        "poison_pill",
        description=__doc__,
        world=World(records=[customer("c1"), customer("c2", email="bad@example.com")]),
        timeline=[fault_on("poison", poison("email", value="bad@example.com")),
                  run_for("3m", every="1m")],
        expect=[cursor_at(1, "customers", "held"), present("customers", "c1")],
    )

Every element's ``repr`` is valid DSL text, so :meth:`Scenario.to_source` writes a
file that replays identically. :func:`run_scenario` plays it against a
:class:`~spmkit_testing.simulation.Simulation` with the golden-rule
:class:`~spmkit_testing.oracle.Oracle` checking every tick; :func:`load_scenario`
reads a file or a name from the library (``scenario_names()``).
"""

from __future__ import annotations

from spmkit_testing.scenario._dsl import InvalidScenario, format_duration, parse_duration
from spmkit_testing.scenario._expect import (
    absent,
    crashed_at,
    cursor_at,
    dead_letters,
    error_mentions,
    nothing_lost,
    present,
    ran,
    run_status,
    skipped,
    stored_by,
    violates,
    webhooks,
)
from spmkit_testing.scenario._faults import (
    failed_chunk,
    http_status,
    latency,
    network_error,
    partner_fault,
    poison,
    rate_limit,
    rate_limited,
    refused_chunk,
    stores_down,
    timeout,
)
from spmkit_testing.scenario._records import customer, customers, order, orders, record
from spmkit_testing.scenario._registry import (
    UnknownScenario,
    load_scenario,
    scenario_dirs,
    scenario_names,
    scenario_path,
)
from spmkit_testing.scenario._runner import (
    ScenarioFailed,
    ScenarioResult,
    ScenarioStats,
    run_scenario,
)
from spmkit_testing.scenario._scenario import Scenario, World
from spmkit_testing.scenario._timeline import (
    add,
    advance,
    clock_step,
    crash,
    delete,
    fault_off,
    fault_on,
    full_backfill,
    run_for,
    tick,
    update,
    webhook,
)

__all__ = [
    "absent",
    "add",
    "advance",
    "clock_step",
    "crash",
    "crashed_at",
    "cursor_at",
    "customer",
    "customers",
    "dead_letters",
    "delete",
    "error_mentions",
    "failed_chunk",
    "fault_off",
    "fault_on",
    "format_duration",
    "full_backfill",
    "http_status",
    "InvalidScenario",
    "latency",
    "load_scenario",
    "network_error",
    "nothing_lost",
    "order",
    "orders",
    "parse_duration",
    "partner_fault",
    "poison",
    "present",
    "ran",
    "rate_limit",
    "rate_limited",
    "record",
    "refused_chunk",
    "run_for",
    "run_scenario",
    "run_status",
    "Scenario",
    "scenario_dirs",
    "scenario_names",
    "scenario_path",
    "ScenarioFailed",
    "ScenarioResult",
    "ScenarioStats",
    "skipped",
    "stored_by",
    "stores_down",
    "tick",
    "timeout",
    "UnknownScenario",
    "update",
    "violates",
    "webhook",
    "webhooks",
    "World",
]
