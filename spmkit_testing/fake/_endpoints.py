"""The fake's endpoints: one function per route endpoint, from a request to a state call.

Each takes the :class:`~spmkit_testing.fake._state.FakeState`, the prepared request and
its parsed body, and returns ``(status, response body)``; :data:`ENDPOINTS` names them
for the route table (:mod:`spmkit_testing.fake._routes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spmkit_testing.fake._errors import BadRequest
from spmkit_testing.fake._exchange import Pending
from spmkit_testing.fake._schema import show
from spmkit_testing.fake._state import FakeState

__all__ = ["ENDPOINTS", "Endpoint"]

Endpoint = Callable[[FakeState, Pending, Any], tuple[int, Any]]


def _bulk_write(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    route = pending.route
    assert route is not None and route.resource is not None
    result = state.bulk_upsert(
        route.resource,
        body,
        merge=route.method == "PUT",
        poisons=pending.decision.poisons,
        copy=False,
        wire=True,
    )
    return 200, result.body()

def _records_write(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    result = state.upsert_custom_data_records(
        int(pending.params["id_definition"]),
        body,
        poisons=pending.decision.poisons,
        copy=False,
        wire=True,
    )
    return 200, result.body()

def _bulk_list(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    route = pending.route
    assert route is not None and route.resource is not None
    limit, offset = _paging(pending.incoming.query)
    return 200, _ok(200, state.list_records(route.resource, limit=limit, offset=offset))

def _records_list(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    limit, offset = _paging(pending.incoming.query)
    records = state.custom_data_records(int(pending.params["id_definition"]))
    return 200, _ok(200, list(records.values())[offset : offset + limit])

def _sources_list(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 200, _ok(200, state.data_sources())

def _sources_create(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 201, _ok(201, state.create_data_source(body))

def _sources_update(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 200, _ok(200, state.update_data_source(int(pending.params["id"]), body))

def _sources_delete(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 200, _ok(200, state.delete_data_source(int(pending.params["id"])))

def _definitions_list(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    limit, offset = _paging(pending.incoming.query, default=10)
    return 200, _ok(200, state.custom_data_definitions()[offset : offset + limit])

def _definitions_create(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 201, _ok(201, state.create_custom_data_definition(body))

def _definitions_get(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    id_definition = int(pending.params["id_definition"])
    return 200, _ok(200, state.custom_data_definition(id_definition))

def _definitions_extend(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    id_definition = int(pending.params["id_definition"])
    return 200, _ok(200, state.extend_custom_data_definition(id_definition, body))

def _definitions_activate(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    id_definition = int(pending.params["id_definition"])
    return 200, _ok(200, state.set_custom_data_definition_status(id_definition, True))

def _definitions_deactivate(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    id_definition = int(pending.params["id_definition"])
    return 200, _ok(200, state.set_custom_data_definition_status(id_definition, False))

def _events_list(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 200, _ok(200, state.events())

def _events_create(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 201, _ok(201, state.create_event(body))

def _events_trigger(state: FakeState, pending: Pending, body: Any) -> tuple[int, Any]:
    return 201, _ok(201, state.trigger_event(pending.params["code_name"], body))


def _ok(status: int, data: Any) -> dict[str, Any]:
    return {"statusCode": status, "data": data}


def _paging(query: str, *, default: int = 100) -> tuple[int, int]:
    values = {"limit": default, "offset": 0}
    for part in query.split("&") if query else ():
        name, _, raw = part.partition("=")
        if name in values:
            if not raw.isdigit() or len(raw) > 9:
                raise BadRequest(f"Query parameter {name} must be a whole number, got {show(raw)}.")
            values[name] = int(raw)
    if not 1 <= values["limit"] <= 100:
        raise BadRequest(f"limit must be between 1 and 100, got {values['limit']}.")
    return values["limit"], values["offset"]


#: The function of each endpoint a route names.
ENDPOINTS: dict[str, Endpoint] = {
    "bulk_write": _bulk_write,
    "records_write": _records_write,
    "bulk_list": _bulk_list,
    "records_list": _records_list,
    "sources_list": _sources_list,
    "sources_create": _sources_create,
    "sources_update": _sources_update,
    "sources_delete": _sources_delete,
    "definitions_list": _definitions_list,
    "definitions_create": _definitions_create,
    "definitions_get": _definitions_get,
    "definitions_extend": _definitions_extend,
    "definitions_activate": _definitions_activate,
    "definitions_deactivate": _definitions_deactivate,
    "events_list": _events_list,
    "events_create": _events_create,
    "events_trigger": _events_trigger,
}
