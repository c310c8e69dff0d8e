from __future__ import annotations

import pytest

from spmkit_testing.scenario import (
    InvalidScenario,
    Scenario,
    World,
    records,
    run_scenario,
    webhook,
    webhooks,
)


def test_webhook_repr_is_dsl_text() -> None:
    assert repr(webhook("sync", sent="-6m", times=2, tamper="upper")) == (
        "webhook('sync', sent='-6m', times=2, tamper='upper')")
    assert repr(webhook("activate")) == "webhook('activate')"


def test_unknown_event_lists_the_known_ones() -> None:
    with pytest.raises(InvalidScenario) as info:
        webhook("syncs")
    assert info.value.args == ("Unknown event='syncs'; choose from: 'install', 'activate', "
                               "'deactivate', 'uninstall', 'config_updated', 'sync'.",)


def test_webhooks_expectation_reports_what_happened() -> None:
    scenario = Scenario("w", world=World(records=[records(2)]),
                        timeline=[webhook("sync", times=2)],
                        expect=[webhooks("accepted", "accepted")])
    result = run_scenario(scenario)
    assert result.failures == ["webhooks('accepted', 'accepted') failed: the webhooks were "
                               "accepted, replayed"]


def test_an_accepted_activate_is_a_full_backfill_tick() -> None:
    scenario = Scenario("w", world=World(records=[records(3)]),
                        timeline=[webhook("activate")], expect=[webhooks("accepted")])
    result = run_scenario(scenario)
    assert result.passed, result.failures
    assert result.trace[0].trigger == "webhook:activate" and result.trace[0].full_backfill


def test_crashed_at_and_stored_by_say_what_happened() -> None:
    from spmkit_testing.scenario import crash, crashed_at, stored_by, tick

    scenario = Scenario("c", world=World(records=[records(3)]),
                        timeline=[crash(at="after_fetch_page"), tick()],
                        expect=[crashed_at(1, "before_cursor_write"),
                                stored_by(1, "customers", "c1")])
    result = run_scenario(scenario)
    assert result.failures == [
        "crashed_at(1, 'before_cursor_write') failed: tick 1 crashed at 'after_fetch_page'",
        "stored_by(1, 'customers', 'c1') failed: by the end of tick 1 the fake had not stored "
        "'c1'",
    ]


def test_stored_by_sees_a_push_that_landed_before_the_crash() -> None:
    from spmkit_testing.scenario import crash, crashed_at, stored_by, tick

    scenario = Scenario("c", world=World(records=[records(3)]),
                        timeline=[crash(at="before_cursor_write"), tick()],
                        expect=[crashed_at(1, "before_cursor_write"),
                                stored_by(1, "customers", "c1", "c3")])
    assert run_scenario(scenario).failures == []
