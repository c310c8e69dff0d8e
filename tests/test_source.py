from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from spmkit import InvalidArgument
from spmkit_testing import FakeSource, SimClock, SourceFault
from spmkit_testing.source import SourceTransport

START = datetime(2024, 1, 1, tzinfo=UTC)
BASE = "https://partner.test/api"


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
def source(clock: SimClock) -> FakeSource:
    return FakeSource(clock, seed=1)


def keys(rows: Any) -> list[str]:
    return [row.key if hasattr(row, "key") else row["key"] for row in rows]


def client_for(source: FakeSource) -> httpx.Client:
    return httpx.Client(transport=source.transport(), base_url=BASE)


def fill(source: FakeSource, clock: SimClock, count: int) -> None:
    """``count`` records, three per second (so updated_at ties are common)."""
    for i in range(count):
        source.put(f"r-{i:04d}", {"n": i})
        if i % 3 == 2:
            clock.advance(timedelta(seconds=1))


# -- records and windows ---------------------------------------------------------------------
def test_window_is_since_exclusive_until_inclusive_ordered_by_time_then_key(
    source: FakeSource, clock: SimClock
) -> None:
    source.put("b", {"v": 1})
    source.put("a", {"v": 1})
    clock.advance(timedelta(minutes=1))
    source.put("c", {"v": 1})
    clock.advance(timedelta(minutes=1))
    source.put("d", {"v": 1})
    assert keys(source.read_window(None, None)) == ["a", "b", "c", "d"]
    assert keys(source.read_window(START, START + timedelta(minutes=1))) == ["c"]
    assert keys(source.read_window(START - timedelta(seconds=1), START)) == ["a", "b"]
    assert keys(source.read_window(None, None, limit=2, offset=1)) == ["b", "c"]
    assert keys(source.read_window(None, None, cursor=(START, "a"))) == ["b", "c", "d"]
    with pytest.raises(InvalidArgument, match="naive datetime"):
        source.read_window(datetime(2024, 1, 1), None)


def test_late_arrival_is_invisible_until_visible_at(source: FakeSource, clock: SimClock) -> None:
    late = source.put("late", {"v": 1}, lag=timedelta(minutes=5))
    assert late.updated_at == START
    assert late.visible_at == START + timedelta(minutes=5)
    assert source.read_window(None, None) == []
    assert keys(source.records()) == ["late"]  # ground truth knows it
    clock.advance(timedelta(minutes=5))
    assert source.read_window(None, None) == [late]


def test_a_lagging_update_shows_the_previous_version_until_visible(
    source: FakeSource, clock: SimClock
) -> None:
    first = source.put("k", {"v": 1, "name": "x"})
    clock.advance(timedelta(seconds=10))
    second = source.update("k", {"v": 2}, lag=timedelta(seconds=30))
    assert second.payload == {"v": 2, "name": "x"}
    assert second.version == 2
    assert source.read_window(None, None) == [first]
    clock.advance(timedelta(seconds=30))
    assert source.read_window(None, None) == [second]
    assert source.versions("k") == [first, second]
    assert source.get("k") == second


def test_partner_skew_stamps_updated_at_and_can_fall_behind_a_cursor(clock: SimClock) -> None:
    source = FakeSource(clock, skew=timedelta(seconds=-90))
    clock.advance(timedelta(minutes=10))
    cursor = clock.now() - timedelta(seconds=30)  # the engine read up to here earlier
    record = source.put("skewed", {"v": 1})
    assert record.updated_at == clock.now() - timedelta(seconds=90)
    assert source.read_window(cursor, clock.now()) == []  # lost without overlap
    overlap = timedelta(seconds=120)
    assert source.read_window(cursor - overlap, clock.now()) == [record]
    source.skew = timedelta(seconds=5)
    assert source.partner_now() == clock.now() + timedelta(seconds=5)


def test_delete_writes_a_tombstone_served_as_deleted(source: FakeSource, clock: SimClock) -> None:
    source.put("k", {"v": 1})
    clock.advance(timedelta(seconds=1))
    tomb = source.delete("k")
    assert tomb.deleted and tomb.payload == {}
    assert source.read_window(None, None) == [tomb]
    assert tomb.to_item() == {
        "key": "k",
        "updated_at": "2024-01-01T00:00:01.000000Z",
        "deleted": True,
        "data": {},
    }
    assert source.records(include_deleted=False) == []
    with pytest.raises(InvalidArgument, match="cannot update key='k': it is deleted"):
        source.update("k", {"v": 2})
    with pytest.raises(InvalidArgument, match="cannot delete key='nope': it does not exist"):
        source.delete("nope")
    assert source.put("k", {"v": 3}).version == 3
    assert [(r.key, r.deleted) for r in source.records(include_deleted=False)] == [("k", False)]


