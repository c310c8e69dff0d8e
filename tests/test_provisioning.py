from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from spmkit import (
    CustomDataSpec,
    DataSourceSpec,
    EventSpec,
    IntegrationDefinitionError,
    ProvisionedIds,
    Provisioning,
    ProvisioningError,
    SpmClient,
    ensure_provisioned,
    load_provisioned,
)
from spmkit._memory_store import MemoryStore

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class FakeClock:
    def __init__(self) -> None:
        self.current = datetime(2024, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def wrap(status: int, data: Any) -> httpx.Response:
    return httpx.Response(status, json={"statusCode": status, "data": data})


class MiniApi:
    """Just enough of data-sources, custom-data-definitions and events for provisioning."""

    def __init__(self) -> None:
        self.sources: list[dict[str, Any]] = []
        self.definitions: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.next_id = 100
        # path -> callable run instead of a create, to simulate a concurrent creator
        self.race: dict[str, Any] = {}
        self.fail: dict[tuple[str, str], httpx.Response] = {}

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def writes(self) -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] != "GET"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1/")
        body: Any = json.loads(request.content) if request.content else None
        self.requests.append((request.method, path, body))
        if (request.method, path) in self.fail:
            return self.fail[(request.method, path)]
        if request.method == "POST" and path in self.race:
            self.race.pop(path)(body)
            return httpx.Response(409, json={"message": "already exists"})
        table = {
            "data-sources": (self.sources, "id_data_source"),
            "custom-data-definitions": (self.definitions, "id_definition"),
            "events": (self.events, "id_event"),
        }
        if request.method == "GET" and path in table:
            return wrap(200, table[path][0])
        if request.method == "POST" and path in table:
            rows, id_field = table[path]
            row = {**body, id_field: self.new_id()}
            rows.append(row)
            return wrap(201, row)
        if request.method == "PUT" and path.startswith("data-sources/"):
            source_id = int(path.rsplit("/", 1)[1])
            for row in self.sources:
                if row["id_data_source"] == source_id:
                    row.update(body)
                    return wrap(200, row)
        if request.method == "PATCH" and path.endswith("/activate"):
            return wrap(200, {})
        return httpx.Response(404, json={"message": f"no route {request.method} {path}"})


def plan() -> Provisioning:
    return Provisioning(
        data_sources=(
            DataSourceSpec("main", "Partner", config_key="acct-1"),
            DataSourceSpec("store-1", "Paris store", parent_key="main", config_key="store-1"),
        ),
        custom_data=(CustomDataSpec("Loyalty", {"points": "number", "tier": "text"}),),
        events=(EventSpec("cart_abandoned", label="Cart abandoned"),),
    )


def provision(api: MiniApi, store: MemoryStore, wanted: Provisioning) -> ProvisionedIds:
    async def go() -> ProvisionedIds:
        async with SpmClient(
            "k", base_url="https://api.test", transport=httpx.MockTransport(api)
        ) as client:
            return await ensure_provisioned(client, store, wanted)

    return run(go())


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(clock=FakeClock())


def test_provisioning_twice_creates_nothing_the_second_time(store: MemoryStore) -> None:
    api = MiniApi()
    first = provision(api, store, plan())
    assert [(m, p) for m, p, _ in api.writes()] == [
        ("POST", "data-sources"),
        ("POST", "data-sources"),
        ("POST", "custom-data-definitions"),
        ("PATCH", "custom-data-definitions/103/activate"),
        ("POST", "events"),
    ]
    assert first == ProvisionedIds(
        data_sources={"main": 101, "store-1": 102},
        custom_data={"Loyalty": 103},
        events={"cart_abandoned": 104},
    )
    api.requests.clear()
    second = provision(api, store, plan())
    assert second == first
    assert api.writes() == []
    assert load_provisioned(store) == first


def test_create_bodies(store: MemoryStore) -> None:
    api = MiniApi()
    provision(api, store, plan())
    bodies = [body for _, _, body in api.writes()]
    assert bodies[0] == {"label": "Partner", "type": "api", "config": '{"spmkit_key": "acct-1"}'}
    assert bodies[1]["parent_id"] == 101
    assert bodies[2] == {
        "name": "Loyalty",
        "fields": [
            {"name": "points", "label": "points", "type": "number", "required": False},
            {"name": "tier", "label": "tier", "type": "text", "required": False},
        ],
    }
    assert bodies[4] == {"name": "Cart abandoned", "code_name": "cart_abandoned"}


