"""The drifted stand-in: the report names its three differences and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spmkit_testing.cli import main
from spmkit_testing.contract import ApiTarget, verify_target

from .conftest import KEY

DRIFT = [
    "ok            auth",
    "ok            data_sources",
    "DRIFT         bulk_counters",
    "                POST /v1/customers (2 valid items): body: only in the fake: $.sent_count "
    "(number); only on the target: $.sent (number)",
    "ok            item_rejects",
    "ok            upsert_by_natural_key",
    "ok            id_data_source",
    "DRIFT         batch_limit_customers",
    "                customers: batch limit: 40 on the target, 50 in the fake",
    "ok            batch_limit_customers_groups",
    "ok            batch_limit_custom_data_records",
    "DRIFT         custom_data",
    "                POST /v1/custom-data-records/{id} to an inactive definition: status: 400 on "
    "the target, 422 in the fake",
    "ok            events",
    "ok            bad_requests",
    "not observed  rate_limit",
    "                no 429 in a burst of 20 GET /v1/data-sources",
]


def test_the_drifted_server_is_reported_with_each_difference_and_nothing_else(
    drifted_url: str,
) -> None:
    report = verify_target(ApiTarget(drifted_url, KEY), run_id="drift001")
    lines = report.to_text().splitlines()
    assert lines[:4] == [
        f"spmkit wire contract: {drifted_url} compared with the fake ShopiMind API",
        "namespace: spmkit-verify-drift001 (every key, label and name this run writes starts "
        "with it)",
        "bounds: 76 requests of at most 200 within 120 s; cleanup 5 of at most 60",
        "",
    ]
    assert lines[4 : 4 + len(DRIFT)] == DRIFT
    assert lines[-1] == "verdict: the fake does NOT match the target: 3 drifted of 13 checks " \
                        "(9 ok)"  # fmt: skip
    assert not report.matches
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    sample = readme.split("A drifted API reads like this")[1].split("```")[1].strip().splitlines()
    assert sample == [line for line in DRIFT if not line.startswith("ok ")]


def test_the_json_report_carries_each_difference_with_both_answers(
    drifted_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPMKIT_API_KEY", KEY)
    assert main(["verify-fake", drifted_url, "--json", "--check", "custom_data",
                 "--check", "batch_limit_customers", "--check", "bulk_counters"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["format"], report["target"], report["matches"]) == (
        "spmkit-contract-report/1", drifted_url, False)
    assert report["summary"] == {"ok": 0, "drift": 3, "not_observed": 0, "error": 0,
                                 "not_run": 0}  # fmt: skip
    differences = {c["name"]: [(d["fact"], d["kind"], d["target"], d["fake"])
                               for d in c["differences"]] for c in report["checks"]}
    counters = {"$": "object", "$.failed_count": "number", "$.rejected_count": "number",
                "$.rejected_items": "array"}  # fmt: skip
    assert differences == {
        "bulk_counters": [("POST /v1/customers (2 valid items): body", "shape",
                           {**counters, "$.sent": "number"},
                           {**counters, "$.sent_count": "number"})],
        "batch_limit_customers": [("customers: batch limit", "limit", 40, 50)],
        "custom_data": [("POST /v1/custom-data-records/{id} to an inactive definition: status",
                         "status", 400, 422)],
    }  # fmt: skip
    checks = {c["name"]: c for c in report["checks"]}
    facts = {f["fact"]: f for f in checks["batch_limit_customers"]["facts"]}
    assert facts["customers: a batch of limit + 1: status"] == {
        "fact": "customers: a batch of limit + 1: status", "kind": "status", "target": 413,
        "fake": 413, "reached": True, "same": True}  # fmt: skip


def test_a_check_stopped_by_an_answer_names_it_and_counts_what_it_could_not_see() -> None:
    import httpx

    from .conftest import new_fake

    fake = new_fake()

    def no_events(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/events":
            return httpx.Response(404, json={"statusCode": 404, "message": "Cannot POST /v1/events",
                                             "error": "Not Found"})  # fmt: skip
        return fake.handle(request)

    target = ApiTarget("http://no-events.invalid", KEY, transport=httpx.MockTransport(no_events))
    report = verify_target(target, checks=["events"], run_id="stop0001")
    assert report.to_text().splitlines()[4:7] == [
        "DRIFT         events",
        "                POST /v1/events: status: 404 on the target, 201 in the fake",
        "                POST /v1/events: envelope: only in the fake: $.data (object); only on "
        "the target: $.error (string), $.message (string)",
    ]
    assert report.to_text().splitlines()[7] == (
        "                stopped: POST /v1/events answered 404: Cannot POST /v1/events; the "
        "check triggers the new event; 15 later fact(s) not observed")
    assert report.cleaned.left == ()
