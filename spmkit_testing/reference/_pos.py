"""The reference integration: a small but real integration of a fictitious POS ("Demo POS").

It is what scenarios run against by default, and the example to copy:

* ``customers`` — one global cursor, :func:`spmkit.define_bulk_step`, read from the
  POS with the ``updated_since`` + ``limit`` pagination and pushed through the
  provisioned data source ``"pos"``;
* ``orders`` — one cursor per store (``cursor_scope="per-source"``), the store list
  read from ``GET /stores``, each store's orders read with page + size pagination
  and pushed through that store's data source;
* provisioning: the ``"pos"`` data source, one child data source per store, and one
  custom-data definition (``pos_loyalty``).

The POS is reached over HTTP with httpx: ``PosSettings.base_url`` and, in tests,
``PosSettings.transport`` or a shared ``PosSettings.http`` client. Nothing here knows
it runs in a simulation, except that each page read calls
``ctx.checkpoint("after_fetch_page")`` so the harness can crash there (its adapter
declares that crash point).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from spmkit import (
    CustomDataSpec,
    DataSourceSpec,
    Integration,
    Provisioning,
    StepContext,
    SyncContext,
    check_page,
    define_bulk_step,
    define_integration,
)

__all__ = [
    "DEFAULT_STORES",
    "POS_BASE_URL",
    "PosSettings",
    "build_reference_integration",
    "customer_item",
    "list_stores",
    "order_item",
    "parse_settings",
    "provisioning",
    "reference_integration",
    "stream_customers",
    "stream_orders",
]

DEFAULT_STORES = ("store-1", "store-2")
POS_BASE_URL = "https://pos.test"


@dataclass(frozen=True)
class PosSettings:
    """Settings of the Demo POS integration (what ``parse_settings`` returns).

    ``http`` is an optional long-lived client to the POS (one per installation is
    what a real deployment does); without it each read opens its own client.
    """

    base_url: str = "https://pos.test"
    transport: httpx.AsyncBaseTransport | None = None
    page_size: int = 100
    stores: tuple[str, ...] = DEFAULT_STORES
    sync_orders: bool = True
    http: httpx.AsyncClient | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def parse_settings(raw: Mapping[str, Any]) -> PosSettings:
    """Build :class:`PosSettings` from the raw installation config (strings from a form)."""
    base_url = str(raw.get("base_url", "https://pos.test"))
    page_size = int(raw.get("page_size", 100))
    if page_size < 1:
        raise ValueError(f"page_size={page_size!r} must be >= 1 (100 is a good default)")
    return PosSettings(base_url=base_url, page_size=page_size)


@asynccontextmanager
async def _http(ctx: SyncContext) -> AsyncIterator[httpx.AsyncClient]:
    """The shared POS client from settings, or a client for this call only."""
    settings: PosSettings = ctx.settings
    if settings.http is not None:
        yield settings.http
        return
    async with httpx.AsyncClient(base_url=settings.base_url, transport=settings.transport,
                                 timeout=30.0) as http:
        yield http


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _url(http: httpx.AsyncClient, path: str, params: Mapping[str, Any]) -> str:
    """``base_url + path + ?query`` as one string, the URL ``http.get(path, params=...)``
    builds: httpx then parses it once instead of three times (base merge, params)."""
    base = str(http.base_url)
    url = f"{base if base.endswith('/') else base + '/'}{path.lstrip('/')}"
    return f"{url}?{urlencode(params)}" if params else url


async def _get_json(http: httpx.AsyncClient, path: str, params: Mapping[str, Any]) -> Any:
    response = await http.get(_url(http, path, params))
    if response.status_code != 200:
        raise RuntimeError(
            f"Demo POS answered {response.status_code} to GET {path}: {response.text[:200]}"
        )
    return response.json()


def customer_item(record: Mapping[str, Any]) -> dict[str, Any]:
    """Map a POS customer record (the wire item) to a ShopiMind customer."""
    data = record.get("data") or {}
    return {
        "customer_id": record["key"],
        "email": data.get("email"),
        "first_name": data.get("first_name"),
        "last_name": data.get("last_name"),
        "updated_at": record["updated_at"],
    }


def order_item(record: Mapping[str, Any]) -> dict[str, Any]:
    """Map a POS order record (the wire item) to a ShopiMind order."""
    data = record.get("data") or {}
    return {
        "order_id": record["key"],
        "amount": data.get("amount"),
        "currency": data.get("currency", "EUR"),
        "updated_at": record["updated_at"],
    }


async def stream_customers(ctx: StepContext) -> AsyncIterator[Mapping[str, Any]]:
    """Customers of the window, ``updated_since`` + ``limit`` pagination."""
    assert ctx.window is not None
    settings: PosSettings = ctx.settings
    since, after_key = _iso(ctx.window.since), ""
    async with _http(ctx) as http:
        while True:
            params = {"updated_since": since, "updated_until": _iso(ctx.window.until),
                      "limit": settings.page_size}
            if after_key:
                params["after_key"] = after_key
            page = check_page(await _get_json(http, "/customers/records", params),
                               "Demo POS /customers/records")
            ctx.checkpoint("after_fetch_page")
            for record in page:
                if not record.get("deleted"):
                    yield record
            if len(page) < settings.page_size:
                return
            since, after_key = page[-1]["updated_at"], page[-1]["key"]


async def stream_orders(ctx: StepContext) -> AsyncIterator[Mapping[str, Any]]:
    """Orders of one store's window, page + size pagination."""
    assert ctx.window is not None
    settings: PosSettings = ctx.settings
    async with _http(ctx) as http:
        page_number = 1
        while True:
            body = await _get_json(http, f"/stores/{ctx.source_key}/orders/records", {
                "updated_after": _iso(ctx.window.since),
                "updated_before": _iso(ctx.window.until),
                "page": page_number, "size": settings.page_size,
            })
            items = check_page(body.get("items") if isinstance(body, dict) else body,
                                f"Demo POS orders of {ctx.source_key} page {page_number}")
            ctx.checkpoint("after_fetch_page")
            for record in items:
                if not record.get("deleted"):
                    yield record
            if not (isinstance(body, dict) and body.get("has_more")):
                return
            page_number += 1


