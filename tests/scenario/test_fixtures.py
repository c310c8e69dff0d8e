from __future__ import annotations

import pytest

PLUGIN = ("-p", "no:spmkit", "-p", "spmkit_testing.plugin")

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
def test_simulation_fixture(spm_simulation):
    spm_simulation.source("customers").put("c1", {"email": "a@example.com"})
    spm_simulation.advance(timedelta(minutes=1))
    spm_simulation.tick()
    assert "c1" in spm_simulation.fake.records("customers")
    assert spm_simulation.overlap_seconds == 120


def test_signed_webhook_from_the_fake(spm_fake):
    body, headers = spm_fake.sign_webhook({"event": "sync"})
    assert headers["x-shopimind-signature"] and body.startswith(b"{")
'''


def test_fixtures_compose_and_markers_configure_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.spmkit_clock(start=datetime*",
                                 "@pytest.mark.spm_fake(*", "@pytest.mark.spm_simulation(*"])


def test_fixtures_are_listed_with_their_verbs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest(*PLUGIN, "--fixtures")
    result.stdout.fnmatch_lines([
        "spm_fake -- *", "    FakeShopimind on spmkit_clock: transport(), records(), journal, *",
    ], consecutive=True)
