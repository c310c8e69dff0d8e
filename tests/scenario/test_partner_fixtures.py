"""The spm_network and spm_partner fixtures: the partner API of the configured adapter
served in-process, markers configuring it, and a teardown that names any request that
went to a URL nothing serves."""

from __future__ import annotations

import pytest

PLUGIN = ("-p", "no:spmkit", "-p", "spmkit_testing.pytest.plugin")

USER_TESTS = '''
from datetime import timedelta

import httpx
import pytest


def test_the_demo_pos_serves_what_the_partner_holds(spm_partner, spm_network, spmkit_clock):
    spm_partner.source("customers").put("c1", {"email": "ada@example.com"})

    async def read():
        async with httpx.AsyncClient(transport=spm_network) as http:
            return (await http.get("https://pos.test/customers/records")).json()

    body = spmkit_clock.run(read())
    assert [r["key"] for r in body] == ["c1"]
    assert spm_partner.sources == ["store-1", "store-2"]


@pytest.mark.spm_partner(sources=("paris",), skew=timedelta(seconds=30))
def test_a_marker_configures_the_partner(spm_partner):
    assert spm_partner.sources == ["paris"] and spm_partner.skew == timedelta(seconds=30)


def test_the_client_goes_through_the_network(spm_client, spm_network, spm_fake, spmkit_clock):
    spmkit_clock.run(spm_client.bulk_save("customers", [{"customer_id": "c1",
                                                         "email": "a@b.co"}]))
    assert "c1" in spm_fake.records("customers")
    assert spm_network.refused == []


def test_a_request_nothing_serves(spm_network, spmkit_clock):
    async def stray():
        async with httpx.AsyncClient(transport=spm_network) as http:
            await http.get("https://elsewhere.test/x")

    with pytest.raises(httpx.TransportError):
        spmkit_clock.run(stray())
'''


def test_partner_and_network_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_a_request_nothing_serves*",
        "spm_network: requests went to URLs nothing is mounted at*",
        "  - GET https://elsewhere.test/x",
    ], consecutive=False)


def test_the_partner_is_the_configured_adapter_s(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nspmkit_integration = spmkit_testing.reference:build_reference"
                     "_integration\nspmkit_adapter = spmkit_testing.reference:reference_adapter"
                     "\n")
    pytester.makepyfile("def test_streams(spm_partner):\n"
                        "    assert sorted(spm_partner.streams) == ['customers', 'orders']\n")
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=1)


def test_an_unknown_partner_marker_keyword(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n\n@pytest.mark.spm_partner(shops=2)\n"
                        "def test_x(spm_partner):\n    pass\n")
    result = pytester.runpytest(*PLUGIN)
    result.stdout.fnmatch_lines(["*@pytest.mark.spm_partner: unknown keyword(s) shops; valid "
                                 "keywords: sources, skew*"])


def test_the_new_fixtures_are_listed_with_their_verbs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest(*PLUGIN, "--fixtures")
    result.stdout.fnmatch_lines([
        "spm_network -- *", "    MountedTransport serving spm_fake and the partner API*"],
        consecutive=True)
    result.stdout.fnmatch_lines([
        "spm_partner -- *", "    Partner of the configured adapter's streams*"],
        consecutive=True)
