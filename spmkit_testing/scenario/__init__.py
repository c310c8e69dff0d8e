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
from spmkit_testing.faults import *  # noqa: F403 - the fault constructors are DSL words
from spmkit_testing.faults import __all__ as _faults
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
from spmkit_testing.scenario._grouped import (
    ViolationGroup,
    ViolationLike,
    group_violations,
    records_text,
)
from spmkit_testing.scenario._registry import (
    UnknownScenario,
    load_scenario,
    scenario_dirs,
    scenario_names,
    scenario_path,
    unknown_scenario_text,
)
from spmkit_testing.scenario._runner import (
    ScenarioFailed,
    ScenarioResult,
    ScenarioStats,
    applies,
    apply_step,
    run_scenario,
    simulate,
    target_of,
)
from spmkit_testing.scenario._scenario import CAPABILITIES, Scenario
from spmkit_testing.scenario._verb import (
    LATENESS_SHARE,
    STEPS,
    AnyFault,
    Arg,
    CrashPoint,
    Drawing,
    Rule,
    Step,
    StreamRef,
    rules,
    verb,
)
from spmkit_testing.scenario._verbs_engine import *  # noqa: F403
from spmkit_testing.scenario._verbs_engine import __all__ as _engine
from spmkit_testing.scenario._verbs_partner import *  # noqa: F403
from spmkit_testing.scenario._verbs_partner import __all__ as _partner
from spmkit_testing.scenario._verbs_time import *  # noqa: F403
from spmkit_testing.scenario._verbs_time import __all__ as _time
from spmkit_testing.sim import Target, World, record, records, resolve_object

__all__ = [
    "absent",
    "AnyFault",
    "Arg",
    "applies",
    "apply_step",
    "CAPABILITIES",
    "crashed_at",
    "CrashPoint",
    "cursor_at",
    "dead_letters",
    "Drawing",
    "error_mentions",
    "format_duration",
    "group_violations",
    "InvalidScenario",
    "LATENESS_SHARE",
    "load_scenario",
    "nothing_lost",
    "parse_duration",
    "present",
    "ran",
    "record",
    "records",
    "records_text",
    "resolve_object",
    "Rule",
    "rules",
    "run_scenario",
    "run_status",
    "Scenario",
    "scenario_dirs",
    "scenario_names",
    "scenario_path",
    "ScenarioFailed",
    "ScenarioResult",
    "ScenarioStats",
    "simulate",
    "skipped",
    "Step",
    "STEPS",
    "stored_by",
    "StreamRef",
    "Target",
    "target_of",
    "UnknownScenario",
    "unknown_scenario_text",
    "verb",
    "violates",
    "ViolationGroup",
    "ViolationLike",
    "webhooks",
    "World",
]
# The verbs and the fault vocabulary: every name their modules export.
__all__ += _engine
__all__ += _partner
__all__ += _time
__all__ += _faults
__all__.sort(key=lambda name: (name.lower(), name))
