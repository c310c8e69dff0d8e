from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from spmkit import InvalidArgument
from spmkit_testing import Partner, PartnerFailure, SimClock, Stream, rest
from spmkit_testing.faults import (
    FaultRegistry,
    duplicate_page,
    error_page,
    latency,
    null_page,
    rate_limited,
    read_timeout,
    reordered_page,
    status,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
BASE = "https://partner.test/api"
STREAMS = [Stream("contacts", resource="customers"),
           Stream("deals", resource="orders", per_source=True)]


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START, allow_backwards=True)


@pytest.fixture
def partner(clock: SimClock) -> Partner:
    return Partner(clock, STREAMS, sources=["w1", "w2"], faults=FaultRegistry(random.Random(1)),
                   seed=1)


def api(paging: rest.Paging, **route: Any) -> rest.RestApi:
    return rest.api(BASE, [
        rest.records("/contacts", stream="contacts", paging=paging, **route),
        rest.records("/workspaces/{source}/deals", stream="deals", paging=rest.page_number()),
        rest.sources("/workspaces", stream="deals", items="data", key="id"),
    ])


def client_for(rest_api: rest.RestApi, partner: Partner) -> httpx.Client:
    return httpx.Client(transport=rest_api.transport(partner), base_url=BASE)


def fill(partner: Partner, clock: SimClock, count: int) -> None:
    """``count`` contacts, three per second (so updated_at ties are common)."""
    for i in range(count):
        partner.source("contacts").put(f"r-{i:04d}", {"n": i})
        if i % 3 == 2:
            clock.advance(timedelta(seconds=1))


def keys(items: Any) -> list[str]:
    return [item["id"] for item in items]


def window() -> dict[str, str]:
    return {"updated_after": iso(START - timedelta(days=1))}


# -- the five pagination styles ----------------------------------------------------------------
def read_pages(client: httpx.Client, params: dict[str, Any], size: int) -> list[Any]:
    items: list[Any] = []
    for page in range(1, 1000):
        body = client.get("/contacts", params={**params, "page": page, "size": size}).json()
        items += body["items"]
        if not body["has_more"]:
            return items
    raise AssertionError("pagination did not end")


def read_offset(client: httpx.Client, params: dict[str, Any], size: int) -> list[Any]:
    items: list[Any] = []
    while True:
        body = client.get("/contacts", params={**params, "offset": len(items), "limit": size})
        items += body.json()["items"]
        if len(items) >= body.json()["total"]:
            return items


def read_token(client: httpx.Client, params: dict[str, Any], size: int) -> list[Any]:
    body = client.get("/contacts", params={**params, "limit": size}).json()
    items = list(body["items"])
    while body["next_cursor"] is not None:
        body = client.get("/contacts", params={"cursor": body["next_cursor"]}).json()
        items += body["items"]
    return items


def read_link(client: httpx.Client, params: dict[str, Any], size: int) -> list[Any]:
    body = client.get("/contacts", params={**params, "limit": size}).json()
    items = list(body["items"])
    while body["next"] is not None:
        assert body["next"].startswith(f"{BASE}/contacts?page_token=")
        body = client.get(body["next"]).json()
        items += body["items"]
    return items


def read_keyset(client: httpx.Client, params: dict[str, Any], size: int) -> list[Any]:
    items: list[Any] = []
    query = dict(params)
    while True:
        page = client.get("/contacts", params={**query, "limit": size}).json()
        items += page
        if len(page) < size:
            return items
        query["updated_after"], query["after_key"] = page[-1]["updated_at"], page[-1]["id"]


STYLES: dict[str, tuple[Callable[[], rest.Paging], Callable[..., list[Any]]]] = {
    "page_number": (rest.page_number, read_pages),
    "offset": (rest.offset, read_offset),
    "cursor_token": (rest.cursor_token, read_token),
    "next_link": (rest.next_link, read_link),
    "keyset": (rest.keyset, read_keyset),
}


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("size", [1, 7, 1000])
def test_each_pagination_style_reads_the_whole_window(
    partner: Partner, clock: SimClock, style: str, size: int
) -> None:
    fill(partner, clock, 50)
    partner.source("contacts").delete("r-0010")
    partner.source("contacts").put("hidden", {}, lag=timedelta(days=1))
    paging, read = STYLES[style]
    since, until = START, START + timedelta(seconds=12)
    expected = [r.key for r in partner.source("contacts").read_window(since, until)
                if not r.deleted]
    assert 30 < len(expected) < 50
    params = {"updated_after": iso(since), "updated_before": iso(until)}
    with client_for(api(paging()), partner) as client:
        assert keys(read(client, params, size)) == expected


