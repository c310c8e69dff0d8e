"""The API areas of :class:`~spmkit.SpmClient`: ``client.customers``, ``client.events``...

Each is a thin, typed view that forwards to :meth:`SpmClient.bulk_save` or
:meth:`SpmClient.request`; the client builds them once, in its constructor. They know
the client only as an :class:`ApiCalls` (the two calls they make), so this module
does not import the client's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from spmkit._envelope import Envelope
from spmkit._resources import bulk_resource

__all__ = [
    "ApiCalls",
    "BulkApi",
    "CustomDataDefinitionsApi",
    "CustomDataRecordsApi",
    "DataSourcesApi",
    "EventsApi",
    "ListableBulkApi",
    "QueryValue",
]

QueryValue = str | int | float | bool


class ApiCalls(Protocol):
    """What an API area calls on its client (:class:`~spmkit.SpmClient` has both)."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Envelope: ...

    async def bulk_save(
        self,
        resource: str,
        items: Sequence[Mapping[str, Any]],
        *,
        id_definition: int | str | None = None,
    ) -> Envelope: ...


class _Area:
    def __init__(self, client: ApiCalls) -> None:
        self._client = client


class BulkApi(_Area):
    """A bulk-writable resource: ``await api.bulk_save(items)``."""

    def __init__(self, client: ApiCalls, resource: str) -> None:
        super().__init__(client)
        self.resource = resource

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.resource!r})"

    async def bulk_save(self, items: Sequence[Mapping[str, Any]]) -> Envelope:
        """Upsert ``items`` (chunked); see :meth:`SpmClient.bulk_save`."""
        return await self._client.bulk_save(self.resource, items)


class ListableBulkApi(BulkApi):
    """A bulk resource that can also be listed: ``await api.list(limit=50, page=2)``."""

    async def list(self, **query: QueryValue) -> Envelope:
        """GET the resource's listing with ``query`` as query parameters."""
        return await self._client.request("GET", bulk_resource(self.resource).path, params=query)


class DataSourcesApi(_Area):
    """``data-sources``: ``list()``, ``create(dto)``, ``update(id, dto)``."""

    async def list(self) -> Envelope:
        return await self._client.request("GET", "data-sources")

    async def create(self, dto: Mapping[str, Any]) -> Envelope:
        return await self._client.request("POST", "data-sources", json=dict(dto))

    async def update(self, id_data_source: int | str, dto: Mapping[str, Any]) -> Envelope:
        path = f"data-sources/{quote(str(id_data_source), safe='')}"
        return await self._client.request("PUT", path, json=dict(dto))


class CustomDataDefinitionsApi(_Area):
    """``custom-data-definitions``: ``list(**query)``, ``get``, ``create``, ``activate``."""

    async def list(self, **query: QueryValue) -> Envelope:
        return await self._client.request("GET", "custom-data-definitions", params=query)

    async def get(self, id_definition: int | str) -> Envelope:
        path = f"custom-data-definitions/{quote(str(id_definition), safe='')}"
        return await self._client.request("GET", path)

    async def create(self, dto: Mapping[str, Any]) -> Envelope:
        return await self._client.request("POST", "custom-data-definitions", json=dict(dto))

    async def activate(self, id_definition: int | str) -> Envelope:
        path = f"custom-data-definitions/{quote(str(id_definition), safe='')}/activate"
        return await self._client.request("PATCH", path)


class CustomDataRecordsApi(_Area):
    """``custom-data-records/{id}``: ``bulk_save(id, records)``, ``list(id, **query)``."""

    async def bulk_save(
        self, id_definition: int | str, records: Sequence[Mapping[str, Any]]
    ) -> Envelope:
        return await self._client.bulk_save(
            "custom-data-records", records, id_definition=id_definition
        )

    async def list(self, id_definition: int | str, **query: QueryValue) -> Envelope:
        path = f"custom-data-records/{quote(str(id_definition), safe='')}"
        return await self._client.request("GET", path, params=query)


class EventsApi(_Area):
    """``events``: ``list(**query)``, ``create(dto)``, ``trigger(code_name, payload)``."""

    async def list(self, **query: QueryValue) -> Envelope:
        return await self._client.request("GET", "events", params=query)

    async def create(self, dto: Mapping[str, Any]) -> Envelope:
        """Declare an event type (``{"name", "code_name"}``); a 409 means it exists."""
        return await self._client.request("POST", "events", json=dict(dto))

    async def trigger(
        self,
        code_name: str,
        payload: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> Envelope:
        """Fire an event instance (``POST events/trigger/{code_name}``).

        Pass ``idempotency_key`` to make the trigger safe to retry.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        path = f"events/trigger/{quote(code_name, safe='')}"
        return await self._client.request("POST", path, json=dict(payload), headers=headers)
