"""Pagination styles of partner APIs, for :mod:`spmkit_testing.rest` route tables.

Each style reads its position from the query and writes its page body; the route
reads the window (``since`` exclusive, ``until`` inclusive, as the engine's window).
Offsets are computed at request time, so a late arrival inside the window shifts
later pages, as in real APIs.

* :func:`page_number` — ``?page=N&size=M`` -> ``{"items": [...], "has_more": bool}``
* :func:`offset` — ``?offset=K&limit=M`` -> ``{"items": [...], "total": T}``
* :func:`cursor_token` — first page by the window, then ``?cursor=TOKEN`` ->
  ``{"items": [...], "next_cursor": TOKEN | null}``
* :func:`next_link` — the same, but the body carries the whole next URL:
  ``{"items": [...], "next": "https://.../contacts?page_token=..." | null}``
* :func:`keyset` — ``?updated_since=T&limit=M``, continued with
  ``updated_since=<last updated_at>&after_key=<last key>``; a bare list, ended by a
  short page (``items="data"`` wraps it).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from spmkit import InvalidArgument

__all__ = [
    "BadQuery",
    "Paging",
    "Position",
    "cursor_token",
    "keyset",
    "next_link",
    "offset",
    "page_number",
]

Parse = Callable[[str, str], datetime]
Format = Callable[[datetime], Any]


class BadQuery(Exception):
    """Internal: the partner answers 400 with this message."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page starts: the window, keyset ``after``, ``offset`` and ``limit``."""

    since: datetime | None
    until: datetime | None
    after: tuple[datetime, str] | None
    offset: int
    limit: int


def _int(params: httpx.QueryParams, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name}={raw!r} is not an integer.") from None
    if not low <= value <= high:
        raise BadQuery(f"{name}={value} is out of range: send {low} <= {name} <= {high}.")
    return value


def _name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{what} must be a non-empty query or field name, got {value!r}.")
    return value


def _maybe(value: object, what: str) -> str | None:
    return None if value is None else _name(value, what)


@dataclass(frozen=True, slots=True)
class Paging:
    """One pagination style (build it with :func:`page_number`, :func:`cursor_token`...)."""

    style: str
    params: tuple[tuple[str, str], ...]
    items: str | None
    marker: str | None
    default_limit: int = 100
    max_limit: int = 1000

    def param(self, name: str) -> str:
        return dict(self.params)[name]

    def position(self, query: httpx.QueryParams, since: datetime | None,
                 until: datetime | None, parse: Parse) -> Position:
        """The position of a request, given the window the route read from the query."""
        bounds = (1, self.max_limit)
        if self.style == "page":
            size = _int(query, self.param("size"), self.default_limit, *bounds)
            page = _int(query, self.param("page"), 1, 1, 10**9)
            return Position(since, until, None, (page - 1) * size, size)
        if self.style == "offset":
            limit = _int(query, self.param("limit"), self.default_limit, *bounds)
            start = _int(query, self.param("offset"), 0, 0, 10**12)
            return Position(since, until, None, start, limit)
        if self.style in ("cursor", "link"):
            token = query.get(self.param("token"))
            if token is not None:
                return _decode(token, self.param("token"), parse)
            limit = _int(query, self.param("limit"), self.default_limit, *bounds)
            return Position(since, until, None, 0, limit)
        limit = _int(query, self.param("limit"), self.default_limit, *bounds)
        key = query.get(self.param("after_key"))
        if key:
            if since is None:
                raise BadQuery(f"{self.param('after_key')} needs the updated-at it follows.")
            return Position(None, until, (since, key), 0, limit)
        return Position(since, until, None, 0, limit)

    def body(self, items: object, position: Position, more: bool, last: tuple[datetime, str]
             | None, url: httpx.URL, fmt: Format, total: int | None) -> object:
        """The page body: the items under ``items`` and the style's continuation marker."""
        if self.style == "keyset":
            return items if self.items is None else {self.items: items}
        out: dict[str, Any] = {self.items or "items": items}
        if self.style == "page" and self.marker is not None:
            out[self.marker] = more
        elif self.style == "offset" and self.marker is not None:
            out[self.marker] = total
        elif self.style in ("cursor", "link"):
            token = _encode(position, last, fmt) if more and last is not None else None
            if self.style == "link" and token is not None:
                next_url = url.copy_with(params={self.param("token"): token})
                out[self.marker or "next"] = str(next_url)
            else:
                out[self.marker or "next_cursor"] = token
        return out


def _encode(position: Position, last: tuple[datetime, str], fmt: Format) -> str:
    state = {"a": None if position.since is None else fmt(position.since),
             "b": None if position.until is None else fmt(position.until),
             "l": position.limit, "u": fmt(last[0]), "k": last[1]}
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, name: str, parse: Parse) -> Position:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
        since = None if state["a"] is None else parse(str(state["a"]), name)
        until = None if state["b"] is None else parse(str(state["b"]), name)
        after = (parse(str(state["u"]), name), str(state["k"]))
        limit = int(state["l"])
    except (binascii.Error, ValueError, KeyError, TypeError, BadQuery):
        raise BadQuery(
            f"{name}={token!r} is not a token this API issued; send back the token of the "
            f"previous page unchanged."
        ) from None
    return Position(since, until, after, 0, limit)


def page_number(*, page: str = "page", size: str = "size", items: str = "items",
                has_more: str | None = "has_more", default_size: int = 100,
                max_size: int = 1000) -> Paging:
    """``?page=N&size=M`` (pages from 1) answered ``{items: [...], has_more: bool}``."""
    return Paging("page", (("page", _name(page, "page")), ("size", _name(size, "size"))),
                  _name(items, "items"), _maybe(has_more, "has_more"), default_size, max_size)


def offset(*, offset: str = "offset", limit: str = "limit", items: str = "items",
           total: str | None = "total", default_limit: int = 100,
           max_limit: int = 1000) -> Paging:
    """``?offset=K&limit=M`` answered ``{items: [...], total: T}``."""
    return Paging("offset", (("offset", _name(offset, "offset")),
                             ("limit", _name(limit, "limit"))),
                  _name(items, "items"), _maybe(total, "total"), default_limit, max_limit)


def cursor_token(*, token: str = "cursor", limit: str = "limit", items: str = "items",
                 next: str = "next_cursor", default_limit: int = 100,
                 max_limit: int = 1000) -> Paging:
    """The first page by the window, then ``?cursor=TOKEN`` (the token carries the window);
    answered ``{items: [...], next_cursor: TOKEN | null}``."""
    return Paging("cursor", (("token", _name(token, "token")), ("limit", _name(limit, "limit"))),
                  _name(items, "items"), _name(next, "next"), default_limit, max_limit)


def next_link(*, token: str = "page_token", limit: str = "limit", items: str = "items",
              next: str = "next", default_limit: int = 100, max_limit: int = 1000) -> Paging:
    """Like :func:`cursor_token`, but ``next`` holds the whole URL of the next page."""
    return Paging("link", (("token", _name(token, "token")), ("limit", _name(limit, "limit"))),
                  _name(items, "items"), _name(next, "next"), default_limit, max_limit)


def keyset(*, limit: str = "limit", after_key: str = "after_key", items: str | None = None,
           default_limit: int = 100, max_limit: int = 1000) -> Paging:
    """``?<since>=T&limit=M``, continued with ``<since>=<last updated_at>&after_key=<last
    key>`` (records strictly after that pair); a bare list ended by a short page."""
    return Paging("keyset", (("limit", _name(limit, "limit")),
                             ("after_key", _name(after_key, "after_key"))),
                  _maybe(items, "items"), None, default_limit, max_limit)
