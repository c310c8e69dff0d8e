"""Pagination styles of partner APIs, for :mod:`spmkit_testing.rest` route tables.

Each style reads its position from the query and writes its page body; the route
reads the window. Offsets are computed at request time, so a late arrival inside the
window shifts later pages, as in real APIs.

* :func:`page_number` — ``?page=N&size=M`` -> ``{"items": [...], "has_more": bool}``
* :func:`offset` — ``?offset=K&limit=M`` -> ``{"items": [...], "total": T}`` (or
  ``has_more`` and ``next_offset``)
* :func:`cursor_token` — first page by the window, then ``?cursor=TOKEN`` ->
  ``{"items": [...], "next_cursor": TOKEN | null}``
* :func:`next_link` — the same, but the body carries the whole next URL:
  ``{"items": [...], "next": "https://.../contacts?page_token=..." | null}``
* :func:`keyset` — ``?updated_since=T&limit=M``, continued with
  ``updated_since=<last updated_at>&after_key=<last key>``; a bare list, ended by a
  short page (``items="data"`` wraps it).

A request without a limit gets ``default_limit`` records (100, or ``max_limit`` when
that is lower). ``items=None`` serves a page as a bare JSON list (the client then stops
at a short or empty page, as nothing else fits in a list). Every style takes ``default_limit`` (or
``default_size``) and ``max_limit`` (``max_size``): a request above the maximum is
answered 400, or, with ``silent_cap=True``, with at most that many records and no error,
as many real APIs do (a client that takes a short page for the last one loses the rest).
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


@dataclass(frozen=True, slots=True)
class Answer:
    """What one page read found: whether more records follow, the ``(updated_at, key)``
    of its last record, and the window's total (when the style serves one)."""

    more: bool
    last: tuple[datetime, str] | None
    total: int | None = None


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


def _limits(default: object, maximum: object, names: tuple[str, str]) -> tuple[int, int]:
    if default is None and isinstance(maximum, int):
        default = min(100, maximum)
    for value, name in ((default, names[0]), (maximum, names[1])):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgument(f"{name}={value!r} must be an int >= 1.")
    assert isinstance(default, int) and isinstance(maximum, int)
    if default > maximum:
        raise InvalidArgument(f"{names[0]}={default} is above {names[1]}={maximum}.")
    return default, maximum


@dataclass(frozen=True, slots=True)
class Paging:
    """One pagination style (build it with :func:`page_number`, :func:`cursor_token`...).

    ``markers`` maps what a page body tells (``has_more``, ``total``, ``next_offset``,
    ``next_cursor``, ``next``) to the partner's field name.
    """

    style: str
    params: tuple[tuple[str, str], ...]
    items: str | None
    markers: tuple[tuple[str, str], ...]
    default_limit: int = 100
    max_limit: int = 1000
    silent_cap: bool = False

    def __post_init__(self) -> None:
        if self.items is None and self.markers:
            names = ", ".join(f"{role}={name!r}" for role, name in self.markers)
            raise InvalidArgument(
                f"rest.{_BUILDER[self.style]}(items=None) serves each page as a bare JSON "
                f"list, which has no room for {names}: pass None for each (the client then "
                f"stops at a short or empty page), or name the items field.")

    def param(self, name: str) -> str:
        return dict(self.params)[name]

    def marker(self, role: str) -> str | None:
        """The body field that tells ``role`` (``"total"``, ``"has_more"``...), if served."""
        return dict(self.markers).get(role)

    def query_names(self) -> set[str]:
        """The query parameters this style reads."""
        return {name for _, name in self.params}

    def _limit(self, query: httpx.QueryParams, name: str) -> int:
        if self.silent_cap:
            return min(_int(query, name, self.default_limit, 1, 10**9), self.max_limit)
        return _int(query, name, self.default_limit, 1, self.max_limit)

    def position(self, query: httpx.QueryParams, since: datetime | None,
                 until: datetime | None, parse: Parse) -> Position:
        """The position of a request, given the window the route read from the query."""
        if self.style == "page":
            size = self._limit(query, self.param("size"))
            page = _int(query, self.param("page"), 1, 1, 10**9)
            return Position(since, until, None, (page - 1) * size, size)
        if self.style == "offset":
            limit = self._limit(query, self.param("limit"))
            start = _int(query, self.param("offset"), 0, 0, 10**12)
            return Position(since, until, None, start, limit)
        if self.style in ("cursor", "link"):
            token = query.get(self.param("token"))
            if token is not None:
                return _decode(token, self.param("token"), parse)
            return Position(since, until, None, 0, self._limit(query, self.param("limit")))
        limit = self._limit(query, self.param("limit"))
        key = query.get(self.param("after_key"))
        if key:
            if since is None:
                raise BadQuery(f"{self.param('after_key')} needs the updated-at it follows.")
            return Position(None, until, (since, key), 0, limit)
        return Position(since, until, None, 0, limit)

    def body(self, items: list[Any] | None, position: Position, answer: Answer,
             url: httpx.URL, fmt: Format) -> object:
        """The page body: the items under ``items`` and the style's continuation markers."""
        if self.items is None:
            return items
        out: dict[str, Any] = {self.items: items}
        for role, name in self.markers:
            out[name] = self._marker(role, position, answer, url, fmt, items)
        return out

    def _marker(self, role: str, position: Position, answer: Answer, url: httpx.URL,
                fmt: Format, items: list[Any] | None) -> object:
        if role == "has_more":
            return answer.more
        if role == "total":
            return answer.total
        if role == "next_offset":
            return position.offset + len(items or ()) if answer.more else None
        token = _encode(position, answer.last, fmt) if answer.more and answer.last else None
        if role == "next" and token is not None:
            return str(url.copy_with(params={self.param("token"): token}))
        return token


