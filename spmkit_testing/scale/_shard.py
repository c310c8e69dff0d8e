"""One shard of a property run, in whatever process runs it: :func:`run_shard`.

A :class:`ShardJob` holds only plain values (the integration and adapter by their
``module:attr`` names, the profile by name), so it crosses into a worker process
started by ``spawn`` as it does into a pytest-xdist worker; the :class:`ShardResult`
comes back as plain values too, and is what a resumed run reads from disk.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import settings as Settings

from spmkit_testing.scale._database import WriteOnly, open_example_database
from spmkit_testing.scale._plan import Shard
from spmkit_testing.stateful import Coverage, GoldenRuleBroken, check_golden_rule

__all__ = ["ShardJob", "ShardResult", "database_key", "error_result", "merged_coverage",
           "quiet_engine", "resolve_target", "run_shard"]

_COUNTS = ("faults", "crash_points", "verbs", "invariants")
_REFERENCE = ("spmkit_testing.reference:build_reference_integration",
              "spmkit_testing.reference:reference_adapter")


def database_key(integration: str | None, adapter: str | None, max_steps: int) -> str:
    """What the example database files a run's failures under: its integration, adapter
    and steps, so two integrations never replay each other's."""
    return (f"spmkit golden rule: {integration or 'reference'} | {adapter or 'reference'}"
            f" | {max_steps} steps")


@dataclass(frozen=True)
class ShardJob:
    """What a worker needs to run one shard: plain values only."""

    shard: Shard
    integration: str | None
    adapter: str | None
    profile: str
    max_steps: int
    #: The example-database setting (see :func:`open_example_database`) and its root.
    database: str
    root: str
    #: Where the shard writes a counterexample (the run moves the one it reports).
    counterexamples: str


@dataclass(frozen=True)
class ShardResult:
    """What one shard did: its examples, coverage counts and, if it broke, how."""

    index: int
    examples: int
    discarded: int
    seconds: float
    coverage: dict[str, dict[str, int]]
    points: tuple[str, ...]
    fault_kinds: tuple[str, ...]
    broken: str | None = None
    counterexample: str | None = None
    replay: str | None = None
    #: Set when the integration's or adapter's own code raised (not a broken rule).
    error: str | None = None
    where: tuple[str, int, str] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON values."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShardResult:
        """A result written by :meth:`to_json`."""
        fixed = dict(data, points=tuple(data["points"]),
                     fault_kinds=tuple(data["fault_kinds"]))
        if fixed.get("where") is not None:
            fixed["where"] = tuple(fixed["where"])
        return cls(**fixed)

    def counted(self) -> Coverage:
        """The coverage as :class:`~spmkit_testing.stateful.Coverage`."""
        coverage = Coverage(points=self.points)
        for name in _COUNTS:
            getattr(coverage, name).update(self.coverage[name])
        return coverage


def _counts(coverage: Coverage) -> dict[str, dict[str, int]]:
    return {name: dict(sorted(getattr(coverage, name).items())) for name in _COUNTS}


@contextmanager
def quiet_engine() -> Iterator[None]:
    """The engine logs every failed step of hundreds of runs; a counterexample's trace
    says what matters, and capturing them all costs a good share of the run."""
    logger = logging.getLogger("spmkit")
    propagate, logger.propagate = logger.propagate, False
    quiet = logging.NullHandler()
    logger.addHandler(quiet)
    try:
        yield
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate


def shard_settings(job: ShardJob, base: Settings | None = None) -> Settings:
    """The shard's Hypothesis settings: the profile, the shard's examples, not
    derandomized (its seed decides), the example database recording but not replaying."""
    from spmkit_testing.stateful import register_profiles

    register_profiles()
    profile = base if base is not None else Settings.get_profile(job.profile)
    database = open_example_database(job.database, root=Path(job.root))
    return Settings(profile, max_examples=job.shard.examples, derandomize=False,
                    database=None if database is None else WriteOnly(database))


def resolve_target(integration: str | None, adapter: str | None) -> tuple[Any, Any]:
    """The integration and adapter ``module:attr`` names stand for (neither: the reference
    Demo POS)."""
    if integration is None and adapter is None:
        from spmkit_testing.reference import build_reference_integration, reference_adapter

        return build_reference_integration, reference_adapter
    from spmkit_testing.scenario import resolve_object

    return (resolve_object(str(integration), "integration"),
            resolve_object(str(adapter), "adapter"))


def run_shard(job: ShardJob, settings: Settings | None = None) -> ShardResult:
    """Run one shard (a top-level function: a ``spawn`` worker imports it by name)."""
    integration, adapter = resolve_target(job.integration, job.adapter)
    chosen = shard_settings(job, settings)
    key = database_key(job.integration, job.adapter, job.max_steps)
    with quiet_engine():
        try:
            proof = check_golden_rule(
                integration, adapter=adapter, settings=chosen, max_steps=job.max_steps,
                counterexamples=job.counterexamples,
                replay_integration=job.integration or _REFERENCE[0],
                replay_adapter=job.adapter or _REFERENCE[1], seed=job.shard.seed,
                database=chosen.database, database_key=key)
        except GoldenRuleBroken as broken:
            return _result(job, broken.proof, broken=str(broken),
                           counterexample=str(broken.path), replay=broken.replay)
        except Exception as exc:  # the integration's or adapter's own code raised
            return error_result(job.shard.index, exc)
    return _result(job, proof)


def error_result(index: int, exc: BaseException) -> ShardResult:
    """Shard ``index`` raised ``exc`` (the integration's or adapter's code): where, and what."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return ShardResult(index, 0, 0, 0.0, {n: {} for n in _COUNTS}, (), (),
                       error=f"{type(exc).__name__}: {exc}",
                       where=(frame.filename, frame.lineno or 0, frame.name))


def _result(job: ShardJob, proof: Any, **broken: Any) -> ShardResult:
    return ShardResult(job.shard.index, proof.examples - proof.discarded, proof.discarded,
                       proof.seconds, _counts(proof.coverage), tuple(proof.coverage.points),
                       tuple(proof.fault_kinds), **broken)


def merged_coverage(results: list[ShardResult]) -> Coverage:
    """The coverage of several shards, summed."""
    coverage = Coverage(points=results[0].points) if results else Coverage()
    for result in results:
        for name in _COUNTS:
            getattr(coverage, name).update(Counter(result.coverage[name]))
    return coverage
