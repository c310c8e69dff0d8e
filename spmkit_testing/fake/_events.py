"""The fake's event types and the instances fired (``/v1/events``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from spmkit_testing.fake._body import reject_unknown, require_object, text_field
from spmkit_testing.fake._errors import BadRequest, Conflict, NotFound
from spmkit_testing.fake._schema import show

__all__ = ["EventLog"]


class EventLog:
    """Declared event types (unique ``code_name``) and every instance fired, in order."""

    def __init__(self, stamp: Callable[[], str]) -> None:
        self._stamp = stamp
        self._events: dict[int, dict[str, Any]] = {}
        self._triggers: list[dict[str, Any]] = []

    def create(self, dto: Any) -> dict[str, Any]:
        """Declare an event type; a second one with the same ``code_name`` is a 409."""
        what = "POST /v1/events"
        body = require_object(dto, what)
        reject_unknown(body, {"name", "code_name", "properties"}, what)
        name = text_field(body, "name", what, required=True)
        code = text_field(body, "code_name", what, required=True)
        properties = body.get("properties")
        if properties is not None and type(properties) is not dict:
            raise BadRequest(f"{what}: 'properties' must be an object, got {show(properties)}.")
        if any(e["code_name"] == code for e in self._events.values()):
            raise Conflict(f"An event with code_name {code!r} already exists.")
        new_id = max(self._events, default=0) + 1
        now = self._stamp()
        event = {
            "id_event": new_id,
            "name": name,
            "code_name": code,
            "properties": properties or {},
            "created_at": now,
            "updated_at": now,
        }
        self._events[new_id] = event
        return json.loads(json.dumps(event))  # type: ignore[no-any-return]

    def events(self) -> list[dict[str, Any]]:
        """Every event type, by id (copies)."""
        return [json.loads(json.dumps(e)) for _, e in sorted(self._events.items())]

    _TRIGGER_FIELDS = frozenset({"contact", "visitor", "metaData", "customData"})

    def trigger(self, code_name: str, payload: Any) -> dict[str, Any]:
        """Fire an instance of the event type ``code_name`` (404 when undeclared)."""
        what = f"POST /v1/events/trigger/{code_name}"
        event = next((e for e in self._events.values() if e["code_name"] == code_name), None)
        if event is None:
            known = ", ".join(sorted(e["code_name"] for e in self._events.values())) or "none"
            raise NotFound(
                f"No event with code_name {show(code_name)} (declared: {known}). "
                f"Declare it with POST /v1/events first."
            )
        body = require_object({} if payload is None else payload, what)
        reject_unknown(body, set(self._TRIGGER_FIELDS), what)
        for part in self._TRIGGER_FIELDS:
            if body.get(part) is not None and type(body[part]) is not dict:
                raise BadRequest(f"{what}: {part!r} must be an object, got {show(body[part])}.")
        trigger = {
            "id_trigger": len(self._triggers) + 1,
            "id_event": event["id_event"],
            "code_name": code_name,
            "payload": body,
            "triggered_at": self._stamp(),
        }
        self._triggers.append(trigger)
        return json.loads(json.dumps(trigger))  # type: ignore[no-any-return]

    def triggers(self) -> list[dict[str, Any]]:
        """Every fired event instance, in order (copies)."""
        return [json.loads(json.dumps(t)) for t in self._triggers]
