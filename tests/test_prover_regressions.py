"""Counterexamples the property check found in the harness itself (not the engine), kept
as scenarios that must pass on the unmodified engine: each one failed before its fix."""

from __future__ import annotations

from typing import Any, cast

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    clock_step,
    connect_error,
    connection_reset,
    crash,
    delete,
    fault_on,
    full_backfill,
    rate_limited,
    record,
    refused_chunk,
    run_for,
    run_scenario,
    status,
    tick,
    webhook,
)
from tests.planted import acme
from tests.planted import adapter as acme_adapter


def _clean(scenario: Scenario, **target: object) -> None:
    result = run_scenario(scenario, **target)  # type: ignore[arg-type]
    assert [v for v in result.violations if not v.hazard] == [], result.message()


def test_a_clock_step_back_does_not_hide_a_record_the_partner_already_served() -> None:
    # The partner un-published a record while the clock stood before its visible_at, a
    # full backfill advanced past it, and the oracle reported the loss (I3).
    # cast: World takes an ISO string for start but annotates it as a datetime only.
    _clean(Scenario("step_back", world=World(start=cast(Any, "2041-06-01T00:00:00Z"), records=[
        record("r3", stream="orders@store-1", at="-33m36s", poisoned=True)]),
        timeline=[full_backfill(), clock_step("-15s"), full_backfill(), run_for("4m")]))


def test_a_skip_by_one_worker_after_the_other_crashed_is_not_a_bookkeeping_error() -> None:
    # The crashed worker wrote its failure rows before crashing; the oracle held the
    # surviving worker's backoff skip to the rows before the tick (I4, I5).
    _clean(Scenario("crashed_worker", timeline=[
        fault_on("f", connect_error(target="partner")), crash(at="before_run_finish", nth=2),
        full_backfill(), advance("4m26s"), tick(workers=2)]))


def test_a_failed_push_of_one_source_is_not_pinned_on_another_sharing_its_data_source() -> None:
    # Acme's two workspaces push through one data source: the refused chunk of store-2 was
    # attributed to store-1, whose cursor moved (I1).
    _clean(Scenario("shared_data_source", timeline=[
        add(record("k1", stream="deals@store-1")), add(record("k4", stream="deals@store-2")),
        fault_on("f", refused_chunk(status=409)), delete("k1", stream="deals@store-1"), tick()]),
        integration=acme(), adapter=acme_adapter)


def test_backoff_of_a_step_that_failed_late_in_its_tick_counts_from_that_step() -> None:
    # sources() failed after the first step's retries took seconds: the engine stamps the
    # failure with its step's start, the oracle took the tick's start and reported I5.
    _clean(Scenario("late_step_failure", world=World(records=[
        record("r4", stream="contacts", at="-7m10s")]), timeline=[
        fault_on("f0", status(500, body="html", target="deals/sources")),
        fault_on("f1", connect_error()), run_for("4m")]),
        integration=acme(), adapter=acme_adapter)


def test_a_strict_hold_on_refused_records_in_a_crashed_tick_is_progress() -> None:
    # The run that refused the poisoned record and doubled its backoff was in a crashed
    # tick: no summary, so settling reported the held cursor as not catching up (I10).
    _clean(Scenario("hold_in_crashed_tick", world=World(records=[
        record("r4", stream="contacts", at="-1h", poisoned=True),
        record("r6", stream="deals@store-1", at="-3m6s", poisoned=True)]), timeline=[
        fault_on("f0", connection_reset(target="partner")),
        crash(at="during_dead_letter", nth=2), webhook("sync"), full_backfill(),
        full_backfill(), full_backfill()]),
        integration=acme(), adapter=acme_adapter)


def test_a_windowless_step_that_ran_late_in_its_tick_is_judged_at_its_own_start() -> None:
    # customers' 429 retries took 3 minutes of each tick, so orders' sources() ran (and
    # failed again) after its one-minute backoff; the oracle judged it at the tick's start
    # and reported it ran inside its backoff window (I5).
    # cast: World takes an ISO string for start but annotates it as a datetime only.
    _clean(Scenario("late_windowless_step", world=World(
        start=cast(Any, "2041-06-01T00:00:00Z"),
        records=[record("r3", stream="customers", at="-2m50s")]), timeline=[
        fault_on("f4", rate_limited("1m1s")),
        fault_on("f5", status(503, body="html", target="orders/sources")), tick(), tick()]))
