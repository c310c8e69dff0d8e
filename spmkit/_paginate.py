"""Streaming pagination that refuses to mistake a bad page for the end of the data.

The JS kit stopped at the first page that was not a list: a ``null`` or an error
object from the partner API read as "no more data", the step finished clean and
the cursor skipped the unread pages. Here an unexpected page raises
:class:`UnexpectedPage`, which fails the step and holds the cursor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from spmkit._errors import SpmkitError

__all__ = ["MAX_PAGES", "UnexpectedPage", "check_page", "paginate", "stream_pages"]

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


async def stream_pages(
    fetch_page: Callable[[int], Awaitable[object]],
    *,
    start_page: int = 1,
    page_size: int | None = None,
) -> AsyncIterator[Sequence[Any]]:
    """Yield pages ``fetch_page(start_page)``, ``fetch_page(start_page + 1)``... until an empty one.

    A page shorter than ``page_size`` (when given) is the last one. A page that is
    not a list raises :class:`UnexpectedPage`.
    """
    for offset in range(MAX_PAGES):
        page_number = start_page + offset
        rows = check_page(await fetch_page(page_number), f"page {page_number}")
        if not rows:
            return
        yield rows
        if page_size is not None and len(rows) < page_size:
            return
    raise SpmkitError(
        f"pagination exceeded {MAX_PAGES} pages: fetch_page is probably ignoring its page "
        f"argument and returning the same page forever."
    )


async def paginate(
    fetch_page: Callable[[int], Awaitable[object]],
    *,
    start_page: int = 1,
    page_size: int | None = None,
) -> AsyncIterator[Any]:
    """Yield records one by one across pages (see :func:`stream_pages`).

    For example::

        async for row in paginate(lambda page: api.get_customers(page=page)):
            ...
    """
    async for rows in stream_pages(fetch_page, start_page=start_page, page_size=page_size):
        for row in rows:
            yield row
