"""scripted_client: a unit test scripts what the API answers, the engine's rules apply."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from spmkit import (
    BulkAnswer,
    InvalidArgument,
    ScriptedClient,
    SyncSummary,
    define_bulk_step,
    define_integration,
    run_integration_sync,
    scripted_client,
)

from .conftest import ManualClock

ROWS = [{"customer_id": "c1", "email": "ada@example.com"},
        {"customer_id": "c2", "email": "not-an-email"}]


def run(client: ScriptedClient, store: Any, clock: ManualClock, **kwargs: Any) -> SyncSummary:
    step = define_bulk_step("customers", stream=lambda ctx: ROWS, map=lambda r, ctx: r, **kwargs)
    integration = define_integration(slug="t", sync_steps=[step])
    return asyncio.run(run_integration_sync(integration, store=store, clock=clock, client=client))


def test_an_accepting_client_lets_the_cursor_advance_and_records_the_calls(
    store: Any, clock: ManualClock
) -> None:
    client = scripted_client()
    summary = run(client, store, clock)
    assert summary.step("customers").advanced
    assert [(c.resource, [i["customer_id"] for i in c.items]) for c in client.calls] == [
        ("customers", ["c1", "c2"])]


def test_scripted_rejects_are_counted_and_dead_lettered_with_their_reason(
    store: Any, clock: ManualClock
) -> None:
    client = scripted_client(BulkAnswer(rejected={"c2": "email must be a valid e-mail address"}))
    summary = run(client, store, clock, tolerate_rejects=True)
    step = summary.step("customers")
    assert (step.attempted, step.rejected, step.dead_lettered, step.advanced) == (2, 1, 1, True)
    (dead,) = store.list_rejected(run_id=summary.run_id)
    assert (dead.item_key, dead.reason, dead.payload) == (
        "c2", "email must be a valid e-mail address", ROWS[1])


def test_a_scripted_503_is_a_transport_failure_that_holds_the_cursor(
    store: Any, clock: ManualClock
) -> None:
    summary = run(scripted_client(BulkAnswer(status_code=503)), store, clock,
                  tolerate_rejects=True)
    assert summary.step("customers").errors == (
        "bulk step 'customers': TransportFailure: customers: push of 2 item(s) failed "
        "(HTTP_503: HTTP 503: scripted answer; 1 attempt(s)); 2 item(s) not delivered. The "
        "cursor is held and the window will replay.",)
    assert store.get_cursor("customers", "").last_synced_at is None


def test_a_scripted_failed_count_in_a_2xx_holds_the_cursor(store: Any, clock: ManualClock) -> None:
    summary = run(scripted_client(BulkAnswer(failed_count=1)), store, clock)
    assert summary.step("customers").errors == (
        "bulk step 'customers': TransportFailure: customers: the API answered 200 but reported "
        "failed_count=1: those items were not stored. The cursor is held and the window will "
        "replay.",)


def test_a_scripted_422_is_a_whole_chunk_refused_naming_its_keys(
    store: Any, clock: ManualClock
) -> None:
    summary = run(scripted_client(BulkAnswer(status_code=422, message="group_ids: bad")),
                  store, clock)
    (error,) = summary.step("customers").errors
    assert error.startswith("customers: the API refused a whole chunk of 2 item(s) with HTTP 422 "
                            "(HTTP 422: group_ids: bad); item keys: c1, c2.")


def test_after_the_script_every_call_gets_then(store: Any, clock: ManualClock) -> None:
    client = scripted_client(BulkAnswer(status_code=503), then=BulkAnswer(status_code=0))
    first = asyncio.run(client.bulk_save("customers", ROWS))
    later = [asyncio.run(client.bulk_save("customers", ROWS)) for _ in range(2)]
    assert first.status_code == 503
    assert [(e.ok, e.error.code if e.error else None) for e in later] == [
        (False, "ECONNRESET"), (False, "ECONNRESET")]
    assert len(client.calls) == 3


def test_a_scripted_reject_of_a_key_the_push_did_not_carry_is_refused() -> None:
    client = scripted_client(BulkAnswer(rejected={"c9": "bad"}))
    with pytest.raises(InvalidArgument) as info:
        asyncio.run(client.bulk_save("customers", ROWS))
    assert info.value.args == (
        "The scripted answer rejects ['c9'] but this push of 'customers' carried the keys "
        "['c1', 'c2'] (by 'customer_id'): script the keys of this call.",)


def test_a_script_of_something_else_than_answers_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"answer 0 is 503 \(type=int\)"):
        scripted_client(503)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="status_code=99"):
        BulkAnswer(status_code=99)
