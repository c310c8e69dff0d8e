from __future__ import annotations

import random
from datetime import timedelta

import pytest

from spmkit import InvalidArgument
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import (
    BadRequest,
    Conflict,
    FakeShopimind,
    FakeState,
    NotFound,
    PayloadTooLarge,
    UnprocessableEntity,
)
from spmkit_testing.faults import (
    ApiRequest,
    FaultRegistry,
    RateLimited,
    Status,
    connect_error,
    failed_chunk,
    latency,
    rate_limited,
    status,
    token_bucket,
)

from .conftest import T0, customer

BULK = ApiRequest("POST", "customers", "customers", True)


@pytest.fixture
def state(clock: SimClock) -> FakeState:
    return FakeState(clock)


def test_upsert_keys_items_by_natural_id_and_replaces(state: FakeState) -> None:
    result = state.bulk_upsert("customers", [customer(1), customer(2)])
    assert (result.sent_count, result.rejected_count, result.failed_count) == (2, 0, 0)
    state.bulk_upsert("customers", [{"customer_id": "c1", "email": "new@example.com"}])
    assert state.records("customers")["c1"] == {"customer_id": "c1", "email": "new@example.com"}
    assert sorted(state.records("customers")) == ["c1", "c2"]
    assert state.count("customers") == 2 and state.count("orders") == 0
    assert state.keys("customers") == ["c1", "c2"]


def test_put_merges_into_the_stored_item(state: FakeState) -> None:
    state.bulk_upsert("customers", [customer(1, last_name="Lovelace")])
    state.bulk_upsert("customers", [{"customer_id": "c1", "first_name": "Augusta"}], merge=True)
    stored = state.records("customers")["c1"]
    assert (stored["first_name"], stored["last_name"]) == ("Augusta", "Lovelace")


def test_integer_natural_keys_become_strings(state: FakeState) -> None:
    state.bulk_upsert("products", [{"product_id": 42, "price": 9.5}])
    assert list(state.records("products")) == ["42"]


def test_items_keep_their_data_source_and_source_tags(state: FakeState) -> None:
    item = customer(1, id_data_source=3, label_source="web", source_label="pos", shop_id="s1")
    assert state.bulk_upsert("customers", [item]).rejected_count == 0
    assert state.records("customers")["c1"]["id_data_source"] == 3


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"email": "a@b.co"}, "missing customer_id: every customers item needs its natural key"),
        (
            {"customer_id": "c1", "email": "not-an-email"},
            "email must be a valid e-mail address (name@domain.tld), got 'not-an-email'",
        ),
        (
            {"customer_id": "c1", "updated_at": "yesterday"},
            "updated_at must be an ISO-8601 date or date-time such as 2024-05-01T12:00:00Z, "
            "got 'yesterday'",
        ),
        ({"customer_id": "c1", "is_active": "yes"}, "is_active must be true or false, got 'yes'"),
        ({"customer_id": "", "email": "a@b.co"}, "customer_id must be a non-empty string"),
        ({"customer_id": "c1", "id_data_source": "3"}, "id_data_source must be an integer"),
    ],
)
def test_invalid_items_are_rejected_with_a_reason(
    state: FakeState, item: dict[str, object], reason: str
) -> None:
    result = state.bulk_upsert("customers", [customer(0), item])
    assert (result.sent_count, result.rejected_count) == (1, 1)
    entry = result.rejected_items[0]
    assert entry["index"] == 1
    assert entry["reason"].startswith(reason)
    assert set(state.records("customers")) == {"c0"}


def test_rejected_entry_names_the_key_and_every_problem(state: FakeState) -> None:
    result = state.bulk_upsert("orders", [{"order_id": "o1", "amount": "12.50", "colour": "red"}])
    (entry,) = result.rejected_items
    assert entry["key"] == "o1"
    assert entry["reason"].startswith("amount must be a finite number (not a string), got '12.50'")
    assert "unknown field 'colour' (allowed: address_delivery_id," in entry["reason"]


def test_non_object_items_are_rejected_without_a_key(state: FakeState) -> None:
    result = state.bulk_upsert("customers", [[1, 2], None])
    assert [(e["key"], e["index"]) for e in result.rejected_items] == [(None, 0), (None, 1)]
    assert result.rejected_items[0]["reason"] == (
        "each customers item must be a JSON object, got [1, 2]"
    )


