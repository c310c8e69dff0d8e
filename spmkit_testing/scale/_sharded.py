"""``prove_in_shards``: a property run in fixed shards on any number of worker processes,
merged into one verdict that is the same for any number of workers.

The shards (:func:`plan_shards`) run in order on one worker, or spread over ``workers``
processes (``concurrent.futures.ProcessPoolExecutor``, started by ``spawn``). The
verdict is read from the shards *in order*: the run is the shards up to the first one
that found a counterexample, whose counterexample is the run's, so the examples counted,
the verdict and the counterexample do not depend on which shard finished first. Before
any shard, the failures remembered from earlier runs are replayed (:mod:`._memory`); the
finished shards are kept on disk until the verdict is in (:mod:`._resume`).
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from spmkit_testing.scale._database import open_example_database
from spmkit_testing.scale._memory import remembered, replay_remembered
from spmkit_testing.scale._plan import Shard, plan_shards
from spmkit_testing.scale._resume import ShardStore, run_name
from spmkit_testing.scale._shard import (
    ShardJob,
    ShardResult,
    database_key,
    merged_coverage,
    resolve_target,
    run_shard,
)
from spmkit_testing.stateful import Coverage

__all__ = ["ShardedProof", "ShardFailed", "prove_in_shards"]


class ShardFailed(Exception):
    """The integration's or adapter's own code raised in a shard (not a broken rule);
    ``where`` is the file, line and function it raised in."""

    def __init__(self, shard: int, message: str, where: tuple[str, int, str] | None) -> None:
        super().__init__(message)
        self.shard, self.where = shard, where


@dataclass(frozen=True)
class ShardedProof:
    """The merged result of a sharded run.

    ``counted`` are the shards the verdict reads (all of them, or those up to the first
    that broke the rule); ``broken`` is that shard's result (index 0: a failure
    remembered from an earlier run, replayed before the search); ``resumed`` how many
    shards an interrupted run had already finished."""

    shards: tuple[Shard, ...]
    counted: tuple[ShardResult, ...]
    broken: ShardResult | None
    resumed: int
    seconds: float
    workers: int

    @property
    def examples(self) -> int:
        """The examples run in the counted shards (Hypothesis' count: the budget's unit)."""
        return sum(r.examples for r in self.counted)

    @property
    def discarded(self) -> int:
        """Examples Hypothesis cut short while drawing (not in :attr:`examples`)."""
        return sum(r.discarded for r in self.counted)

    @property
    def budget(self) -> int:
        return sum(s.examples for s in self.shards)

    @property
    def coverage(self) -> Coverage:
        return merged_coverage([r for r in self.counted if r.points])

    @property
    def fault_kinds(self) -> tuple[str, ...]:
        return next((r.fault_kinds for r in self.counted if r.fault_kinds), ())


def _context() -> multiprocessing.context.BaseContext:
    # spawn: a worker starts from a clean interpreter, so nothing of this process's state
    # (loaded modules, Hypothesis' caches) can make its draws differ from a fresh run.
    return multiprocessing.get_context("spawn")


def prove_in_shards(integration: str | None = None, adapter: str | None = None, *,
                    examples: int, seed: int, profile: str, max_steps: int = 20,
                    workers: int = 1, root: Path | None = None,
                    counterexamples: Path | None = None, database: str = "",
                    resume: bool = True, machine: tuple[int, int] = (1, 1),
                    on_shard: Callable[[ShardResult], None] | None = None) -> ShardedProof:
    """Run the property check of ``integration`` (``module:attr``; neither it nor
    ``adapter``: the reference Demo POS) in the shards of ``examples`` and ``seed``, on
    ``workers`` processes. ``on_shard`` hears of each shard as it finishes. ``machine=(i, m)``
    runs only the i-th of m CI machines' share (shards i, i + m, i + 2m...).

    For example::

        proof = prove_in_shards("my_sync:integration", "my_adapter:adapter",
                                examples=500, seed=0, profile="spmkit-ci", workers=4)
        print(proof.examples, proof.broken)
    """
    root = Path.cwd() if root is None else root
    folder = counterexamples if counterexamples is not None else (
        root / ".spmkit" / "counterexamples")
    started = time.perf_counter()  # reporting only: never feeds a simulation
    index, machines = machine
    if not 1 <= index <= machines:
        raise ValueError(f"machine=({index}, {machines}): the i-th of m machines, 1 <= i <= m.")
    shards = tuple(s for s in plan_shards(seed, examples) if (s.index - 1) % machines == index - 1)
    if not shards:
        raise ValueError(f"machine {index}/{machines}: a run of {examples} examples has fewer "
                         f"shards than machines; give each machine more examples.")
    db = open_example_database(database, root=root)
    found, shape = resolve_target(integration, adapter)
    key = database_key(integration, adapter, max_steps)
    stock = remembered(found, shape, max_steps=max_steps, key=key, counterexamples=folder,
                       database=db)
    if stock:
        again = replay_remembered(stock, integration=integration, adapter=adapter,
                                  max_steps=max_steps, counterexamples=folder, database=db)
        if again is not None and again.error is not None:
            raise ShardFailed(0, again.error, again.where)
        if again is not None:
            return ShardedProof(shards, (again,), again, 0, time.perf_counter() - started,
                                workers)
    store = ShardStore(root, run_name(integration=integration, adapter=adapter,
                                      profile=profile, seed=seed, examples=examples,
                                      max_steps=max_steps) + f"-{index}of{machines}")
    if not resume:
        store.clear()
    done = store.load()
    resumed = len(done)
    jobs = [ShardJob(s, integration, adapter, profile, max_steps, database, str(root),
                     str(store.staging(s.index))) for s in shards if s.index not in done]

    def finished(result: ShardResult) -> None:
        if result.error is None:
            store.save(result)
        done[result.index] = result
        if on_shard is not None:
            on_shard(result)

    if workers <= 1:
        for job in jobs:
            finished(run_shard(job))
            if done[job.shard.index].broken or done[job.shard.index].error:
                break
    else:
        _in_pool(jobs, workers, done, finished)
    counted: list[ShardResult] = []
    for shard in shards:
        result = done[shard.index]
        if result.error is not None:
            raise ShardFailed(shard.index, result.error, result.where)
        counted.append(result)
        if result.broken:
            break
    broken = counted[-1] if counted[-1].broken else None
    if broken is not None:
        broken = _publish(broken, folder)
        counted[-1] = broken
    store.clear()
    return ShardedProof(shards, tuple(counted), broken, resumed,
                        time.perf_counter() - started, workers)


def _stops_before(done: dict[int, ShardResult], index: int) -> bool:
    """A shard before ``index`` broke the rule or failed: ``index`` is not needed."""
    return any(i < index and (r.broken or r.error) for i, r in done.items())


def _in_pool(jobs: list[ShardJob], workers: int, done: dict[int, ShardResult],
             finished: Callable[[ShardResult], None]) -> None:
    """Run ``jobs`` on ``workers`` processes; once a shard breaks the rule, shards after
    it that have not started are dropped (those before it still run: one of them may
    break it first)."""
    with ProcessPoolExecutor(max_workers=min(workers, max(1, len(jobs))),
                             mp_context=_context()) as pool:
        running: dict[Future[ShardResult], ShardJob] = {
            pool.submit(run_shard, job): job for job in jobs}
        while running:
            ready, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in ready:
                job = running.pop(future)
                if future.cancelled():
                    continue
                finished(future.result())
            for future, job in list(running.items()):
                if _stops_before(done, job.shard.index) and future.cancel():
                    running.pop(future)


def _publish(broken: ShardResult, folder: Path) -> ShardResult:
    """Move the counting shard's counterexample from its staging folder to ``folder``
    (the only one a run writes there, whatever other shards found)."""
    if broken.counterexample is None or broken.index == 0:
        return broken
    staged = Path(broken.counterexample)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / staged.name
    text = staged.read_text(encoding="utf-8").replace(str(staged.parent), str(folder))
    final.write_text(text, encoding="utf-8")
    shutil.rmtree(staged.parent, ignore_errors=True)

    def moved(value: str | None) -> str | None:
        return None if value is None else value.replace(str(staged), str(final))

    return ShardResult(broken.index, broken.examples, broken.discarded, broken.seconds,
                       broken.coverage, broken.points, broken.fault_kinds,
                       broken=moved(broken.broken), counterexample=str(final),
                       replay=moved(broken.replay))
