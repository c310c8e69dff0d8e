"""The checks of bulk writes: flat counters, per-item rejects, upserts, ``id_data_source``,
batch limits.

Customers and customer groups pushed here are all keyed ``spmkit-verify-<run>-...``,
carry the run's ``id_data_source`` and an ``@example.com`` address (reserved, never
delivered), opted out of everything. Reads go through custom-data records of a
definition the check created, the only bulk data the API lists per owner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spmkit import BULK_RESOURCES
from spmkit_testing.contract._answer import Answer
from spmkit_testing.contract._check import Check, CheckContext

__all__ = [
    "batch_limit",
    "bulk_counters",
    "customer",
    "definition",
    "id_data_source",
    "item_rejects",
    "upsert_by_natural_key",
]

RECORDS = "POST /v1/custom-data-records/{id}"
LIST_RECORDS = "GET /v1/custom-data-records/{id}"


def customer(ctx: CheckContext, role: str, **fields: Any) -> dict[str, Any]:
    """A valid customer of this check, in the run's data source."""
    key = ctx.key(role)
    return {
        "customer_id": key,
        "email": f"{key}@example.com",
        "first_name": "spmkit",
        "last_name": "verify",
        "is_opt_in": False,
        "is_newsletter_subscribed": False,
        "updated_at": "2026-01-01T00:00:00Z",
        "id_data_source": ctx.run_source(),
        **fields,
    }


def definition(ctx: CheckContext, role: str = "cards", *,
               label: str | None = None) -> tuple[Answer, int]:  # fmt: skip
    """Create this check's custom-data definition (``card`` text, required and unique;
    ``points`` number), recording its envelope as ``label`` when given; stop when there
    is none to write records to."""
    name = ctx.code(role)
    body = {
        "name": name,
        "unique_keys": ["card"],
        "fields": [
            {"name": "card", "label": "Card", "type": "text", "required": True},
            {"name": "points", "label": "Points", "type": "number", "required": False},
        ],
    }
    answer, id_definition = ctx.create("definition", body, name)
    if label is not None:
        ctx.envelope(label, answer)
    ctx.require(answer, "the check writes its records into this definition")
    if id_definition is None:
        ctx.stop(f"{answer} without id_definition; the check needs it for its records")
    return answer, id_definition


def _body(answer: Answer) -> dict[str, Any]:
    return answer.body if isinstance(answer.body, dict) else {}