async def list_stores(ctx: SyncContext) -> Sequence[str]:
    """The POS's stores (one cursor each), from ``GET /stores``."""
    async with _http(ctx) as http:
        body = await _get_json(http, "/stores", {})
    stores = check_page(body, "Demo POS /stores")
    return [str(s) for s in stores]


def provisioning(ctx: SyncContext | None = None) -> Provisioning:
    """The POS account, one data source per store, and the loyalty definition."""
    settings = ctx.settings if ctx is not None and isinstance(ctx.settings, PosSettings) else None
    stores = settings.stores if settings is not None else DEFAULT_STORES
    return Provisioning(
        data_sources=(
            DataSourceSpec(key="pos", label="Demo POS", config_key="demo-pos"),
            *(DataSourceSpec(key=s, label=f"Demo POS {s}", parent_key="pos",
                             config_key=f"demo-pos:{s}") for s in stores),
        ),
        custom_data=(CustomDataSpec(name="pos_loyalty",
                                    fields={"customer_id": "text", "points": "number"}),),
    )


def build_reference_integration(*, tolerate_rejects: bool | float = False,
                                batch_size: int = 500) -> Integration:
    """Build the Demo POS integration with the given reject policy and batch size."""
    customers = define_bulk_step(
        "customers",
        stream=stream_customers,
        map=lambda record, ctx: customer_item(record),
        data_source="pos",
        batch_size=batch_size,
        tolerate_rejects=tolerate_rejects,
    )
    orders = define_bulk_step(
        "orders",
        stream=stream_orders,
        map=lambda record, ctx: order_item(record),
        data_source=lambda ctx: ctx.source_key,
        cursor_scope="per-source",
        sources=list_stores,
        enabled=lambda settings: bool(getattr(settings, "sync_orders", True)),
        batch_size=batch_size,
        tolerate_rejects=tolerate_rejects,
    )
    return define_integration(
        slug="demo-pos",
        meta={"name": "Demo POS", "version": "1.0.0"},
        sync_steps=[customers, orders],
        parse_settings=parse_settings,
        provisioning=provisioning,
    )


reference_integration = build_reference_integration()
"""The Demo POS integration with the default (strict) reject policy."""
