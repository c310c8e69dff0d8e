"""Idempotent provisioning: declare data sources, custom-data definitions and events once.

An integration declares what it needs (:class:`Provisioning`); :func:`ensure_provisioned`
finds each one in the shop or creates it, and persists the ids in the store so steps can
look them up (``ctx.with_source(key)``, ``ctx.custom_data(name)``). Running it twice
creates nothing the second time. The matching follows ``@shopimind/integration-kit-js``
2.0 (``provisioning/ensure.js``):

* a data source matches first by its stable ``config_key`` (kept in the source's
  ``config`` JSON under ``"spmkit_key"``; a renamed label is then updated with a PUT,
  never duplicated), then by its trimmed label;
* a custom-data definition matches by trimmed, case-insensitive name, skipping
  soft-deleted rows and preferring an ``active`` one, then the oldest (lowest id);
* an event matches by its ``code_name``;
* a 409 on create (a concurrent activation won the race) re-lists and adopts the winner.

For example::

    plan = Provisioning(
        data_sources=(DataSourceSpec("store-1", "Paris store", config_key="store-1"),),
        custom_data=(CustomDataSpec("loyalty", {"points": "number"}),),
        events=(EventSpec("cart_abandoned", label="Cart abandoned"),),
    )
    ids = await ensure_provisioned(client, store, plan)
    ids.data_sources["store-1"]  # -> 12
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from spmkit._client import SpmClient
from spmkit._envelope import Envelope
from spmkit._errors import IntegrationDefinitionError, ProvisioningError
from spmkit._provisioning_plan import (
    PROVISIONED_STATE_KEY,
    CustomDataSpec,
    DataSourceSpec,
    EventSpec,
    ProvisionedIds,
    Provisioning,
    StateStore,
    norm,
    norm_name,
)

__all__ = ["ensure_provisioned"]

CONFIG_KEY_PROPERTY = "spmkit_key"
# The definitions listing serves 10 rows by default and falls back to 10 above 100.
_MAX_LISTING_PAGE = 100
_STATUS_RANK = {"active": 3, "inactive": 2, "editing": 1, "creating": 1}
_RETRY_HINT = (
    "Check the API key, base_url and the declaration, then run ensure_provisioned again: "
    "it is idempotent and creates nothing twice."
)

_log = logging.getLogger("spmkit.provisioning")


# -- matching helpers (ported from the JS kit's ensure.js) ------------------------------


def _row_id(row: Mapping[str, Any], *names: str) -> int | None:
    for name in names:
        value = row.get(name)
        if value is None or isinstance(value, bool):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number > 0:
            return number
    return None


def _config_value(config: Any) -> str | None:
    if isinstance(config, str) and config:
        try:
            config = json.loads(config)
        except ValueError:
            return None
    if isinstance(config, Mapping) and config.get(CONFIG_KEY_PROPERTY) is not None:
        return norm(config[CONFIG_KEY_PROPERTY])
    return None


def _rows(envelope: Envelope, what: str) -> list[Mapping[str, Any]]:
    data = _unwrap_or_fail(envelope, f"list {what}")
    if isinstance(data, Mapping):
        data = next(
            (
                data[k]
                for k in ("items", "data", "rows", "results")
                if isinstance(data.get(k), list)
            ),
            data,
        )
    if data is None:
        return []
    if not isinstance(data, list):
        raise ProvisioningError(
            f"provisioning: listing {what} returned {type(data).__name__}, not a list "
            f"({data!r:.120}). {_RETRY_HINT}"
        )
    return [row for row in data if isinstance(row, Mapping)]


def _unwrap_or_fail(envelope: Envelope, what: str) -> Any:
    if envelope.ok:
        return envelope.data
    _fail(envelope, what)


def _fail(envelope: Envelope, what: str) -> NoReturn:
    error = envelope.error
    detail = f"{error.code}: {error.message}" if error else f"HTTP {envelope.status_code}"
    raise ProvisioningError(f"provisioning: could not {what} ({detail}). {_RETRY_HINT}")


def _created_id(envelope: Envelope, what: str, *names: str) -> int:
    data = _unwrap_or_fail(envelope, what)
    found = _row_id(data, *names) if isinstance(data, Mapping) else None
    if found is None:
        raise ProvisioningError(
            f"provisioning: {what} answered without an id ({data!r:.120}); expected one of "
            f"{', '.join(names)}. {_RETRY_HINT}"
        )
    return found


# -- data sources -------------------------------------------------------------------


def _match_source(
    rows: Sequence[Mapping[str, Any]], spec: DataSourceSpec
) -> Mapping[str, Any] | None:
    wanted = None if spec.config_key is None else norm(spec.config_key)
    if wanted is not None:
        for row in rows:
            if _config_value(row.get("config")) == wanted:
                return row
    label = norm(spec.label)
    for row in rows:
        if norm(row.get("label")) != label:
            continue
        owner = _config_value(row.get("config"))
        if wanted is not None and owner is not None and owner != wanted:
            continue  # another partner store's source that happens to carry this label
        return row
    return None


async def _ensure_source(
    client: SpmClient,
    rows: list[Mapping[str, Any]],
    spec: DataSourceSpec,
    parent_id: int | None,
) -> int:
    what = f"create data source {spec.key!r} ({spec.label!r})"
    row = _match_source(rows, spec)
    if row is None:
        dto: dict[str, Any] = {"label": spec.label, "type": spec.type}
        if spec.config_key is not None:
            dto["config"] = json.dumps({CONFIG_KEY_PROPERTY: spec.config_key})
        if parent_id is not None:
            dto["parent_id"] = parent_id
        env = await client.data_sources.create(dto)
        if env.status_code != 409:
            created = _created_id(env, what, "id_data_source", "id")
            rows.append({**dto, "id_data_source": created})
            return created
        # A concurrent activation created it first: adopt the winner.
        rows[:] = _rows(await client.data_sources.list(), "data sources")
        row = _match_source(rows, spec)
        if row is None:
            _fail(env, f"{what}: 409 but no matching source on re-list")
    found = _row_id(row, "id_data_source", "id")
    if found is None:
        raise ProvisioningError(
            f"provisioning: data source {spec.key!r} matched a row without an id ({row!r:.120}). "
            f"{_RETRY_HINT}"
        )
    if norm(row.get("label")) != norm(spec.label):
        # Matched by config_key: the store was renamed. Update, never duplicate.
        env = await client.data_sources.update(found, {"label": spec.label})
        _unwrap_or_fail(env, f"rename data source {spec.key!r} to {spec.label!r}")
        # Keep the listing current: a later declaration must not match the old label.
        rows[:] = [{**r, "label": spec.label} if r is row else r for r in rows]
    return found


# -- custom-data definitions ---------------------------------------------------------


def _match_definition(rows: Sequence[Mapping[str, Any]], name: str) -> int | None:
    wanted = norm_name(name)
    candidates: list[tuple[int, int]] = []
    for row in rows:
        status = norm(row.get("status")).lower()
        if status == "deleted" or norm_name(row.get("name", row.get("schema_name"))) != wanted:
            continue
        found = _row_id(row, "id_definition", "id")
        if found is not None:
            candidates.append((-_STATUS_RANK.get(status, 3), found))
    return min(candidates)[1] if candidates else None


async def _list_definitions(client: SpmClient) -> list[Mapping[str, Any]]:
    env = await client.custom_data_definitions.list(limit=_MAX_LISTING_PAGE)
    return _rows(env, "custom-data definitions")


async def _ensure_definition(
    client: SpmClient, rows: list[Mapping[str, Any]], spec: CustomDataSpec
) -> int:
    found = _match_definition(rows, spec.name)
    if found is not None:
        return found
    what = f"create custom-data definition {spec.name!r}"
    dto = {
        "name": norm(spec.name),
        "fields": [
            {"name": name, "label": name, "type": kind, "required": False}
            for name, kind in spec.fields.items()
        ],
    }
    env = await client.custom_data_definitions.create(dto)
    if env.status_code == 409:
        rows[:] = await _list_definitions(client)
        found = _match_definition(rows, spec.name)
        if found is None:
            _fail(env, f"{what}: 409 but no matching definition on re-list")
        return found
    created = _created_id(env, what, "id_definition", "id")
    rows.append({"name": dto["name"], "id_definition": created, "status": "active"})
    activated = await client.custom_data_definitions.activate(created)
    if not activated.ok and activated.status_code != 409:
        # Best effort like the JS kit: the definition exists; record writes will say why.
        _log.warning(
            "custom data %r: created as %s but activate answered %s; record writes may be "
            "rejected until it is active",
            spec.name,
            created,
            activated.status_code,
        )
    return created


# -- events --------------------------------------------------------------------------


def _match_event(rows: Sequence[Mapping[str, Any]], code_name: str) -> int | None:
    wanted = norm(code_name)
    for row in rows:
        if norm(row.get("code_name")) == wanted:
            return _row_id(row, "id_event", "id")
    return None


async def _ensure_event(client: SpmClient, rows: list[Mapping[str, Any]], spec: EventSpec) -> int:
    found = _match_event(rows, spec.code_name)
    if found is not None:
        return found
    what = f"create event {spec.code_name!r}"
    env = await client.events.create({"name": spec.label, "code_name": norm(spec.code_name)})
    if env.status_code == 409:
        rows[:] = _rows(await client.events.list(), "events")
        found = _match_event(rows, spec.code_name)
        if found is None:
            _fail(env, f"{what}: 409 but no matching event on re-list")
        return found
    created = _created_id(env, what, "id_event", "id")
    rows.append({"code_name": norm(spec.code_name), "id_event": created})
    return created


async def ensure_provisioned(
    client: SpmClient, store: StateStore, provisioning: Provisioning
) -> ProvisionedIds:
    """Find or create everything ``provisioning`` declares; persist and return the ids.

    Idempotent: a second run lists, matches everything and creates nothing. A failed
    call raises :class:`~spmkit.ProvisioningError` saying what failed; nothing is
    persisted then, and running it again resumes safely.
    """
    if not isinstance(provisioning, Provisioning):
        raise IntegrationDefinitionError(
            f"Expected a Provisioning but got provisioning={provisioning!r:.80} "
            f"(type={type(provisioning).__name__}); build one with Provisioning(data_sources=...)."
        )
    ids = ProvisionedIds()
    if provisioning.data_sources:
        rows = _rows(await client.data_sources.list(), "data sources")
        for source in provisioning.data_sources:
            parent = ids.data_sources[source.parent_key] if source.parent_key else None
            ids.data_sources[source.key] = await _ensure_source(client, rows, source, parent)
    if provisioning.custom_data:
        rows = await _list_definitions(client)
        for definition in provisioning.custom_data:
            ids.custom_data[definition.name] = await _ensure_definition(client, rows, definition)
    if provisioning.events:
        rows = _rows(await client.events.list(), "events")
        for event in provisioning.events:
            ids.events[event.code_name] = await _ensure_event(client, rows, event)
    store.set_state(PROVISIONED_STATE_KEY, ids.to_json())
    return ids