def test_bad_writes_are_refused_with_a_clear_message(source: FakeSource) -> None:
    with pytest.raises(InvalidArgument, match="key must be a non-empty str"):
        source.put("", {})
    with pytest.raises(InvalidArgument, match=r"lag=.* is negative"):
        source.put("k", {}, lag=timedelta(seconds=-1))
    with pytest.raises(InvalidArgument, match="payload must be a mapping"):
        source.put("k", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="naive datetime"):
        source.put("k", {}, updated_at=datetime(2024, 1, 1))


def test_explicit_updated_at_is_indexed_in_order(source: FakeSource) -> None:
    source.put("new", {}, updated_at=START + timedelta(hours=1))
    source.put("old", {}, updated_at=START - timedelta(hours=1))
    assert keys(source.read_window(None, None)) == ["old", "new"]
    assert keys(source.records()) == ["old", "new"]


# -- the three pagination styles -------------------------------------------------------------
def read_pages(client: httpx.Client, since: datetime, until: datetime, size: int) -> list[Any]:
    items: list[Any] = []
    page = 1
    while True:
        params = {"updated_after": iso(since), "updated_before": iso(until)}
        body = client.get("/records", params={**params, "page": page, "size": size}).json()
        assert body["page"] == page
        items += body["items"]
        if not body["has_more"]:
            return items
        page += 1


def read_cursor(client: httpx.Client, since: datetime, until: datetime, size: int) -> list[Any]:
    params: dict[str, Any] = {"updated_after": iso(since), "updated_before": iso(until)}
    items: list[Any] = []
    body = client.get("/records", params={**params, "limit": size}).json()
    while True:
        items += body["items"]
        if body["next_cursor"] is None:
            return items
        body = client.get("/records", params={"cursor": body["next_cursor"]}).json()


def read_since(client: httpx.Client, since: datetime, until: datetime, size: int) -> list[Any]:
    items: list[Any] = []
    params: dict[str, Any] = {"updated_since": iso(since), "updated_until": iso(until)}
    while True:
        page = client.get("/records", params={**params, "limit": size}).json()
        items += page
        if len(page) < size:
            return items
        params["updated_since"] = page[-1]["updated_at"]
        params["after_key"] = page[-1]["key"]


READERS: dict[str, Callable[[httpx.Client, datetime, datetime, int], list[Any]]] = {
    "page": read_pages,
    "cursor": read_cursor,
    "since": read_since,
}


@pytest.mark.parametrize("style", sorted(READERS))
@pytest.mark.parametrize("size", [1, 7, 1000])
def test_each_pagination_style_reads_the_whole_window(
    source: FakeSource, clock: SimClock, style: str, size: int
) -> None:
    fill(source, clock, 50)
    source.delete("r-0010")
    source.put("hidden", {}, lag=timedelta(days=1))
    since, until = START, START + timedelta(seconds=12)
    expected = [r.to_item() for r in source.read_window(since, until)]
    assert 30 < len(expected) < 50
    with client_for(source) as client:
        assert READERS[style](client, since, until, size) == expected


def test_respx_mount_serves_the_same_pages(source: FakeSource, clock: SimClock) -> None:
    fill(source, clock, 20)
    router = respx.Router(assert_all_called=False)
    route = source.mount(router, base_url=BASE)
    until = clock.now()
    expected = [r.to_item() for r in source.read_window(START - timedelta(days=1), until)]
    with httpx.Client(transport=httpx.MockTransport(router.handler), base_url=BASE) as client:
        assert read_cursor(client, START - timedelta(days=1), until, 6) == expected
    assert route.call_count == 4


def test_async_transport_awaits_fault_delay_on_the_clock(
    source: FakeSource, clock: SimClock
) -> None:
    source.put("k", {"v": 1})
    source.add_fault(SourceFault.timeout(delay=30, nth=1))

    async def main() -> list[Any]:
        async with httpx.AsyncClient(transport=source.transport(), base_url=BASE) as client:
            with pytest.raises(httpx.ReadTimeout, match="simulated read timeout"):
                await client.get("/records", params={"updated_since": iso(START - timedelta(1))})
            assert clock.now() == START + timedelta(seconds=30)
            answer = await client.get(
                "/records", params={"updated_since": iso(START - timedelta(1))}
            )
            return list(answer.json())

    assert keys(clock.run(main())) == ["k"]