def test_items_carry_the_partners_field_names_times_and_tombstones(
    partner: Partner, clock: SimClock
) -> None:
    partner.source("contacts").put("c1", {"email": "ada@example.com", "first_name": "Ada"})
    clock.advance(timedelta(seconds=1))
    partner.source("contacts").delete("c1")
    partner.source("contacts").put("c2", {"email": "bob@example.com"})
    rest_api = api(rest.keyset(items="data"), since="modifiedSince", until=None,
                   fields={"key": "uid", "updated_at": "modifiedAt", "email": "emailAddress"},
                   nest="attributes", tombstones="archived")
    with client_for(rest_api, partner) as client:
        body = client.get("/contacts", params={"modifiedSince": iso(START - timedelta(1))}).json()
    assert body == {"data": [
        {"uid": "c1", "modifiedAt": "2024-01-01T00:00:01.000000Z", "archived": True,
         "attributes": {}},
        {"uid": "c2", "modifiedAt": "2024-01-01T00:00:01.000000Z", "archived": False,
         "attributes": {"emailAddress": "bob@example.com"}},
    ]}


def test_epoch_milliseconds_in_the_query_and_the_items(partner: Partner, clock: SimClock) -> None:
    clock.advance(timedelta(seconds=90))
    partner.source("contacts").put("c1", {})
    rest_api = rest.api(BASE, [
        rest.records("/contacts", stream="contacts", paging=rest.page_number()),
        rest.records("/workspaces/{source}/deals", stream="deals", paging=rest.page_number()),
        rest.sources("/workspaces", stream="deals")], time_format="epoch_ms")
    since = int((START + timedelta(seconds=60)).timestamp() * 1000)
    with client_for(rest_api, partner) as client:
        items = client.get("/contacts", params={"updated_after": since}).json()["items"]
        later = client.get("/contacts", params={"updated_after": since + 60_000}).json()["items"]
        bad = client.get("/contacts", params={"updated_after": "2024-01-01T00:00:00Z"})
    assert items == [{"id": "c1", "updated_at": int(clock.now().timestamp() * 1000)}]
    assert later == []
    assert bad.json()["error"]["message"] == (
        "updated_after='2024-01-01T00:00:00Z' is not a time in epoch milliseconds "
        "(an integer).")


def test_sources_and_per_source_records(partner: Partner, clock: SimClock) -> None:
    partner.source("deals", "w2").put("d1", {"amount": 3.5})
    with client_for(api(rest.page_number()), partner) as client:
        listing = client.get("/workspaces").json()
        w2 = client.get("/workspaces/w2/deals", params=window()).json()
        w1 = client.get("/workspaces/w1/deals", params=window()).json()
        unknown = client.get("/workspaces/w9/deals", params=window())
    assert listing == {"data": [{"id": "w1"}, {"id": "w2"}]}
    assert keys(w2["items"]) == ["d1"] and w1["items"] == []
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "no source 'w9'; the partner has: w1, w2."
    partner.add_source("w3")
    with client_for(api(rest.page_number()), partner) as client:
        assert client.get("/workspaces").json()["data"][-1] == {"id": "w3"}


def test_respx_mount_serves_the_same_pages(partner: Partner, clock: SimClock) -> None:
    fill(partner, clock, 20)
    router = respx.Router(assert_all_called=False)
    routes = api(rest.cursor_token()).mount(router, partner)
    with httpx.Client(transport=httpx.MockTransport(router.handler), base_url=BASE) as client:
        got = read_token(client, window(), 6)
    assert keys(got) == [f"r-{i:04d}" for i in range(20)]
    assert [r.call_count for r in routes] == [4, 0, 0]


