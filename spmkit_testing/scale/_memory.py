"""Failures remembered from earlier runs, replayed before any search.

Two memories, both under ``.spmkit/`` by default: the counterexample scenario files a run
wrote (``.spmkit/counterexamples/<integration>_<invariant>_<digest>.py``), which replay
as long as the harness reads them, and Hypothesis' example database, which keeps the
choices of every failing example (shared between machines when it is a Redis server).
:func:`remembered` takes stock of both before a run starts; :func:`replay_remembered`
replays that stock and reports the first that still breaks the rule.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import Phase
from hypothesis import settings as Settings
from hypothesis.database import ExampleDatabase
from hypothesis.internal.reflection import function_digest
from hypothesis.stateful import get_state_machine_test

from spmkit_testing.scale._shard import (
    ShardResult,
    database_key,
    error_result,
    quiet_engine,
    resolve_target,
)
from spmkit_testing.stateful import GoldenRuleBroken, check_golden_rule, golden_rule_machine

__all__ = ["Remembered", "hypothesis_key", "remembered", "replay_remembered"]


def hypothesis_key(integration: Any, adapter: Any, *, max_steps: int, key: str) -> bytes:
    """The key Hypothesis files the property run's failures under (its primary key; the
    failures it has not finished shrinking are under ``+ b".secondary"``)."""
    machine = golden_rule_machine(integration, adapter=adapter, max_steps=max_steps,
                                  database_key=key)
    test = get_state_machine_test(machine, settings=Settings(database=None))
    return function_digest(test.hypothesis.inner_test)  # type: ignore[attr-defined]


def slug_of(integration: Any) -> str:
    """The integration's name as counterexample files start with it."""
    slug = str(getattr(integration, "slug", None) or getattr(integration, "__name__", "it"))
    return re.sub(r"\W+", "_", slug).strip("_").lower()


@dataclass(frozen=True)
class Remembered:
    """What a run remembers as it starts: counterexample files and database entries."""

    files: tuple[Path, ...]
    #: The example database's entries for the run's key, primary and secondary.
    entries: dict[bytes, tuple[bytes, ...]]

    def __bool__(self) -> bool:
        return bool(self.files) or any(self.entries.values())

    def describe(self) -> str:
        """``"2 counterexample file(s) and 1 database entry"``."""
        count = sum(len(v) for v in self.entries.values())
        return f"{len(self.files)} counterexample file(s) and {count} database entry(ies)"


def remembered(integration: Any, adapter: Any, *, max_steps: int, key: str,
               counterexamples: Path, database: ExampleDatabase | None) -> Remembered:
    """Take stock of what earlier runs of this integration left (files named for it)."""
    pattern = re.compile(rf"{re.escape(slug_of(integration))}_(i\d+|error)_[0-9a-f]{{8}}\.py")
    files = tuple(sorted(p for p in counterexamples.glob("*.py") if pattern.fullmatch(p.name)))
    entries: dict[bytes, tuple[bytes, ...]] = {}
    if database is not None:
        primary = hypothesis_key(integration, adapter, max_steps=max_steps, key=key)
        for name in (primary, primary + b".secondary"):
            entries[name] = tuple(sorted(database.fetch(name)))
    return Remembered(files, entries)


class _Snapshot(ExampleDatabase):
    """``db`` as it was when the run took stock: reads give that stock, writes go through
    (a failure another item records meanwhile is for the next run)."""

    def __init__(self, db: ExampleDatabase, entries: dict[bytes, tuple[bytes, ...]]) -> None:
        super().__init__()
        self.db, self.entries = db, entries

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self.entries.get(key, ())

    def save(self, key: bytes, value: bytes) -> None:
        self.db.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self.db.delete(key, value)


def replay_remembered(stock: Remembered, *, integration: str | None, adapter: str | None,
                      max_steps: int, counterexamples: Path,
                      database: ExampleDatabase | None) -> ShardResult | None:
    """Replay ``stock``: the first file or database entry that still breaks the rule, as a
    result (shard 0, before the search), or ``None`` when every one passes now."""
    from spmkit_testing.scenario import load_scenario, run_scenario

    found, shape = resolve_target(integration, adapter)
    started = time.perf_counter()  # reporting only
    with quiet_engine():
        for path in stock.files:
            result = run_scenario(load_scenario(str(path)), integration=found, adapter=shape)
            broken = [v for v in result.violations if not v.hazard]
            if broken:
                target = "" if integration is None else (
                    f" --integration {integration} --adapter {adapter}")
                replay = f"spmkit run {path}{target}"
                return ShardResult(
                    0, 1, 0, time.perf_counter() - started, _empty(), (), (),
                    broken=f"the golden rule still breaks: {broken[0].one_line()}\n"
                    f"remembered counterexample {path}\nreplay it with:\n  {replay}",
                    counterexample=str(path), replay=replay)
        if database is None or not any(stock.entries.values()):
            return None
        try:
            check_golden_rule(
                found, adapter=shape, settings=Settings(
                    phases=(Phase.reuse,), database=None, derandomize=False),
                max_steps=max_steps, counterexamples=counterexamples,
                replay_integration=integration, replay_adapter=adapter,
                database=_Snapshot(database, stock.entries),
                database_key=database_key(integration, adapter, max_steps))
        except GoldenRuleBroken as broken:
            return ShardResult(0, broken.proof.examples, 0, time.perf_counter() - started,
                               _empty(), (), (), broken=f"{broken}\n(replayed from the example "
                               f"database: a failure an earlier run found)",
                               counterexample=str(broken.path), replay=broken.replay)
        except Exception as exc:  # the integration's or adapter's own code raised
            return error_result(0, exc)
    return None


def _empty() -> dict[str, dict[str, int]]:
    return {name: {} for name in ("faults", "crash_points", "verbs", "invariants")}
