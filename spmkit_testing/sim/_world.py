"""``World``: one frozen description of a simulated world.

For example::

    World(seed=7, records=[records(5), record("late", lag="2m")], overlap_seconds=120,
          skew="-30s", sources=["store-1", "store-2"], store="sqlite")

Every duration passes one normaliser (a ``timedelta`` or DSL text such as ``"5m"``), every
instant another (an aware ``datetime`` or ISO text); a bad value is an
:class:`~spmkit_testing.scenario.InvalidScenario` naming the field. Its ``repr`` is the
DSL call that builds it, so a world prints, and is written out, as scenario text.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from spmkit_testing._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    check_str,
    parse_duration,
    parse_instant,
)
from spmkit_testing.fake import DEFAULT_API_KEY
from spmkit_testing.faults import Fault
from spmkit_testing.partner import DEFAULT_SOURCES
from spmkit_testing.sim._records import Factory, Record
from spmkit_testing.webhooks import DEFAULT_WEBHOOK_SECRET

__all__ = ["DEFAULT_START", "MEMORY", "World"]

#: Where simulated time starts unless a world says otherwise.
DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)
#: The store location of a world kept in memory (``open_store``'s spelling).
MEMORY = ":memory:"


@dataclass(frozen=True)
class World:
    """A simulated world: where time starts, what the partner holds and how it behaves, the
    policies the engine runs with, and what the sync is given.

    * ``seed`` — every random choice (Faker factories, probabilistic faults);
    * ``start`` — the simulated instant of the first moment (ISO text or datetime);
    * ``records`` — the partner's records at ``start`` (records and factories);
    * ``skew`` — the partner clock minus ours (``"-2m"``: it lags two minutes);
      ``lag`` — every write becomes readable this late (on top of a record's own lag);
    * policies — ``tolerate_rejects`` (``None``: each step keeps its own),
      ``overlap_seconds``, ``backfill_days``, ``batch_size`` (``None``: the integration's);
    * ``store`` — ``":memory:"``, ``"sqlite"`` (a file in a directory of its own, removed
      with the simulation) or the path of a SQLite file;
    * ``sources`` — the partner's source keys; ``faults`` — faults on from the start
      (after provisioning), named ``"world-1"``, ``"world-2"``...;
    * ``api_key`` and ``webhook_secret`` — the ShopiMind account's secrets.
    """

    seed: int = 0
    start: datetime = DEFAULT_START
    records: Sequence[Record | Factory] = ()
    skew: timedelta = timedelta(0)
    lag: timedelta = timedelta(0)
    tolerate_rejects: bool | float | None = None
    overlap_seconds: float = 0
    backfill_days: float = 365
    batch_size: int | None = None
    store: str = MEMORY
    sources: Sequence[str] = DEFAULT_SOURCES
    faults: Sequence[Fault] = ()
    api_key: str = DEFAULT_API_KEY
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET

    def __post_init__(self) -> None:
        put = object.__setattr__
        check_int(self.seed, "seed")
        put(self, "start", parse_instant(self.start, "start"))
        put(self, "skew", parse_duration(self.skew, "skew"))
        put(self, "lag", parse_duration(self.lag, "lag"))
        if self.lag < timedelta(0):
            raise InvalidScenario(f"World(lag={self.lag!r}) must be >= 0s (a late arrival).")
        for r in self.records:
            if not isinstance(r, Record | Factory):
                raise InvalidScenario(
                    f"World(records=...) takes records such as record('c1') or records(5); "
                    f"got {r!r} (type={type(r).__name__})."
                )
        put(self, "records", tuple(self.records))
        tol = self.tolerate_rejects
        if tol is not None and not isinstance(tol, bool) and not (
                isinstance(tol, int | float) and 0 <= tol <= 1):
            raise InvalidScenario(
                f"tolerate_rejects must be None, False, True or a ratio in [0, 1], got "
                f"tolerate_rejects={tol!r}."
            )
        for name in ("overlap_seconds", "backfill_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidScenario(f"{name} must be a number >= 0, got {name}={value!r}.")
        if self.batch_size is not None:
            check_int(self.batch_size, "batch_size", minimum=1)
        if self.store == "memory":
            warnings.warn("World(store='memory') is spelled World(store=':memory:') now (as "
                          "spmkit.open_store spells it)", DeprecationWarning, stacklevel=3)
            put(self, "store", MEMORY)
        _check_store(check_str(str(self.store), "store"))
        put(self, "store", str(self.store))
        if isinstance(self.sources, str) or not self.sources:
            raise InvalidScenario(
                f"sources must be a list of source keys such as ['store-1'], got "
                f"sources={self.sources!r}."
            )
        put(self, "sources", tuple(check_str(s, "sources[]") for s in self.sources))
        for fault in self.faults:
            if not isinstance(fault, Fault):
                raise InvalidScenario(f"World(faults=...) takes faults such as status(503), "
                                      f"got {fault!r} (type={type(fault).__name__}).")
        put(self, "faults", tuple(self.faults))
        check_str(self.api_key, "api_key")
        check_str(self.webhook_secret, "webhook_secret")

    def __repr__(self) -> str:
        return call_repr("World", self)


_SQLITE_NAMES = (".sqlite", ".sqlite3", ".db")


def _check_store(store: str) -> None:
    if store in (MEMORY, "sqlite") or store.endswith(_SQLITE_NAMES):
        return
    raise InvalidScenario(
        f"World(store={store!r}): use ':memory:', 'sqlite' (a SQLite file in a folder of its "
        f"own, removed with the simulation) or the path of a SQLite file ending in "
        f"{', '.join(_SQLITE_NAMES)}, such as 'state/spmkit.sqlite3'.")
