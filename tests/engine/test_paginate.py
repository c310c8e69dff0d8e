"""The three pagination styles: each reads every page, refuses a page that is not a list
and refuses to be sent round in circles (which would skip the pages never served)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from spmkit import UnexpectedPage, paginate, paginate_by_offset, paginate_by_token

ROWS = [{"id": f"c{i}"} for i in range(7)]


def collect(records: AsyncIterator[Any]) -> list[Any]:
    async def run() -> list[Any]:
        return [r async for r in records]

    return asyncio.run(run())


def failure(records: AsyncIterator[Any]) -> str:
    with pytest.raises(UnexpectedPage) as info:
        collect(records)
    return str(info.value)


# page number


async def by_page(page: int) -> Any:
    return ROWS[(page - 1) * 3: page * 3]


def test_page_numbers_read_every_page() -> None:
    assert collect(paginate(by_page)) == ROWS
    assert collect(paginate(by_page, page_size=3)) == ROWS


def test_page_numbers_refuse_a_page_repeated_by_a_partner_that_ignores_the_number() -> None:
    async def last_page_forever(page: int) -> Any:
        return ROWS[min(page - 1, 2) * 3: min(page, 3) * 3]

    assert failure(paginate(last_page_forever)) == (
        "page 4: the partner served the same 1 record(s) as the page before it. Reading on "
        "would loop or skip the page it never served, so the cursor is held: check that "
        "fetch_page passes its page argument to the partner API.")


def test_page_numbers_refuse_a_page_that_is_not_a_list() -> None:
    async def error_object(page: int) -> Any:
        return ROWS[:3] if page == 1 else {"error": "rate limited"}

    assert failure(paginate(error_object)).startswith(
        "page 2: expected a list of records but got dict: {'error': 'rate limited'}.")


# opaque token or next link


def token_pages(pages: dict[Any, tuple[Any, Any]]) -> Any:
    async def fetch(token: Any) -> tuple[Any, Any]:
        return pages[token]

    return fetch


def test_tokens_follow_the_chain_to_the_last_page() -> None:
    fetch = token_pages({None: (ROWS[:3], "abc"), "abc": (ROWS[3:6], "https://p/next?c=2"),
                         "https://p/next?c=2": (ROWS[6:], None)})
    assert collect(paginate_by_token(fetch)) == ROWS
    assert collect(paginate_by_token(token_pages({"t0": (ROWS, "")}), first_token="t0")) == ROWS


def test_tokens_refuse_a_token_served_twice() -> None:
    fetch = token_pages({None: (ROWS[:3], "a"), "a": (ROWS[3:6], "b"), "b": (ROWS[6:], "a")})
    assert failure(paginate_by_token(fetch)) == (
        "page 3 (token 'b'): the partner sent the token 'a' again, which was already read in "
        "this pagination. Following it would loop (or stop early and skip the pages it never "
        "served), so the cursor is held: check how fetch_page passes the token to the partner "
        "API.")
    assert "sent the token 'x' again" in failure(
        paginate_by_token(token_pages({None: (ROWS, "x"), "x": (ROWS, "x")})))


def test_tokens_refuse_a_page_that_is_not_a_list_or_an_answer_that_is_not_a_pair() -> None:
    assert failure(paginate_by_token(token_pages({None: (ROWS, "a"), "a": (None, None)}))
                   ).startswith("page 2 (token 'a'): expected a list of records but got NoneType")

    async def body_only(token: Any) -> Any:
        return {"data": ROWS}

    assert failure(paginate_by_token(body_only)) == (
        "first page: fetch_page(token) returned dict {'data': [{'id': 'c0'}, {'id': 'c1'}, "
        "{'id': 'c2'}, {'id': 'c3'}, {'id': 'c4'}, {'id': 'c5'}, {'id': 'c6'}]}; it must return "
        "a pair (records, next_token), with next_token None on the last page.")


# offset


def test_offsets_advance_by_what_each_page_held() -> None:
    calls: list[tuple[int, int]] = []

    async def fetch(offset: int, limit: int) -> Any:
        calls.append((offset, limit))
        return ROWS[offset: offset + limit]

    assert collect(paginate_by_offset(fetch, page_size=3)) == ROWS
    assert calls == [(0, 3), (3, 3), (6, 3)]
    assert collect(paginate_by_offset(fetch, page_size=7)) == ROWS  # then an empty page


def test_offsets_refuse_a_partner_that_ignores_the_offset() -> None:
    async def first_page_always(offset: int, limit: int) -> Any:
        return ROWS[:limit]

    assert failure(paginate_by_offset(first_page_always, page_size=3)) == (
        "page at offset 3: the partner served the same 3 record(s) as the page before it. "
        "Reading on would loop or skip the page it never served, so the cursor is held: check "
        "that fetch_page passes its offset argument to the partner API.")


def test_offsets_refuse_a_page_that_is_not_a_list_and_a_bad_page_size() -> None:
    async def null_page(offset: int, limit: int) -> Any:
        return None

    assert failure(paginate_by_offset(null_page, page_size=3)).startswith(
        "page at offset 0: expected a list of records but got NoneType: None.")
    with pytest.raises(ValueError) as info:
        collect(paginate_by_offset(null_page, page_size=0))
    assert info.value.args == (
        "Expected an int >= 1 for page_size but got page_size=0 (type=int).",)
