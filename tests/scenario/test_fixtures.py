from __future__ import annotations

import pytest

PLUGIN = ("-p", "no:spmkit", "-p", "spmkit_testing.pytest.plugin")

USER_TESTS = '''
from datetime import UTC, datetime, timedelta

import pytest

from spmkit import define_bulk_step, define_integration, run_integration_sync


def test_clock_fake_client_and_store_compose(spmkit_clock, spm_fake, spm_client, spm_store):
    rows = [{"customer_id": "c1", "email": "a@example.com"},
            {"customer_id": "c2", "email": "nope"}]
    step = define_bulk_step("customers", stream=lambda ctx: rows, map=lambda r, ctx: r,
                            tolerate_rejects=True)
    integration = define_integration(slug="mine", sync_steps=[step])
    summary = spmkit_clock.run(run_integration_sync(integration, store=spm_store,
                                                    client=spm_client))
    assert summary.step("customers").rejected == 1
    assert set(spm_fake.records("customers")) == {"c1"}
    assert spm_store.get_cursor("customers", "").updated_at == spmkit_clock.now()


@pytest.mark.spmkit_clock(start=datetime(2030, 5, 1, tzinfo=UTC))
def test_marker_sets_the_clock(spmkit_clock):
    assert spmkit_clock.now() == datetime(2030, 5, 1, tzinfo=UTC)


@pytest.mark.spm_fake(api_key="other-key")
def test_marker_sets_the_fake(spm_fake):
    assert spm_fake.api_key == "other-key"


@pytest.mark.spm_simulation(overlap_seconds=120)
def test_simulation_fixture(spm_simulation, spmkit_clock):
    spm_simulation.put("customers", "c1", {"email": "a@example.com"})
    spm_simulation.advance(timedelta(minutes=1))
    spm_simulation.tick()
    assert "c1" in spm_simulation.fake.records("customers")
    assert spm_simulation.overlap_seconds == 120
    assert spm_simulation.clock is spmkit_clock


@pytest.mark.spm_store(kind="sqlite")
def test_sqlite_store_under_tmp_path(spm_store, tmp_path):
    assert (tmp_path / "spmkit.sqlite3").exists()


def test_signed_webhook_from_the_fake(spm_fake):
    body, headers = spm_fake.sign_webhook({"event": "sync"})
    assert headers["x-shopimind-signature"] and body.startswith(b"{")
'''


def test_fixtures_compose_and_markers_configure_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.spmkit_clock(start=datetime*",
                                 "@pytest.mark.spm_fake(*", "@pytest.mark.spm_store(*",
                                 "@pytest.mark.spm_simulation(*"])


TEARDOWN_TESTS = '''
from datetime import timedelta

import pytest
from spmkit import SpmClient
from spmkit_testing import NetworkBlockedError
from spmkit_testing.faults import status


@pytest.mark.spm_fake(apikey="x")
def test_misspelt_marker(spm_fake):
    pass


@pytest.mark.spm_fake(assert_all_fired=True)
def test_a_fault_that_never_fires(spm_fake):
    spm_fake.add_fault(status(503, resource="orders"))


@pytest.mark.spm_simulation(assert_all_fired=True)
def test_a_scenario_fault_that_never_fires(spm_simulation):
    spm_simulation.fault_on("never", status(503, resource="products"))
    spm_simulation.tick()


def test_a_violation_fails_the_teardown(spm_simulation):
    spm_simulation.put("customers", "c1")
    spm_simulation.db.set_cursor("customers", "", last_synced_at=spm_simulation.clock.now())
    spm_simulation.advance(timedelta(minutes=1))
    spm_simulation.tick()


@pytest.mark.spm_simulation(allow_violations=True)
def test_an_allowed_violation(spm_simulation):
    spm_simulation.put("customers", "c1")
    spm_simulation.db.set_cursor("customers", "", last_synced_at=spm_simulation.clock.now())
    spm_simulation.advance(timedelta(minutes=1))
    spm_simulation.tick()
    assert [v.invariant for v in spm_simulation.violations] == ["I3"]


def test_a_cursor_changed_between_ticks_is_the_window_s_start(spm_simulation):
    spm_simulation.db.set_cursor("customers", "", last_synced_at=spm_simulation.clock.now())
    spm_simulation.advance(timedelta(minutes=1))
    spm_simulation.tick()


def test_a_request_the_simulation_does_not_serve(spm_simulation):
    async def leak():
        async with SpmClient("k", base_url="https://api.example.invalid") as client:
            await client.bulk_save("customers", [{"customer_id": "c1"}])

    with pytest.raises(NetworkBlockedError):
        spm_simulation.run(leak())
'''


def test_fixture_teardowns_check_what_the_test_declared(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_teardown=TEARDOWN_TESTS)
    result = pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=6, errors=5)
    result.stdout.fnmatch_lines([
        "*@pytest.mark.spm_fake: unknown keyword(s) apikey; valid keywords: api_key, seed, "
        "assert_all_fired*"])
    result.stdout.fnmatch_lines([
        "*spm_fake: these faults were declared but never fired, so the test did not exercise "
        "them:",
        "*<fault #1 status(503, resource='orders')>"])
    result.stdout.fnmatch_lines([
        "*spm_simulation: these faults were declared but never fired*",
        "*<fault #1 'never' status(503, resource='products')>"])
    result.stdout.fnmatch_lines([
        "*spm_simulation: the oracle reported violations of the golden cursor rule:",
        "*I3 (no silent loss) violated at tick 1, step-source customers, record 'c1'*"])
    result.stdout.fnmatch_lines([
        "*spm_simulation: requests went to hosts the simulation does not serve*",
        "*api.example.invalid*"])


def test_fixtures_are_listed_with_their_verbs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest(*PLUGIN, "--fixtures")
    result.stdout.fnmatch_lines([
        "spm_fake -- *", "    FakeShopimind on spmkit_clock: transport(), records(), journal, *",
    ], consecutive=True)
