"""``open_store``: the one way in to a store, by target."""

from __future__ import annotations

import os

from spmkit._clock import Clock, SystemClock
from spmkit._errors import InvalidArgument
from spmkit._memory_store import MemoryStore
from spmkit._sqlite_store import SqliteStore
from spmkit._store import Store

__all__ = ["MEMORY", "open_store"]

MEMORY = ":memory:"


def open_store(target: str | os.PathLike[str], *, clock: Clock | None = None) -> Store:
    """Open a store: ``":memory:"`` keeps it in memory, anything else is a SQLite file.

    Every timestamp the store writes comes from ``clock`` (default
    :class:`SystemClock`), so pass the same clock as the engine's.

    For example::

        store = open_store("spmkit.sqlite3")
        test_store = open_store(":memory:", clock=sim_clock)
    """
    if clock is None:
        clock = SystemClock()
    if isinstance(target, str) and target == MEMORY:
        return MemoryStore(clock)
    if not isinstance(target, (str, os.PathLike)):
        raise InvalidArgument(
            f"Expected a path or ':memory:' for target but got target={target!r} "
            f"(type={type(target).__name__})."
        )
    return SqliteStore(target, clock)
