from __future__ import annotations

import pytest

from spmkit_testing.scenario import (
    InvalidScenario,
    Scenario,
    World,
    customers,
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
    scenario = Scenario("w", world=World(records=[customers(count=2)]),
                        timeline=[webhook("sync", times=2)],
                        expect=[webhooks("accepted", "accepted")])
    result = run_scenario(scenario)
    assert result.failures == ["webhooks('accepted', 'accepted') failed: the webhooks were "
                               "accepted, replayed"]


def test_an_accepted_activate_is_a_full_backfill_tick() -> None:
    scenario = Scenario("w", world=World(records=[customers(count=3)]),
                        timeline=[webhook("activate")], expect=[webhooks("accepted")])
    result = run_scenario(scenario)
    assert result.passed, result.failures
    assert result.trace[0].trigger == "webhook:activate" and result.trace[0].full_backfill
