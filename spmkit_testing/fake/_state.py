"""The model behind the fake ShopiMind API: typed methods, no HTTP.

It holds the bulk resources (upserted by natural key), data sources, custom-data
definitions and their records, event types and event triggers. Every method either
returns plain data or raises a :mod:`~spmkit_testing.fake._errors` error, which the
wire layer turns into the matching HTTP answer.

For example::

    state = FakeState(clock)
    result = state.bulk_upsert("customers", [{"customer_id": "c1", "email": "a@b.co"}])
    assert result.sent_count == 1 and state.records("customers")["c1"]["email"] == "a@b.co"
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spmkit import BULK_RESOURCES, BulkResource
from spmkit_testing.fake._body import (
    Stored,
    json_type,
    reject_unknown,
    require_object,
    text_field,
    unpack,
)
from spmkit_testing.fake._clock import FakeClock
from spmkit_testing.fake._errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from spmkit_testing.fake._errors import UnprocessableEntity as Unprocessable
from spmkit_testing.fake._events import EventLog
from spmkit_testing.fake._json import compact_json
from spmkit_testing.fake._schema import (
    CUSTOM_FIELD_TYPES,
    RESOURCE_SCHEMAS,
    Schema,
    custom_data_schema,
    show,
)

__all__ = ["BulkResult", "FakeState", "Poison"]

CUSTOM_RECORDS = "custom-data-records"

#: A poison: a predicate over an item and the reason given when it matches.
Poison = tuple[Callable[[dict[str, Any]], bool], str]

_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk write answers: counts and the rejected entries."""

    sent_count: int
    rejected_count: int
    failed_count: int
    rejected_items: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """The wire body (the four fields at the top level, as the SDK reads them)."""
        return {
            "sent_count": self.sent_count,
            "rejected_count": self.rejected_count,
            "failed_count": self.failed_count,
            "rejected_items": self.rejected_items,
        }


@dataclass(slots=True)
class _Definition:
    data: dict[str, Any]
    schema: Schema
    records: dict[str, Stored] = field(default_factory=dict)