def test_bad_requests_get_a_400_that_names_the_parameter(source: FakeSource) -> None:
    with client_for(source) as client:
        bad_time = client.get("/records", params={"updated_since": "yesterday"})
        naive = client.get("/records", params={"updated_since": "2024-01-01T00:00:00"})
        bad_size = client.get("/records", params={"page": 1, "size": 5000})
        bad_cursor = client.get("/records", params={"cursor": "not-a-cursor"})
        wrong_path = client.get("/orders")
        wrong_method = client.post("/records")
    assert bad_time.status_code == 400
    assert bad_time.json()["error"]["message"] == (
        "updated_since='yesterday' is not an ISO 8601 datetime; send e.g. 2024-01-01T00:00:00Z."
    )
    assert "has no timezone" in naive.json()["error"]["message"]
    assert bad_size.json()["error"]["message"] == (
        "size=5000 is out of range: send 1 <= size <= 1000."
    )
    assert bad_cursor.status_code == 400
    assert "send back the next_cursor" in bad_cursor.json()["error"]["message"]
    assert wrong_path.status_code == 404
    assert wrong_method.status_code == 405
    assert [call.status for call in source.calls] == [400, 400, 400, 400, 404, 405]


# -- faults ---------------------------------------------------------------------------------
def since_query() -> dict[str, str]:
    return {"updated_since": iso(START - timedelta(days=1)), "limit": "10"}


def page_query(page: int = 1, size: int = 5) -> dict[str, str | int]:
    return {"updated_after": iso(START - timedelta(days=1)), "page": page, "size": size}


def test_server_error_and_rate_limit(source: FakeSource) -> None:
    source.add_fault(SourceFault.server_error(503, nth=1))
    source.add_fault(SourceFault.rate_limit(retry_after=59.5, nth=2))
    with client_for(source) as client:
        outage = client.get("/records", params=since_query())
        limited = client.get("/records", params=since_query())
        fine = client.get("/records", params=since_query())
    assert outage.status_code == 503
    assert outage.json()["error"]["code"] == "server_error"
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert fine.status_code == 200
    assert [c.fault.kind if c.fault else None for c in source.calls] == [
        "server_error",
        "rate_limit",
        None,
    ]


def test_timeout_raises_read_timeout(source: FakeSource) -> None:
    source.add_fault(SourceFault.timeout(times=1))
    with client_for(source) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/records", params=since_query())
        assert client.get("/records", params=since_query()).status_code == 200
    assert source.calls[0].status is None


def test_null_page_and_error_page_are_not_lists(source: FakeSource, clock: SimClock) -> None:
    fill(source, clock, 12)
    source.add_fault(SourceFault.null_page(nth={1, 2}))
    source.add_fault(SourceFault.error_page(nth=3))
    with client_for(source) as client:
        null_list = client.get("/records", params=since_query())
        null_items = client.get("/records", params=page_query())
        error_object = client.get("/records", params=page_query())
    assert null_list.status_code == 200 and null_list.json() is None
    assert null_items.json() == {"items": None, "page": 1, "size": 5, "has_more": True}
    assert error_object.status_code == 200
    assert set(error_object.json()) == {"error"}


def test_duplicate_page_repeats_records_already_served(source: FakeSource, clock: SimClock) -> None:
    fill(source, clock, 12)
    source.add_fault(SourceFault.duplicate_page(count=2, nth={1, 2}))
    with client_for(source) as client:
        first = client.get("/records", params=page_query(1)).json()["items"]
        second = client.get("/records", params=page_query(2)).json()["items"]
    assert keys(first) == ["r-0000", "r-0001", "r-0000", "r-0001", "r-0002", "r-0003", "r-0004"]
    assert keys(second) == ["r-0003", "r-0004", "r-0005", "r-0006", "r-0007", "r-0008", "r-0009"]


