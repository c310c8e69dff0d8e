from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from spmkit import InvalidArgument, SyncSummary
from spmkit_testing import Simulation, World
from spmkit_testing.faults import rate_limited, status
from spmkit_testing.network import UnmountedRequestError


def populated(seed: int = 3, **kwargs: object) -> Simulation:
    keep = kwargs.pop("keep_ticks", None)
    sim = Simulation(World(seed=seed, **kwargs), keep_ticks=keep)  # type: ignore[arg-type]
    customers = sim.source("customers")
    for i in range(30):
        customers.put(f"c{i}", {"email": f"user{i}@example.com", "first_name": f"U{i}"},
                      updated_at=sim.clock.now() - timedelta(hours=30 - i))
    for store in ("store-1", "store-2"):
        orders = sim.source(f"orders@{store}")
        for i in range(12):
            orders.put(f"{store}-o{i}", {"amount": 10 + i},
                       updated_at=sim.clock.now() - timedelta(hours=12 - i))
    return sim


def scripted_run(sim: Simulation) -> list[str]:
    sim.tick()
    sim.fake.add_fault(status(503, resource="orders"))
    sim.advance(timedelta(minutes=1))
    sim.source("customers").put("late", {"email": "late@example.com"})
    sim.tick()
    sim.fake.clear_faults()
    sim.run_for(timedelta(minutes=10), every=timedelta(minutes=1))
    return sim.trace_lines()


def test_reference_sync_delivers_everything() -> None:
    sim = populated()
    summary = sim.tick()
    assert summary is not None and summary.status == "ok"
    assert len(sim.fake.records("customers")) == 30
    assert len(sim.fake.records("orders")) == 24
    assert sim.cursor("customers") == sim.clock.now()
    assert sim.cursor("orders@store-1") == sim.clock.now()


def test_items_keep_their_provisioned_data_source() -> None:
    sim = populated()
    sim.tick()
    sources = {s["id"]: s for s in sim.fake.data_sources()}
    order = sim.fake.records("orders")["store-2-o0"]
    assert sources[order["id_data_source"]]["label"] == "Demo POS store-2"


def test_same_seed_gives_byte_identical_trace() -> None:
    assert scripted_run(populated(seed=11)) == scripted_run(populated(seed=11))