class FakeState:
    """The in-memory ShopiMind account behind the fake API (one shop)."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        # The items of each bulk resource by natural key: an item that came in over the
        # wire is kept as its compact JSON bytes (about a third of a dict's memory, and
        # nothing for the garbage collector to walk); one given from Python as a dict.
        self._records: dict[str, dict[str, Stored]] = {
            name: {} for name in BULK_RESOURCES if name != CUSTOM_RECORDS
        }
        self._sources: dict[int, dict[str, Any]] = {}
        self._definitions: dict[int, _Definition] = {}
        self._event_log = EventLog(self._stamp)
        self._watchers: list[Callable[[str, Sequence[str]], None]] = []

    def _stamp(self) -> str:
        return self._clock.now().isoformat()

    # -- bulk resources -------------------------------------------------------------

    @staticmethod
    def bulk_resource(name: str) -> BulkResource:
        """The resource ``name`` (not custom-data records), or :class:`NotFound`."""
        res = BULK_RESOURCES.get(name)
        if res is None or name == CUSTOM_RECORDS:
            known = ", ".join(sorted(n for n in BULK_RESOURCES if n != CUSTOM_RECORDS))
            raise NotFound(f"Unknown bulk resource {show(name)}; the fake knows: {known}.")
        return res

    @staticmethod
    def check_batch(res: BulkResource, items: Any) -> list[Any]:
        """Refuse a body that is not a list, or a list above the resource's chunk size."""
        if type(items) is not list:
            raise BadRequest(
                f"POST/PUT /v1/{res.path} expects a JSON array of {res.name} items, "
                f"got {json_type(items)} ({show(items)}). Wrap a single item in a list."
            )
        if len(items) > res.chunk_size:
            raise PayloadTooLarge(
                f"A batch of {len(items)} {res.name} items exceeds the limit of "
                f"{res.chunk_size} per request; split it into chunks of at most "
                f"{res.chunk_size} (SpmClient.bulk_save and the SDK's {{chunk: true}} do)."
            )
        return items

    def bulk_upsert(
        self,
        resource: str,
        items: Sequence[Any],
        *,
        merge: bool = False,
        poisons: Sequence[Poison] = (),
        copy: bool = True,
        wire: bool = False,
    ) -> BulkResult:
        """Upsert ``items`` by natural key; invalid or poisoned items are rejected.

        ``merge`` (a PUT) keeps the fields of a stored item that the new one omits;
        otherwise the stored item is replaced. ``copy=False`` stores the given dicts as
        they are. ``wire=True`` says the fake's strict reader just parsed them from a
        request body: they are kept as their compact JSON bytes, which read back exactly.
        """
        res = self.bulk_resource(resource)
        batch = self.check_batch(res, items)
        stored: list[str] | None = [] if self._watchers else None
        result = self._store(
            self._records[resource], RESOURCE_SCHEMAS[resource], batch, merge, poisons, copy,
            stored, wire=wire,
        )
        if stored:
            for watcher in self._watchers:
                watcher(resource, stored)
        return result

    def watch(self, callback: Callable[[str, Sequence[str]], None]) -> None:
        """Call ``callback(resource, keys)`` after each bulk write that stored items: an
        observer (the Simulation's oracle) then looks at what changed, not at every item."""
        self._watchers.append(callback)

    @staticmethod
    def _store(
        table: dict[str, Stored],
        schema: Schema,
        items: list[Any],
        merge: bool,
        poisons: Sequence[Poison],
        copy: bool,
        stored: list[str] | None = None,
        *,
        wire: bool = False,
    ) -> BulkResult:
        rejected: list[dict[str, Any]] = []
        check = schema.check
        for index, item in enumerate(items):
            key, reason = check(item)
            if reason is None and poisons:
                for predicate, why in poisons:
                    if predicate(item):
                        reason = why
                        break
            if reason is not None or key is None:
                rejected.append({"key": key, "index": index, "reason": reason})
                continue
            as_bytes = wire
            if merge:
                old = table.get(key)
                if old is not None:
                    item = {**unpack(old), **item}
                    # Over an item given from Python, the merge keeps Python's values as
                    # they are (a tuple, a NaN in a list), which JSON would not.
                    as_bytes = wire and isinstance(old, bytes)
            if as_bytes:
                table[key] = compact_json(item)
            else:
                table[key] = dict(item) if copy else item
            if stored is not None:
                stored.append(key)
        count = len(rejected)
        return BulkResult(len(items) - count, count, 0, rejected)

    def records(self, resource: str) -> dict[str, dict[str, Any]]:
        """The stored items of a bulk resource by natural key (copies)."""
        table = self._records[self.bulk_resource(resource).name]
        return {key: unpack(item) for key, item in table.items()}

    def record(self, resource: str, key: str) -> dict[str, Any] | None:
        """The stored item of a bulk resource under ``key`` (a copy), or ``None``."""
        item = self._records[self.bulk_resource(resource).name].get(key)
        return None if item is None else unpack(item)

    def count(self, resource: str) -> int:
        """How many items a bulk resource holds (without copying them)."""
        return len(self._records[self.bulk_resource(resource).name])

    def keys(self, resource: str) -> list[str]:
        """The natural keys a bulk resource holds, in insertion order (no item copied)."""
        return list(self._records[self.bulk_resource(resource).name])

    def list_records(self, resource: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
        """One page of a bulk resource, in insertion order."""
        table = self._records[self.bulk_resource(resource).name]
        return [unpack(item) for item in list(table.values())[offset : offset + limit]]

    # -- data sources ---------------------------------------------------------------

    _SOURCE_FIELDS = frozenset({"label", "type", "config", "parent_id", "is_default", "active"})

    def _source_fields(self, dto: Any, what: str, *, creating: bool) -> dict[str, Any]:
        body = require_object(dto, what)
        reject_unknown(body, set(self._SOURCE_FIELDS), what)
        out: dict[str, Any] = {}
        if creating or "label" in body:
            out["label"] = text_field(body, "label", what, required=True)
        if "type" in body:
            out["type"] = text_field(body, "type", what, required=False)
        if "config" in body:
            config = body["config"]
            if type(config) is dict:
                config = json.dumps(config)
            elif config is not None and type(config) is not str:
                raise BadRequest(
                    f"{what}: 'config' must be a JSON string, an object or null, "
                    f"got {show(config)}."
                )
            out["config"] = config
        if "parent_id" in body:
            parent = body["parent_id"]
            if parent is not None and (type(parent) is not int or parent not in self._sources):
                raise BadRequest(
                    f"{what}: parent_id {show(parent)} is not the id of an existing data "
                    f"source; known ids: {sorted(self._sources)}."
                )
            out["parent_id"] = parent
        for flag in ("is_default", "active"):
            if flag in body:
                if type(body[flag]) is not bool:
                    raise BadRequest(f"{what}: {flag!r} must be true or false.")
                out[flag] = body[flag]
        return out

    def create_data_source(self, dto: Any) -> dict[str, Any]:
        """Create a data source; ``label`` is required. Returns it with its new id."""
        fields = self._source_fields(dto, "POST /v1/data-sources", creating=True)
        new_id = max(self._sources, default=0) + 1
        now = self._stamp()
        source = {
            "id_data_source": new_id,
            "id": new_id,
            "label": fields["label"],
            "type": "api",
            "is_default": False,
            "config": None,
            "active": True,
            "parent_id": None,
            "created_at": now,
            "updated_at": now,
        }
        source.update(fields)
        self._sources[new_id] = source
        return dict(source)

    def update_data_source(self, id_data_source: int, dto: Any) -> dict[str, Any]:
        """Update the given fields of a data source (404 for an unknown id)."""
        source = self._source(id_data_source)
        what = f"PUT /v1/data-sources/{id_data_source}"
        fields = self._source_fields(dto, what, creating=False)
        if fields.get("parent_id") == id_data_source:
            raise BadRequest(f"{what}: a data source cannot be its own parent.")
        source.update(fields)
        source["updated_at"] = self._stamp()
        return dict(source)

    def delete_data_source(self, id_data_source: int) -> dict[str, Any]:
        """Delete a data source (404 for an unknown id)."""
        return self._sources.pop(self._source(id_data_source)["id_data_source"])

    def _source(self, id_data_source: int) -> dict[str, Any]:
        try:
            return self._sources[id_data_source]
        except KeyError:
            raise NotFound(
                f"No data source with id {id_data_source}; existing ids: "
                f"{sorted(self._sources)}. Create it with POST /v1/data-sources first."
            ) from None

    def data_sources(self) -> list[dict[str, Any]]:
        """Every data source, by id."""
        return [dict(s) for _, s in sorted(self._sources.items())]

    # -- custom-data definitions and records ------------------------------------------

    _DEFINITION_FIELDS = frozenset(
        {"name", "description", "unique_keys", "fields", "relationships"}
    )

    @staticmethod
    def _check_fields(raw: Any, what: str, existing: Sequence[str] = ()) -> list[dict[str, Any]]:
        if type(raw) is not list or not raw:
            raise BadRequest(f"{what}: 'fields' must be a non-empty array of field objects.")
        seen = set(existing)
        fields: list[dict[str, Any]] = []
        for i, f in enumerate(raw):
            if type(f) is not dict:
                raise BadRequest(f"{what}: fields[{i}] must be an object, got {show(f)}.")
            name, kind = f.get("name"), f.get("type")
            if type(name) is not str or not _FIELD_NAME.fullmatch(name):
                raise BadRequest(
                    f"{what}: fields[{i}].name must be an identifier ([A-Za-z_][A-Za-z0-9_]*, "
                    f"at most 64 characters), got {show(name)}."
                )
            if type(kind) is not str or kind not in CUSTOM_FIELD_TYPES:
                raise BadRequest(
                    f"{what}: fields[{i}].type must be one of "
                    f"{', '.join(CUSTOM_FIELD_TYPES)}, got {show(kind)}."
                )
            if name in seen:
                raise BadRequest(f"{what}: field {name!r} is defined twice.")
            if "required" in f and type(f["required"]) is not bool:
                raise BadRequest(f"{what}: fields[{i}].required must be true or false.")
            seen.add(name)
            fields.append({"label": name, "required": False, **f})
        return fields

    def create_custom_data_definition(self, dto: Any) -> dict[str, Any]:
        """Create an (active) custom-data definition; names are unique, case-insensitively."""
        what = "POST /v1/custom-data-definitions"
        body = require_object(dto, what)
        reject_unknown(body, set(self._DEFINITION_FIELDS), what)
        name = text_field(body, "name", what, required=True)
        if any(d.data["name"].strip().lower() == name.strip().lower()
               for d in self._definitions.values()):  # fmt: skip
            raise Conflict(
                f"custom data definition name is already used: {name!r}. List the "
                f"definitions (GET /v1/custom-data-definitions) and reuse its id."
            )
        fields = self._check_fields(body.get("fields"), what)
        unique_keys = body.get("unique_keys") or []
        names = {f["name"] for f in fields}
        if type(unique_keys) is not list or any(
            type(k) is not str or k not in names for k in unique_keys
        ):
            raise BadRequest(
                f"{what}: unique_keys must be an array of declared field names "
                f"({', '.join(sorted(names))}), got {show(unique_keys)}."
            )
        relationships = body.get("relationships") or []
        if type(relationships) is not list:
            raise BadRequest(f"{what}: relationships must be an array.")
        new_id = max(self._definitions, default=0) + 1
        now = self._stamp()
        data = {
            "id_definition": new_id,
            "id": new_id,
            "name": name,
            "description": body.get("description"),
            "unique_keys": list(unique_keys),
            "fields": fields,
            "relationships": list(relationships),
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        self._definitions[new_id] = _Definition(data, custom_data_schema(name, fields, unique_keys))
        return json.loads(json.dumps(data))  # type: ignore[no-any-return]

    def _definition(self, id_definition: int) -> _Definition:
        try:
            return self._definitions[id_definition]
        except KeyError:
            raise NotFound(
                f"Custom data definition not found: id {id_definition}; existing ids: "
                f"{sorted(self._definitions)}. Create it with POST /v1/custom-data-definitions."
            ) from None

    def custom_data_definition(self, id_definition: int) -> dict[str, Any]:
        """One definition (a copy)."""
        return json.loads(json.dumps(self._definition(id_definition).data))  # type: ignore[no-any-return]

    def custom_data_definitions(self) -> list[dict[str, Any]]:
        """Every definition, by id (copies)."""
        return [self.custom_data_definition(i) for i in sorted(self._definitions)]

    def extend_custom_data_definition(self, id_definition: int, dto: Any) -> dict[str, Any]:
        """Append fields and relationships to a definition."""
        definition = self._definition(id_definition)
        what = f"PATCH /v1/custom-data-definitions/{id_definition}/extend"
        body = require_object(dto, what)
        reject_unknown(body, {"name", "description", "fields", "relationships"}, what)
        data = definition.data
        new_fields: list[dict[str, Any]] = []
        if "fields" in body:
            new_fields = self._check_fields(
                body["fields"], what, [f["name"] for f in data["fields"]]
            )
        rels = body.get("relationships") or []
        if type(rels) is not list:
            raise BadRequest(f"{what}: relationships must be an array.")
        data["fields"] = data["fields"] + new_fields
        data["relationships"] = data["relationships"] + rels
        if "description" in body:
            data["description"] = body["description"]
        data["updated_at"] = self._stamp()
        definition.schema = custom_data_schema(data["name"], data["fields"], data["unique_keys"])
        return self.custom_data_definition(id_definition)

    def set_custom_data_definition_status(self, id_definition: int, active: bool) -> dict[str, Any]:
        """Activate or deactivate a definition; 409 when it already has that status."""
        data = self._definition(id_definition).data
        wanted = "active" if active else "inactive"
        if data["status"] == wanted:
            raise Conflict(f"Custom data definition {id_definition} is already {wanted}.")
        data["status"] = wanted
        data["updated_at"] = self._stamp()
        return self.custom_data_definition(id_definition)

    def upsert_custom_data_records(
        self,
        id_definition: int,
        items: Sequence[Any],
        *,
        poisons: Sequence[Poison] = (),
        copy: bool = True,
        wire: bool = False,
    ) -> BulkResult:
        """Upsert records of a definition (keyed by ``id``, else by its unique keys);
        ``copy`` and ``wire`` as for :meth:`bulk_upsert`."""
        definition = self._definition(id_definition)
        batch = self.check_batch(BULK_RESOURCES[CUSTOM_RECORDS], items)
        if definition.data["status"] != "active":
            raise Unprocessable(
                f"Custom data definition {id_definition} is {definition.data['status']}: "
                f"records are refused until it is activated "
                f"(PATCH /v1/custom-data-definitions/{id_definition}/activate)."
            )
        return self._store(definition.records, definition.schema, batch, True, poisons, copy,
                           wire=wire)

    def custom_data_records(self, id_definition: int) -> dict[str, dict[str, Any]]:
        """The records of a definition by key (copies)."""
        return {k: unpack(v) for k, v in self._definition(id_definition).records.items()}

    # -- events -----------------------------------------------------------------------

    def create_event(self, dto: Any) -> dict[str, Any]:
        """Declare an event type; a second one with the same ``code_name`` is a 409."""
        return self._event_log.create(dto)

    def events(self) -> list[dict[str, Any]]:
        """Every event type, by id (copies)."""
        return self._event_log.events()

    def trigger_event(self, code_name: str, payload: Any) -> dict[str, Any]:
        """Fire an instance of the event type ``code_name`` (404 when undeclared)."""
        return self._event_log.trigger(code_name, payload)

    def event_triggers(self) -> list[dict[str, Any]]:
        """Every fired event instance, in order (copies)."""
        return self._event_log.triggers()

    # -- the whole state ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, as plain JSON-able data (for comparisons)."""
        return {
            "records": {name: self.records(name) for name in sorted(self._records)},
            "data_sources": self.data_sources(),
            "custom_data_definitions": self.custom_data_definitions(),
            "custom_data_records": {
                str(i): self.custom_data_records(i) for i in sorted(self._definitions)
            },
            "events": self.events(),
            "event_triggers": self.event_triggers(),
        }