def test_duplicate_page_in_keyset_styles_repeats_the_previous_tail(
    source: FakeSource, clock: SimClock
) -> None:
    fill(source, clock, 12)
    with client_for(source) as client:
        first = client.get("/records", params={**since_query(), "limit": "4"}).json()
        source.add_fault(SourceFault.duplicate_page(times=1))
        last = first[-1]
        follow = {"updated_since": last["updated_at"], "after_key": last["key"], "limit": "4"}
        second = client.get("/records", params=follow).json()
    assert keys(second) == ["r-0003", "r-0004", "r-0005", "r-0006", "r-0007"]


def test_reordered_page_has_the_same_items_out_of_order(
    source: FakeSource, clock: SimClock
) -> None:
    fill(source, clock, 12)
    source.add_fault(SourceFault.reordered_page(style="page"))
    with client_for(source) as client:
        items = client.get("/records", params=page_query(1, 10)).json()["items"]
        in_order = client.get("/records", params=since_query()).json()
    assert keys(items) != keys(in_order)
    assert sorted(keys(items)) == keys(in_order)


def test_fault_time_window_and_runtime_removal() -> None:
    clock = SimClock(START, allow_backwards=True)
    source = FakeSource(clock)
    rule = source.add_fault(
        SourceFault.server_error(
            start=START + timedelta(minutes=1), end=START + timedelta(minutes=2)
        )
    )
    statuses = []
    with client_for(source) as client:
        for at in (0, 30, 60, 90, 120):
            clock.set(START + timedelta(seconds=at))
            statuses.append(client.get("/records", params=since_query()).status_code)
        clock.set(START + timedelta(seconds=90))  # back inside the window (allow_backwards)
        source.remove_fault(rule)
        statuses.append(client.get("/records", params=since_query()).status_code)
    assert statuses == [200, 200, 500, 500, 200, 200]
    assert source.faults == ()
    with pytest.raises(InvalidArgument, match="is not active on this source; active faults: none"):
        source.remove_fault(rule)


def fired_pattern(seed: int) -> list[bool]:
    source = FakeSource(SimClock(START), seed=seed)
    source.add_fault(SourceFault.server_error(probability=0.3))
    with client_for(source) as client:
        return [client.get("/records", params=since_query()).status_code == 500 for _ in range(60)]


def test_probability_faults_are_deterministic_for_a_seed() -> None:
    pattern = fired_pattern(seed=5)
    assert pattern == fired_pattern(seed=5)
    assert pattern != fired_pattern(seed=6)
    assert 5 < sum(pattern) < 35


def test_fault_rules_validate_and_print_as_code() -> None:
    rule = SourceFault.rate_limit(retry_after=30, nth=[2, 1], style="cursor", times=2)
    assert (
        repr(rule) == "SourceFault.rate_limit(retry_after=30, nth=[1, 2], style='cursor', times=2)"
    )
    with pytest.raises(InvalidArgument, match="needs a 5xx status"):
        SourceFault.server_error(429)
    with pytest.raises(InvalidArgument, match="Unknown style='pages'; choose from: page, cursor"):
        SourceFault.null_page(style="pages")
    with pytest.raises(InvalidArgument, match="nth must be a request number >= 1"):
        SourceFault.timeout(nth=0)
    with pytest.raises(InvalidArgument, match=r"probability must be a number in \[0, 1\]"):
        SourceFault.timeout(probability=2)
    with pytest.raises(InvalidArgument, match="Expected a SourceFault"):
        FakeSource(SimClock(START)).add_fault("500")  # type: ignore[arg-type]


def test_reprs(source: FakeSource) -> None:
    record = source.put("k", {"v": 1}, lag=timedelta(seconds=5))
    assert repr(record) == (
        "SourceRecord(key='k', updated_at=2024-01-01T00:00:00.000000Z, "
        "visible_at=2024-01-01T00:00:05.000000Z, version=1, payload={'v': 1})"
    )
    assert repr(source) == "FakeSource(records=1, seed=1)"
    assert isinstance(source.transport(), SourceTransport)


def test_windowed_reads_stay_fast_on_a_large_source(source: FakeSource, clock: SimClock) -> None:
    for i in range(20_000):
        source.put(f"r-{i}", {"n": i}, updated_at=START + timedelta(seconds=i))
    clock.set(START + timedelta(seconds=20_000))
    total = 0
    for tick in range(2_000):
        since = START + timedelta(seconds=tick * 10)
        total += len(source.read_window(since, since + timedelta(seconds=10)))
    assert total == 20_000 - 1  # every record once, except the one at START itself