def test_a_batch_above_the_chunk_size_is_refused_naming_the_limit(state: FakeState) -> None:
    with pytest.raises(PayloadTooLarge) as excinfo:
        state.bulk_upsert("customers", [customer(i) for i in range(51)])
    assert excinfo.value.status == 413
    assert "exceeds the limit of 50 per request" in excinfo.value.message
    assert state.records("customers") == {}
    assert state.bulk_upsert("orders-statuses", [{"status_id": i} for i in range(100)]).sent_count


def test_a_body_that_is_not_a_list_is_a_bad_request(state: FakeState) -> None:
    with pytest.raises(BadRequest, match="expects a JSON array of customers items, got an object"):
        state.bulk_upsert("customers", customer(1))  # type: ignore[arg-type]


def test_unknown_resource_lists_the_known_ones(state: FakeState) -> None:
    with pytest.raises(NotFound, match="Unknown bulk resource 'clients'; the fake knows: cust"):
        state.records("clients")


def test_poison_predicates_reject_matching_items(state: FakeState) -> None:
    poisons = [(lambda item: item["customer_id"] == "c2", "poisoned by the test")]
    result = state.bulk_upsert("customers", [customer(1), customer(2)], poisons=poisons)
    assert result.rejected_items == [{"key": "c2", "index": 1, "reason": "poisoned by the test"}]


def test_data_sources_have_increasing_int_ids_and_update(state: FakeState, clock: SimClock) -> None:
    first = state.create_data_source({"label": "Shop", "config": {"store": 1}})
    second = state.create_data_source({"label": "POS", "parent_id": first["id_data_source"]})
    assert (first["id_data_source"], second["id_data_source"]) == (1, 2)
    assert first["config"] == '{"store": 1}'
    clock.advance(timedelta(minutes=1))
    updated = state.update_data_source(2, {"label": "Till"})
    assert updated["label"] == "Till" and updated["updated_at"] != updated["created_at"]
    assert [s["label"] for s in state.data_sources()] == ["Shop", "Till"]


def test_data_source_errors_say_what_to_do(state: FakeState) -> None:
    with pytest.raises(BadRequest, match="'label' is required"):
        state.create_data_source({})
    with pytest.raises(BadRequest, match="unknown property 'stableConfigKey'; allowed: active"):
        state.create_data_source({"label": "x", "stableConfigKey": "store"})
    with pytest.raises(NotFound, match="No data source with id 9; existing ids: \\[\\]"):
        state.update_data_source(9, {"label": "x"})


DEFINITION = {
    "name": "loyalty",
    "unique_keys": ["card"],
    "fields": [
        {"name": "card", "label": "Card", "type": "text", "required": True},
        {"name": "points", "label": "Points", "type": "number", "required": False},
        {"name": "tier", "label": "Tier", "type": "list", "options": ["gold", "silver"]},
    ],
}


def test_custom_data_definitions_and_records(state: FakeState) -> None:
    created = state.create_custom_data_definition(DEFINITION)
    assert (created["id_definition"], created["status"]) == (1, "active")
    with pytest.raises(Conflict, match="custom data definition name is already used: 'LOYALTY'"):
        state.create_custom_data_definition({**DEFINITION, "name": "LOYALTY"})
    result = state.upsert_custom_data_records(
        1,
        [
            {"card": "A1", "points": 10, "tier": "gold"},
            {"id": 7, "card": "B2"},
            {"points": 3},
            {"card": "C3", "points": "ten"},
            {"card": "D4", "tier": "bronze"},
        ],
    )
    assert (result.sent_count, result.rejected_count) == (2, 3)
    reasons = [e["reason"] for e in result.rejected_items]
    assert reasons[0].startswith("missing id or card")
    assert reasons[1] == "points must be a finite number (not a string), got 'ten'"
    assert reasons[2] == "tier must be one of ['gold', 'silver'], got 'bronze'"
    assert set(state.custom_data_records(1)) == {"A1", "7"}


def test_records_of_an_inactive_definition_are_refused(state: FakeState) -> None:
    state.create_custom_data_definition(DEFINITION)
    state.set_custom_data_definition_status(1, active=False)
    with pytest.raises(UnprocessableEntity, match="records are refused until it is activated"):
        state.upsert_custom_data_records(1, [{"card": "A1"}])
    with pytest.raises(Conflict, match="already inactive"):
        state.set_custom_data_definition_status(1, active=False)


