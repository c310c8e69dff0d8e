"""A tiny third-party integration as source text, for tests that install or import one from
a folder of their own: one global ``customers`` step reading a REST partner by offset,
and its adapter. :func:`sync_source` can route ``updated_at`` through a helper."""

from __future__ import annotations

SYNC = '''\
from dataclasses import dataclass

import httpx

from spmkit import define_bulk_step, define_integration, paginate_by_offset


@dataclass(frozen=True)
class Settings:
    transport: httpx.AsyncBaseTransport | None = None
{helpers}

async def changed(ctx):
    async with httpx.AsyncClient(base_url="https://api.tiny.example",
                                 transport=ctx.settings.transport) as http:
        async def page(offset, limit):
            answer = await http.get("/v1/customers", params={{
                "changed_since": ctx.window.since.isoformat(), "offset": offset,
                "limit": limit}})
            answer.raise_for_status()
            return answer.json()["results"]

        async for row in paginate_by_offset(page, page_size=50):
            yield row


customers = define_bulk_step(
    "customers", stream=changed,
    map=lambda row, ctx: {{"customer_id": row["uid"], "email": row["mail"],
                          "updated_at": {updated_at}}})
integration = define_integration(slug="{slug}", sync_steps=[customers])
'''

ADAPTER = '''\
from spmkit_testing import Adapter, Stream, rest
from {sync} import Settings

adapter = Adapter(
    streams=[Stream("customers", resource="customers")],
    partner_api=rest.api("https://api.tiny.example", [
        rest.records("/v1/customers", stream="customers",
                     paging=rest.offset(items="results", total=None),
                     since="changed_since", until=None,
                     fields={{"key": "uid", "updated_at": "changed", "email": "mail"}}),
    ]),
    settings=lambda partner: Settings(transport=partner.transport),
)
'''


def sync_source(*, slug: str = "tiny", helpers: str = "",
                updated_at: str = 'row["changed"]') -> str:
    """The integration module: ``helpers`` (module-level code after ``Settings``) and the
    expression mapping a row's ``updated_at``."""
    return SYNC.format(slug=slug, helpers=helpers, updated_at=updated_at)


def adapter_source(sync_module: str) -> str:
    """The adapter module, importing ``Settings`` from ``sync_module``."""
    return ADAPTER.format(sync=sync_module)


def ini(integration: str, adapter: str) -> str:
    """The two ini lines of a pyproject.toml naming them."""
    return (f'[tool.pytest.ini_options]\nspmkit_integration = "{integration}"\n'
            f'spmkit_adapter = "{adapter}"\n')