def test_a_rename_updates_the_label_of_the_source_matched_by_config_key(
    store: MemoryStore,
) -> None:
    api = MiniApi()
    api.sources.append(
        {"id_data_source": 7, "label": "Old name", "config": '{"spmkit_key": "store-1"}'}
    )
    wanted = Provisioning(data_sources=(DataSourceSpec("s", "New name", config_key="store-1"),))
    ids = provision(api, store, wanted)
    assert ids.data_sources == {"s": 7}
    assert api.writes() == [("PUT", "data-sources/7", {"label": "New name"})]
    assert api.sources[0]["label"] == "New name"


def test_a_source_without_config_key_matches_by_trimmed_label(store: MemoryStore) -> None:
    api = MiniApi()
    api.sources.append({"id": "12", "label": "  Paris store "})
    ids = provision(api, store, Provisioning(data_sources=(DataSourceSpec("p", "Paris store"),)))
    assert ids.data_sources == {"p": 12}
    assert api.writes() == []


def test_definitions_match_by_case_insensitive_name_skipping_deleted(store: MemoryStore) -> None:
    api = MiniApi()
    api.definitions += [
        {"id_definition": 3, "name": "loyalty", "status": "deleted"},
        {"id_definition": 9, "name": " LOYALTY ", "status": "inactive"},
        {"id_definition": 8, "name": "Loyalty", "status": "active"},
        {"id_definition": 5, "name": "loyalty", "status": "active"},
    ]
    wanted = Provisioning(custom_data=(CustomDataSpec("Loyalty", {"points": "number"}),))
    ids = provision(api, store, wanted)
    assert ids.custom_data == {"Loyalty": 5}
    assert api.writes() == []
    assert ("GET", "custom-data-definitions", None) in api.requests


def test_a_409_race_adopts_the_existing_resources(store: MemoryStore) -> None:
    api = MiniApi()
    api.race["data-sources"] = lambda body: api.sources.append({**body, "id_data_source": 55})
    api.race["custom-data-definitions"] = lambda body: api.definitions.append(
        {"name": "loyalty", "id_definition": 66, "status": "active"}
    )
    api.race["events"] = lambda body: api.events.append({**body, "id_event": 77})
    ids = provision(
        api,
        store,
        Provisioning(
            data_sources=(DataSourceSpec("s", "Shop", config_key="x"),),
            custom_data=(CustomDataSpec("Loyalty", {"points": "number"}),),
            events=(EventSpec("signup"),),
        ),
    )
    assert ids == ProvisionedIds(
        data_sources={"s": 55}, custom_data={"Loyalty": 66}, events={"signup": 77}
    )
    assert api.events[0]["name"] == "signup"


def test_a_failed_call_raises_provisioning_error_and_persists_nothing(
    store: MemoryStore,
) -> None:
    api = MiniApi()
    api.fail[("POST", "events")] = httpx.Response(422, json={"message": "code_name invalid"})
    with pytest.raises(ProvisioningError) as excinfo:
        provision(api, store, Provisioning(events=(EventSpec("bad code"),)))
    assert excinfo.value.args == (
        "provisioning: could not create event 'bad code' (HTTP_422: HTTP 422: code_name "
        "invalid). Check the API key, base_url and the declaration, then run "
        "ensure_provisioned again: it is idempotent and creates nothing twice.",
    )
    assert load_provisioned(store) is None


def test_a_409_without_a_winner_on_relist_is_an_error(store: MemoryStore) -> None:
    api = MiniApi()
    api.race["events"] = lambda body: None
    with pytest.raises(ProvisioningError, match="409 but no matching event on re-list"):
        provision(api, store, Provisioning(events=(EventSpec("signup"),)))


def test_a_listing_that_is_not_a_list_is_an_error(store: MemoryStore) -> None:
    api = MiniApi()
    api.fail[("GET", "data-sources")] = wrap(200, "oops")
    with pytest.raises(ProvisioningError, match="listing data sources returned str"):
        provision(api, store, Provisioning(data_sources=(DataSourceSpec("a", "A"),)))