def test_bad_requests_get_a_400_that_names_the_parameter(partner: Partner) -> None:
    with client_for(api(rest.page_number()), partner) as client:
        bad_time = client.get("/contacts", params={"updated_after": "yesterday"})
        naive = client.get("/contacts", params={"updated_after": "2024-01-01T00:00:00"})
        bad_size = client.get("/contacts", params={"page": 1, "size": 5000})
        wrong_path = client.get("/orders")
        wrong_method = client.post("/contacts")
    with client_for(api(rest.cursor_token()), partner) as client:
        bad_cursor = client.get("/contacts", params={"cursor": "not-a-cursor"})
    assert bad_time.status_code == 400
    assert bad_time.json()["error"]["message"] == (
        "updated_after='yesterday' is not an ISO 8601 time; send e.g. 2024-01-01T00:00:00Z.")
    assert naive.json()["error"]["message"] == (
        "updated_after='2024-01-01T00:00:00' has no timezone; send e.g. 2024-01-01T00:00:00Z.")
    assert bad_size.json()["error"]["message"] == (
        "size=5000 is out of range: send 1 <= size <= 1000.")
    assert bad_cursor.json()["error"]["message"] == (
        "cursor='not-a-cursor' is not a token this API issued; send back the token of the "
        "previous page unchanged.")
    assert wrong_path.status_code == 404
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["message"] == (
        "POST is not allowed on /api/contacts; use GET.")
    assert [call.status for call in partner.calls] == [400, 400, 400, 400]


def test_route_tables_refuse_what_cannot_be_served() -> None:
    with pytest.raises(InvalidArgument, match=r"rest\.api: base_url='partner\.test' must be"):
        rest.api("partner.test", [])
    with pytest.raises(InvalidArgument, match="is not a pagination style"):
        rest.records("/x", stream="contacts", paging="page")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="keyset paging continues from since="):
        rest.records("/x", stream="contacts", paging=rest.keyset(), since=None)
    bad = rest.api(BASE, [rest.records("/deals", stream="deals", paging=rest.page_number())])
    with pytest.raises(InvalidArgument, match=r"the path needs a \{source\} placeholder"):
        bad.compile(lambda name: True)


# -- faults ------------------------------------------------------------------------------------
def test_status_rate_limit_and_timeout(partner: Partner) -> None:
    partner.faults.add(status(503, target="contacts", calls=1))
    partner.faults.add(rate_limited("59.5s", target="contacts", calls=2))
    partner.faults.add(read_timeout(target="contacts", calls=3))
    partner.faults.add(status(502, body="html", target="contacts", calls=4))
    with client_for(api(rest.page_number()), partner) as client:
        outage = client.get("/contacts", params=window())
        limited = client.get("/contacts", params=window())
        with pytest.raises(httpx.ReadTimeout, match="Timed out reading the answer of the partner"):
            client.get("/contacts", params=window())
        proxy = client.get("/contacts", params=window())
        fine = client.get("/contacts", params=window())
    assert outage.status_code == 503 and outage.json()["error"]["code"] == "simulated"
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert proxy.status_code == 502 and proxy.headers["content-type"] == "text/html"
    assert proxy.text.startswith("<html>")
    assert fine.status_code == 200
    assert [c.status for c in partner.calls] == [503, 429, 502, 200]


def test_a_listing_fault_targets_the_listing_only(partner: Partner) -> None:
    partner.faults.add(status(503, target="deals/sources"))
    with client_for(api(rest.page_number()), partner) as client:
        assert client.get("/workspaces").status_code == 503
        assert client.get("/workspaces/w1/deals", params=window()).status_code == 200
        assert client.get("/contacts", params=window()).status_code == 200


def test_one_source_fault_leaves_the_other_sources_alone(partner: Partner) -> None:
    partner.faults.add(status(500, target="deals@w1"))
    with client_for(api(rest.page_number()), partner) as client:
        assert client.get("/workspaces/w1/deals", params=window()).status_code == 500
        assert client.get("/workspaces/w2/deals", params=window()).status_code == 200


def test_null_page_and_error_page_are_not_lists(partner: Partner, clock: SimClock) -> None:
    fill(partner, clock, 12)
    partner.faults.add(null_page(calls=(1, 2)))
    partner.faults.add(error_page(calls=3))
    with client_for(api(rest.keyset()), partner) as client:
        null_list = client.get("/contacts", params=window())
    with client_for(api(rest.page_number()), partner) as client:
        null_items = client.get("/contacts", params={**window(), "size": 5})
        error_object = client.get("/contacts", params={**window(), "size": 5})
    assert null_list.status_code == 200 and null_list.json() is None
    assert null_items.json() == {"items": None, "has_more": True}
    assert error_object.status_code == 200 and set(error_object.json()) == {"error"}


