from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest

from spmkit_testing.scenario import (
    InvalidScenario,
    Scenario,
    Target,
    World,
    add,
    advance,
    cursor_at,
    dead_letters,
    fault_off,
    fault_on,
    load_scenario,
    nothing_lost,
    present,
    ran,
    record,
    run_for,
    run_scenario,
    run_status,
    status,
    tick,
    violates,
)


def test_expected_violation_that_never_happens_fails() -> None:
    scenario = load_scenario("clock_skew_overlap")
    hazard = dataclasses.replace(scenario, expect=[*scenario.expect, violates("I3")])
    result = run_scenario(hazard)
    assert not result.passed
    assert result.failures == [
        "violates('I3') failed: the oracle never reported I3 (no silent loss); invariants "
        "reported: none"
    ]


def test_hazard_without_violates_fails_with_the_violation() -> None:
    scenario = load_scenario("clock_skew_loss")
    plain = dataclasses.replace(scenario, expect=[nothing_lost()])
    result = run_scenario(plain)
    assert not result.passed
    assert result.failures[0].startswith(
        "unexpected violation: I3 (no silent loss) violated at tick 3, step-source "
        "customers, record 'late'")
    assert "customers 'late'" in result.failures[-1]
    assert result.stats.lost == 1


def test_failed_expectations_say_what_was_seen() -> None:
    scenario = Scenario(
        "wrong_on_purpose",
        world=World(records=[record("c1")]),
        timeline=[advance("1m"), tick()],
        expect=[cursor_at(1, "customers", "held"), cursor_at(1, "customers", "5m"),
                ran("customers", 2), run_status(1, "partial"), dead_letters(2),
                present("customers", "nope")],
    )
    result = run_scenario(scenario)
    assert result.failures == [
        "cursor_at(1, 'customers', 'held') failed at tick 1: the cursor went unset -> "
        "2026-01-01T00:01:00Z",
        "cursor_at(1, 'customers', '5m') failed at tick 1: the cursor went unset -> "
        "2026-01-01T00:01:00Z (start+1m)",
        "ran('customers', 2) failed: tick 2: there is no tick 2 (the timeline ran 1 tick(s))",
        "run_status(1, 'partial') failed at tick 1: the run status was 'ok'",
        "dead_letters(2) failed: the dead-letter holds 0 row(s)",
        "present('customers', 'nope') failed: missing from the fake API: nope (1 customers "
        "stored)",
    ]


def test_faults_switch_on_and_off_by_name() -> None:
    scenario = Scenario(
        "fault_window",
        world=World(records=[record("c1")]),
        timeline=[fault_on("down", status(503, resource="customers")),
                  run_for("2m", every="2m"), fault_off("down"), add(record("c2")),
                  run_for("2m", every="2m")],
        expect=[cursor_at(1, "customers", "held"), cursor_at(2, "customers", "advanced"),
                nothing_lost()],
    )
    result = run_scenario(scenario)
    assert result.passed, result.message()
    assert result.trace[0].faults and not result.trace[1].faults


def test_fault_off_of_an_unknown_name_is_an_error() -> None:
    scenario = Scenario("bad_off", timeline=[fault_on("a", status()), fault_off("b")])
    with pytest.raises(InvalidScenario) as excinfo:
        run_scenario(scenario)
    assert excinfo.value.args == (
        "timeline step fault_off('b'): fault_off('b'): no fault is on under that name (on now: "
        "a).",)


def test_unknown_stream_is_an_error_listing_the_streams() -> None:
    scenario = Scenario("bad_stream", timeline=[add(record("c1")),
                                                 add(record("x", stream="nope"))])
    with pytest.raises(InvalidScenario) as excinfo:
        run_scenario(scenario)
    assert excinfo.value.args == (
        "timeline step add(record('x', stream='nope')): the adapter has no stream 'nope' "
        "(streams: customers, orders).",)


def test_integration_must_resolve() -> None:
    with pytest.raises(InvalidScenario, match=r"module 'spmkit_testing\.reference' has no "
                                              r"attribute 'nothing'"):
        run_scenario(Scenario("x", target=Target("spmkit_testing.reference:nothing")))
    with pytest.raises(InvalidScenario, match="is a int, not an Integration"):
        run_scenario(Scenario("x"), integration="spmkit_testing.oracle:DEAD_LETTER_CAP")


def test_run_scenario_rejects_a_non_scenario() -> None:
    with pytest.raises(InvalidScenario, match="run_scenario expects a Scenario"):
        run_scenario("poison_pill")  # type: ignore[arg-type]


def test_updates_deletes_and_world_lag_reach_the_fake() -> None:
    from spmkit_testing.scenario import delete, update

    scenario = Scenario(
        "edits",
        # cast: World takes a duration string for lag but annotates it as a timedelta only.
        world=World(records=[record("c1"), record("c2")], lag=cast(Any, "30s"),
                    overlap_seconds=60),
        timeline=[advance("1m"), tick(), advance("10s"),
                  update("c1", email="new@example.com"), delete("c2"), tick(),
                  run_for("2m", every="1m")],
        expect=[present("customers", "c1", "c2"), nothing_lost()],
    )
    result = run_scenario(scenario)
    assert result.passed, result.message()
    assert result.stats.records == 1  # c2 is deleted at the partner
    assert [s.attempted for s in result.trace[1].steps if s.entity == "customers"] == [0]
    assert [s.attempted for s in result.trace[2].steps if s.entity == "customers"] == [1]


def test_a_batch_size_scenario_applies_to_an_integration_object_of_bulk_steps() -> None:
    from spmkit import StepContext, StepResult, SyncStep
    from spmkit_testing.reference import build_reference_integration, reference_adapter
    from spmkit_testing.scenario import applies

    chunked = load_scenario("whole_chunk_4xx")
    built = build_reference_integration()  # an object, not a builder
    assert applies(chunked, Target(built, reference_adapter)) is None
    result = run_scenario(chunked, integration=built, adapter=reference_adapter)
    assert result.passed, result.message()

    async def by_hand(ctx: StepContext) -> StepResult:
        return StepResult()

    manual = dataclasses.replace(built, sync_steps=(
        SyncStep(entity="customers", run=by_hand), *built.sync_steps[1:]))
    assert applies(chunked, Target(manual, reference_adapter)) == (
        "it needs batch_size=5, and step 'customers' of 'demo-pos' is a hand-written "
        "SyncStep, so it has no batch_size to change. Build the step with "
        "spmkit.define_bulk_step(...), or name a builder that takes the policy: def build(*, "
        "batch_size=500, tolerate_rejects=False) -> Integration.")
