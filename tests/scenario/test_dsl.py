from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spmkit_testing.fake import FaultRule
from spmkit_testing.scenario import (
    InvalidScenario,
    Scenario,
    World,
    absent,
    add,
    advance,
    clock_step,
    crash,
    cursor_at,
    customer,
    customers,
    dead_letters,
    delete,
    error_mentions,
    failed_chunk,
    fault_off,
    fault_on,
    format_duration,
    full_backfill,
    http_status,
    latency,
    network_error,
    nothing_lost,
    order,
    orders,
    parse_duration,
    partner_fault,
    poison,
    present,
    ran,
    rate_limit,
    rate_limited,
    record,
    refused_chunk,
    run_for,
    run_status,
    skipped,
    stores_down,
    tick,
    timeout,
    update,
    violates,
)
from spmkit_testing.scenario._faults import FieldMatches
from spmkit_testing.source import SourceFault


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("-30m", timedelta(minutes=-30)),
        ("1h30m", timedelta(minutes=90)),
        ("250ms", timedelta(milliseconds=250)),
        ("1.5s", timedelta(seconds=1.5)),
    ],
)
def test_parse_duration(text: str, delta: timedelta) -> None:
    assert parse_duration(text, "x") == delta
    assert parse_duration(format_duration(delta), "x") == delta


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(minutes=-30), "-30m"),
        (timedelta(hours=26), "1d2h"),
        (timedelta(milliseconds=250), "250ms"),
        (timedelta(microseconds=1), "0.000001s"),
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


def test_bad_duration_names_the_argument_and_the_fix() -> None:
    with pytest.raises(InvalidScenario) as excinfo:
        advance("5 minutes")
    assert excinfo.value.args == (
        "Expected a duration for delta but got delta='5 minutes' (type=str); write it as a "
        "short string such as '90s', '5m', '2h', '1d' or '-30m', or pass a datetime.timedelta.",
    )
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    ("element", "text"),
    [
        (customer("c7", email="not-an-email", at="-1h", lag="2m"),
         "customer('c7', email='not-an-email', at='-1h', lag='2m')"),
        (customer("c1"), "customer('c1')"),
        (order("o1", store="store-2", amount=12.5), "order('o1', store='store-2', amount=12.5)"),
        (order("o1"), "order('o1')"),
        (record("products@x", "p1", data={"name": "Pen"}),
         "record('products@x', 'p1', data={'name': 'Pen'})"),
        (customers(count=50), "customers(count=50)"),
        (orders(count=3, store="store-2", spread="2h"),
         "orders(count=3, store='store-2', spread='2h')"),
        (tick(), "tick()"),
        (tick(3), "tick(3)"),
        (advance(timedelta(minutes=5)), "advance('5m')"),
        (run_for("1h"), "run_for('1h')"),
        (run_for("10m", every="65s"), "run_for('10m', every='1m5s')"),
        (fault_on("api", http_status(503)), "fault_on('api', http_status(503))"),
        (fault_off("api"), "fault_off('api')"),
        (add(customer("c1"), customers(count=2, prefix="n")),
         "add(customer('c1'), customers(count=2, prefix='n'))"),
        (update("c1", email="x@example.com"), "update('c1', email='x@example.com')"),
        (update("o1", stream="orders@store-1", amount=3),
         "update('o1', stream='orders@store-1', amount=3)"),
        (delete("c1"), "delete('c1')"),
        (clock_step("-30m"), "clock_step('-30m')"),
        (crash(), "crash()"),
        (crash(at="after_push", nth=2), "crash(at='after_push', nth=2)"),
        (full_backfill(), "full_backfill()"),
        (rate_limited(retry_after=30, resource="customers", calls=(1, 2)),
         "rate_limited(retry_after=30, resource='customers', calls=[1, 2])"),
        (network_error(probability=0.5), "network_error(probability=0.5)"),
        (timeout(), "timeout()"),
        (latency("2s", method="POST"), "latency('2s', method='POST')"),
        (failed_chunk(resource="customers"), "failed_chunk(resource='customers')"),
        (refused_chunk(), "refused_chunk()"),
        (refused_chunk(status=400), "refused_chunk(status=400)"),
        (poison("email", regex="@x$"), "poison('email', regex='@x$')"),
        (rate_limit(5, refill_per_second=0.5), "rate_limit(capacity=5, refill_per_second=0.5)"),
        (partner_fault("customers", "null_page", times=1),
         "partner_fault('customers', 'null_page', times=1)"),
        (stores_down(), "stores_down()"),
        (cursor_at(3, "customers", "held"), "cursor_at(3, 'customers', 'held')"),
        (cursor_at(3, "customers", "90s"), "cursor_at(3, 'customers', '1m30s')"),
        (ran("customers", 1, 2, 4), "ran('customers', 1, 2, 4)"),
        (skipped("customers", 3), "skipped('customers', 3)"),
        (skipped("c", 2, reason="clock_behind_cursor"),
         "skipped('c', 2, reason='clock_behind_cursor')"),
        (run_status(2, "partial"), "run_status(2, 'partial')"),
        (error_mentions(1, "customers", "422"), "error_mentions(1, 'customers', '422')"),
        (dead_letters(3), "dead_letters(3)"),
        (dead_letters(3, entity="customers"), "dead_letters(3, entity='customers')"),
        (present("customers", "c1"), "present('customers', 'c1')"),
        (absent("customers", "c1", "c2"), "absent('customers', 'c1', 'c2')"),
        (nothing_lost(), "nothing_lost()"),
        (violates("I3"), "violates('I3')"),
        (World(), "World()"),
        (World(seed=3, start="2026-02-01T00:00:00Z", overlap_seconds=120, store="sqlite"),
         "World(seed=3, start='2026-02-01T00:00:00Z', overlap_seconds=120, store='sqlite')"),
    ],
)
def test_repr_is_the_dsl_text_that_builds_it(element: object, text: str) -> None:
    import spmkit_testing.scenario as dsl

    assert repr(element) == text
    assert eval(text, vars(dsl)) == element


