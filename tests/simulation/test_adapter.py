"""Adapters: refused when wrong, for any partner shape (HTTP route tables or an SDK object)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from spmkit import (
    Integration,
    InvalidArgument,
    StepContext,
    StepResult,
    SyncContext,
    SyncStep,
    define_bulk_step,
    define_integration,
)
from spmkit_testing import (
    Adapter,
    InvalidAdapter,
    Partner,
    Simulation,
    Stream,
    Target,
    World,
    rest,
)
from spmkit_testing.faults import latency, null_page, status
from spmkit_testing.reference import build_reference_integration, reference_adapter

BASE = "https://partner.test"


def routes(*extra: Any) -> rest.RestApi:
    return rest.api(BASE, [rest.records("/customers", stream="customers",
                                        paging=rest.page_number()), *extra])


def settings(partner: Partner) -> Any:
    return None


def first_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    return str(exc.value).splitlines()[0]


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Adapter(streams=[], partner_api=routes(), settings=settings),
     "Adapter(streams=[]): give a non-empty list of Stream(...), one per sync step."),
    (lambda: Adapter(streams=[Stream("customers", resource="customers")] * 2,
                     partner_api=routes(), settings=settings),
     "Adapter(streams=...): streams ['customers'] appear more than once."),
    (lambda: Stream("customers", resource="custmers"),
     "Stream('customers', resource='custmers'): not a ShopiMind bulk resource; choose one of: "
     "customers, customers-addresses, customers-groups, newsletter-subscribers, orders, "
     "orders-carriers, orders-statuses, products, products-categories, products-images, "
     "products-manufacturers, products-variations, vouchers."),
    (lambda: Stream("global", resource="customers"),
     "Stream(name='global'): 'global', 'per-source' are role names of library scenarios; "
     "name the stream after its step's entity."),
    (lambda: Adapter(streams=[Stream("customers", resource="customers"),
                              Stream("orders", resource="orders")],
                     partner_api=routes(), settings=settings),
     "Adapter: stream 'orders' has no records route; add rest.records('/path', "
     "stream='orders', paging=...)."),
    (lambda: Adapter(streams=[Stream("customers", resource="customers"),
                              Stream("orders", resource="orders", per_source=True)],
                     partner_api=routes(rest.records("/s/{source}/orders", stream="orders",
                                                     paging=rest.page_number())),
                     settings=settings),
     "Adapter: per-source stream 'orders' has no sources route (how the integration lists "
     "its sources); add rest.sources('/path', stream='orders')."),
    (lambda: Adapter(streams=[Stream("customers", resource="customers")],
                     partner_api=routes(rest.records("/x", stream="contacts",
                                                     paging=rest.page_number())),
                     settings=settings),
     "Adapter: a route of rest.api('https://partner.test', 2 route(s)) serves stream "
     "'contacts', which is not among the streams (customers)."),
    (lambda: Adapter(streams=[Stream("customers", resource="customers")],
                     partner_api=routes(), settings=None),  # type: ignore[arg-type]
     "Adapter(settings=None) must be a function partner -> settings that points the "
     "integration at the simulation."),
    (lambda: Adapter(streams=[Stream("customers", resource="customers")],
                     partner_api="https://partner.test", settings=settings),  # type: ignore[arg-type]
     "Adapter(partner_api='https://partner.test') must be rest.api(...) or a function "
     "partner -> in-process client."),
])
def test_a_wrong_adapter_is_refused_naming_the_piece_with_an_example(
        build: Any, message: str) -> None:
    with pytest.raises(InvalidAdapter) as excinfo:
        build()
    assert first_line(excinfo) == message
    assert "A valid adapter looks like:\n    Adapter(\n        streams=[" in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def one_step(entity: str, **options: Any) -> Integration:
    step = define_bulk_step(entity, resource="customers", stream=lambda ctx: [],
                            map=lambda r, ctx: r, **options)
    return define_integration(slug="mine", sync_steps=[step])


def test_an_adapter_that_does_not_describe_the_integration_is_refused() -> None:
    adapter = Adapter(streams=[Stream("customers", resource="customers")],
                      partner_api=routes(), settings=settings)
    with pytest.raises(InvalidAdapter) as excinfo:
        Simulation(World(), Target(one_step("contacts"), adapter))
    assert first_line(excinfo) == (
        "the adapter's stream 'customers' has no step in integration 'mine' (steps: "
        "contacts); a stream is named after its step's entity.")
    with pytest.raises(InvalidAdapter) as excinfo:
        Simulation(World(), Target(one_step("customers", cursor_scope="per-source",
                                            sources=lambda c: ["a"]), adapter))
    assert first_line(excinfo) == (
        "stream 'customers': the step's cursor_scope is 'per-source' but the stream says "
        "per_source=False; make them agree.")
    with pytest.raises(InvalidAdapter, match=r"Target\(integration='mine'\) needs "
                                             r"adapter=\.\.\."):
        Simulation(World(), Target(one_step("customers")))


def test_policies_are_applied_or_refused_never_ignored() -> None:
    with Simulation(World(tolerate_rejects=0.25)) as sim:
        assert {s.tolerate_rejects for s in sim.integration.sync_steps} == {0.25}
    with Simulation(World(batch_size=3)) as sim:  # the reference is a builder: it is applied
        assert sim.integration.slug == "demo-pos"
    # An Integration object: its define_bulk_step steps are rebuilt with the batch size.
    built = build_reference_integration()
    with Simulation(World(batch_size=3, tolerate_rejects=0.5),
                    Target(built, reference_adapter)) as sim:
        assert sim.integration is not built
        assert {s.tolerate_rejects for s in sim.integration.sync_steps} == {0.5}
        assert all(s.rebuild is not None for s in sim.integration.sync_steps)
    # A hand-written step cannot take one: refused, naming the step and what to do.
    manual = define_integration(slug="mine", sync_steps=[
        SyncStep(entity="customers", run=advance_to_until)])
    adapter = Adapter(streams=[Stream("customers", resource="customers")],
                      partner_api=routes(), settings=settings)
    with pytest.raises(InvalidArgument) as excinfo:
        Simulation(World(batch_size=3), Target(manual, adapter))
    assert str(excinfo.value) == (
        "with_step_policies(batch_size=3): step 'customers' of 'mine' is a hand-written "
        "SyncStep, whose batches are its own business: only a step built with "
        "define_bulk_step(...) can be rebuilt with another batch_size. Build 'customers' with "
        "define_bulk_step, or leave batch_size out. Build the step with "
        "spmkit.define_bulk_step(...), or name a builder that takes the policy: def build(*, "
        "batch_size=500, tolerate_rejects=False) -> Integration.")
    assert Target(manual, adapter).refuses_batch_size() == (
        "step 'customers' of 'mine' is a hand-written SyncStep, so it has no batch_size to "
        "change. Build the step with spmkit.define_bulk_step(...), or name a builder that "
        "takes the policy: def build(*, batch_size=500, tolerate_rejects=False) -> "
        "Integration.")


async def advance_to_until(ctx: StepContext) -> StepResult:
    assert ctx.window is not None
    return StepResult(advance_cursor_to=ctx.window.until)


def test_a_factory_gets_the_policies_its_signature_takes_and_a_fresh_integration() -> None:
    calls: list[dict[str, Any]] = []

    def factory() -> Integration:  # takes no policy: they are applied to what it returns
        calls.append({})
        return build_reference_integration()

    def tolerant_only(*, tolerate_rejects: bool | float = False) -> Integration:
        calls.append({"tolerate_rejects": tolerate_rejects})
        return build_reference_integration(tolerate_rejects=tolerate_rejects)

    world = World(batch_size=3, tolerate_rejects=0.5)
    with Simulation(world, Target(factory, reference_adapter)) as one, \
            Simulation(world, Target(factory, reference_adapter)) as two:
        assert one.integration is not two.integration  # a fresh one per world
        assert {s.tolerate_rejects for s in one.integration.sync_steps} == {0.5}
    with Simulation(world, Target(tolerant_only, reference_adapter)) as sim:
        assert {s.tolerate_rejects for s in sim.integration.sync_steps} == {0.5}
    assert calls == [{}, {}, {"tolerate_rejects": 0.5}]
    assert Target(factory, reference_adapter).refuses_batch_size() is None


# -- a partner reached through a vendor SDK: an in-process client object --------------------

class FakeVendorSdk:
    """What an adapter author writes for an SDK partner: the SDK's surface, over the Partner."""

    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    async def contacts(self, since: Any, after: tuple[Any, str] | None) -> Any:
        return await self.partner.fetch("contacts", since=since, after=after, limit=2)


