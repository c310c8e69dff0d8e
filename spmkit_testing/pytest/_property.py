"""The conformance property run as fixed shards: ``conformance::property[I/K]``.

The run's budget is split by :func:`spmkit_testing.scale.plan_shards` (from the seed and
the budget alone), one item per shard, so pytest-xdist spreads them over its workers and
every worker collects the same ids. Each shard records its failures in the example
database but replays none (its verdict is its seed's, whatever ran before it). Before
them, ``conformance::property[remembered]`` replays what earlier runs left (counterexample
files, database entries), as they stood when the session was collected; it is skipped
when there is nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from spmkit_testing.pytest._report import COUNTEREXAMPLE, EXAMPLES, REPLAY, write_item_report

if TYPE_CHECKING:
    from spmkit_testing.scale import Remembered, ShardJob, ShardResult

__all__ = ["COUNTS", "PropertyBroken", "PropertyItem", "RememberedItem", "merged_property"]

#: The user property that carries a shard's coverage counts as JSON (merged in the summary).
COUNTS = "spmkit_coverage_counts"


class PropertyBroken(AssertionError):
    """A shard (or a remembered failure) broke the golden rule."""

    def __init__(self, result: ShardResult) -> None:
        super().__init__(result.broken)
        self.result = result


class _Item(pytest.Item):
    """What the property items share: how a broken result is reported."""

    target: tuple[Any, Any]

    def _broken(self, result: ShardResult) -> None:
        self.user_properties += [(COUNTEREXAMPLE, str(result.counterexample)),
                                 (REPLAY, str(result.replay))]
        if result.counterexample is not None:
            from spmkit_testing.scenario import load_scenario, run_scenario

            replayed = run_scenario(load_scenario(result.counterexample),
                                    integration=self.target[0], adapter=self.target[1])
            write_item_report(self, replayed, f"property_{Path(result.counterexample).stem}")
        raise PropertyBroken(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, PropertyBroken):
            result = excinfo.value.result
            return (f"{result.broken}\ncounterexample: {result.counterexample}\nreplay: "
                    f"{result.replay}\ntimeline of the shrunk run:\n"
                    + "\n".join(f"  {s!r}" for s in _timeline(result.counterexample)))
        return str(super().repr_failure(excinfo, style=style))


class PropertyItem(_Item):
    """One shard of the property run of the golden cursor rule."""

    def __init__(self, *, job: ShardJob, settings: Any, target: tuple[Any, Any],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job, self.settings, self.target = job, settings, target

    def runtest(self) -> None:
        from spmkit_testing.scale import run_shard

        result = run_shard(self.job, self.settings)
        if result.error is not None:
            where = "" if result.where is None else (
                f" at {result.where[0]}:{result.where[1]} in {result.where[2]}")
            raise RuntimeError(f"the property run raised {result.error}{where}: an error of "
                               f"the integration or its adapter, not a golden-rule violation")
        self.user_properties += [
            (EXAMPLES, f"{result.examples} {result.seconds:.3f}"),
            (COUNTS, json.dumps({"coverage": result.coverage, "points": result.points,
                                 "fault_kinds": result.fault_kinds}))]
        if result.broken:
            self._broken(result)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, (f"spmkit property run of the golden cursor rule, shard "
                              f"{self.job.shard.name}")


class RememberedItem(_Item):
    """The failures earlier runs left, replayed (skipped when there are none)."""

    def __init__(self, *, stock: Remembered, replay: dict[str, Any], target: tuple[Any, Any],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stock, self.replay, self.target = stock, replay, target

    def runtest(self) -> None:
        from spmkit_testing.scale import replay_remembered

        if not self.stock:
            pytest.skip("nothing remembered: no counterexample file of this integration and "
                        "no failure in the example database")
        result = replay_remembered(self.stock, **self.replay)
        if result is not None:
            self._broken(result)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "spmkit property run: failures remembered from earlier runs"


def _timeline(path: str | None) -> list[Any]:
    from spmkit_testing.scenario import load_scenario

    try:
        return list(load_scenario(str(path)).timeline)
    except Exception:  # the message above already names the file
        return []


def merged_property(props: list[dict[str, str]]) -> list[str]:
    """The summary's property lines: the examples and seconds of every shard, summed, and
    the coverage table of them all."""
    from spmkit_testing.scale import ShardResult, merged_coverage

    runs = [p for p in props if EXAMPLES in p and COUNTS in p]
    if not runs:
        return []
    examples = sum(int(p[EXAMPLES].split()[0]) for p in runs)
    seconds = sum(float(p[EXAMPLES].split()[1]) for p in runs)
    results = []
    for p in runs:
        counts = json.loads(p[COUNTS])
        results.append(ShardResult(0, 0, 0, 0.0, counts["coverage"], tuple(counts["points"]),
                                   tuple(counts["fault_kinds"])))
    table = merged_coverage(results).table(results[0].fault_kinds)
    return [f"property run: {examples:,} examples in {seconds:.1f}s ({len(runs)} shard(s))",
            "fault-space coverage:", *table.splitlines()]

