"""The two traps of the README's table that the JS kit falls into on a bulk answer, through
the real client: a 2xx reporting failed_count, and counters nested under data."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from spmkit import (
    SpmClient,
    SyncSummary,
    define_bulk_step,
    define_integration,
    run_integration_sync,
)

from .conftest import ManualClock

ROWS = [{"customer_id": "c1", "email": "ada@example.com"},
        {"customer_id": "c2", "email": "not-an-email"}]


def sync_against(body: dict[str, Any], store: Any, clock: ManualClock) -> SyncSummary:
    def api(request: httpx.Request) -> httpx.Response:
        assert len(json.loads(request.content)) == 2
        return httpx.Response(200, json=body)

    step = define_bulk_step("customers", stream=lambda ctx: ROWS, map=lambda r, ctx: r)
    integration = define_integration(slug="t", sync_steps=[step])

    async def main() -> SyncSummary:
        async with SpmClient("k", base_url="https://api.test", clock=clock,
                             transport=httpx.MockTransport(api)) as client:
            return await run_integration_sync(integration, store=store, clock=clock,
                                              client=client)

    return asyncio.run(main())


def test_failed_count_on_a_2xx_holds_the_cursor(store: Any, clock: ManualClock) -> None:
    body = {"sent_count": 1, "rejected_count": 0, "failed_count": 1, "rejected_items": []}
    step = sync_against(body, store, clock).step("customers")
    assert step.advanced is False and "reported failed_count=1" in step.errors[0]


def test_a_bulk_body_nested_under_data_still_reports_its_rejects(
    store: Any, clock: ManualClock
) -> None:
    body = {"statusCode": 200, "data": {
        "sent_count": 1, "rejected_count": 1, "failed_count": 0,
        "rejected_items": [{"key": "c2", "reason": "email must be a valid e-mail address"}]}}
    summary = sync_against(body, store, clock)
    step = summary.step("customers")
    assert (step.attempted, step.rejected, step.advanced) == (2, 1, False)
    assert step.errors == ("1 item(s) rejected (cursor held; set tolerate_rejects to advance) "
                           "— 'c2': email must be a valid e-mail address",)
    assert [d.item_key for d in store.list_rejected(run_id=summary.run_id)] == ["c2"]