def test_faults_map_to_the_fake_rules() -> None:
    assert http_status(502, resource="customers").to_rule() == FaultRule.http_error(
        502, resource="customers")
    assert refused_chunk(calls=2).to_rule() == FaultRule.refused_chunk(calls=2)
    rule = poison("email", value="bad@example.com").to_rule()
    predicate = FieldMatches("email", "bad@example.com")
    assert rule == FaultRule.poison(predicate, reason="poisoned: email == 'bad@example.com'")
    assert predicate({"email": "bad@example.com"}) and not predicate({"email": "ok@example.com"})
    assert FieldMatches("email", regex=r"@x\.test$")({"email": "a@x.test"})
    assert partner_fault("customers", "server_error", status=503).to_rule() == SourceFault(
        "server_error", status=503, name="customers:server_error")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: poison("email"), "poison('email') needs exactly one of value= or regex="),
        (lambda: http_status(404), "http_error status must be one of"),
        (lambda: partner_fault("customers", "boom"), "Unknown kind='boom'; choose from: "),
        (lambda: crash(at="nowhere"), "Unknown at='nowhere'; choose from: 'after_fetch_page'"),
        (lambda: fault_on("x", "503"), "fault_on('x', ...) expects a fault such as"),
        (lambda: add(), "add() needs at least one record"),
        (lambda: update("c1"), "update('c1') needs at least one change"),
        (lambda: advance("-5m"), "use clock_step('-5m') for a clock that jumps back"),
        (lambda: run_for("1m", every="5m"), "needs 0 < every <= duration"),
        (lambda: tick(0), "Expected an int >= 1 for n but got n=0 (type=int)."),
        (lambda: cursor_at(1, "customers", "moved"), "state must be one of 'held'"),
        (lambda: violates("I9"), "Unknown invariant='I9'; choose from: 'I1'"),
        (lambda: customer("c1", lag="-1m"), "lag='-1m' is negative"),
        (lambda: World(store="postgres"), "Unknown store='postgres'; choose from: 'memory'"),
        (lambda: World(start="2026-01-01T00:00:00"), "has no timezone; add 'Z'"),
        (lambda: World(tolerate_rejects=2), "tolerate_rejects must be False, True or a ratio"),
        (lambda: World(integration="nocolon"), "integration must be 'package.module:attribute'"),
        (lambda: World(records=["c1"]), "World(records=...) takes records such as"),
        (lambda: Scenario("two words"), "Scenario name must be a snake_case identifier"),
        (lambda: Scenario("ok", timeline=tick()), "Scenario(timeline=...) must be a list"),
    ],
)
def test_bad_arguments_are_named(build: object, message: str) -> None:
    with pytest.raises(InvalidScenario) as excinfo:
        build()  # type: ignore[operator]
    assert message in str(excinfo.value)


def test_world_normalises_strings_and_lists() -> None:
    world = World(start="2026-03-01T12:00:00+01:00", skew="-2m", stores=["a"], records=[])
    assert world.start == datetime(2026, 3, 1, 11, tzinfo=UTC)
    assert world.skew == timedelta(minutes=-2)
    assert world.stores == ("a",)
    assert world == World(start=datetime(2026, 3, 1, 11, tzinfo=UTC), skew=timedelta(minutes=-2),
                          stores=("a",))


def test_factories_are_deterministic_per_seed() -> None:
    factory = customers(count=3)
    first, again, other = factory.expand(1), factory.expand(1), factory.expand(2)
    assert first == again
    assert [r.key for r in first] == ["c1", "c2", "c3"]
    assert [r.data for r in first] != [r.data for r in other]
    assert first[-1].at == timedelta(0) and first[0].at == timedelta(minutes=-40)


def test_summary_is_the_first_line() -> None:
    assert Scenario("x", "First line.\n\nMore.").summary == "First line."
    assert Scenario("x").summary == ""
