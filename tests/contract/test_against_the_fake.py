"""The contract against the fake in-process: it passes, and it says what DESIGN.md §2 says."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from spmkit_testing.contract import (
    CHECKS,
    Check,
    CheckContext,
    ContractBug,
    Created,
    check_names,
    delete_created,
    fake_target,
    reference_facts,
    reference_run,
    verify_target,
)
from spmkit_testing.contract._answer import Answer

from .conftest import RUN_ID, new_fake

FAKE_CLEANUP = [
    "cleanup: deleted data sources: 1 (spmkit-verify-test0001*)",
    "cleanup: LEFT customers: 59 (keys spmkit-verify-test0001-*): POST "
    "/v1/customers/bulk-delete answered 404: No route POST /v1/customers/bulk-delete in the "
    "fake ShopiMind API.",
    "cleanup: LEFT customers-groups: 101 (keys spmkit-verify-test0001-*): POST "
    "/v1/customers-groups/bulk-delete answered 404: No route POST "
    "/v1/customers-groups/bulk-delete in the fake ShopiMind API.",
    "cleanup: LEFT custom-data definitions: 1, 2, 3, 4 (spmkit_verify_test0001_*, with their "
    "records): DELETE /v1/custom-data-definitions/1 answered 405: DELETE is not allowed on "
    "/v1/custom-data-definitions/1; allowed: GET.",
    "cleanup: LEFT events: 1 (spmkit_verify_test0001_*): DELETE /v1/events/1 answered 404: No "
    "route DELETE /v1/events/1 in the fake ShopiMind API.",
]


@pytest.mark.parametrize("name", check_names())
def test_each_check_passes_on_the_fake_in_process(name: str) -> None:
    report = verify_target(fake_target(), checks=[name], run_id=RUN_ID)
    (check,) = report.checks
    assert (check.verdict, check.differences, check.note) == ("ok", (), None)
    assert check.facts and all(f["same"] for f in check.facts)


def test_the_whole_report_in_process() -> None:
    report = verify_target(fake_target(), run_id=RUN_ID)
    assert report.matches
    assert report.to_text().splitlines() == [
        "spmkit wire contract: the in-process fake compared with the fake ShopiMind API",
        "namespace: spmkit-verify-test0001 (every key, label and name this run writes starts "
        "with it)",
        "bounds: 56 requests of at most 200 within 120 s; cleanup 5 of at most 60",
        "",
        *[f"ok            {name}" for name in check_names()],
        "",
        *FAKE_CLEANUP,
        "verdict: the fake matches the target (13 of 13 checks ok)",
    ]


def test_the_contract_is_the_wire_contract_of_the_design() -> None:
    facts = {check.name: reference_facts(check.name) for check in CHECKS}
    error = {"$": "object", "$.error": "string", "$.message": "string", "$.statusCode": "number"}
    read = {"$": "object", "$.data": "array", "$.statusCode": "number"}
    created = {"$": "object", "$.data": "object", "$.statusCode": "number"}
    auth = facts["auth"]
    assert auth["GET /v1/data-sources without spm-api-key: status"] == 401
    assert auth["GET /v1/data-sources with a wrong spm-api-key: status"] == 401
    assert auth["POST /v1/customers with a wrong spm-api-key: status"] == 401
    assert auth["GET /v1/data-sources without spm-api-key: envelope"] == error
    sources = facts["data_sources"]
    assert sources["POST /v1/data-sources: status"] == 201
    assert sources["POST /v1/data-sources: envelope"] == created
    assert sources["GET /v1/data-sources: envelope"] == read
    bulk = "POST /v1/customers (2 valid items)"
    assert facts["bulk_counters"][f"{bulk}: body"] == {
        "$": "object", "$.failed_count": "number", "$.rejected_count": "number",
        "$.rejected_items": "array", "$.sent_count": "number"}  # fmt: skip
    rejects = "POST /v1/customers (1 valid, 1 bad e-mail, 1 without customer_id)"
    assert facts["item_rejects"][f"{rejects}: status"] == 200
    assert facts["item_rejects"][f"{rejects}: rejected_items"] == {
        "$": "array", "$[]": "object", "$[].index": "number", "$[].key": "null|string",
        "$[].reason": "string"}  # fmt: skip
    assert facts["item_rejects"][f"{rejects}: rejected keys"] == ["bad-email", None]
    limits = {name: facts[f"batch_limit_{name.replace('-', '_')}"]
              for name in ("customers", "customers-groups", "custom-data-records")}  # fmt: skip
    assert {name: f[f"{name}: batch limit"] for name, f in limits.items()} == {
        "customers": 50, "customers-groups": 100, "custom-data-records": 20}
    assert {f[f"{name}: a batch of limit + 1: status"] for name, f in limits.items()} == {413}
    upsert = facts["upsert_by_natural_key"]
    assert upsert["GET /v1/custom-data-records/{id}: records listed"] == 2
    assert upsert["GET /v1/custom-data-records/{id}: the points of card A"] == [2]
    assert facts["id_data_source"][
        "GET /v1/custom-data-records/{id}: the record keeps id_data_source"] == [True]
    custom = facts["custom_data"]
    assert custom["POST /v1/custom-data-definitions with a name in use: status"] == 409
    assert custom["POST /v1/custom-data-records/{id} to an inactive definition: status"] == 422
    events = facts["events"]
    assert (events["POST /v1/events: status"],
            events["POST /v1/events with a code_name in use: status"],
            events["POST /v1/events/trigger/{code_name}: status"],
            events["POST /v1/events/trigger/{code_name} of an undeclared code name: status"],
            ) == (201, 409, 201, 404)  # fmt: skip
    assert {v for k, v in facts["bad_requests"].items() if k.endswith(": status")} == {400, 404}
    limited = "the first 429 of a burst of GET /v1/data-sources"
    assert facts["rate_limit"][f"{limited}: status"] == 429
    assert facts["rate_limit"][f"{limited}: Retry-After"] == "whole seconds"
    assert facts["rate_limit"][f"{limited}: envelope"] == error


def test_a_run_writes_only_in_its_namespace_and_leaves_the_shop_alone() -> None:
    fake = new_fake()
    fake.state.create_data_source({"label": "The shop's own POS"})
    fake.state.bulk_upsert("customers", [{"customer_id": "c1", "email": "ada@example.com"}])
    fake.state.create_custom_data_definition({"name": "loyalty", "fields": [
        {"name": "card", "type": "text"}]})  # fmt: skip
    fake.state.create_event({"name": "Shipped", "code_name": "order_shipped"})
    before = fake.snapshot()
    report = verify_target(fake_target(fake), run_id=RUN_ID)
    assert report.matches, report.to_text()
    after = fake.snapshot()
    assert after["records"]["customers"]["c1"] == before["records"]["customers"]["c1"]
    assert after["data_sources"][0] == before["data_sources"][0]
    assert after["custom_data_definitions"][0] == before["custom_data_definitions"][0]
    assert after["events"][0] == before["events"][0]
    assert after["custom_data_records"]["1"] == {}
    written = [key for name, table in after["records"].items() for key in table
               if before["records"][name].get(key) is None]  # fmt: skip
    assert written and all(key.startswith("spmkit-verify-test0001-") for key in written)
    named = [s["label"] for s in after["data_sources"][1:]]
    named += [d["name"] for d in after["custom_data_definitions"][1:]]
    named += [e["code_name"] for e in after["events"][1:]]
    assert named and all(n.replace("_", "-").startswith("spmkit-verify-test0001") for n in named)
    # No write of the run named one of the shop's own things (they all have id 1).
    foreign = ("data-sources/1", "custom-data-definitions/1", "custom-data-records/1",
               "events/trigger/order_shipped")  # fmt: skip
    writes = [e.path.removeprefix("/v1/") for e in fake.journal if e.method != "GET"]
    assert len(writes) > 40
    assert [p for p in writes if any(p == f or p.startswith(f"{f}/") for f in foreign)] == []


class Recorder:
    """A requester that answers every delete with a 200 and remembers what was asked."""

    def __init__(self, statuses: dict[str, int] | None = None) -> None:
        self.sent: list[tuple[str, str, Any]] = []
        self.statuses = statuses or {}

    def request(self, method: str, path: str, *, json: Any = None) -> Answer:
        self.sent.append((method, path, json))
        status = self.statuses.get(path, 200)
        return Answer(method, path, status, {}, {"statusCode": status, "message": "Not here."})


def test_the_default_cleanup_deletes_exactly_what_the_ledger_holds_dependants_first() -> None:
    created = Created("spmkit-verify-abc")
    created.data_sources.update({7: "spmkit-verify-abc", 8: "spmkit-verify-abc-child"})
    created.note_records("customers", [f"spmkit-verify-abc-{i}" for i in range(52)])
    created.note_records("customers", ["spmkit-verify-abc-0"])
    created.note_records("customers-groups", ["spmkit-verify-abc-g"])
    created.definitions[3] = "spmkit_verify_abc_cards"
    created.events[9] = "spmkit_verify_abc_shipped"
    created.unknown.append("event 'spmkit_verify_abc_x' (the answer carried no id_event or id)")
    http = Recorder({"events/9": 404})
    cleaned = delete_created(created, http)
    assert [(m, p) for m, p, _ in http.sent] == [
        ("POST", "customers/bulk-delete"), ("POST", "customers/bulk-delete"),
        ("POST", "customers-groups/bulk-delete"), ("DELETE", "custom-data-definitions/3"),
        ("DELETE", "events/9"), ("DELETE", "data-sources/8"), ("DELETE", "data-sources/7")]
    assert [len(body["customer_ids"]) for _, p, body in http.sent[:2]] == [50, 2]
    assert http.sent[2][2] == {"group_ids": ["spmkit-verify-abc-g"]}
    assert cleaned.deleted == (
        "customers: 52 (keys spmkit-verify-abc-*)",
        "customers-groups: 1 (keys spmkit-verify-abc-*)",
        "custom-data definitions: 3 (spmkit_verify_abc_*, with their records)",
        "data sources: 8, 7 (spmkit-verify-abc*)",
    )
    assert cleaned.left == (
        "event 'spmkit_verify_abc_x' (the answer carried no id_event or id): delete it by hand",
        "events: 9 (spmkit_verify_abc_*): DELETE /v1/events/9 answered 404: Not here.",
    )
    assert delete_created(Created("spmkit-verify-none"), Recorder()).deleted == ()


def test_the_budget_bounds_a_run_and_the_cleanup_still_runs() -> None:
    report = verify_target(fake_target(), run_id=RUN_ID, max_requests=9,
                           checks=["auth", "data_sources", "bulk_counters"])  # fmt: skip
    assert not report.matches
    assert [line for line in report.to_text().splitlines() if line][2:] == [
        "bounds: 9 requests of at most 9 within 120 s; cleanup 4 of at most 60",
        "ok            auth",
        "ERROR         data_sources",
        "                could not run to its end: the checks budget of 9 requests is spent; "
        "10 later fact(s) not observed",
        "not run       bulk_counters",
        "                not run: the checks budget of 9 requests is spent",
        "cleanup: deleted data sources: 3, 2, 1 (spmkit-verify-test0001*)",
        "cleanup: LEFT customers: 1 (keys spmkit-verify-test0001-*): POST "
        "/v1/customers/bulk-delete answered 404: No route POST /v1/customers/bulk-delete in the "
        "fake ShopiMind API.",
        "verdict: the fake does NOT match the target: 1 could not run to the end, 1 not run of "
        "3 checks (1 ok)",
    ]


def test_the_time_limit_bounds_a_run_without_waiting() -> None:
    ticks = itertools.count()  # every reading of the clock is one second later
    report = verify_target(fake_target(), run_id=RUN_ID, time_limit=12,
                           monotonic=lambda: float(next(ticks)),
                           checks=["auth", "bulk_counters"])  # fmt: skip
    assert [(c.name, c.verdict, c.note) for c in report.checks] == [
        ("auth", "ok", None),
        ("bulk_counters", "not_run", "not run: the checks time limit of 12 s is spent"),
    ]
    assert report.as_dict()["bounds"] == {"requests": 5, "max_requests": 200,
                                          "time_limit_seconds": 12, "cleanup_requests": 2,
                                          "cleanup_max_requests": 60}  # fmt: skip


def test_a_check_the_fake_itself_fails_is_a_bug_of_the_suite() -> None:
    def stops(ctx: CheckContext) -> None:
        ctx.stop("GET /v1/nowhere answered 404")

    with pytest.raises(ContractBug) as excinfo:
        reference_run(Check("broken", "A broken check", stops))
    assert excinfo.value.args == (
        "the fake ShopiMind API itself does not pass the contract check 'broken': GET /v1/nowhere "
        "answered 404. This is a bug of spmkit_testing (the fake or the suite); please report it "
        "with this message.",)
