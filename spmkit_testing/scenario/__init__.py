"""The scenario DSL: a scenario is data — a world, a timeline and expectations.

A scenario file is plain Python that builds one :class:`Scenario`::

    \"\"\"A refused record holds the cursor; the good ones still arrive.\"\"\"

    from spmkit_testing.scenario import *

    scenario = Scenario(
        "poison_pill",
        description=__doc__,
        world=World(records=[records(10), record("bad", poisoned=True)],
                    tolerate_rejects=False),
        timeline=[run_for("3m", every="1m")],
        expect=[cursor_at(1, "global", "held"), present("global", "c1")],
    )

Every element's ``repr`` is valid DSL text, so :meth:`Scenario.to_source` writes a
file that replays identically. :func:`run_scenario` applies the timeline's verbs to a
:class:`~spmkit_testing.Simulation` of the integration under test, the oracle checking
every tick; :func:`load_scenario` reads a file or a name from the library
(``scenario_names()``). Faults are those of :mod:`spmkit_testing.faults`.
"""

from __future__ import annotations

from spmkit_testing._dsl import InvalidScenario, format_duration, parse_duration
from spmkit_testing.faults import (
    connect_error,
    connection_reset,
    duplicate_page,
    error_page,
    failed_chunk,
    latency,
    null_page,
    poison,
    rate_limited,
    read_timeout,
    refused_chunk,
    reordered_page,
    status,
    token_bucket,
)
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
    applies,
    apply_step,
    run_scenario,
    target_of,
)
from spmkit_testing.scenario._scenario import CAPABILITIES, Scenario
from spmkit_testing.scenario._timeline import (
    add,
    add_source,
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
from spmkit_testing.sim import Target, World, record, records, resolve_object

__all__ = [
    "absent",
    "add",
    "add_source",
    "advance",
    "applies",
    "apply_step",
    "CAPABILITIES",
    "clock_step",
    "connect_error",
    "connection_reset",
    "crash",
    "crashed_at",
    "cursor_at",
    "dead_letters",
    "delete",
    "duplicate_page",
    "error_mentions",
    "error_page",
    "failed_chunk",
    "fault_off",
    "fault_on",
    "format_duration",
    "full_backfill",
    "InvalidScenario",
    "latency",
    "load_scenario",
    "nothing_lost",
    "null_page",
    "parse_duration",
    "poison",
    "present",
    "ran",
    "rate_limited",
    "read_timeout",
    "record",
    "records",
    "refused_chunk",
    "reordered_page",
    "resolve_object",
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
    "status",
    "stored_by",
    "Target",
    "target_of",
    "tick",
    "token_bucket",
    "UnknownScenario",
    "update",
    "violates",
    "webhook",
    "webhooks",
    "World",
]
