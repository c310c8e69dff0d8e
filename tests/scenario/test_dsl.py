from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from spmkit_testing.scenario import (
    InvalidScenario,
    Scenario,
    Target,
    World,
    absent,
    add,
    add_source,
    advance,
    clock_step,
    connect_error,
    connection_reset,
    crash,
    cursor_at,
    dead_letters,
    delete,
    duplicate_page,
    error_mentions,
    error_page,
    failed_chunk,
    fault_off,
    fault_on,
    format_duration,
    full_backfill,
    latency,
    nothing_lost,
    null_page,
    parse_duration,
    poison,
    present,
    ran,
    rate_limited,
    read_timeout,
    record,
    records,
    refused_chunk,
    reordered_page,
    run_for,
    run_status,
    skipped,
    status,
    tick,
    token_bucket,
    update,
    violates,
)


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
        (record("c7", email="not-an-email", at="-1h", lag="2m"),
         "record('c7', email='not-an-email', at='-1h', lag='2m')"),
        (record("c1"), "record('c1')"),
        (record("bad", poisoned=True), "record('bad', poisoned=True)"),
        (record("o1", stream="per-source@store-2", amount=12.5),
         "record('o1', stream='per-source@store-2', amount=12.5)"),
        (record("p1", stream="products", fields={"a-b": 1}),
         "record('p1', stream='products', fields={'a-b': 1})"),
        (records(50), "records(50)"),
        (records(3, stream="orders@store-2", spread="2h", poisoned=True),
         "records(3, stream='orders@store-2', spread='2h', poisoned=True)"),
        (tick(), "tick()"),
        (tick(3), "tick(3)"),
        (advance(timedelta(minutes=5)), "advance('5m')"),
        (run_for("1h"), "run_for('1h')"),
        (run_for("10m", every="65s"), "run_for('10m', every='1m5s')"),
        (fault_on("api", status(503)), "fault_on('api', status(503))"),
        (fault_off("api"), "fault_off('api')"),
        (add(record("c1"), records(2, prefix="n")), "add(record('c1'), records(2, prefix='n'))"),
        (add_source("store-3"), "add_source('store-3')"),
        (update("c1", email="x@example.com"), "update('c1', email='x@example.com')"),
        (update("o1", stream="orders@store-1", amount=3),
         "update('o1', stream='orders@store-1', amount=3)"),
        (delete("c1"), "delete('c1')"),
        (clock_step("-30m"), "clock_step('-30m')"),
        (crash(), "crash()"),
        (crash(at="after_push", nth=2), "crash(at='after_push', nth=2)"),
        (full_backfill(), "full_backfill()"),
        (rate_limited("30s", resource="customers", calls=(1, 2)),
         "rate_limited('30s', resource='customers', calls=(1, 2))"),
        (status(502, body="html", target="partner", calls=(3, None)),
         "status(502, body='html', target='partner', calls=(3, None))"),
        (status(503, target="orders/sources", retry_after="1m"),
         "status(503, retry_after='1m', target='orders/sources')"),
        (connect_error(probability=0.5), "connect_error(probability=0.5)"),
        (connection_reset(times=2), "connection_reset(times=2)"),
        (read_timeout(target="customers@store-1"), "read_timeout(target='customers@store-1')"),
        (latency("2s", method="POST"), "latency('2s', method='POST')"),
        (failed_chunk(resource="customers"), "failed_chunk(resource='customers')"),
        (refused_chunk(), "refused_chunk()"),
        (refused_chunk(status=400), "refused_chunk(status=400)"),
        (poison("email", regex="@x$"), "poison('email', regex='@x$')"),
        (poison(keys=["bad"], reason="nope"), "poison(keys=['bad'], reason='nope')"),
        (token_bucket(5, refill_per_second=0.5), "token_bucket(5, refill_per_second=0.5)"),
        (null_page(times=1), "null_page(times=1)"),
        (error_page(target="customers"), "error_page(target='customers')"),
        (duplicate_page(count=2), "duplicate_page(count=2)"),
        (reordered_page(window=("2026-01-01T00:05:00Z", "2026-01-01T00:06:00Z")),
         "reordered_page(window=('2026-01-01T00:05:00Z', '2026-01-01T00:06:00Z'))"),
        (cursor_at(3, "customers", "held"), "cursor_at(3, 'customers', 'held')"),
        (cursor_at(3, "customers", "90s"), "cursor_at(3, 'customers', '1m30s')"),
        (cursor_at(3, "global", "backoff"), "cursor_at(3, 'global', 'backoff')"),
        (ran("customers", 1, 2, 4), "ran('customers', 1, 2, 4)"),
        (skipped("customers", 3), "skipped('customers', 3)"),
        (skipped("c", 2, reason="clock_behind_cursor"),
         "skipped('c', 2, reason='clock_behind_cursor')"),
        (run_status(2, "partial"), "run_status(2, 'partial')"),
        (error_mentions(1, "customers", "422"), "error_mentions(1, 'customers', '422')"),
        (dead_letters(3), "dead_letters(3)"),
        (dead_letters(3, stream="customers"), "dead_letters(3, stream='customers')"),
        (present("customers", "c1"), "present('customers', 'c1')"),
        (absent("customers", "c1", "c2"), "absent('customers', 'c1', 'c2')"),
        (nothing_lost(), "nothing_lost()"),
        (violates("I3"), "violates('I3')"),
        (World(), "World()"),
        # cast: World takes an ISO string for start but annotates it as a datetime only.
        (World(seed=3, start=cast(Any, "2026-02-01T00:00:00Z"), overlap_seconds=120,
               store="sqlite"),
         "World(seed=3, start='2026-02-01T00:00:00Z', overlap_seconds=120, store='sqlite')"),
    ],
)
def test_repr_is_the_dsl_text_that_builds_it(element: object, text: str) -> None:
    import spmkit_testing.scenario as dsl

    assert repr(element) == text
    assert eval(text, vars(dsl)) == element


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: poison("email"), "poison('email') needs exactly one of value= or regex="),
        (lambda: status(200), "status(200) is not a failure"),
        (lambda: rate_limited(30),  # type: ignore[arg-type]  # a wrong type on purpose
         "retry_after=30 is a bare number; write durations as strings"),
        (lambda: null_page(target="api"), "null_page() only applies to a partner stream"),
        (lambda: failed_chunk(target="customers"), "failed_chunk() only applies to the "
                                                   "ShopiMind API"),
        (lambda: status(503, target="a@b@c"), "target='a@b@c' is not a fault target"),
        (lambda: status(503, nth=2), "status() got unexpected keyword(s) nth"),
        (lambda: crash(at="no where"), "crash(at='no where'): name a crash point, such as "
                                       "'after_push'"),
        (lambda: fault_on("x", "503"),  # type: ignore[arg-type]  # a wrong type on purpose
         "fault_on('x', ...) expects a fault such as"),
        (lambda: add(), "add() needs at least one record"),
        (lambda: update("c1"), "update('c1') needs at least one change"),
        (lambda: advance("-5m"), "use clock_step('-5m') for a clock that jumps back"),
        (lambda: run_for("1m", every="5m"), "needs 0 < every <= duration"),
        (lambda: tick(0), "Expected an int >= 1 for n but got n=0 (type=int)."),
        (lambda: cursor_at(1, "customers", "moved"), "state must be one of 'held'"),
        (lambda: violates("I11"), "Unknown invariant='I11'; choose from: 'I1'"),
        (lambda: record("c1", lag="-1m"), "lag='-1m' is negative"),
        (lambda: record("c1", stream="a/b"), "stream='a/b' is not a stream-source"),
        (lambda: World(store="postgres"), "World(store='postgres'): use ':memory:', 'sqlite'"),
        # cast: World takes an ISO string for start but annotates it as a datetime only.
        (lambda: World(start=cast(Any, "2026-01-01T00:00:00")), "has no timezone; add 'Z'"),
        (lambda: World(tolerate_rejects=2), "tolerate_rejects must be None, False, True or a"),
        (lambda: Target("nocolon"), "integration must be 'package.module:attribute'"),
        (lambda: World(records=["c1"]),  # type: ignore[list-item]  # a wrong type on purpose
         "World(records=...) takes records such as"),
        (lambda: Scenario("two words"), "Scenario name must be a snake_case identifier"),
        (lambda: Scenario(
            "ok", timeline=tick()),  # type: ignore[arg-type]  # a wrong type on purpose
         "Scenario(timeline=...) must be a list"),
        (lambda: Scenario("ok", timeline=[
            present("global", "c1")]),  # type: ignore[list-item]  # a wrong type on purpose
         "present('global', 'c1') is not a timeline step"),
        (lambda: Scenario("ok", needs=["webhooks"]), "Unknown needs[]='webhooks'; choose from"),
    ],
)
def test_bad_arguments_are_named(build: object, message: str) -> None:
    with pytest.raises(InvalidScenario) as excinfo:
        build()  # type: ignore[operator]
    assert message in str(excinfo.value)


