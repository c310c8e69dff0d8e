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
:func:`next_link`, :func:`keyset` (each can serve bare list pages with ``items=None``
and cap pages silently with ``silent_cap=True``); routes: :func:`records` (the window's
``since`` is exclusive and ``until`` inclusive unless ``since_inclusive=True`` /
``until_inclusive=False``; ``source="region"`` for sources in the query;
``created_since=``; ``accepts=``) and :func:`sources`; the API: :func:`api`
(``time_format``, ``auth=`` :func:`bearer` or :func:`api_key`,
``reject_unknown_params``). The README's "Partner APIs" section shows each.
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
from spmkit_testing.partner._rest import RestApi, api
from spmkit_testing.partner._routes import (
    Auth,
    RecordsRoute,
    SourcesRoute,
    api_key,
    bearer,
    records,
    sources,
)

__all__ = [
    "api",
    "api_key",
    "Auth",
    "bearer",
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
