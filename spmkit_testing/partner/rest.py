"""Serve the simulated partner as the integration's own REST API, in a few lines.

For example::

    from spmkit_testing import rest

    partner_api = rest.api("https://api.acme.test/v2", [
        rest.records("/contacts", stream="contacts", paging=rest.cursor_token(),
                     since="modifiedSince", fields={"updated_at": "modifiedAt"}),
        rest.records("/workspaces/{source}/deals", stream="deals", paging=rest.page_number()),
        rest.sources("/workspaces", stream="deals", items="data", key="id"),
    ])

Pagination styles: :func:`page_number`, :func:`offset`, :func:`cursor_token`,
:func:`next_link`, :func:`keyset` (see :mod:`spmkit_testing.partner._paging` for the
wire of each); routes: :func:`records` and :func:`sources` (see
:mod:`spmkit_testing.partner._rest`).
"""

from __future__ import annotations

from spmkit_testing.partner._paging import (
    Paging,
    cursor_token,
    keyset,
    next_link,
    offset,
    page_number,
)
from spmkit_testing.partner._rest import (
    RecordsRoute,
    RestApi,
    SourcesRoute,
    api,
    records,
    sources,
)

__all__ = [
    "api",
    "cursor_token",
    "keyset",
    "next_link",
    "offset",
    "page_number",
    "Paging",
    "records",
    "RecordsRoute",
    "RestApi",
    "sources",
    "SourcesRoute",
]