def test_duplicate_page_repeats_records_already_served(partner: Partner, clock: SimClock) -> None:
    fill(partner, clock, 12)
    partner.faults.add(duplicate_page(count=2, calls=(1, 2)))
    with client_for(api(rest.cursor_token()), partner) as client:
        first = client.get("/contacts", params={**window(), "limit": 5}).json()
        second = client.get("/contacts", params={"cursor": first["next_cursor"]}).json()
    assert keys(first["items"]) == ["r-0000", "r-0001", "r-0000", "r-0001", "r-0002", "r-0003",
                                    "r-0004"]
    assert keys(second["items"]) == ["r-0003", "r-0004", "r-0005", "r-0006", "r-0007",
                                     "r-0008", "r-0009"]


def test_an_offset_paged_api_never_serves_more_than_its_limit(
        partner: Partner, clock: SimClock) -> None:
    fill(partner, clock, 12)
    duplicates = partner.faults.add(duplicate_page(count=2))
    with client_for(api(rest.page_number()), partner) as client:
        page = client.get("/contacts", params={**window(), "page": 1, "size": 5}).json()
    assert keys(page["items"]) == [f"r-{i:04d}" for i in range(5)]
    assert [s.matched for s in partner.faults.stats() if s.handle is duplicates] == [0]


def test_a_token_after_a_reordered_page_still_continues_after_its_newest_record(
    partner: Partner, clock: SimClock
) -> None:
    fill(partner, clock, 12)
    partner.faults.add(reordered_page(times=1))
    with client_for(api(rest.cursor_token()), partner) as client:
        first = client.get("/contacts", params={**window(), "limit": 6}).json()
        rest_of = client.get("/contacts", params={"cursor": first["next_cursor"]}).json()
    assert keys(first["items"]) != [f"r-{i:04d}" for i in range(6)]
    assert sorted(keys(first["items"])) == [f"r-{i:04d}" for i in range(6)]
    assert keys(rest_of["items"]) == [f"r-{i:04d}" for i in range(6, 12)]


def test_async_transport_waits_latency_on_the_simulated_clock(
    partner: Partner, clock: SimClock
) -> None:
    partner.source("contacts").put("c1", {})
    partner.faults.add(latency("30s", target="contacts", times=1))

    async def main() -> list[Any]:
        transport = api(rest.page_number()).transport(partner)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            answer = await client.get("/contacts", params=window())
            return list(answer.json()["items"])

    assert keys(clock.run(main())) == ["c1"]
    assert clock.now() == START + timedelta(seconds=30)


def test_fault_time_window(partner: Partner, clock: SimClock) -> None:
    start, end = START + timedelta(minutes=1), START + timedelta(minutes=2)
    partner.faults.add(status(500, target="partner", window=(start, end)))
    statuses = []
    with client_for(api(rest.page_number()), partner) as client:
        for at in (0, 30, 60, 90, 120):
            clock.set(START + timedelta(seconds=at))
            statuses.append(client.get("/contacts", params=window()).status_code)
    assert statuses == [200, 200, 500, 500, 200]


def fired_pattern(seed: int) -> list[bool]:
    partner = Partner(SimClock(START), STREAMS, faults=FaultRegistry(random.Random(seed)))
    partner.faults.add(status(500, target="partner", probability=0.3))
    with client_for(api(rest.page_number()), partner) as client:
        return [client.get("/contacts", params=window()).status_code == 500 for _ in range(60)]


def test_probability_faults_are_deterministic_for_a_seed() -> None:
    pattern = fired_pattern(seed=5)
    assert pattern == fired_pattern(seed=5)
    assert pattern != fired_pattern(seed=6)
    assert 5 < sum(pattern) < 35


# -- an in-process client (an SDK fake) --------------------------------------------------------
def test_fetch_and_list_sources_apply_the_same_faults(partner: Partner, clock: SimClock) -> None:
    partner.source("contacts").put("c1", {"email": "a@example.com"})
    partner.faults.add(status(503, target="contacts", calls=1))
    partner.faults.add(null_page(target="contacts", calls=2))
    partner.faults.add(status(503, target="deals/sources", times=1))

    async def main() -> list[Any]:
        with pytest.raises(PartnerFailure, match=r"partner answered 503") as failed:
            await partner.fetch("contacts", since=START - timedelta(1))
        assert failed.value.status == 503
        assert await partner.fetch("contacts", since=START - timedelta(1)) is None
        with pytest.raises(PartnerFailure):
            await partner.list_sources("deals")
        return [await partner.fetch("contacts", since=START - timedelta(1)),
                await partner.list_sources("deals")]

    page, listing = clock.run(main())
    assert page == [{"key": "c1", "updated_at": "2024-01-01T00:00:00.000000Z", "deleted": False,
                     "email": "a@example.com"}]
    assert listing == ["w1", "w2"]
