"""``pytest --spmkit-target URL``: one item per check, run through the plugin as a user does."""

from __future__ import annotations

import pytest

from spmkit_testing.contract import check_names
from spmkit_testing.fake import serve_in_thread

from .conftest import KEY, closed_port, new_fake

PLUGIN = ("-p", "no:spmkit", "-p", "spmkit_testing.pytest.plugin")
UNRELATED = "def test_unrelated():\n    raise AssertionError('must not run')\n"


@pytest.mark.slow
def test_the_contract_items_pass_against_a_server_of_the_fake(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(UNRELATED)
    monkeypatch.setenv("SPMKIT_API_KEY", KEY)
    fake = new_fake()
    with serve_in_thread(fake) as url:
        result = pytester.runpytest_inprocess(*PLUGIN, "--spmkit-target", url, "-v")
    result.assert_outcomes(passed=13)
    result.stdout.fnmatch_lines([f"*contract?{name}? PASSED*" for name in check_names()])
    result.stdout.fnmatch_lines([
        "*= spmkit wire contract =*",
        f"spmkit wire contract: {url} compared with the fake ShopiMind API",
        "namespace: spmkit-verify-* (every key, label and name this run writes starts with it)",
        "bounds: 72 requests of at most 200 within 120 s; cleanup 5 of at most 60",
        "not observed: rate_limit: no 429 in a burst of 20 GET /v1/data-sources",
        "cleanup: deleted data sources: 1 (spmkit-verify-*)",
        "cleanup: LEFT customers: 59 (keys spmkit-verify-*-*): POST /v1/customers/bulk-delete "
        "answered 404: No route POST /v1/customers/bulk-delete in the fake ShopiMind API.",
        "cleanup: LEFT customers-groups: 101 *",
        "cleanup: LEFT custom-data definitions: 1, 2, 3, 4 *",
        "cleanup: LEFT events: 1 *",
        "verdict: the fake matches the target (12 of 13 checks ok, 1 not observed)",
    ], consecutive=True)
    assert [e.path for e in fake.journal][-1] == "/v1/data-sources/1"  # cleaned up at the end


@pytest.mark.slow
def test_a_drifted_target_fails_the_items_that_drifted_with_their_differences(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, drifted_url: str
) -> None:
    monkeypatch.setenv("SPMKIT_API_KEY", KEY)
    result = pytester.runpytest_inprocess(*PLUGIN, "--spmkit-target", drifted_url)
    result.assert_outcomes(passed=10, failed=3)
    result.stdout.fnmatch_lines([
        "*_ spmkit contract check bulk_counters _*",
        "DRIFT         bulk_counters",
        "                POST /v1/customers (2 valid items): body: only in the fake: "
        "$.sent_count (number); only on the target: $.sent (number)",
    ], consecutive=True)
    result.stdout.fnmatch_lines([
        "DRIFT         batch_limit_customers",
        "                customers: batch limit: 40 on the target, 50 in the fake",
    ], consecutive=True)
    result.stdout.fnmatch_lines([
        "FAILED ::contract?bulk_counters? - DRIFT*bulk_counters",
        "FAILED ::contract?batch_limit_customers? - DRIFT*batch_limit_customers",
        "FAILED ::contract?custom_data? - DRIFT*custom_data",
    ])  # not consecutive: with CI set, pytest prints each whole multi-line message
    result.stdout.fnmatch_lines(
        ["verdict: the fake does NOT match the target: 3 drifted of 13 checks (9 ok)"])


@pytest.mark.parametrize(("url", "key", "message"), [
    ("http://shop.example", "k",
     "ERROR: --spmkit-target=http://shop.example: http://shop.example uses plain http to a "
     "remote host (shop.example): the API key would travel in clear. Use https://, or a "
     "loopback address (127.0.0.1, [::1], localhost) for a local server such as spmkit serve."),
    ("https://shop.example", None,
     "ERROR: --spmkit-target=https://shop.example: no API key for https://shop.example: export "
     "SPMKIT_API_KEY=<the shop's ShopiMind API key> and rerun (the key is read from the "
     "environment only, never from the command line or a file)."),
])  # fmt: skip
def test_an_unsafe_or_keyless_target_is_a_usage_error_before_any_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, url: str, key: str | None,
    message: str,
) -> None:
    if key is None:
        monkeypatch.delenv("SPMKIT_API_KEY", raising=False)
    else:
        monkeypatch.setenv("SPMKIT_API_KEY", key)
    result = pytester.runpytest_inprocess(*PLUGIN, "--spmkit-target", url)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_an_unreachable_target_fails_every_item_saying_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPMKIT_API_KEY", KEY)
    url = f"http://127.0.0.1:{closed_port()}"
    result = pytester.runpytest_inprocess(*PLUGIN, "--spmkit-target", url)
    result.assert_outcomes(failed=13)
    result.stdout.fnmatch_lines([
        "*= spmkit wire contract =*",
        f"{url} could not be checked: cannot reach {url}: GET /v1/data-sources got no answer "
        "(ConnectError: *). Check the URL (is the server, such as spmkit serve, running?).",
    ], consecutive=True)


def test_without_the_option_no_contract_item_is_collected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_unrelated():\n    pass\n")
    result = pytester.runpytest_inprocess(*PLUGIN, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
