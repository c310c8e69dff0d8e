"""One clock for everything: the engine, the store, client retries and webhooks.

Every part of spmkit that needs the time or needs to wait takes a :class:`Clock`.
Production code uses :class:`SystemClock`; the harness injects a simulated clock
(``spmkit_testing.SimClock``) whose sleeps are virtual. Nothing in ``spmkit``
reads the wall clock except :class:`SystemClock` itself.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock", "ensure_aware_utc"]


@runtime_checkable
class Clock(Protocol):
    """What spmkit needs from a clock: the current instant and a way to wait.

    ``now()`` must return an *aware* UTC datetime. ``sleep`` is awaited by the
    client between retries; a simulated clock makes it virtual.
    """

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: ``datetime.now(UTC)`` and ``asyncio.sleep``.

    For example::

        engine_clock = SystemClock()
        engine_clock.now()  # datetime(..., tzinfo=UTC)
    """

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


def ensure_aware_utc(value: datetime, name: str) -> datetime:
    """Return ``value`` converted to UTC, or raise a clear error for a naive datetime."""
    if type(value) is datetime and value.tzinfo is UTC:
        return value  # already aware UTC: the engine's common case, on every run
    from spmkit._errors import InvalidArgument

    if not isinstance(value, datetime):
        raise InvalidArgument(
            f"Expected an aware datetime for {name} but got {name}={value!r} "
            f"(type={type(value).__name__})."
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(
            f"{name}={value!r} is a naive datetime. spmkit works in aware UTC datetimes only: "
            f"pass datetime(..., tzinfo=UTC) or value.replace(tzinfo=UTC) if it is already UTC."
        )
    return value.astimezone(UTC)
