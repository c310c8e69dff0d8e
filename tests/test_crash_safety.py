"""Crash safety: kill the engine at every crash point, restart on the same store, lose nothing.

204 seeds, 34 per crash point. Each seed builds a small world (a few customers and
orders, small pages and batches, sometimes a record the API rejects), crashes the
engine at its point (sometimes a second time elsewhere), restarts on the same store
(SQLite for a quarter of the seeds) and keeps ticking. After every tick the oracle
(strict: the first violation raises) and a direct check hold: the cursor is never
ahead of delivered data. At the end nothing is lost.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from pathlib import Path

import pytest

from spmkit import StepSource
from spmkit_testing import CRASH_POINTS, Partner, Simulation, Target, World
from spmkit_testing.reference import PosSettings, reference_adapter

SEEDS = range(204)
BAD_EMAIL = "not-an-email"


def build(seed: int, point: str, tmp_path: Path) -> tuple[Simulation, random.Random]:
    rng = random.Random(seed)
    store = str(tmp_path / f"seed-{seed}.sqlite3") if seed % 4 == 0 else ":memory:"
    page_size = rng.choice([2, 3, 100])

    def settings(partner: Partner) -> PosSettings:
        base = reference_adapter.settings(partner)
        assert isinstance(base, PosSettings)
        return dataclasses.replace(base, page_size=page_size)

    sim = Simulation(World(seed=seed, store=store, tolerate_rejects=rng.choice([False, True, 0.5]),
                           batch_size=rng.choice([2, 3, 500])),
                     Target(settings=settings), strict=True)
    now = sim.clock.now()
    customers = sim.source("customers")
    for i in range(rng.randint(1, 5)):
        customers.put(f"c{i}", {"email": f"user{i}@example.com"},
                      updated_at=now - timedelta(hours=rng.randint(1, 48)))
    if point == "during_dead_letter" or rng.random() < 0.3:
        customers.put("bad", {"email": BAD_EMAIL}, updated_at=now - timedelta(hours=2))
    for store_key in sim.partner.sources:
        orders = sim.source(f"orders@{store_key}")
        for i in range(rng.randint(0, 3)):
            orders.put(f"{store_key}-o{i}", {"amount": rng.randint(1, 99)},
                       updated_at=now - timedelta(hours=rng.randint(1, 48)))
    return sim, rng


def dead_lettered(sim: Simulation, entity: str) -> set[str]:
    return {d.item_key or "" for d in sim.db.list_rejected(entity=entity, limit=100_000)}


def cursor_behind_delivered(sim: Simulation, tolerant: bool) -> list[str]:
    """Records whose version the cursor passed but that are neither delivered nor
    dead-lettered (the latter counts only under a tolerant policy): a check of its own,
    stricter than the oracle's (no overlap, no finality)."""
    problems = []
    for name, key, data in sim.partner:
        stream = sim.adapter.stream(name)
        cursor = sim.cursor(name + (f"@{key}" if key else ""))
        if cursor is None:
            continue
        stored = sim.fake.records(stream.resource)
        dead = dead_lettered(sim, name) if tolerant else set()
        for record in data.records(include_deleted=False):
            passed = [v for v in data.versions(record.key)
                      if v.updated_at <= cursor and v.visible_at <= cursor]
            if not passed:
                continue
            due = max(v.updated_at for v in passed)
            item = stored.get(record.key)
            version = stream.version_of(item) if item is not None else None
            if (version is None or version < due) and record.key not in dead:
                problems.append(f"{StepSource(name, key)}: {record.key} updated {due} "
                                f"<= cursor {cursor} but the fake holds {version}")
    return problems


def play(seed: int, point: str, tmp_path: Path) -> None:
    sim, rng = build(seed, point, tmp_path)
    try:
        tolerant = sim.integration.step("customers").tolerate_rejects not in (False, 0.0)
        nth = 1 if point in ("during_dead_letter", "before_run_finish") else rng.randint(1, 2)
        sim.crash_at(point, nth=nth)
        crashes: list[str] = []
        second = rng.random() < 0.3
        for tick in range(1, 8):
            summary = sim.tick()  # strict: a violation of the oracle raises here
            if summary is None:
                crashes.append(sim.trace[-1].crashed_at or "")
                if second and len(crashes) == 1:
                    sim.crash_at(rng.choice(CRASH_POINTS), nth=1)
            behind = cursor_behind_delivered(sim, tolerant)
            assert not behind, f"seed={seed} point={point} tick={tick}: {behind}"
            sim.advance(timedelta(minutes=1))
            write_more(sim, rng, tick)
        assert crashes[:1] == [point], f"seed={seed}: expected a crash at {point}, got {crashes}"
        sim.crash_at(point, nth=10_000)  # disarm a second crash that never fired
        sim.advance(timedelta(minutes=5))
        sim.tick()
        assert sim.undelivered() == [], f"seed={seed} point={point}: records lost"
        runs = sim.db.list_runs()
        assert sum(r.status == "running" for r in runs) == len(crashes)
    finally:
        sim.close()


def write_more(sim: Simulation, rng: random.Random, tick: int) -> None:
    customers = sim.source("customers")
    if rng.random() < 0.5 and customers.get("c0") is not None:
        customers.update("c0", {"first_name": f"v{tick}"})
    else:
        customers.put(f"n{tick}", {"email": f"new{tick}@example.com"})
    store_key = rng.choice(sim.partner.sources)
    sim.source(f"orders@{store_key}").put(f"{store_key}-n{tick}", {"amount": tick})


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_crash_at_every_point_then_restart_loses_nothing(point: str, tmp_path: Path) -> None:
    index = CRASH_POINTS.index(point)
    for seed in SEEDS:
        if seed % len(CRASH_POINTS) == index:
            play(seed, point, tmp_path)


def test_the_direct_check_sees_a_cursor_ahead_of_delivered_data() -> None:
    sim = Simulation(World(seed=1))
    try:
        sim.source("customers").put("c1", {"email": "a@example.com"},
                                            updated_at=sim.clock.now() - timedelta(hours=1))
        sim.db.set_cursor("customers", "", last_synced_at=sim.clock.now(), last_status="ok",
                          last_error=None, items=0, consecutive_failures=0)
        problems = cursor_behind_delivered(sim, tolerant=False)
        assert len(problems) == 1 and problems[0].startswith("customers: c1 updated ")
        assert [str(u) for u in sim.undelivered()] == [
            "customers 'c1' (updated_at 2025-12-31T23:00:00Z): the fake holds nothing; the "
            "cursor passed it: lost"]
    finally:
        sim.close()
