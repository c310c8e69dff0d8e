"""Reading a partner's REST API the way its route table declares it, whoever answers.

An :class:`Exchange` is one request and its answer (recorded, probed live, or served by
the simulated partner). The functions here read a route's declarations to build a
first request, find a page's items, and find where the next page starts, for each
pagination style; the checks use them on the simulated partner and on the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from spmkit_testing.partner import Auth, BadTime, RecordsRoute, RestApi, SourcesRoute, parse_time

__all__ = ["Exchange", "credential", "first_query", "items_of", "next_query", "parse_stamp",
           "route_path", "token_of"]


@dataclass(frozen=True)
class Exchange:
    """One request (``method``, ``url``) and its answer (``status``, ``body`` as parsed
    JSON, ``None`` when it was not JSON). ``authorized`` is false for a request sent
    without the partner's credentials."""

    method: str
    url: httpx.URL
    status: int
    body: Any
    authorized: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def __str__(self) -> str:
        query = f"?{self.url.query.decode()}" if self.url.query else ""
        return f"{self.method} {self.url.path}{query}"


def route_path(rest_api: RestApi, route: RecordsRoute | SourcesRoute, source: str) -> str:
    """The URL of ``route`` for ``source`` (its ``{source}`` placeholder filled), on the
    API's base URL."""
    from urllib.parse import quote

    return rest_api.base_url + route.path.replace("{source}", quote(source, safe=""))


def credential(auth: Auth | None, secret: str | None = None) -> tuple[dict[str, str],
                                                                       dict[str, str]]:
    """The headers and query parameters that carry the partner's credential: the
    declared one, or ``secret`` sent where the declared one goes (a bearer token when the
    adapter declares none)."""
    if auth is None:
        return ({"Authorization": f"Bearer {secret}"} if secret else {}), {}
    value = auth.value
    if secret is not None:
        value = f"Bearer {secret}" if auth.value.startswith("Bearer ") else secret
    if auth.header is not None:
        return {auth.header: value}, {}
    return {}, {auth.query or "": value}


def first_query(route: RecordsRoute, *, limit: int | None, since: Any = None,
                until: Any = None, source: str = "") -> dict[str, str]:
    """The query of a first page: the window (already in the API's time format), the
    page size, and the source for a route that takes it in the query."""
    paging = route.paging
    query: dict[str, str] = {}
    if since is not None and route.since:
        query[route.since] = str(since)
    if until is not None and route.until:
        query[route.until] = str(until)
    if route.source is not None:
        query[route.source] = source
    if limit is not None:
        query[paging.param("size" if paging.style == "page" else "limit")] = str(limit)
    return query


def items_of(route: RecordsRoute, body: Any) -> list[Any] | None:
    """The items of a page body, or ``None`` when the body has no list where the route
    says the items are."""
    found = body if route.paging.items is None else (
        body.get(route.paging.items) if isinstance(body, dict) else None)
    return found if isinstance(found, list) else None


def token_of(route: RecordsRoute, body: Any) -> str | None:
    """The continuation token a page body carries (cursor and next-link styles)."""
    paging = route.paging
    if paging.style not in ("cursor", "link") or not isinstance(body, dict):
        return None
    value = body.get(paging.marker("next_cursor" if paging.style == "cursor" else "next")
                     or "")
    if paging.style == "link" and isinstance(value, str):
        value = httpx.URL(value).params.get(paging.param("token"))
    return value if isinstance(value, str) and value else None


def next_query(route: RecordsRoute, query: Mapping[str, str], body: Any,
               stamp: Callable[[Mapping[str, Any]], Any]) -> dict[str, str] | None:
    """The query of the page after the one ``query`` got answered with ``body`` (``None``
    on the last page), as a client of the declared pagination continues.
    ``stamp(item)`` is the wire value of an item's ``updated_at`` (keyset paging)."""
    paging, items = route.paging, items_of(route, body) or []
    marker = body.get if isinstance(body, dict) else (lambda _name: None)
    size_name = paging.param("size" if paging.style == "page" else "limit")
    asked = int(query.get(size_name, paging.default_limit))
    short = len(items) < asked or not items
    if paging.style in ("cursor", "link"):
        token = token_of(route, body)
        if token is None:
            return None
        continued = {paging.param("token"): token}
        if route.source is not None and route.source in query:
            continued[route.source] = query[route.source]
        return continued
    more_name, total_name = paging.marker("has_more"), paging.marker("total")
    if paging.style == "keyset":
        if short:
            return None
        last = items[-1]
        return {**query, str(route.since): str(stamp(last)),
                paging.param("after_key"): str(last.get(route.wire("key")))}
    if paging.style == "page":
        page = int(query.get(paging.param("page"), 1))
        more = marker(more_name) if more_name else None
        total = marker(total_name) if total_name else None
        if more is None and isinstance(total, int):
            more = page * asked < total
        return {**query, paging.param("page"): str(page + 1)} if (
            more if more is not None else not short) else None
    start = int(query.get(paging.param("offset"), 0))
    total = marker(total_name) if total_name else None
    following: Any = None
    if paging.marker("next_offset"):
        following = marker(paging.marker("next_offset"))
    elif more_name:
        following = start + len(items) if marker(more_name) else None
    elif isinstance(total, int):
        following = start + len(items) if start + len(items) < total else None
    elif not short:
        following = start + len(items)
    if not isinstance(following, int) or isinstance(following, bool) or not items:
        return None
    return {**query, paging.param("offset"): str(following)}


def parse_stamp(value: Any, time_format: str) -> datetime | None:
    """A wire time read back (``None`` when it is not one in ``time_format``)."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    try:
        return parse_time(str(value), time_format, "updated_at")
    except BadTime:
        return None
