"""Classic integration bugs planted in Acme's steps: the scenario library catches each one,
naming the invariant and the record (or the step-source that never catches up)."""

from __future__ import annotations

import pytest

from spmkit_testing.scenario import Target, applies, load_scenario, run_scenario, scenario_names
from tests.planted import BUGS, acme, adapter

APPLICABLE = [n for n in scenario_names()
              if applies(load_scenario(n), Target(acme(), adapter)) is None]


def test_the_control_passes_every_applicable_scenario() -> None:
    failed = [n for n in APPLICABLE
              if not run_scenario(load_scenario(n), integration=acme(), adapter=adapter).passed]
    assert failed == []


@pytest.mark.parametrize(("bug", "caught_by"), [
    ("swallowed_5xx", {"repeated_failures_backoff": "I3", "per_source_isolation": "I3",
                       "partner_proxy_error": "I3"}),
    ("own_high_water_mark", {"clock_skew_overlap": "I3"}),
    ("last_partial_batch_dropped", {"clean_backfill": "I3"}),
    ("wall_clock_advance", {"far_from_today": "I10"}),
])
def test_a_planted_integration_bug_is_caught(bug: str, caught_by: dict[str, str]) -> None:
    caught = {}
    for name in APPLICABLE:
        result = run_scenario(load_scenario(name), integration=BUGS[bug](), adapter=adapter)
        if not result.passed:
            caught[name] = result
    for name, invariant in caught_by.items():
        assert name in caught, f"{bug} was not caught by {name}"
        named = [v for v in caught[name].violations if v.invariant == invariant]
        assert named, caught[name].message()
        assert all(v.where for v in named)
        if invariant == "I3":
            assert all(v.record for v in named)  # the record that was lost
