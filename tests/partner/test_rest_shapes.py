"""Route tables say the common shapes of partner APIs: every time format, inclusive and
exclusive bounds, bare list pages, ``has_more`` + ``next_offset``, silent page caps,
sources in the query, a creation filter, authentication and strict query parameters."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from spmkit import InvalidArgument
from spmkit_testing import Adapter, InvalidAdapter, Partner, SimClock, Stream, rest
from spmkit_testing.faults import FaultRegistry
from spmkit_testing.partner import PRECISIONS, TIME_FORMATS, truncate
from spmkit_testing.partner._time import format_time, parse_time

START = datetime(2024, 1, 1, tzinfo=UTC)
BASE = "https://partner.test"
STREAMS = [Stream("contacts", resource="customers"),
           Stream("deals", resource="orders", per_source=True)]


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START, allow_backwards=True)


def partner_for(clock: SimClock, precision: timedelta | None = None) -> Partner:
    return Partner(clock, STREAMS, sources=["eu", "us"], faults=FaultRegistry(random.Random(1)),
                   seed=1, precision=precision)


def client(routes: list[Any], partner: Partner, **options: Any) -> httpx.Client:
    deals = rest.records("/deals", stream="deals", paging=rest.page_number(), source="region")
    rest_api = rest.api(BASE, [*routes, deals, rest.sources("/regions", stream="deals")],
                        **options)
    return httpx.Client(transport=rest_api.transport(partner), base_url=BASE)


def contacts(paging: rest.Paging, **route: Any) -> rest.RecordsRoute:
    return rest.records("/contacts", stream="contacts", paging=paging, **route)


# -- time formats and precision ---------------------------------------------------------------
@pytest.mark.parametrize("time_format", list(TIME_FORMATS))
def test_each_time_format_reads_back_what_it_writes_at_its_precision(time_format: str) -> None:
    instant = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    step = PRECISIONS[TIME_FORMATS[time_format]]
    wire = format_time(instant, time_format)
    assert parse_time(str(wire), time_format, "t") == truncate(instant, step)


def test_times_on_the_wire_look_like_their_format() -> None:
    instant = datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert [format_time(instant, f) for f in TIME_FORMATS] == [
        "2024-01-01T10:00:00.123456Z", "2024-01-01T10:00:00.123Z", "2024-01-01T10:00:00Z",
        1704103200123, 1704103200, "2024-01-01"]


def test_an_epoch_second_api_serves_and_reads_seconds(clock: SimClock) -> None:
    partner = partner_for(clock, PRECISIONS["second"])
    clock.advance(timedelta(milliseconds=1500))
    partner.source("contacts").put("c1", {})
    with client([contacts(rest.page_number())], partner, time_format="epoch_s") as http:
        body = http.get("/contacts", params={"updated_after": int(START.timestamp())}).json()
        bad = http.get("/contacts", params={"updated_after": "2024-01-01T00:00:00Z"})
    assert body["items"] == [{"id": "c1", "updated_at": int(START.timestamp()) + 1}]
    assert bad.status_code == 400
    assert "is not a time in epoch seconds (an integer)" in bad.json()["error"]["message"]


def test_the_adapter_precision_comes_from_the_time_format_or_is_declared() -> None:
    def adapter(time_format: str = "iso", **options: Any) -> Adapter:
        return Adapter(streams=STREAMS[:1], settings=lambda p: None, partner_api=rest.api(
            BASE, [contacts(rest.page_number())], time_format=time_format), **options)

    assert adapter().precision == "microsecond"
    assert adapter("epoch_ms").precision == "millisecond"
    assert adapter(precision="second").precision == "second"
    assert adapter("epoch_s").stamp_step == timedelta(seconds=1)
    with pytest.raises(InvalidAdapter, match="time_format='epoch_s' cannot carry a stamp "
                                             "finer than a second"):
        adapter("epoch_s", precision="millisecond")
    with pytest.raises(InvalidAdapter, match=r"precision='ms'.*'millisecond'"):
        adapter(precision="ms")
    sdk = Adapter(streams=STREAMS[:1], settings=lambda p: None, partner_api=lambda p: None)
    assert sdk.precision == "microsecond"


# -- bounds -----------------------------------------------------------------------------------
def test_since_is_exclusive_and_until_inclusive_unless_declared(clock: SimClock) -> None:
    partner = partner_for(clock)
    stamps = [START + timedelta(seconds=s) for s in (1, 2, 3)]
    for i, stamp in enumerate(stamps):
        partner.source("contacts").put(f"c{i}", {}, updated_at=stamp)
    clock.advance(timedelta(minutes=1))
    window = {"updated_after": "2024-01-01T00:00:01Z", "updated_before": "2024-01-01T00:00:03Z"}

    def read(**bounds: bool) -> list[str]:
        with client([contacts(rest.page_number(), **bounds)], partner) as http:
            return [i["id"] for i in http.get("/contacts", params=window).json()["items"]]

    assert read() == ["c1", "c2"]
    assert read(since_inclusive=True) == ["c0", "c1", "c2"]
    assert read(since_inclusive=True, until_inclusive=False) == ["c0", "c1"]
    with pytest.raises(InvalidArgument, match="since_inclusive='yes' must be True or False"):
        contacts(rest.page_number(), since_inclusive="yes")


def test_an_sdk_partner_reads_with_the_bounds_its_client_asks_for(clock: SimClock) -> None:
    partner = partner_for(clock, PRECISIONS["millisecond"])
    edge = START + timedelta(seconds=1)
    partner.source("contacts").put("c0", {}, updated_at=edge + timedelta(microseconds=700))
    clock.advance(timedelta(minutes=1))
    exclusive = clock.run(partner.fetch("contacts", since=edge))
    inclusive = clock.run(partner.fetch("contacts", since=edge, since_inclusive=True))
    assert exclusive == [] and isinstance(inclusive, list)
    assert inclusive[0]["updated_at"] == "2024-01-01T00:00:01.000000Z"  # stamped at the ms


# -- pages ------------------------------------------------------------------------------------
def fill(partner: Partner, clock: SimClock, count: int) -> None:
    for i in range(count):
        partner.source("contacts").put(f"c{i:03d}", {})
        clock.advance(timedelta(seconds=1))


def test_a_bare_list_page_ends_with_a_short_page(clock: SimClock) -> None:
    partner = partner_for(clock)
    fill(partner, clock, 5)
    paging = rest.page_number(items=None, has_more=None, default_size=2)
    with client([contacts(paging)], partner) as http:
        pages = [http.get("/contacts", params={"page": n}).json() for n in (1, 2, 3)]
    assert [[i["id"] for i in page] for page in pages] == [
        ["c000", "c001"], ["c002", "c003"], ["c004"]]
    with pytest.raises(InvalidArgument, match=r"items=None\) serves each page as a bare JSON "
                                              r"list, which has no room for has_more='has_more'"):
        rest.page_number(items=None)


def test_offset_pages_can_say_has_more_and_next_offset(clock: SimClock) -> None:
    partner = partner_for(clock)
    fill(partner, clock, 5)
    paging = rest.offset(total=None, has_more="has_more", next_offset="next", default_limit=2)
    seen, bodies, offset = [], [], 0
    with client([contacts(paging)], partner) as http:
        while offset is not None:
            body = http.get("/contacts", params={"offset": offset}).json()
            bodies.append({k: v for k, v in body.items() if k != "items"})
            seen += [i["id"] for i in body["items"]]
            offset = body["next"]
    assert seen == [f"c{i:03d}" for i in range(5)]
    assert bodies == [{"has_more": True, "next": 2}, {"has_more": True, "next": 4},
                      {"has_more": False, "next": None}]


def test_a_page_above_the_maximum_is_refused_or_silently_capped(clock: SimClock) -> None:
    partner = partner_for(clock)
    fill(partner, clock, 6)
    strict = rest.offset(max_limit=2)
    capped = rest.offset(max_limit=2, silent_cap=True)
    with client([contacts(strict)], partner) as http:
        refused = http.get("/contacts", params={"limit": 5})
    with client([contacts(capped)], partner) as http:
        body = http.get("/contacts", params={"limit": 5}).json()
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "limit=5 is out of range: send 1 <= limit <= 2."
    assert len(body["items"]) == 2 and body["total"] == 6


# -- sources, filters, auth, strict parameters -------------------------------------------------
def test_a_source_can_come_from_a_query_parameter(clock: SimClock) -> None:
    partner = partner_for(clock)
    partner.source("deals", "eu").put("d1", {})
    clock.advance(timedelta(seconds=1))
    with client([contacts(rest.page_number())], partner) as http:
        eu = http.get("/deals", params={"region": "eu"}).json()["items"]
        us = http.get("/deals", params={"region": "us"}).json()["items"]
        missing = http.get("/deals")
        unknown = http.get("/deals", params={"region": "mars"})
    assert [i["id"] for i in eu] == ["d1"] and us == []
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "region is required: the source to read, one " \
                                                 "of eu, us."
    assert unknown.status_code == 404
    with pytest.raises(InvalidArgument, match="source='region' names a query parameter for the "
                                              "source, but stream 'contacts' is global"):
        client([contacts(rest.page_number(), source="region")], partner)


def test_created_since_filters_by_creation_not_by_update(clock: SimClock) -> None:
    partner = partner_for(clock)
    partner.source("contacts").put("old", {"v": 1})
    clock.advance(timedelta(seconds=10))
    partner.source("contacts").put("new", {})
    partner.source("contacts").update("old", {"v": 2})
    clock.advance(timedelta(seconds=1))
    route = contacts(rest.page_number(), created_since="created_after",
                     fields={"created_at": "createdAt"})
    with client([route], partner) as http:
        body = http.get("/contacts", params={"created_after": "2024-01-01T00:00:05Z"}).json()
    assert [(i["id"], i["createdAt"]) for i in body["items"]] == [
        ("new", "2024-01-01T00:00:10.000000Z")]


def test_a_partner_asks_for_its_credentials(clock: SimClock) -> None:
    partner = partner_for(clock)
    routes = [contacts(rest.page_number())]
    with client(routes, partner, auth=rest.bearer("s3cret")) as http:
        anonymous = http.get("/contacts")
        wrong = http.get("/contacts", headers={"Authorization": "Bearer nope"})
        right = http.get("/contacts", headers={"Authorization": "Bearer s3cret"})
        listing = http.get("/regions")
    with client(routes, partner, auth=rest.api_key("k", query="api_key"),
                reject_unknown_params=True) as http:
        keyed = http.get("/contacts", params={"api_key": "k"})
    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert listing.status_code == 401
    assert anonymous.json()["error"] == {
        "code": "unauthorized",
        "message": "missing or wrong credentials: send the header Authorization."}
    assert keyed.status_code == 200
    with pytest.raises(InvalidArgument, match="exactly one of header= or query="):
        rest.api_key("k")


def test_a_strict_partner_refuses_query_parameters_it_does_not_know(clock: SimClock) -> None:
    partner = partner_for(clock)
    route = contacts(rest.page_number(), accepts=["sort"])
    with client([route], partner, reject_unknown_params=True) as http:
        sorted_ok = http.get("/contacts", params={"sort": "asc", "page": 1})
        refused = http.get("/contacts", params={"updated_since": "x"})
    with client([route], partner) as http:
        lenient = http.get("/contacts", params={"updated_since": "x"})
    assert sorted_ok.status_code == 200 and lenient.status_code == 200
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "unknown query parameter(s) 'updated_since'; this route accepts: page, size, sort, "
        "updated_after, updated_before.")