@dataclass(frozen=True)
class SdkSettings:
    sdk: FakeVendorSdk


async def read_contacts(ctx: StepContext) -> AsyncIterator[Mapping[str, Any]]:
    from datetime import datetime

    assert ctx.window is not None
    after: tuple[Any, str] | None = None
    while True:
        page = await ctx.settings.sdk.contacts(ctx.window.since, after)
        if not isinstance(page, list):
            raise RuntimeError(f"the SDK answered {page!r}")
        for row in page:
            yield row
        if len(page) < 2:
            return
        after = (datetime.fromisoformat(page[-1]["updated_at"]), page[-1]["key"])


def sdk_world() -> tuple[Integration, Adapter]:
    step = define_bulk_step(
        "contacts", resource="customers", stream=read_contacts,
        map=lambda r, ctx: {"customer_id": r["key"], "email": r["email"],
                            "updated_at": r["updated_at"]})
    adapter = Adapter(streams=[Stream("contacts", resource="customers")],
                      partner_api=FakeVendorSdk, settings=lambda p: SdkSettings(p.client))
    return define_integration(slug="sdk-crm", sync_steps=[step]), adapter


def test_an_sdk_partner_is_simulated_through_an_in_process_client() -> None:
    integration, adapter = sdk_world()
    assert adapter.capabilities == {"global", "pages", "sources-listing"}
    with Simulation(World(), Target(integration, adapter)) as sim:
        assert isinstance(sim.partner.client, FakeVendorSdk)
        for i in range(5):
            sim.put("contacts", f"c{i}", {"email": f"u{i}@example.com"})
        sim.fault_on("down", status(503, target="contacts", times=1))
        sim.fault_on("null", null_page(target="contacts", times=1))
        sim.run_for(timedelta(minutes=4))
        assert [t.status for t in sim.trace] == ["partial", "partial", "ok", "ok"]
        assert set(sim.fake.records("customers")) == {f"c{i}" for i in range(5)}
        assert sim.violations == [] and sim.undelivered() == []