def test_world_normalises_strings_and_lists() -> None:
    # cast: World takes an ISO string and a duration string but annotates a datetime and a
    # timedelta only.
    world = World(start=cast(Any, "2026-03-01T12:00:00+01:00"), skew=cast(Any, "-2m"),
                  sources=["a"], records=[])
    assert world.start == datetime(2026, 3, 1, 11, tzinfo=UTC)
    assert world.skew == timedelta(minutes=-2)
    assert world.sources == ("a",)
    assert world == World(start=datetime(2026, 3, 1, 11, tzinfo=UTC), skew=timedelta(minutes=-2),
                          sources=("a",))


def test_requirements_add_what_the_text_uses_to_what_is_declared() -> None:
    scenario = Scenario("x", world=World(records=[records(2, stream="per-source@store-1")]),
                        timeline=[fault_on("n", null_page(target="global")),
                                  fault_on("s", status(503, target="per-source/sources"))],
                        needs=["http"])
    assert scenario.requirements() == ("global", "per-source", "sources-listing", "pages",
                                       "http")
    assert Scenario("y", timeline=[tick()]).requirements() == ()


def test_summary_is_the_first_line() -> None:
    assert Scenario("x", "First line.\n\nMore.").summary == "First line."
    assert Scenario("x").summary == ""
