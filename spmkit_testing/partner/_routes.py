"""Route tables that describe a partner's REST API: its records and sources routes, the
window's query parameters and which bound is inclusive, how the API authenticates, and
which query parameters it accepts.

A typical partner is a few lines::

    from spmkit_testing import rest

    acme = rest.api("https://api.acme.test/v2", [
        rest.records("/contacts", stream="contacts", paging=rest.cursor_token(),
                     since="modifiedSince", until=None,
                     fields={"key": "id", "updated_at": "modifiedAt", "email": "emailAddress"}),
        rest.records("/workspaces/{source}/deals", stream="deals", paging=rest.page_number()),
        rest.sources("/workspaces", stream="deals", items="data", key="id"),
    ])

**The window.** ``since`` and ``until`` name the query parameters of the window. By
default ``since`` is *exclusive* and ``until`` *inclusive* (``since < updated_at <=
until``, as the engine's window); say ``since_inclusive=True`` for a partner that
answers ``updated_at >= since`` (then a read re-reads the records on its lower edge) and
``until_inclusive=False`` for ``updated_at < until``. ``created_since="created_after"``
adds a filter on when the record was *created* (exclusive).

**Items.** A record is served with the canonical field names renamed by ``fields``
(``key`` and ``updated_at`` included, default names ``id`` and ``updated_at``;
``created_at`` only when ``fields`` names it), the payload at the top level or under
``nest``, tombstones with a ``tombstones`` flag (or not at all), times in the API's
``time_format`` (see :mod:`spmkit_testing.partner._time`: ``iso``, ``iso_ms``,
``iso_s``, ``epoch_ms``, ``epoch_s``, ``date``).

**Sources.** A per-source stream takes its source key from ``{source}`` in the path, or
from a query parameter (``source="region"``: ``/orders?region=eu``).

**Errors.** 400 for a bad query (a malformed time, a limit out of range, and with
``reject_unknown_params=True`` a query parameter the route does not know), 401 without
the credentials ``auth`` asks for, 404 for another path or an unknown source, 405 for
another method, each with ``{"error": {"code": ..., "message": ...}}``; faults come from
the world's registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from spmkit import InvalidArgument
from spmkit_testing.partner._paging import Paging

__all__ = ["Auth", "RecordsRoute", "Route", "SourcesRoute", "api_key", "bearer",
           "compile_routes", "records", "sources"]


@dataclass(frozen=True)
class Auth:
    """The credential a partner API asks for (build it with :func:`bearer` or
    :func:`api_key`): a request without it is answered 401."""

    value: str
    header: str | None = None
    query: str | None = None

    def accepts(self, request: httpx.Request) -> bool:
        """Whether ``request`` carries the credential."""
        sent = (request.headers.get(self.header) if self.header is not None
                else request.url.params.get(self.query or ""))
        return bool(sent == self.value)

    def __str__(self) -> str:
        where = f"header {self.header}" if self.header else f"query parameter {self.query!r}"
        return f"the {where}"


def bearer(token: str) -> Auth:
    """``Authorization: Bearer <token>`` on every request."""
    if not isinstance(token, str) or not token:
        raise InvalidArgument(f"rest.bearer(token={token!r}): give the token your settings "
                              f"send, a non-empty str.")
    return Auth(f"Bearer {token}", header="Authorization")


def api_key(value: str, *, header: str | None = None, query: str | None = None) -> Auth:
    """An API key in a header (``header="X-Api-Key"``) or a query parameter
    (``query="api_key"``) on every request."""
    if not isinstance(value, str) or not value or (header is None) == (query is None):
        raise InvalidArgument(f"rest.api_key({value!r}, header={header!r}, query={query!r}): "
                              f"give the key and exactly one of header= or query=.")
    return Auth(value, header=header, query=query)


@dataclass(frozen=True)
class RecordsRoute:
    """``GET path`` serves the records of ``stream`` (see :func:`records`)."""

    path: str
    stream: str
    paging: Paging
    since: str | None = "updated_after"
    until: str | None = "updated_before"
    fields: Mapping[str, str] = field(default_factory=dict)
    nest: str | None = None
    tombstones: str | None = None
    method: str = "GET"
    since_inclusive: bool = False
    until_inclusive: bool = True
    source: str | None = None
    created_since: str | None = None
    accepts: tuple[str, ...] = ()

    def wire(self, name: str) -> str:
        """The partner's name of canonical field ``name``."""
        return self.fields.get(name, _DEFAULT_NAMES.get(name, name))

    def query_names(self) -> set[str]:
        """Every query parameter this route reads or accepts."""
        named = (self.since, self.until, self.source, self.created_since)
        return {n for n in named if n} | self.paging.query_names() | set(self.accepts)


_DEFAULT_NAMES = {"key": "id", "updated_at": "updated_at"}