def _rejected(answer: Answer) -> list[dict[str, Any]]:
    items = _body(answer).get("rejected_items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _rejected_keys(ctx: CheckContext, answer: Answer) -> list[Any]:
    return [ctx.role_of(item.get("key")) for item in _rejected(answer)]


def _reason_names(answer: Answer, index: int, field: str) -> bool:
    reasons = [str(i.get("reason")) for i in _rejected(answer) if i.get("index") == index]
    return any(field in reason for reason in reasons)


def _counted(answer: Answer) -> int:
    """The sum of the integer fields of a bulk answer (whatever the counters are named)."""
    return sum(v for k, v in _body(answer).items()
               if type(v) is int and k != "statusCode")  # fmt: skip


def _records(ctx: CheckContext, id_definition: int) -> list[dict[str, Any]]:
    answer = ctx.request("GET", f"custom-data-records/{id_definition}", params={"limit": 100})
    ctx.envelope(LIST_RECORDS, answer)
    ctx.require(answer, "the check reads the records back")
    if not isinstance(answer.data, list):
        ctx.stop(f"{LIST_RECORDS} answered data={answer.data!r}, not a list of records")
    return [r for r in answer.data if isinstance(r, dict)]


def bulk_counters(ctx: CheckContext) -> None:
    """Bulk writes answer sent/rejected/failed counters at the top level of the body."""
    label = "POST /v1/customers (2 valid items)"
    answer = ctx.push("customers", [customer(ctx, "a"), customer(ctx, "b")])
    ctx.status(label, answer)
    ctx.shape(f"{label}: body", answer.body)
    ctx.fact(f"{label}: the counters add up to 2", _counted(answer) == 2)
    label = "PUT /v1/customers (1 valid item)"
    answer = ctx.push("customers", [customer(ctx, "a", first_name="updated")], method="PUT")
    ctx.status(label, answer)
    ctx.fact(f"{label}: the counters add up to 1", _counted(answer) == 1)
    ctx.status("POST /v1/customers (an empty batch)", ctx.push("customers", []))


def item_rejects(ctx: CheckContext) -> None:
    """Bad items are rejected one by one inside a 2xx, each with its index, key and reason."""
    label = "POST /v1/customers (1 valid, 1 bad e-mail, 1 without customer_id)"
    no_key = customer(ctx, "no-key")
    del no_key["customer_id"]
    items = [customer(ctx, "good"), customer(ctx, "bad-email", email="not-an-email"), no_key]
    answer = ctx.push("customers", items)
    ctx.status(label, answer)
    ctx.require(answer, "the rejects are read from a 2xx answer")
    ctx.fact(f"{label}: rejected_count", _body(answer).get("rejected_count"))
    ctx.shape(f"{label}: rejected_items", _body(answer).get("rejected_items"))
    ctx.fact(f"{label}: rejected indexes", [i.get("index") for i in _rejected(answer)])
    ctx.fact(f"{label}: rejected keys", _rejected_keys(ctx, answer))
    ctx.fact(f"{label}: the reason of item 1 names email", _reason_names(answer, 1, "email"))
    ctx.fact(f"{label}: the reason of item 2 names customer_id",
             _reason_names(answer, 2, "customer_id"))  # fmt: skip


def upsert_by_natural_key(ctx: CheckContext) -> None:
    """A second write of the same natural key updates the stored item, not a new one."""
    _, id_definition = definition(ctx)
    first = [{"card": "A", "points": 1}, {"card": "B", "points": 1}]
    ctx.status(f"{RECORDS} (cards A and B)",
               ctx.push("custom-data-records", first, id_definition=id_definition))  # fmt: skip
    again = [{"card": "A", "points": 2}]
    ctx.status(f"{RECORDS} (card A again, new points)",
               ctx.push("custom-data-records", again, id_definition=id_definition))  # fmt: skip
    records = _records(ctx, id_definition)
    ctx.shape(f"{LIST_RECORDS}: data", records)
    ctx.fact(f"{LIST_RECORDS}: records listed", len(records))
    ctx.fact(f"{LIST_RECORDS}: the points of card A",
             [r.get("points") for r in records if r.get("card") == "A"])  # fmt: skip


def id_data_source(ctx: CheckContext) -> None:
    """Items pushed through a data source keep its ``id_data_source``; a malformed one is
    rejected."""
    source = ctx.run_source()
    label = "POST /v1/customers (with the run's id_data_source)"
    answer = ctx.push("customers", [customer(ctx, "tagged")])
    ctx.status(label, answer)
    ctx.fact(f"{label}: rejected keys", _rejected_keys(ctx, answer))
    label = "POST /v1/customers (id_data_source is a string)"
    answer = ctx.push("customers", [customer(ctx, "string-source", id_data_source="one")])
    ctx.status(label, answer)
    ctx.fact(f"{label}: rejected keys", _rejected_keys(ctx, answer))
    ctx.fact(f"{label}: the reason names id_data_source",
             _reason_names(answer, 0, "id_data_source"))  # fmt: skip
    _, id_definition = definition(ctx)
    record = {"card": "A", "points": 1, "id_data_source": source}
    ctx.status(f"{RECORDS} (with the run's id_data_source)",
               ctx.push("custom-data-records", [record], id_definition=id_definition))  # fmt: skip
    records = _records(ctx, id_definition)
    ctx.fact(f"{LIST_RECORDS}: the record keeps id_data_source",
             [r.get("id_data_source") == source for r in records])  # fmt: skip


def _item_maker(ctx: CheckContext, resource: str) -> tuple[Callable[[int], dict[str, Any]],
                                                             int | None]:  # fmt: skip
    if resource == "customers":
        return (lambda i: customer(ctx, f"limit-{i}")), None
    if resource == "customers-groups":
        source = ctx.run_source()
        return (lambda i: {"group_id": ctx.key(f"limit-{i}"), "name": "spmkit verify",
                           "lang": "en", "id_data_source": source}), None  # fmt: skip
    _, id_definition = definition(ctx)
    return (lambda i: {"card": f"limit-{i}", "points": i}), id_definition


def batch_limit(resource: str) -> Check:
    """The check of one resource's batch limit: the largest batch accepted, and the 4xx
    (with the limit in its message) that refuses one item more."""
    spec = BULK_RESOURCES[resource]
    label = resource

    def run(ctx: CheckContext) -> None:
        make, id_definition = _item_maker(ctx, resource)
        refusals: dict[int, Answer] = {}

        def accepts(size: int) -> bool:
            answer = ctx.push(resource, [make(i) for i in range(size)],
                              id_definition=id_definition)  # fmt: skip
            if answer.ok:
                return True
            if 400 <= answer.status < 500 and answer.status not in (401, 403, 429):
                refusals[size] = answer
                return False
            ctx.stop(f"{answer}; a batch of {size} is neither accepted nor refused with a 4xx")

        limit = spec.chunk_size
        if not accepts(limit):
            low, high = 0, limit
        elif not accepts(limit + 1):
            low, high = limit, limit + 1
        elif not accepts(2 * limit):
            low, high = limit + 1, 2 * limit
        else:
            ctx.limit(f"{label}: batch limit", f"more than {2 * limit}")
            ctx.stop(f"no batch of up to {2 * limit} {resource} items was refused")
        while high - low > 1:  # the largest accepted size lies in [low, high)
            middle = (low + high) // 2
            low, high = (middle, high) if accepts(middle) else (low, middle)
        if low == 0:
            ctx.stop(f"{refusals[high]}; even a batch of 1 item is refused")
        refusal = refusals[high]
        ctx.limit(f"{label}: batch limit", low)
        ctx.envelope(f"{label}: a batch of limit + 1", refusal)
        ctx.fact(f"{label}: the refusal names the limit", str(low) in refusal.message)
        if id_definition is not None:
            stored = _records(ctx, id_definition)
            ctx.fact(f"{label}: a refused batch stores nothing", len(stored) == low)

    return Check(f"batch_limit_{resource.replace('-', '_')}",
                 f"{resource}: a batch of {spec.chunk_size} is accepted, "
                 f"{spec.chunk_size + 1} refused with a 4xx naming the limit", run)  # fmt: skip
