"""Streaming pagination that refuses to mistake a bad page for the end of the data.

The JS kit stopped at the first page that was not a list: a ``null`` or an error
object from the partner API read as "no more data", the step finished clean and
the cursor skipped the unread pages. Here an unexpected page raises
:class:`UnexpectedPage`, which fails the step and holds the cursor.

Three styles, one set of guarantees (a page that is not a list is refused, and
so is a partner that sends the reader round in circles, which would otherwise
skip the pages it never served):

* page number — :func:`paginate` / :func:`stream_pages`: ``fetch_page(1)``,
  ``fetch_page(2)``...; a page equal to the one before it is refused;
* opaque token or ``next`` link — :func:`paginate_by_token`:
  ``fetch_page(token) -> (records, next_token)``; a token served twice is refused;
* offset — :func:`paginate_by_offset`: ``fetch_page(offset, limit)``; a page equal
  to the one before it is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Any

from spmkit._checks import check_int
from spmkit._errors import SpmkitError

__all__ = [
    "MAX_PAGES",
    "UnexpectedPage",
    "check_page",
    "paginate",
    "paginate_by_offset",
    "paginate_by_token",
    "stream_pages",
]

MAX_PAGES = 100_000


class UnexpectedPage(SpmkitError):
    """A page of the partner API was not a list (``None``, an error object...)."""


def check_page(page: object, where: str) -> Sequence[Any]:
    """Return ``page`` if it is a list or tuple, else raise :class:`UnexpectedPage`.

    ``where`` names the page in the error (``"GET /customers page 3"``). Use it in a
    hand-written pagination loop, so a ``null`` or an error object from the partner
    fails the step instead of reading as "no more data".

    For example::

        rows = check_page(body.get("items"), f"GET /orders page {page}")
    """
    if isinstance(page, list | tuple):
        return page
    shown = repr(page)
    if len(shown) > 200:
        shown = shown[:200] + "..."
    raise UnexpectedPage(
        f"{where}: expected a list of records but got {type(page).__name__}: {shown}. "
        f"An unexpected page is an error, not the end of the data: the cursor is held so no "
        f"record is skipped. Check the partner API's answer (auth, rate limit, outage)."
    )


def _check_repeat(rows: Sequence[Any], previous: Sequence[Any] | None, where: str,
                  argument: str) -> None:
    if previous is not None and len(rows) == len(previous) and list(rows) == list(previous):
        raise UnexpectedPage(
            f"{where}: the partner served the same {len(rows)} record(s) as the page before "
            f"it. Reading on would loop or skip the page it never served, so the cursor is "
            f"held: check that fetch_page passes its {argument} argument to the partner API."
        )


def _too_many_pages(argument: str) -> SpmkitError:
    return SpmkitError(
        f"pagination exceeded {MAX_PAGES} pages: fetch_page is probably ignoring its "
        f"{argument} argument and returning the same data forever."
    )


async def stream_pages(
    fetch_page: Callable[[int], Awaitable[object]],
    *,
    start_page: int = 1,
    page_size: int | None = None,
) -> AsyncIterator[Sequence[Any]]:
    """Yield pages ``fetch_page(start_page)``, ``fetch_page(start_page + 1)``... until an empty one.

    A page shorter than ``page_size`` (when given) is the last one. A page that is
    not a list, or that repeats the page before it (a partner that ignores the page
    number, or serves its last page for every number past the end), raises
    :class:`UnexpectedPage`.
    """
    previous: Sequence[Any] | None = None
    for offset in range(MAX_PAGES):
        page_number = start_page + offset
        where = f"page {page_number}"
        rows = check_page(await fetch_page(page_number), where)
        if not rows:
            return
        _check_repeat(rows, previous, where, "page")
        yield rows
        if page_size is not None and len(rows) < page_size:
            return
        previous = rows
    raise _too_many_pages("page")


async def paginate(
    fetch_page: Callable[[int], Awaitable[object]],
    *,
    start_page: int = 1,
    page_size: int | None = None,
) -> AsyncIterator[Any]:
    """Yield records one by one across numbered pages (see :func:`stream_pages`).

    For example::

        async for row in paginate(lambda page: api.get_customers(page=page)):
            ...
    """
    async for rows in stream_pages(fetch_page, start_page=start_page, page_size=page_size):
        for row in rows:
            yield row


async def paginate_by_token(
    fetch_page: Callable[[Any], Awaitable[tuple[object, object]]],
    *,
    first_token: Hashable = None,
) -> AsyncIterator[Any]:
    """Yield records across pages chained by an opaque token or a ``next`` link.

    ``fetch_page(token)`` returns ``(records, next_token)``; the first call gets
    ``first_token`` (``None`` by default), and a ``None`` or empty ``next_token`` ends
    the pagination. A page that is not a list, or a token that was already served in
    this pagination (a loop that would never end, or end early), raises
    :class:`UnexpectedPage`.

    For example::

        async def fetch(token):
            body = (await http.get("/customers", params={"cursor": token} if token else {})).json()
            return body["data"], body.get("next_cursor")      # or body["links"]["next"]

        async for row in paginate_by_token(fetch):
            ...
    """
    token = first_token
    seen: set[Hashable] = set()
    for number in range(1, MAX_PAGES + 1):
        where = "first page" if number == 1 else f"page {number} (token {token!r:.80})"
        answer = await fetch_page(token)
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise UnexpectedPage(
                f"{where}: fetch_page(token) returned {type(answer).__name__} "
                f"{answer!r:.200}; it must return a pair (records, next_token), with "
                f"next_token None on the last page."
            )
        rows = check_page(answer[0], where)
        next_token = answer[1]
        for row in rows:
            yield row
        if next_token is None or next_token == "":
            return
        if not isinstance(next_token, str | int) or isinstance(next_token, bool):
            raise UnexpectedPage(
                f"{where}: the next token is {type(next_token).__name__} {next_token!r:.200}; "
                f"it must be a string (a cursor or a next link) or an int, or None on the "
                f"last page."
            )
        seen.add(token)
        if next_token in seen:
            raise UnexpectedPage(
                f"{where}: the partner sent the token {next_token!r:.80} again, which was "
                f"already read in this pagination. Following it would loop (or stop early and "
                f"skip the pages it never served), so the cursor is held: check how fetch_page "
                f"passes the token to the partner API."
            )
        token = next_token
    raise _too_many_pages("token")


async def paginate_by_offset(
    fetch_page: Callable[[int, int], Awaitable[object]],
    *,
    page_size: int,
    start: int = 0,
) -> AsyncIterator[Any]:
    """Yield records across pages read by offset: ``fetch_page(offset, limit)``.

    The offsets are ``start``, ``start + n1``, ``start + n1 + n2``... (``n`` the records
    of each page) and ``limit`` is always ``page_size``; a page shorter than
    ``page_size`` is the last one. A page that is not a list, or that repeats the
    page before it (a partner ignoring the offset), raises :class:`UnexpectedPage`.

    For example::

        async for row in paginate_by_offset(
                lambda offset, limit: api.customers(offset=offset, limit=limit), page_size=100):
            ...
    """
    check_int(page_size, "page_size", minimum=1)
    check_int(start, "start", minimum=0)
    offset = start
    previous: Sequence[Any] | None = None
    for _ in range(MAX_PAGES):
        where = f"page at offset {offset}"
        rows = check_page(await fetch_page(offset, page_size), where)
        if not rows:
            return
        _check_repeat(rows, previous, where, "offset")
        for row in rows:
            yield row
        if len(rows) < page_size:
            return
        offset += len(rows)
        previous = rows
    raise _too_many_pages("offset")