@dataclass(frozen=True)
class SourcesRoute:
    """``GET path`` lists the partner's sources for ``stream`` (see :func:`sources`)."""

    path: str
    stream: str
    items: str | None = None
    key: str | None = None
    method: str = "GET"
    accepts: tuple[str, ...] = ()

    def query_names(self) -> set[str]:
        return set(self.accepts)


def _names(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(
            isinstance(v, str) and v for v in value):
        raise InvalidArgument(f"{what}={value!r} must be a list of query parameter names, "
                              f"such as accepts=('sort', 'fields').")
    return tuple(value)


def records(path: str, *, stream: str, paging: Paging, since: str | None = "updated_after",
            until: str | None = "updated_before", since_inclusive: bool = False,
            until_inclusive: bool = True, fields: Mapping[str, str] | None = None,
            nest: str | None = None, tombstones: str | None = None, source: str | None = None,
            created_since: str | None = None, accepts: Sequence[str] = (),
            method: str = "GET") -> RecordsRoute:
    """A route serving one stream's records.

    ``since``/``until`` are the query parameters of the window (``None``: the partner
    has no such filter; a style that carries the window in its token ignores them
    after the first page); ``since`` is exclusive and ``until`` inclusive unless
    ``since_inclusive=True`` / ``until_inclusive=False``. ``fields`` renames canonical
    fields to the partner's (``{"key": "id", "updated_at": "modifiedAt", "email":
    "emailAddress"}``); ``nest`` puts the payload under one key;
    ``tombstones="deleted"`` serves deleted records with ``"deleted": true`` (by default
    they are not served at all); ``source="region"`` reads a per-source stream's source
    key from that query parameter instead of ``{source}`` in the path;
    ``created_since`` names a filter on creation time; ``accepts`` lists other query
    parameters the partner takes and ignores (for ``reject_unknown_params``).
    """
    if not isinstance(paging, Paging):
        raise InvalidArgument(
            f"records({path!r}): paging={paging!r} is not a pagination style; use "
            f"rest.page_number(), rest.offset(), rest.cursor_token(), rest.next_link() or "
            f"rest.keyset().")
    if paging.style == "keyset" and since is None:
        raise InvalidArgument(f"records({path!r}): keyset paging continues from since=, so "
                              f"since cannot be None.")
    for name, flag in (("since_inclusive", since_inclusive), ("until_inclusive",
                                                              until_inclusive)):
        if not isinstance(flag, bool):
            raise InvalidArgument(f"records({path!r}): {name}={flag!r} must be True or False.")
    return RecordsRoute(path, stream, paging, since, until, dict(fields or {}), nest,
                        tombstones, method.upper(), since_inclusive, until_inclusive, source,
                        created_since, _names(accepts, f"records({path!r}): accepts"))


def sources(path: str, *, stream: str, items: str | None = None, key: str | None = None,
            accepts: Sequence[str] = (), method: str = "GET") -> SourcesRoute:
    """A route listing the sources of a per-source stream: a bare list of keys, or
    ``{items: [{key: ...}, ...]}`` with ``items="data", key="id"``."""
    return SourcesRoute(path, stream, items, key, method.upper(),
                        _names(accepts, f"sources({path!r}): accepts"))


def _template(path: str, placeholder: bool, what: str) -> re.Pattern[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidArgument(f"{what}: path={path!r} must start with '/', such as '/contacts'.")
    has = "{source}" in path
    if placeholder and not has:
        raise InvalidArgument(
            f"{what}: the stream is per-source, so the path needs a {{source}} placeholder, "
            f"such as '/stores/{{source}}/orders' (or name the query parameter that carries "
            f"the source: source='store'); got path={path!r}.")
    if not placeholder and has:
        raise InvalidArgument(f"{what}: path={path!r} has {{source}} but the stream is "
                              f"global or its source comes from a query parameter.")
    parts = path.rstrip("/").split("{source}")
    pattern = "(?P<source>[^/]+)".join(re.escape(p) for p in parts)
    return re.compile(f"^{pattern}/?$")


Route = RecordsRoute | SourcesRoute


def compile_routes(routes: Sequence[Route],
                   per_source: Callable[[str], bool]) -> list[tuple[re.Pattern[str], Route]]:
    """The routes as ``(path regex, route)``, checked against the streams' scopes."""
    out: list[tuple[re.Pattern[str], Route]] = []
    for route in routes:
        listing = isinstance(route, SourcesRoute)
        what = f"rest.{'sources' if listing else 'records'}({route.path!r})"
        scoped = per_source(route.stream)
        if listing and not scoped:
            raise InvalidArgument(f"{what}: stream {route.stream!r} is global; only a "
                                  f"per-source stream has a listing of sources.")
        by_query = isinstance(route, RecordsRoute) and route.source is not None
        if by_query and not scoped:
            raise InvalidArgument(f"{what}: source={getattr(route, 'source', None)!r} names a "
                                  f"query parameter for the source, but stream "
                                  f"{route.stream!r} is global.")
        out.append((_template(route.path, scoped and not listing and not by_query, what),
                    route))
    return out