def test_load_provisioned_before_any_run_is_none(store: MemoryStore) -> None:
    assert load_provisioned(store) is None


def test_load_provisioned_rejects_corrupt_state(store: MemoryStore) -> None:
    store.set_state("spmkit.provisioned", "{not json")
    with pytest.raises(ProvisioningError, match="run ensure_provisioned again"):
        load_provisioned(store)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: DataSourceSpec("", "A"),
            "DataSourceSpec: key must be a non-empty str but got key='' (type=str).",
        ),
        (
            lambda: Provisioning(data_sources=(DataSourceSpec("a", "A"), DataSourceSpec("a", "B"))),
            "Provisioning: two data sources share the key 'a'; each needs its own.",
        ),
        (
            lambda: Provisioning(
                custom_data=(
                    CustomDataSpec("X", {"a": "text"}),
                    CustomDataSpec(" x", {"a": "text"}),
                )
            ),
            "Provisioning: two custom-data definitions share the name 'x'; each needs its own.",
        ),
        (
            lambda: Provisioning(events=(EventSpec("e"), EventSpec("e"))),
            "Provisioning: two events share the code_name 'e'; each needs its own.",
        ),
        (
            lambda: Provisioning(data_sources=(DataSourceSpec("child", "C", parent_key="p"),)),
            "Provisioning: data source 'child' has parent_key='p', which is not a data source "
            "declared before it; declare the parent first (known so far: none).",
        ),
        (
            lambda: CustomDataSpec("X", {"a": "float"}),
            "CustomDataSpec 'X': field 'a' has type 'float'; choose one of: bool, date, "
            "datetime, decimal, geolocation, json, list, longtext, number, text.",
        ),
        (
            lambda: EventSpec(" "),
            "EventSpec: code_name must be a non-empty str but got code_name=' ' (type=str).",
        ),
    ],
)
def test_declarations_are_validated(build: Any, message: str) -> None:
    with pytest.raises(IntegrationDefinitionError) as excinfo:
        build()
    assert excinfo.value.args == (message,)


def test_event_label_defaults_to_code_name() -> None:
    assert EventSpec("signup").label == "signup"


def test_a_renamed_source_label_is_not_adopted_by_another_source(store: MemoryStore) -> None:
    """store-1 is renamed Paris -> Lyon and a new store-2 takes the label Paris: two sources."""
    api = MiniApi()
    api.sources.append(
        {"id_data_source": 7, "label": "Paris", "config": '{"spmkit_key": "store-1"}'}
    )
    wanted = Provisioning(data_sources=(
        DataSourceSpec("s1", "Lyon", config_key="store-1"),
        DataSourceSpec("s2", "Paris", config_key="store-2"),
    ))
    ids = provision(api, store, wanted)
    assert ids.data_sources["s1"] == 7
    assert ids.data_sources["s2"] != 7
    assert [(m, p) for m, p, _ in api.writes()] == [
        ("PUT", "data-sources/7"), ("POST", "data-sources")]


def test_label_fallback_skips_a_source_owned_by_another_config_key(store: MemoryStore) -> None:
    api = MiniApi()
    api.sources.append(
        {"id_data_source": 7, "label": "Paris", "config": '{"spmkit_key": "store-1"}'}
    )
    wanted = Provisioning(data_sources=(DataSourceSpec("s2", "Paris", config_key="store-2"),))
    ids = provision(api, store, wanted)
    assert ids.data_sources["s2"] != 7


def test_a_later_declaration_does_not_match_the_label_a_rename_just_replaced(
    store: MemoryStore,
) -> None:
    api = MiniApi()
    api.sources.append(
        {"id_data_source": 7, "label": "Paris", "config": '{"spmkit_key": "store-1"}'}
    )
    wanted = Provisioning(data_sources=(
        DataSourceSpec("s1", "Lyon", config_key="store-1"),
        DataSourceSpec("s2", "Paris"),
    ))
    ids = provision(api, store, wanted)
    assert ids.data_sources["s1"] == 7
    assert ids.data_sources["s2"] != 7
