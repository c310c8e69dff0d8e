"""What the fake API needs from a clock, and the wall clock used by ``spmkit serve`` only.

The fake never reads the wall clock itself: it is given a clock, anything with
``now() -> aware datetime``. When the clock also has an ``async sleep(seconds)``
(``spmkit.SystemClock``, ``spmkit_testing.SimClock``), latency faults await it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from spmkit import SystemClock

__all__ = ["FakeClock", "SleepingClock", "wall_clock"]


@runtime_checkable
class FakeClock(Protocol):
    """The time source of the fake: ``now()`` returns an aware datetime."""

    def now(self) -> datetime: ...


@runtime_checkable
class SleepingClock(Protocol):
    """A clock that can also wait; simulated clocks make the wait virtual."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


def wall_clock() -> SystemClock:
    """The real clock, for ``spmkit serve`` only: a server that other processes talk to
    lives in real time. Tests give the fake a simulated clock instead."""
    return SystemClock()
