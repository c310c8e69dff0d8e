"""Thirty simulated days of the reference integration, one tick per simulated minute.

``spmkit_testing.Simulation`` with its default reference integration (Demo POS:
customers over ``updated_since`` pagination, orders per store over page + size,
read over HTTP with httpx and pushed through ``SpmClient`` to the fake API). A
steady trickle of new partner records: one customer every 10 minutes and one order
per store every 30 minutes. Prints one JSON object: wall seconds, how much faster than
real time (``speedup``), the peak RSS, records delivered, and whether every partner
record reached the fake API (nothing lost).

``keep_ticks`` bounds what the simulation keeps per tick (a long soak; see
``Simulation(keep_ticks=...)``); ``direct=True`` adds the same world read in-process.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from benchmarks._common import emit, peak_rss_mib, run_main
from spmkit import Integration, StepContext, SyncSummary, define_bulk_step, define_integration
from spmkit_testing import Simulation, Target, World
from spmkit_testing.reference import reference_adapter

DAYS = 30
TARGET_SPEEDUP = 250_000  # simulated seconds per wall second
CUSTOMER_EVERY = 10  # minutes
ORDER_EVERY = 30  # minutes, per store
HALF = timedelta(seconds=30)


def _direct_integration(holder: dict[str, Simulation]) -> Integration:
    """The reference integration's steps, reading the partner in-process (no HTTP).

    Only for the comparison figure: it shows what the engine, the store, the client
    pushes and the harness cost without the partner's httpx round trips.
    """
    from spmkit_testing.reference import customer_item, order_item, provisioning

    def rows(stream: str, ctx: StepContext) -> list[dict[str, Any]]:
        assert ctx.window is not None
        source = holder["sim"].source(stream)
        return [{"key": r.key, "updated_at": r.updated_at.isoformat().replace("+00:00", "Z"),
                 "data": dict(r.payload)}
                for r in source.read_window(ctx.window.since, ctx.window.until)
                if not r.deleted]

    customers = define_bulk_step("customers", stream=lambda ctx: rows("customers", ctx),
                                 map=lambda r, ctx: customer_item(r), data_source="pos")
    orders = define_bulk_step("orders", stream=lambda ctx: rows(f"orders@{ctx.source_key}", ctx),
                              map=lambda r, ctx: order_item(r),
                              data_source=lambda ctx: ctx.source_key, cursor_scope="per-source",
                              sources=lambda ctx: holder["sim"].partner.sources)
    return define_integration(slug="demo-pos-direct", sync_steps=[customers, orders],
                              provisioning=provisioning)


def _simulate(days: float, *, direct: bool, keep_ticks: int | None = None) -> dict[str, Any]:
    holder: dict[str, Simulation] = {}
    extra: dict[str, Any] = {} if keep_ticks is None else {"keep_ticks": keep_ticks}
    sim = Simulation(World(seed=1), Target(_direct_integration(holder) if direct else None,
                                           reference_adapter if direct else None), **extra)
    holder["sim"] = sim
    customers = sim.source("customers")
    orders = [(store, sim.source(f"orders@{store}")) for store in sim.partner.sources]
    ticks = round(days * 24 * 60)
    state = {"minute": 0, "ok": 0, "customers": 0, "orders": 0}

    def on_tick(summary: SyncSummary | None) -> None:
        # New partner records are written half-way to the next tick (stamped and
        # readable then), as a partner's users would.
        state["minute"] += 1
        minute = state["minute"]
        state["ok"] += summary is not None and summary.status == "ok"
        if minute % CUSTOMER_EVERY == 0:
            n = state["customers"] = state["customers"] + 1
            customers.put(f"c{n}", {"email": f"user{n}@example.com", "first_name": "Ada"},
                          updated_at=sim.clock.now() + HALF, lag=HALF)
        if minute % ORDER_EVERY == 0:
            state["orders"] += 1
            for store, stream in orders:
                stream.put(f"{store}-o{state['orders']}", {"amount": 10 + minute % 90},
                           updated_at=sim.clock.now() + HALF, lag=HALF)

    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        sim.run_for(timedelta(minutes=ticks), every=timedelta(minutes=1), on_tick=on_tick)
    finally:
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        sim.close()
    # Records written after the last tick are not due yet: compare what was readable.
    pushed_customers = set(sim.fake.state.keys("customers"))
    pushed_orders = set(sim.fake.state.keys("orders"))
    expected_customers = {f"c{n}" for n in range(1, state["customers"] + 1)}
    expected_orders = {
        f"{store}-o{n}" for store, _ in orders for n in range(1, state["orders"] + 1)
    }
    # The last trickle lands after the last tick; everything before it must be there.
    lost = sorted((expected_customers - pushed_customers) | (expected_orders - pushed_orders))
    late = {f"c{state['customers']}"} if ticks % CUSTOMER_EVERY == 0 else set()
    if ticks % ORDER_EVERY == 0:
        late |= {f"{store}-o{state['orders']}" for store, _ in orders}
    lost = [key for key in lost if key not in late]
    requests = sim.fake.journal_length + sim.partner.call_count
    return {
        "parameters": {
            "days": days, "ticks": ticks, "tick_every_minutes": 1,
            "stores": len(sim.partner.sources),
            "customer_every_minutes": CUSTOMER_EVERY, "order_every_minutes": ORDER_EVERY,
        },
        "ok_ticks": state["ok"],
        "records_delivered": len(pushed_customers) + len(pushed_orders),
        "http_requests": requests,
        "nothing_lost": not lost,
        "lost": lost[:10],
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "ticks_per_second": round(ticks / elapsed) if elapsed > 0 else 0,
        "us_per_tick": round(elapsed / max(1, ticks) * 1e6, 1),
        "speedup": round(ticks * 60 / elapsed) if elapsed > 0 else 0,
        "violations": len(sim.violations),
    }


def main(days: float = DAYS, keep_ticks: int | None = None,
         direct: bool = False) -> dict[str, Any]:
    result = _simulate(days, direct=False, keep_ticks=keep_ticks)
    rss = peak_rss_mib()
    target = TARGET_SPEEDUP
    out: dict[str, Any] = {
        "benchmark": "simulation",
        **result,
        "keep_ticks": keep_ticks,
        "peak_rss_mib": rss,
        "target_speedup": target,
        "meets_target": result["speedup"] >= target,
    }
    if direct:
        other = _simulate(days, direct=True, keep_ticks=keep_ticks)
        out["without_partner_http"] = {
            "note": "same world; the steps read the partner in-process instead of over httpx",
            **{k: other[k] for k in ("seconds", "us_per_tick", "nothing_lost",
                                     "records_delivered")},
        }
    return emit(out)


if __name__ == "__main__":
    run_main(main)