def test_trace_is_identical_in_a_fresh_interpreter() -> None:
    code = (
        "from tests.simulation.test_simulation import populated, scripted_run\n"
        "print('\\n'.join(scripted_run(populated(seed=11))))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == scripted_run(populated(seed=11))


def test_held_step_replays_its_window_and_recovers() -> None:
    sim = populated()
    sim.tick()
    first = sim.cursor("orders@store-1")
    sim.fake.add_fault(status(503, resource="orders"))
    sim.advance(timedelta(minutes=1))
    sim.source("orders@store-1").put("new-order", {"amount": 5})
    held = sim.tick()
    assert held is not None and held.status == "partial"
    assert sim.cursor("orders@store-1") == first
    sim.fake.clear_faults()
    sim.advance(timedelta(minutes=2))
    sim.tick()
    assert "new-order" in sim.fake.records("orders")


def test_429_storm_with_retry_after_is_waited_in_virtual_time() -> None:
    sim = populated()
    sim.fake.add_fault(rate_limited("60s", resource="customers", calls=(1, 3)))
    start = sim.clock.now()
    summary = sim.tick()
    assert summary is not None and summary.status == "ok"
    assert sim.clock.now() - start >= timedelta(seconds=180)
    assert len(sim.fake.records("customers")) == 30
    statuses = [e.status for e in sim.fake.journal if "customers" in e.path]
    assert statuses[:4] == [429, 429, 429, 200]


def late_arrival(overlap: float) -> Simulation:
    """A partner clock 120 s behind: a record stamped t becomes readable at t + 120 s."""
    sim = Simulation(World(seed=5, overlap_seconds=overlap))
    customers = sim.source("customers")
    sim.tick()
    sim.advance(timedelta(minutes=1))
    customers.put("late-1", {"email": "late1@example.com"},
                  updated_at=sim.clock.now() - timedelta(seconds=30), lag=timedelta(seconds=90))
    customers.put("on-time", {"email": "ontime@example.com"})
    sim.tick()
    sim.run_for(timedelta(minutes=5), every=timedelta(minutes=1))
    return sim


def test_skew_without_overlap_loses_the_late_record() -> None:
    sim = late_arrival(overlap=0)
    assert "on-time" in sim.fake.records("customers")
    assert "late-1" not in sim.fake.records("customers")
    cursor = sim.cursor("customers")
    assert cursor is not None
    late = sim.source("customers").get("late-1")
    assert late is not None
    assert cursor > late.updated_at


def test_overlap_at_least_the_lag_loses_nothing() -> None:
    sim = late_arrival(overlap=120)
    assert {"late-1", "on-time"} <= set(sim.fake.records("customers"))


def test_requests_to_unmounted_urls_fail_at_once_naming_the_url() -> None:
    sim = Simulation(World(seed=1))

    async def call() -> None:
        import httpx

        async with httpx.AsyncClient(transport=sim.network) as http:
            await http.get("https://partner.example.com/api/customers")

    with pytest.raises(UnmountedRequestError) as info:
        sim.clock.run(call())
    message = str(info.value)
    assert "GET https://partner.example.com/api/customers was refused" in message
    assert "https://pos.test/" in message and "https://core.shopimind.com/" in message


def test_crash_before_cursor_write_then_restart_loses_nothing(tmp_path: Path) -> None:
    sim = populated(store=str(tmp_path / "spmkit.sqlite3"))
    sim.crash_at("before_cursor_write")
    assert sim.tick() is None
    assert sim.trace[-1].crashed_at == "before_cursor_write"
    assert sim.cursor("customers") is None
    sim.advance(timedelta(minutes=1))
    sim.tick()
    assert len(sim.fake.records("customers")) == 30 and sim.restarts == 1


def test_unknown_crash_point_lists_the_known_ones() -> None:
    sim = Simulation()
    with pytest.raises(ValueError, match="unknown crash point 'nowhere'; choose one of: "
                                          "after_fetch_page"):
        sim.crash_at("nowhere")


def test_keep_ticks_bounds_what_a_soak_keeps_and_changes_nothing_else() -> None:
    bounded, whole = populated(keep_ticks=50), populated()
    for sim in (bounded, whole):
        sim.fault_on("outage", status(503, resource="customers", calls=(3, 4)))
        half = timedelta(seconds=30)  # written between two ticks, as a partner's users do

        def on_tick(summary: SyncSummary | None, sim: Simulation = sim,
                    half: timedelta = half) -> None:
            sim.source("customers").put(f"n{sim.ticks}", {"email": f"n{sim.ticks}@example.com"},
                                        updated_at=sim.clock.now() + half, lag=half)

        sim.run_for(timedelta(minutes=240), on_tick=on_tick)
    assert bounded.ticks == whole.ticks == len(whole.trace) == 240
    assert 50 <= len(bounded.trace) < 63
    assert bounded.trace_lines() == whole.trace_lines()[-len(bounded.trace):]
    assert len(bounded.history) == len(bounded.journal_marks) == len(bounded.trace) + 1
    assert len(bounded.db.list_runs()) <= len(bounded.trace) + 1
    assert bounded.fake.journal_length == whole.fake.journal_length
    assert len(bounded.fake.journal) <= 1.25 * 50 * 6
    assert bounded.partner.call_count == len(whole.partner.calls)
    assert bounded.violations == whole.violations == []
    assert bounded.undelivered() == whole.undelivered() == []
    for sim in (bounded, whole):
        sim.close()
    with pytest.raises(InvalidArgument, match=r"keep_ticks=10\) must be an int >= 50"):
        Simulation(World(), keep_ticks=10)
