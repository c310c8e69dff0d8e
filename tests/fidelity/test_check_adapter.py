"""spmkit check-adapter: an adapter alone, against a cassette and against a live stand-in of
its partner. A stand-in that drifts in four named ways is reported with exactly those four
drifts; a faithful one with none."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from spmkit_testing import Adapter, Stream, rest
from spmkit_testing.cli import main
from spmkit_testing.fidelity import TOKEN_ENV, check_alone, check_live, check_recording

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme_crm"
DRIFTS = {"since_inclusive": True, "cap": 2, "email_field": "email", "error_body": "flat"}


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ACME / "tests" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def acme() -> Iterator[Any]:
    sys.path.insert(0, str(ACME / "src"))
    try:
        from acme_crm.testing import adapter

        yield adapter
    finally:
        sys.path.remove(str(ACME / "src"))


def drifted_lines(text: str) -> list[str]:
    lines = text.splitlines()
    return [line for n, line in enumerate(lines) if line.startswith("DRIFT")
            or (line.startswith("    ") and lines[n - 1].startswith(("DRIFT", "    ")))]


EXPECTED = [
    "DRIFT         page_shape",
    "                GET /v3/contacts: body: only in the adapter: $.data[].emailAddress (null)",
    "DRIFT         error_shape",
    "                GET /v3/contacts (400): body: only in the adapter: $.error (object); only "
    "on the partner: $.message (string), $.status (number)",
    "DRIFT         since_bound",
    "                GET /v3/contacts: since (modifiedSince) on a record's stamp: inclusive on "
    "the partner (GET /v3/contacts?modifiedSince=2026-03-02T09%3A00%3A02.500000Z&pageSize=100)"
    ", exclusive in the adapter",
    "DRIFT         page_cap",
    "                GET /v3/contacts: rows of a page with more to follow: 2 of 3 asked on the "
    "partner, as asked in the adapter",
    "                GET /v3/workspaces/{source}/deals: rows of a page with more to follow: 2 of "
    "100 asked on the partner, as asked in the adapter",
]


def test_a_cassette_of_the_drifted_stand_in_shows_exactly_its_four_drifts(
        acme: Adapter, tmp_path: Path) -> None:
    recorder = _module("record_cassette")
    drifted = recorder.record(tmp_path / "drifted.yaml", **DRIFTS)
    report = check_recording(acme, drifted, name="acme")
    assert drifted_lines(report.to_text()) == EXPECTED
    assert [c.name for c in report.checks if c.verdict == "drift"] == [
        "page_shape", "error_shape", "since_bound", "page_cap"]
    faithful = check_recording(acme, recorder.record(tmp_path / "faithful.yaml"), name="acme")
    assert faithful.matches and drifted_lines(faithful.to_text()) == []


def test_the_live_check_of_the_drifted_stand_in_shows_the_same_drifts_and_nothing_else(
        acme: Adapter) -> None:
    standin = _module("standin")
    with standin.serving(**DRIFTS) as base:
        report = check_live(acme, base, environ={TOKEN_ENV: standin.TOKEN})
    assert [c.name for c in report.checks if c.verdict == "drift"] == [
        "page_shape", "error_shape", "since_bound", "page_cap"]
    assert 0 < report.requests <= 200
    with standin.serving() as base:
        faithful = check_live(acme, base, environ={TOKEN_ENV: standin.TOKEN})
    assert faithful.matches, faithful.to_text()


def test_the_cli_exits_2_naming_the_route_and_prints_json(
        acme: Adapter, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    drifted = _module("record_cassette").record(tmp_path / "drifted.yaml", **DRIFTS)
    monkeypatch.syspath_prepend(str(ACME / "src"))
    target = ["check-adapter", "--adapter", "acme_crm.testing:adapter"]
    assert main([*target, "--cassette", str(drifted), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "spmkit-adapter-report/1" and report["matches"] is False
    cassette = report["reports"][1]
    assert cassette["summary"] == {"ok": 5, "drift": 4, "not_observed": 1, "error": 0,
                                   "not_run": 0}
    assert main([*target, "--live", "http://partner.example/v3"]) == 2
    assert "plain http to a remote host (partner.example)" in capsys.readouterr().err
    assert main([*target, "--cassette", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


ORDERS = rest.records("/orders", stream="orders", paging=rest.page_number())


def test_alone_a_stream_that_syncs_deletions_without_tombstones_is_an_adapter_error() -> None:
    def adapter(route: Any) -> Adapter:
        return Adapter(streams=[Stream("orders", resource="orders",
                                       deleted_as={"is_active": False})],
                       partner_api=rest.api("https://p.test/v1", [route]),
                       settings=lambda p: None)

    report = check_alone(adapter(ORDERS), "planted")
    assert not report.matches
    (failed,) = report.failed_checks()
    assert failed.name == "tombstones"
    assert failed.differences[0].detail.startswith(
        "GET /v1/orders: a deleted record (the stream syncs deletions: deleted_as="
        "{'is_active': False}) comes through not at all: declare tombstones='deleted'")
    assert check_alone(adapter(replace(ORDERS, tombstones="deleted"))).matches


def test_alone_every_paging_style_reaches_every_record_and_bounds_hold() -> None:
    styles = [rest.page_number(), rest.offset(), rest.cursor_token(), rest.next_link(),
              rest.keyset(), rest.offset(items=None, total=None, max_limit=2, silent_cap=True),
              rest.offset(total=None, has_more="more", next_offset="next")]
    for paging in styles:
        route = rest.records("/s/{source}/orders", stream="orders", paging=paging,
                             since_inclusive=True, until_inclusive=False)
        adapter = Adapter(streams=[Stream("orders", resource="orders", per_source=True)],
                          partner_api=rest.api("https://p.test", [
                              route, rest.sources("/s", stream="orders")],
                              time_format="epoch_ms", auth=rest.bearer("t")),
                          settings=lambda p: None)
        report = check_alone(adapter)
        assert report.matches, report.to_text()
        assert report.checks[0].facts[0]["target"] == ["o1", "o2", "o3", "o4", "o5", "o7"]


def test_an_sdk_adapter_alone_is_checked_for_what_needs_no_sdk_interface() -> None:
    def broken(partner: Any) -> Any:
        raise RuntimeError("no such region")

    good = Adapter(streams=[Stream("orders", resource="orders")], partner_api=lambda p: object(),
                   settings=lambda p: None)
    assert check_alone(good).matches
    report = check_alone(replace(good, partner_api=broken))
    assert [c.name for c in report.failed_checks()] == ["client"]
    with pytest.raises(ValueError, match="has no route table to compare HTTP traffic with"):
        check_recording(good, ACME / "tests" / "cassettes")
