"""``map_with_concurrency``: fan out over items with at most ``limit`` calls in flight.

The JS kit's ``mapWithConcurrency(items, limit, fn)``: results come back in the
order of ``items``, never more than ``limit`` calls of ``fn`` run at once, and an
invalid ``limit`` is refused. It creates its tasks on the running event loop, so
under a simulated clock (``SimClock.run``) every sleep inside ``fn`` is virtual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from spmkit._checks import check_int
from spmkit._errors import InvalidArgument

__all__ = ["map_with_concurrency"]

T = TypeVar("T")
R = TypeVar("R")


async def map_with_concurrency(
    items: Iterable[T], limit: int, fn: Callable[[T], Awaitable[R]]
) -> list[R]:
    """Await ``fn(item)`` for every item, at most ``limit`` at a time; results in item order.

    The first exception cancels the calls still running and is raised as is.
    Use ``enumerate(items)`` when ``fn`` needs the index.

    For example::

        stores = await list_stores(ctx)
        counts = await map_with_concurrency(stores, 4, lambda s: partner.count_orders(s))
    """
    check_int(limit, "limit", minimum=1,
              hint="it is how many calls of fn may run at once, such as 4")
    if not callable(fn):
        raise InvalidArgument(
            f"Expected a function for fn but got fn={fn!r} (type={type(fn).__name__}): pass "
            f"an async function of one item, such as `async def fetch(store): ...`."
        )
    pending = list(items)
    results: list[R | None] = [None] * len(pending)
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(pending):
            index = next_index
            next_index += 1
            results[index] = await fn(pending[index])

    workers = [asyncio.ensure_future(worker()) for _ in range(min(limit, len(pending)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return results  # type: ignore[return-value]  # every slot was filled
