"""The checks of everything but bulk data: auth, envelopes, data sources, custom-data
definitions, events and triggers, refused bodies, the rate limit's 429.

Everything these checks create is named for the run (``spmkit-verify-<run>-...`` labels,
``spmkit_verify_<run>_...`` names and code names) and deleted by the check itself or by
the run's cleanup. Events are triggered with ``metaData`` only (no contact), on an event
type the check has just declared, so no scenario of the shop reacts to them.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from spmkit_testing.contract._answer import Answer
from spmkit_testing.contract._check import CheckContext
from spmkit_testing.contract._checks_bulk import RECORDS, customer, definition
from spmkit_testing.faults import token_bucket

if TYPE_CHECKING:
    from spmkit_testing.fake import FakeShopimind

__all__ = [
    "BURST",
    "auth",
    "bad_requests",
    "custom_data",
    "data_sources",
    "events",
    "rate_limit",
    "rate_limit_on_fake",
]

#: The most requests the rate-limit check sends to provoke a 429.
BURST = 20
DEFINITION = "/v1/custom-data-definitions/{id}"


def _data(answer: Answer) -> dict[str, Any]:
    return answer.data if isinstance(answer.data, dict) else {}


def _listed(answer: Answer) -> list[dict[str, Any]]:
    data = answer.data
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _field_names(answer: Answer) -> list[Any]:
    fields = _data(answer).get("fields")
    if not isinstance(fields, list):
        return []
    return [f.get("name") for f in fields if isinstance(f, dict)]


def _source_id(item: dict[str, Any]) -> Any:
    return item.get("id_data_source", item.get("id"))


def auth(ctx: CheckContext) -> None:
    """Reads and writes without the spm-api-key header, or with a wrong one, are 401s."""
    ctx.envelope("GET /v1/data-sources without spm-api-key",
                 ctx.request("GET", "data-sources", api_key=None))  # fmt: skip
    wrong = f"{ctx.namespace}-not-a-key"
    ctx.envelope("GET /v1/data-sources with a wrong spm-api-key",
                 ctx.request("GET", "data-sources", api_key=wrong))  # fmt: skip
    ctx.status("POST /v1/customers with a wrong spm-api-key",
               ctx.push("customers", [customer(ctx, "wrong-key")], api_key=wrong))  # fmt: skip


def data_sources(ctx: CheckContext) -> None:
    """Data sources: create (201), list, update, delete, with the ``statusCode``/``data``
    envelope; a child keeps its ``parent_id``."""
    label = ctx.key("parent")
    created, parent = ctx.create("data source", {"label": label, "type": "api"}, label)
    ctx.envelope("POST /v1/data-sources", created)
    ctx.require(created, "the check goes on with the new data source")
    if parent is None:
        ctx.stop(f"{created} without id_data_source; the check needs it")
    ctx.shape("POST /v1/data-sources: data", created.data)
    ctx.fact("POST /v1/data-sources: data.label is the label sent",
             _data(created).get("label") == label)  # fmt: skip
    child_label = ctx.key("child")
    body = {"label": child_label, "type": "api", "parent_id": parent}
    answer, child = ctx.create("data source", body, child_label)
    ctx.status("POST /v1/data-sources with parent_id", answer)
    ctx.fact("POST /v1/data-sources with parent_id: data.parent_id is the parent",
             _data(answer).get("parent_id") == parent)  # fmt: skip
    if child is None:
        ctx.stop(f"{answer}; the check goes on with the child source")
    listed = ctx.request("GET", "data-sources")
    ctx.envelope("GET /v1/data-sources", listed)
    found = [s for s in _listed(listed) if _source_id(s) == child]
    ctx.fact("GET /v1/data-sources: the child is listed once", len(found) == 1)
    ctx.shape("GET /v1/data-sources: the child", found[0] if found else None)
    renamed = f"{child_label}-renamed"
    updated = ctx.request("PUT", f"data-sources/{child}", json={"label": renamed})
    ctx.envelope("PUT /v1/data-sources/{id}", updated)
    ctx.fact("PUT /v1/data-sources/{id}: data.label is the new label",
             _data(updated).get("label") == renamed)  # fmt: skip
    for which, id_source in (("the child", child), ("the parent", parent)):
        deleted = ctx.request("DELETE", f"data-sources/{id_source}")
        ctx.envelope(f"DELETE /v1/data-sources/{{id}} of {which}", deleted)
        if deleted.ok:
            ctx.forget_source(id_source)
    listed = ctx.request("GET", "data-sources")
    ctx.fact("GET /v1/data-sources: the deleted sources are gone",
             not [s for s in _listed(listed) if _source_id(s) in (child, parent)])  # fmt: skip
    ctx.envelope("DELETE /v1/data-sources/{id} of a deleted source",
                 ctx.request("DELETE", f"data-sources/{child}"))  # fmt: skip


def custom_data(ctx: CheckContext) -> None:
    """Custom-data definitions (create, get, list, activate, deactivate, extend) and their
    records: 409 for a name in use or a status already set, 4xx for records of an
    inactive definition, per-item rejects for a missing required field."""
    label = "POST /v1/custom-data-definitions"
    created, id_definition = definition(ctx, "loyalty", label=label)
    ctx.shape(f"{label}: data", created.data)
    ctx.fact(f"{label}: data.status", _data(created).get("status"))
    ctx.fact(f"{label}: data.fields names", _field_names(created))
    path = f"custom-data-definitions/{id_definition}"
    got = ctx.request("GET", path)
    ctx.envelope(f"GET {DEFINITION}", got)
    ctx.shape(f"GET {DEFINITION}: data", got.data)
    listed = ctx.request("GET", "custom-data-definitions", params={"limit": 10})
    ctx.envelope("GET /v1/custom-data-definitions", listed)
    name = _data(created).get("name", ctx.code("loyalty"))
    again, _ = ctx.create("definition", {"name": name, "fields": [
        {"name": "card", "label": "Card", "type": "text"}]}, name)  # fmt: skip
    ctx.envelope(f"{label} with a name in use", again)
    ctx.status(f"PATCH {DEFINITION}/activate of an active definition",
               ctx.request("PATCH", f"{path}/activate"))  # fmt: skip
    records = [{"card": "A", "points": 1}, {"points": 2}]
    answer = ctx.push("custom-data-records", records, id_definition=id_definition)
    rejects = f"{RECORDS} (1 valid, 1 without the required card)"
    ctx.status(rejects, answer)
    rejected = answer.body.get("rejected_items") if isinstance(answer.body, dict) else None
    rejected = [r for r in rejected if isinstance(r, dict)] if isinstance(rejected, list) else []
    ctx.fact(f"{rejects}: rejected indexes", [r.get("index") for r in rejected])
    ctx.fact(f"{rejects}: the reason names card", ["card" in str(r.get("reason"))
                                                   for r in rejected])  # fmt: skip
    deactivated = ctx.request("PATCH", f"{path}/deactivate")
    ctx.envelope(f"PATCH {DEFINITION}/deactivate", deactivated)
    ctx.fact(f"PATCH {DEFINITION}/deactivate: data.status", _data(deactivated).get("status"))
    refused = ctx.push("custom-data-records", [{"card": "B"}], id_definition=id_definition)
    ctx.envelope(f"{RECORDS} to an inactive definition", refused)
    ctx.status(f"PATCH {DEFINITION}/activate of an inactive definition",
               ctx.request("PATCH", f"{path}/activate"))  # fmt: skip
    extend = {"fields": [{"name": "tier", "label": "Tier", "type": "text"}]}
    extended = ctx.request("PATCH", f"{path}/extend", json=extend)
    ctx.envelope(f"PATCH {DEFINITION}/extend", extended)
    ctx.fact(f"PATCH {DEFINITION}/extend: data.fields names", _field_names(extended))


def events(ctx: CheckContext) -> None:
    """Events: declare (201; 409 for a code name in use), list, trigger (201), and 404 for
    a trigger of an undeclared code name."""
    code = ctx.code("shipped")
    body = {"name": f"{ctx.namespace} shipped", "code_name": code}
    created, _ = ctx.create("event", body, code)
    ctx.envelope("POST /v1/events", created)
    ctx.require(created, "the check triggers the new event")
    ctx.shape("POST /v1/events: data", created.data)
    again, _ = ctx.create("event", body, code)
    ctx.envelope("POST /v1/events with a code_name in use", again)
    listed = ctx.request("GET", "events")
    ctx.envelope("GET /v1/events", listed)
    ctx.fact("GET /v1/events: the new event is listed once",
             len([e for e in _listed(listed) if e.get("code_name") == code]) == 1)  # fmt: skip
    meta = {"metaData": {"spmkit_verify": ctx.namespace}}
    trigger = ctx.request("POST", f"events/trigger/{code}", json=meta)
    ctx.envelope("POST /v1/events/trigger/{code_name}", trigger)
    ctx.shape("POST /v1/events/trigger/{code_name}: data", trigger.data, depth=1)
    undeclared = ctx.request("POST", f"events/trigger/{ctx.code('undeclared')}", json=meta)
    ctx.envelope("POST /v1/events/trigger/{code_name} of an undeclared code name", undeclared)


def bad_requests(ctx: CheckContext) -> None:
    """A body that is not JSON, an object where an array is expected and an unknown path
    get a 4xx with the error envelope, never a 5xx."""
    ctx.envelope("POST /v1/customers with a body that is not JSON",
                 ctx.request("POST", "customers", content=b"[{not json"))  # fmt: skip
    ctx.envelope("POST /v1/customers with an object instead of an array",
                 ctx.push("customers", customer(ctx, "object-body")))  # fmt: skip
    ctx.envelope("GET an unknown path under /v1/",
                 ctx.request("GET", f"{ctx.namespace}-no-such-path"))  # fmt: skip


_SECONDS = re.compile(r"\d{1,6}")


def _retry_after(value: str | None) -> str:
    if value is None:
        return "absent"
    if _SECONDS.fullmatch(value.strip()):
        return "whole seconds"
    try:
        email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return f"unreadable ({value[:40]!r})"
    return "an HTTP date"


def rate_limit(ctx: CheckContext) -> None:
    """Above the rate limit: 429 with a ``Retry-After`` header and the error envelope
    (a burst of at most 20 reads; not observed when the target never limits them)."""
    for _ in range(BURST):
        answer = ctx.request("GET", "data-sources")
        if answer.status == 429:
            break
        if not answer.ok:
            ctx.stop(f"{answer}; the burst reads must succeed until a 429")
    else:
        ctx.not_observed(f"no 429 in a burst of {BURST} GET /v1/data-sources")
    label = "the first 429 of a burst of GET /v1/data-sources"
    ctx.envelope(label, answer)
    ctx.fact(f"{label}: Retry-After", _retry_after(answer.headers.get("retry-after")))


def rate_limit_on_fake(fake: FakeShopimind) -> Callable[[], None]:
    """Switch the fake's rate limit on for :func:`rate_limit` (3 requests, then 30 s)."""
    bucket = fake.add_fault(token_bucket(3, refill_per_second=1 / 30))

    def off() -> None:
        fake.remove_fault(bucket)

    return off
