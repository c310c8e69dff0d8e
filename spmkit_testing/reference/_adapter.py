"""The adapter of the Demo POS: how the harness simulates the POS, written with the public
API only, like the adapter of any other integration."""

from __future__ import annotations

from typing import Any

import httpx

from spmkit_testing import rest
from spmkit_testing.adapter import Adapter, Stream
from spmkit_testing.partner import Partner
from spmkit_testing.reference._pos import POS_BASE_URL, PosSettings

__all__ = ["reference_adapter"]


def _simulated_settings(partner: Partner) -> PosSettings:
    """Settings pointed at the simulated POS: one long-lived client, the partner's stores."""
    http = httpx.AsyncClient(base_url=POS_BASE_URL, transport=partner.transport)
    return PosSettings(base_url=POS_BASE_URL, stores=tuple(partner.sources), http=http)


# The Demo POS serves {"key", "updated_at", "deleted", "data": {...payload}} items.
_POS_ITEMS: dict[str, Any] = {"fields": {"key": "key"}, "nest": "data", "tombstones": "deleted"}

reference_adapter = Adapter(
    name="demo-pos",
    streams=[
        Stream("customers", resource="customers", data_source="pos"),
        Stream("orders", resource="orders", per_source=True, data_source=lambda store: store),
    ],
    partner_api=rest.api(POS_BASE_URL, [
        rest.records("/customers/records", stream="customers", paging=rest.keyset(),
                     since="updated_since", until="updated_until", **_POS_ITEMS),
        rest.records("/stores/{source}/orders/records", stream="orders",
                     paging=rest.page_number(), since="updated_after", until="updated_before",
                     **_POS_ITEMS),
        rest.sources("/stores", stream="orders"),
    ]),
    settings=_simulated_settings,
    # Each page read calls ctx.checkpoint("after_fetch_page"): the harness may crash there.
    crash_points=("after_fetch_page",),
)
"""The adapter of the reference integration."""
