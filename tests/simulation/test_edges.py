"""A record stamped exactly on a cursor is not "lost for good" while the integration's next
window can still read it (an inclusive ``since`` re-reads the edge); once a window has
passed it without reading it, it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from spmkit import define_bulk_step, define_integration
from spmkit_testing import Adapter, Simulation, Stream, Target, World
from spmkit_testing.faults import status


@dataclass(frozen=True)
class Settings:
    partner: Any
    since_inclusive: bool


async def changes(ctx: Any) -> Any:
    rows = await ctx.settings.partner.fetch("customers", since=ctx.window.since,
                                            until=ctx.window.until, limit=1000,
                                            since_inclusive=ctx.settings.since_inclusive)
    for row in rows:
        yield row


INTEGRATION = define_integration(slug="edges", sync_steps=[define_bulk_step(
    "customers", stream=changes,
    map=lambda row, ctx: {"customer_id": row["key"], "updated_at": row["updated_at"]})])


def simulation(since_inclusive: bool) -> Simulation:
    adapter = Adapter(streams=[Stream("customers", resource="customers")],
                      partner_api=lambda partner: partner,
                      settings=lambda partner: Settings(partner.client, since_inclusive))
    return Simulation(World(seed=3), Target(INTEGRATION, adapter))


def stamped_on_the_cursor_during_a_failure(sim: Simulation) -> None:
    sim.advance("1m")
    sim.tick()                                   # the cursor is now T
    sim.advance("30s")
    sim.put("customers", "edge", at=-timedelta(seconds=30))   # stamped T, readable now
    sim.fault_on("down", status(503, target="customers"))
    sim.advance("30s")
    sim.tick()                                   # fails: the cursor stays at T
    sim.fault_off("down")


def test_an_inclusive_since_re_reads_the_edge_and_nothing_is_reported() -> None:
    with simulation(since_inclusive=True) as sim:
        stamped_on_the_cursor_during_a_failure(sim)
        assert sim.violations == []
        sim.advance("1m")
        sim.tick()
        assert "edge" in sim.fake.records("customers")
        assert sim.settle() == [] and sim.violations == []


def test_an_exclusive_since_never_reads_it_and_the_loss_is_reported() -> None:
    with simulation(since_inclusive=False) as sim:
        stamped_on_the_cursor_during_a_failure(sim)
        assert sim.violations == []
        sim.advance("1m")
        sim.tick()                               # the window (T, now] passes it for good
        assert "edge" not in sim.fake.records("customers")
        assert [(v.invariant, v.tick, v.record) for v in sim.violations] == [("I3", 3, "edge")]