def test_two_workers_on_one_tick_run_each_step_source_once() -> None:
    with Simulation(World(seed=3)) as sim:
        for i in range(5):
            sim.put("customers", f"c{i}")
            sim.put("orders@store-2", f"o{i}")
        # Reads take time, so the two workers overlap (a zero-latency world never does).
        sim.fault_on("slow partner", latency("2s", target="partner"))
        sim.advance(timedelta(minutes=1))
        sim.tick(workers=2)
        first, second = sim.trace[-2:]
        assert (first.trigger, second.trigger) == ("tick", "worker-2")
        runs = {(s.entity, s.source_key): (first.index if s in first.steps else second.index)
                for t in (first, second) for s in t.steps if s.skipped is None}
        leased = sorted((s.entity, s.source_key) for t in (first, second) for s in t.steps
                        if s.skipped == "leased")
        assert sorted(runs) == [("customers", ""), ("orders", "store-1"), ("orders", "store-2")]
        assert leased == sorted(runs)  # each ran in one worker, the other was told it is leased
        assert sim.violations == []
        assert len(sim.fake.records("customers")) == 5 and len(sim.fake.records("orders")) == 5


def test_the_schedule_of_run_for_is_fixed_like_cron() -> None:
    with Simulation() as sim:
        sim.put("customers", "c1")
        sim.fault_on("slow", status(503, method="POST", times=1))  # ~3 s of client retries
        start = sim.clock.now()
        sim.run_for(timedelta(minutes=3))
        assert [t.now for t in sim.trace] == [
            (start + timedelta(minutes=k)).isoformat() for k in (1, 2, 3)]


def test_sync_context_type_is_what_sources_receive() -> None:
    # sources() gets the run context; a per-source SDK stream lists through the partner.
    seen: list[str] = []

    async def sources(ctx: SyncContext) -> list[str]:
        keys: list[str] = await ctx.settings.sdk.partner.list_sources("deals")
        seen.extend(keys)
        return keys

    step = define_bulk_step("deals", resource="orders", stream=lambda ctx: [],
                            map=lambda r, ctx: r, cursor_scope="per-source", sources=sources)
    adapter = Adapter(streams=[Stream("deals", resource="orders", per_source=True)],
                      partner_api=FakeVendorSdk, settings=lambda p: SdkSettings(p.client))
    with Simulation(World(sources=("w1", "w2")),
                    Target(define_integration(slug="deals", sync_steps=[step]), adapter)) as sim:
        sim.tick()
    assert seen == ["w1", "w2"]
