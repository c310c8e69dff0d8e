"""The Acme CRM integration, on spmkit.

Acme's REST API (``https://api.acme-crm.test/v3`` in tests):

* ``GET /contacts?modifiedSince=<ISO>&pageSize=<n>`` then ``?pageToken=<token>`` answers
  ``{"data": [{"id", "emailAddress", "givenName", "familyName", "modifiedAt"}...],
  "nextPageToken": "..." | null}``;
* ``GET /workspaces`` answers ``{"data": [{"id": "ws-1"}, ...]}``;
* ``GET /workspaces/<id>/deals`` pages the same way; a deal has ``id``, ``value``,
  ``currencyCode`` and ``modifiedAt``. Deal ids are only unique within a workspace, so a
  ShopiMind order id is ``<workspace>:<deal id>``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from spmkit import (
    DataSourceSpec,
    Provisioning,
    StepContext,
    SyncContext,
    UnexpectedPage,
    define_bulk_step,
    define_integration,
)

__all__ = ["AcmeSettings", "contact_item", "deal_item", "integration"]


@dataclass(frozen=True)
class AcmeSettings:
    """Where Acme is and how to reach it (``transport`` is for tests)."""

    base_url: str = "https://api.acme-crm.test/v3"
    api_token: str = ""
    page_size: int = 100
    transport: httpx.AsyncBaseTransport | None = None


def parse_settings(raw: Mapping[str, Any]) -> AcmeSettings:
    """Settings from the installation form."""
    return AcmeSettings(base_url=str(raw.get("base_url", AcmeSettings.base_url)),
                        api_token=str(raw["api_token"]))


def _client(ctx: SyncContext) -> httpx.AsyncClient:
    settings: AcmeSettings = ctx.settings
    return httpx.AsyncClient(base_url=settings.base_url, transport=settings.transport,
                             headers={"Authorization": f"Bearer {settings.api_token}"},
                             timeout=30.0)


async def _pages(ctx: StepContext, path: str) -> AsyncIterator[Mapping[str, Any]]:
    """Every record of ``path`` modified since the window start, page after page."""
    assert ctx.window is not None
    settings: AcmeSettings = ctx.settings
    params: dict[str, Any] = {"modifiedSince": ctx.window.since.isoformat(),
                              "pageSize": settings.page_size}
    seen: set[str] = set()
    async with _client(ctx) as http:
        while True:
            response = await http.get(path, params=params)
            if response.status_code != 200:
                raise RuntimeError(f"Acme answered {response.status_code} to GET {path}")
            body = response.json()
            page = body.get("data") if isinstance(body, dict) else None
            if not isinstance(page, list):
                raise UnexpectedPage(
                    f"Acme GET {path}: expected a page of records, got {body!r:.120}")
            for record in page:
                yield record
            token = body.get("nextPageToken")
            if not token:
                return
            if token in seen:
                raise UnexpectedPage(f"Acme GET {path} repeated the page token {token!r}")
            seen.add(token)
            params = {"pageToken": token}


def contact_item(contact: Mapping[str, Any]) -> dict[str, Any]:
    """An Acme contact as a ShopiMind customer."""
    return {"customer_id": contact["id"], "email": contact.get("emailAddress"),
            "first_name": contact.get("givenName"), "last_name": contact.get("familyName"),
            "updated_at": contact["modifiedAt"]}


def deal_item(deal: Mapping[str, Any], workspace: str) -> dict[str, Any]:
    """An Acme deal of ``workspace`` as a ShopiMind order."""
    return {"order_id": f"{workspace}:{deal['id']}", "amount": deal.get("value"),
            "currency": deal.get("currencyCode", "EUR"), "updated_at": deal["modifiedAt"]}


async def list_workspaces(ctx: SyncContext) -> Sequence[str]:
    """The workspaces of the Acme account: one deals cursor each."""
    async with _client(ctx) as http:
        response = await http.get("/workspaces")
    if response.status_code != 200:
        raise RuntimeError(f"Acme answered {response.status_code} to GET /workspaces")
    body = response.json()
    return [str(w["id"]) for w in body["data"]]


def provisioning(ctx: SyncContext) -> Provisioning:
    return Provisioning(data_sources=(DataSourceSpec(key="acme", label="Acme CRM",
                                                     config_key="acme-crm"),))


contacts = define_bulk_step(
    "contacts",
    resource="customers",
    stream=lambda ctx: _pages(ctx, "/contacts"),
    map=lambda contact, ctx: contact_item(contact),
    data_source="acme",
    batch_size=50,
)

deals = define_bulk_step(
    "deals",
    resource="orders",
    stream=lambda ctx: _pages(ctx, f"/workspaces/{ctx.source_key}/deals"),
    map=lambda deal, ctx: deal_item(deal, ctx.source_key),
    data_source="acme",
    cursor_scope="per-source",
    sources=list_workspaces,
    batch_size=50,
)

integration = define_integration(
    slug="acme-crm",
    meta={"name": "Acme CRM", "version": "1.0.0"},
    sync_steps=[contacts, deals],
    parse_settings=parse_settings,
    provisioning=provisioning,
)
