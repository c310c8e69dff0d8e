"""``spmkit verify-fake URL``: against a real ``spmkit serve`` (exit 0) and bad usage (exit 2)."""

from __future__ import annotations

import pytest

from spmkit_testing.cli import main
from spmkit_testing.fake import serve_in_thread

from .conftest import KEY, closed_port, new_fake
from .test_against_the_fake import FAKE_CLEANUP


@pytest.mark.slow
def test_verify_fake_against_spmkit_serve_matches(
    served_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPMKIT_API_KEY", KEY)
    monkeypatch.setattr("spmkit_testing.contract._run.new_run_id", lambda: "test0001")
    assert main(["verify-fake", served_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"spmkit wire contract: {served_url} compared with the fake ShopiMind API"
    assert out[1:] == [
        "namespace: spmkit-verify-test0001 (every key, label and name this run writes starts "
        "with it)",
        "bounds: 72 requests of at most 200 within 120 s; cleanup 5 of at most 60",
        "",
        "ok            auth",
        "ok            data_sources",
        "ok            bulk_counters",
        "ok            item_rejects",
        "ok            upsert_by_natural_key",
        "ok            id_data_source",
        "ok            batch_limit_customers",
        "ok            batch_limit_customers_groups",
        "ok            batch_limit_custom_data_records",
        "ok            custom_data",
        "ok            events",
        "ok            bad_requests",
        "not observed  rate_limit",
        "                no 429 in a burst of 20 GET /v1/data-sources",
        "",
        *FAKE_CLEANUP,
        "verdict: the fake matches the target (12 of 13 checks ok, 1 not observed)",
    ]


@pytest.mark.parametrize(("argv", "key", "message"), [
    (["https://core.shopimind.com"], None,
     "spmkit verify-fake: no API key for https://core.shopimind.com: export SPMKIT_API_KEY=<the "
     "shop's ShopiMind API key> and rerun (the key is read from the environment only, never "
     "from the command line or a file)."),
    (["http://core.shopimind.com"], "k",
     "spmkit verify-fake: http://core.shopimind.com uses plain http to a remote host "
     "(core.shopimind.com): the API key would travel in clear. Use https://, or a loopback "
     "address (127.0.0.1, [::1], localhost) for a local server such as spmkit serve."),
    (["http://127.0.0.1:{port}", "--check", "nope"], "k",
     "spmkit verify-fake: unknown check 'nope'; choose from: auth, data_sources, bulk_counters, "
     "item_rejects, upsert_by_natural_key, id_data_source, batch_limit_customers, "
     "batch_limit_customers_groups, batch_limit_custom_data_records, custom_data, events, "
     "bad_requests, rate_limit."),
    (["http://127.0.0.1:{port}"], "k",
     "spmkit verify-fake: cannot reach http://127.0.0.1:{port}: GET /v1/data-sources got no "
     "answer (ConnectError: *). Check the URL (is the server, such as spmkit serve, running?)."),
])  # fmt: skip
def test_bad_usage_exits_2_saying_what_to_do(
    argv: list[str], key: str | None, message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = closed_port()
    if key is None:
        monkeypatch.delenv("SPMKIT_API_KEY", raising=False)
    else:
        monkeypatch.setenv("SPMKIT_API_KEY", key)
    assert main(["verify-fake", *(a.format(port=port) for a in argv)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    head, _, tail = message.format(port=port).partition("*")
    assert captured.err.startswith(head) and captured.err.endswith(f"{tail}\n"), captured.err


def test_a_refused_key_exits_2_before_any_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = new_fake()
    monkeypatch.setenv("SPMKIT_API_KEY", "not-the-key")
    with serve_in_thread(fake) as url:
        assert main(["verify-fake", url]) == 2
    assert capsys.readouterr().err == (
        f"spmkit verify-fake: {url} refused the API key: GET /v1/data-sources answered 401: "
        f"Invalid API key in the spm-api-key header: use the key the fake was started with "
        f"(FakeShopimind(api_key=...) or spmkit serve --api-key). Check SPMKIT_API_KEY (the key "
        f"of the shop to check against).\n")
    assert [(e.method, e.path, e.status) for e in fake.journal] == [
        ("GET", "/v1/data-sources", 401)]


def test_the_help_states_the_bounds_and_the_key_rule(capsys: pytest.CaptureFixture[str]) -> None:
    from spmkit_testing.contract import MAX_REQUESTS, TIME_LIMIT_SECONDS

    with pytest.raises(SystemExit):
        main(["verify-fake", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"at most {MAX_REQUESTS} requests within {TIME_LIMIT_SECONDS:g} s" in text
    assert "SPMKIT_API_KEY environment variable only" in text
    assert "Exit status: 0 when the fake matches, 1 on drift, 2 on bad usage" in text