def test_events_and_triggers(state: FakeState) -> None:
    event = state.create_event({"name": "Order shipped", "code_name": "order_shipped"})
    with pytest.raises(Conflict, match="code_name 'order_shipped' already exists"):
        state.create_event({"name": "again", "code_name": "order_shipped"})
    trigger = state.trigger_event("order_shipped", {"contact": {"email": "a@b.co"}})
    assert trigger["id_event"] == event["id_event"]
    assert state.event_triggers()[0]["payload"] == {"contact": {"email": "a@b.co"}}
    with pytest.raises(NotFound, match="declared: order_shipped"):
        state.trigger_event("nope", {})


def test_reset_is_a_reconstruction(fake: FakeShopimind) -> None:
    fake.state.bulk_upsert("customers", [customer(1)])
    fake.add_fault(connect_error())
    fake.reset()
    assert fake.records("customers") == {} and fake.faults.active == [] and fake.journal == []
    assert fake.faults.stats() == []


def test_fault_reprs_are_the_constructor_calls() -> None:
    assert repr(status(503, resource="customers", calls=(2, 4))) == (
        "status(503, resource='customers', calls=(2, 4))"
    )
    assert repr(rate_limited("30s", method="post", calls=1)) == (
        "rate_limited('30s', method='POST', calls=1)"
    )
    # Sub-minute fractional durations print in milliseconds; the text parses back equal.
    assert repr(latency("2.5s", path="orders*", probability=0.5)) == (
        "latency('2500ms', path='orders*', probability=0.5)"
    )
    assert latency("2500ms", path="orders*", probability=0.5) == latency(
        "2.5s", path="orders*", probability=0.5
    )


def test_fault_arguments_are_validated() -> None:
    with pytest.raises(InvalidArgument, match=r"status\(code=600\) must be an HTTP status"):
        status(600)
    with pytest.raises(InvalidArgument, match=r"status\(302\) is not a failure"):
        status(302)
    with pytest.raises(InvalidArgument, match="calls must be n >= 1"):
        connect_error(calls=(3, 1))
    with pytest.raises(InvalidArgument, match="Unknown bulk resource 'clients'"):
        failed_chunk(resource="clients")
    with pytest.raises(InvalidArgument, match="window must be \\(start, end\\) instants"):
        connect_error(window=(T0, T0))


def test_calls_count_only_matching_requests() -> None:
    registry = FaultRegistry(random.Random(0))
    registry.add(status(503, resource="customers", calls=(2, 3)))
    other = ApiRequest("GET", "data-sources", None, False)
    fired = []
    for _ in range(5):
        registry.decide_api(other, T0)
        fired.append(isinstance(registry.decide_api(BULK, T0).terminal, Status))
    assert fired == [False, True, True, False, False]


def test_window_is_half_open_on_simulated_time() -> None:
    registry = FaultRegistry(random.Random(0))
    registry.add(connect_error(window=(T0, T0 + timedelta(minutes=5))))
    at = [T0 - timedelta(seconds=1), T0, T0 + timedelta(minutes=5)]
    assert [registry.decide_api(BULK, t).terminal is not None for t in at] == [False, True, False]


def test_probability_draws_from_the_seeded_random() -> None:
    def pattern(seed: int) -> list[bool]:
        registry = FaultRegistry(random.Random(seed))
        registry.add(status(500, probability=0.5))
        return [registry.decide_api(BULK, T0).terminal is not None for _ in range(40)]

    assert pattern(1) == pattern(1)
    assert pattern(1) != pattern(2)
    assert 5 < sum(pattern(1)) < 35


def test_token_bucket_answers_retry_after_until_a_token_refills() -> None:
    registry = FaultRegistry(random.Random(0))
    registry.add(token_bucket(2, refill_per_second=0.5))
    first = [registry.decide_api(BULK, T0).terminal for _ in range(3)]
    assert first[:2] == [None, None]
    assert isinstance(first[2], RateLimited) and first[2].retry_after == timedelta(seconds=2)
    assert registry.decide_api(BULK, T0 + timedelta(seconds=2)).terminal is None


def test_removing_a_fault_while_running(fake: FakeShopimind) -> None:
    handle = fake.add_fault(connect_error())
    assert fake.faults.active == [handle]
    assert fake.remove_fault(handle) is True
    assert fake.remove_fault(handle) is False
    assert fake.faults.active == []