_BUILDER = {"page": "page_number", "offset": "offset", "cursor": "cursor_token",
            "link": "next_link", "keyset": "keyset"}


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


def _markers(**roles: object) -> tuple[tuple[str, str], ...]:
    return tuple((role, _name(name, role)) for role, name in roles.items() if name is not None)


def page_number(*, page: str = "page", size: str = "size", items: str | None = "items",
                has_more: str | None = "has_more", total: str | None = None,
                default_size: int | None = None, max_size: int = 1000,
                silent_cap: bool = False) -> Paging:
    """``?page=N&size=M`` (pages from 1) answered ``{items: [...], has_more: bool}``
    (``total=`` also serves the window's count)."""
    limits = _limits(default_size, max_size, ("default_size", "max_size"))
    return Paging("page", (("page", _name(page, "page")), ("size", _name(size, "size"))),
                  _maybe(items, "items"), _markers(has_more=has_more, total=total), *limits,
                  bool(silent_cap))


def offset(*, offset: str = "offset", limit: str = "limit", items: str | None = "items",
           total: str | None = "total", has_more: str | None = None,
           next_offset: str | None = None, default_limit: int | None = None,
           max_limit: int = 1000, silent_cap: bool = False) -> Paging:
    """``?offset=K&limit=M`` answered ``{items: [...], total: T}``; ``has_more="has_more"``
    and ``next_offset="next_offset"`` serve those continuation fields too (``next_offset``
    is ``null`` on the last page)."""
    limits = _limits(default_limit, max_limit, ("default_limit", "max_limit"))
    return Paging("offset", (("offset", _name(offset, "offset")),
                             ("limit", _name(limit, "limit"))),
                  _maybe(items, "items"),
                  _markers(total=total, has_more=has_more, next_offset=next_offset), *limits,
                  bool(silent_cap))


def cursor_token(*, token: str = "cursor", limit: str = "limit", items: str = "items",
                 next: str = "next_cursor", default_limit: int | None = None,
                 max_limit: int = 1000, silent_cap: bool = False) -> Paging:
    """The first page by the window, then ``?cursor=TOKEN`` (the token carries the window);
    answered ``{items: [...], next_cursor: TOKEN | null}``."""
    limits = _limits(default_limit, max_limit, ("default_limit", "max_limit"))
    return Paging("cursor", (("token", _name(token, "token")), ("limit", _name(limit, "limit"))),
                  _name(items, "items"), _markers(next_cursor=next), *limits, bool(silent_cap))


def next_link(*, token: str = "page_token", limit: str = "limit", items: str = "items",
              next: str = "next", default_limit: int | None = None, max_limit: int = 1000,
              silent_cap: bool = False) -> Paging:
    """Like :func:`cursor_token`, but ``next`` holds the whole URL of the next page."""
    limits = _limits(default_limit, max_limit, ("default_limit", "max_limit"))
    return Paging("link", (("token", _name(token, "token")), ("limit", _name(limit, "limit"))),
                  _name(items, "items"), _markers(next=next), *limits, bool(silent_cap))


def keyset(*, limit: str = "limit", after_key: str = "after_key", items: str | None = None,
           default_limit: int | None = None, max_limit: int = 1000,
           silent_cap: bool = False) -> Paging:
    """``?<since>=T&limit=M``, continued with ``<since>=<last updated_at>&after_key=<last
    key>`` (records strictly after that pair); a bare list ended by a short page."""
    limits = _limits(default_limit, max_limit, ("default_limit", "max_limit"))
    return Paging("keyset", (("limit", _name(limit, "limit")),
                             ("after_key", _name(after_key, "after_key"))),
                  _maybe(items, "items"), (), *limits, bool(silent_cap))
