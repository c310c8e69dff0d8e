from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spmkit import (
    LifecycleResult,
    MemoryStore,
    ReplayGuard,
    SpmClient,
    SyncContext,
    SyncOptions,
    define_integration,
    handle_lifecycle,
    load_provisioned,
)
from spmkit._lifecycle import LIFECYCLE_EVENTS
from spmkit_testing import FakeShopimind, MountedTransport, Partner, SimClock
from spmkit_testing.partner import RestApi
from spmkit_testing.reference import (
    DEFAULT_STORES,
    POS_BASE_URL,
    PosSettings,
    build_reference_integration,
    parse_settings,
    provisioning,
    reference_adapter,
)
from spmkit_testing.webhooks import DEFAULT_WEBHOOK_SECRET, sign_webhook_request

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
API = "https://api.shopimind.test"
KEY = "spm-lifecycle-key-0001"


class World:
    """A fake ShopiMind, the Demo POS partner and a store, on one SimClock; nothing provisioned."""

    def __init__(self, hooks: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self.clock = SimClock(START)
        self.fake = FakeShopimind(clock=self.clock, api_key=KEY, seed=1)
        self.partner = Partner(self.clock, reference_adapter.streams, sources=DEFAULT_STORES,
                               seed=1)
        self.network = MountedTransport()
        self.network.mount(f"{API}/", self.fake.transport())
        rest_api = reference_adapter.partner_api
        assert isinstance(rest_api, RestApi)
        self.network.mount(f"{POS_BASE_URL}/", rest_api.transport(self.partner))
        self.settings = PosSettings(base_url=POS_BASE_URL, transport=self.network)
        self.client = SpmClient(KEY, base_url=API, transport=self.network, clock=self.clock)
        self.store = MemoryStore(self.clock)
        self.guard = ReplayGuard(self.clock)
        reference = build_reference_integration()
        self.integration = define_integration(
            slug="demo-pos", sync_steps=reference.sync_steps, parse_settings=parse_settings,
            provisioning=provisioning, hooks=hooks)

    def deliver(self, body: bytes, headers: Mapping[str, str], *,
                settings: Any = "default") -> LifecycleResult:
        return self.clock.run(handle_lifecycle(
            self.integration, body=body, headers=headers, secrets=DEFAULT_WEBHOOK_SECRET,
            clock=self.clock, replay_guard=self.guard, store=self.store, client=self.client,
            settings=self.settings if settings == "default" else settings,
            sync_options=SyncOptions(backfill_days=30)))

    def send(self, payload: Mapping[str, Any] | bytes, **kwargs: Any) -> LifecycleResult:
        body, headers = self.fake.sign_webhook(payload)
        return self.deliver(body, headers, **kwargs)


def recorder(calls: list[tuple[str, Any, Any]], event: str, *, is_async: bool) -> Any:
    def hook(ctx: SyncContext, payload: Mapping[str, Any]) -> str:
        calls.append((event, dict(payload), ctx.settings))
        return f"{event} done"

    async def async_hook(ctx: SyncContext, payload: Mapping[str, Any]) -> str:
        await ctx.clock.sleep(1)
        return hook(ctx, payload)

    return async_hook if is_async else hook


@pytest.mark.parametrize("event", ["install", "deactivate", "uninstall", "config_updated"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync_hook", "async_hook"])
def test_each_event_calls_its_hook(event: str, is_async: bool) -> None:
    calls: list[tuple[str, Any, Any]] = []
    world = World({event: recorder(calls, event, is_async=is_async)})
    result = world.send({"event": event, "shop_id": 42})
    assert result.ok and result.status_code == 200
    assert (result.event, result.hook_called, result.hook_result) == (event, True, f"{event} done")
    assert calls == [(event, {"event": event, "shop_id": 42}, world.settings)]
    assert result.summary is None and world.fake.journal == []  # no sync, no API call


def test_event_without_a_hook_is_accepted_and_does_nothing() -> None:
    world = World()
    result = world.send({"event": "uninstall"})
    assert (result.ok, result.hook_called) == (True, False)
    assert result.detail == "no uninstall hook defined: nothing to do"
    assert world.fake.journal == [] and world.store.list_runs() == []


def put_history(world: World) -> None:
    customers = world.partner.source("customers")
    for i in range(5):
        customers.put(f"c{i}", {"email": f"user{i}@example.com"},
                      updated_at=START - timedelta(days=i * 5 + 1))
    world.partner.source("orders", "store-2").put("o1", {"amount": 12},
                                               updated_at=START - timedelta(days=3))


def test_activate_provisions_backfills_then_calls_the_hook() -> None:
    seen: dict[str, int] = {}

    def on_activate(ctx: SyncContext, payload: Mapping[str, Any]) -> None:
        seen["customers"] = len(world.fake.records("customers"))
        assert ctx.provisioned is not None
        seen["pos"] = ctx.provisioned.data_sources["pos"]

    world = World({"activate": on_activate})
    put_history(world)
    assert world.fake.data_sources() == []
    result = world.send({"event": "activate"})
    assert result.ok, result.detail
    labels = sorted(s["label"] for s in world.fake.data_sources())
    assert labels == ["Demo POS", "Demo POS store-1", "Demo POS store-2"]
    assert [d["name"] for d in world.fake.custom_data_definitions()] == ["pos_loyalty"]
    assert result.provisioned == load_provisioned(world.store)
    assert result.summary is not None and result.summary.mode == "full"
    assert result.summary.status == "ok"
    assert set(world.fake.records("customers")) == {f"c{i}" for i in range(5)}
    assert set(world.fake.records("orders")) == {"o1"}
    assert world.store.get_cursor("customers", "").last_synced_at == START  # type: ignore[union-attr]
    assert result.provisioned is not None
    assert seen["customers"] == 5 and seen["pos"] == result.provisioned.data_sources["pos"]
    assert result.detail == "provisioned; full backfill run 1: ok; activate hook called"


def test_activate_again_creates_nothing_twice() -> None:
    world = World()
    assert world.send({"event": "activate"}).ok
    sources = world.fake.data_sources()
    world.clock.advance(timedelta(minutes=5))
    again = world.send({"event": "activate"})
    assert again.ok and again.summary is not None and again.summary.run_id == 2
    assert world.fake.data_sources() == sources


def test_sync_runs_an_incremental_sync() -> None:
    world = World()
    put_history(world)
    assert world.send({"event": "activate"}).ok
    world.clock.advance(timedelta(minutes=1))
    world.partner.source("customers").put("fresh", {"email": "fresh@example.com"})
    world.clock.advance(timedelta(minutes=1))
    result = world.send({"event": "sync"})
    assert result.ok and result.summary is not None
    assert (result.summary.mode, result.summary.status) == ("incremental", "ok")
    window = result.summary.step("customers").window
    assert window is not None and window.since == START
    assert "fresh" in world.fake.records("customers")


def test_a_webhook_delivered_twice_is_refused_the_second_time() -> None:
    calls: list[tuple[str, Any, Any]] = []
    world = World({"install": recorder(calls, "install", is_async=False)})
    body, headers = world.fake.sign_webhook({"event": "install"})
    assert world.deliver(body, headers).ok
    world.clock.advance(timedelta(seconds=10))
    second = world.deliver(body, headers)
    assert (second.ok, second.reason, second.status_code) == (False, "replayed", 409)
    assert len(calls) == 1


def test_a_replay_with_an_upper_cased_signature_is_refused() -> None:
    world = World()
    body, headers = world.fake.sign_webhook({"event": "sync"})
    assert world.deliver(body, headers).ok
    shouted = {**headers, "x-shopimind-signature": headers["x-shopimind-signature"].upper()}
    result = world.deliver(body, shouted)
    assert (result.ok, result.reason) == (False, "replayed")
    assert len(world.store.list_runs()) == 1


@pytest.mark.parametrize(
    ("skew", "accepted"),
    [
        (timedelta(seconds=-300), True),
        (timedelta(seconds=-301), False),  # late
        (timedelta(minutes=-10), False),
        (timedelta(seconds=59), True),  # early, within 60 s
        (timedelta(seconds=60), True),
        (timedelta(seconds=61), False),  # skewed beyond 60 s
    ],
)
def test_timestamp_window(skew: timedelta, accepted: bool) -> None:
    world = World()
    body, headers = sign_webhook_request({"event": "install"}, DEFAULT_WEBHOOK_SECRET,
                                         clock=world.clock, skew=skew)
    result = world.deliver(body, headers)
    assert result.ok is accepted
    if not accepted:
        assert (result.reason, result.status_code) == ("timestamp_out_of_tolerance", 401)
        assert "more than the tolerance (300 s) in the past" in result.detail


def test_wrong_secret_and_missing_headers_are_refused() -> None:
    world = World()
    body, headers = sign_webhook_request({"event": "install"}, "another-secret",
                                         clock=world.clock)
    wrong = world.deliver(body, headers)
    assert (wrong.ok, wrong.reason, wrong.status_code) == (False, "signature_mismatch", 401)
    bare = world.deliver(body, {})
    assert (bare.ok, bare.reason) == (False, "missing_signature_headers")


def test_bad_json_gives_a_clear_reason() -> None:
    world = World()
    result = world.send(b'{"event": "activate"')
    assert (result.ok, result.reason, result.status_code) == (False, "invalid_json", 400)
    assert result.detail.startswith("the body is not valid JSON (")
    assert result.detail.endswith('a lifecycle webhook is a JSON object such as '
                                  '{"event": "activate"}')
    assert world.fake.journal == []


def test_a_json_array_is_not_a_lifecycle_payload() -> None:
    result = World().send(b'["activate"]')
    assert (result.ok, result.reason) == (False, "invalid_payload")
    assert result.detail.startswith("the body is JSON list, not an object")


def test_unknown_event_lists_the_known_ones() -> None:
    result = World().send({"event": "explode"})
    assert (result.ok, result.reason, result.event) == (False, "unknown_event", None)
    assert result.detail == ("unknown event 'explode'; expected one of: install, activate, "
                             "deactivate, uninstall, config_updated, sync")


def test_settings_come_from_the_body_through_parse_settings() -> None:
    calls: list[tuple[str, Any, Any]] = []
    world = World({"config_updated": recorder(calls, "config_updated", is_async=False)})
    payload = {"event": "config_updated", "settings": {"page_size": "25"}}
    assert world.send(payload, settings=None).ok
    assert calls[0][2] == PosSettings(page_size=25)
    bad = world.send({"event": "config_updated", "settings": {"page_size": "0"}}, settings=None)
    assert (bad.ok, bad.reason, bad.status_code) == (False, "invalid_settings", 422)
    assert "page_size=0 must be >= 1" in bad.detail


def test_a_failing_hook_is_reported_not_raised() -> None:
    def boom(ctx: SyncContext, payload: Mapping[str, Any]) -> None:
        raise RuntimeError("partner account locked")

    world = World({"deactivate": boom})
    result = world.send({"event": "deactivate"})
    assert (result.ok, result.reason, result.status_code) == (False, "handler_failed", 500)
    assert result.detail.startswith("deactivate failed: RuntimeError: partner account locked.")


def test_activate_without_a_client_says_what_to_pass() -> None:
    world = World()
    body, headers = world.fake.sign_webhook({"event": "activate"})
    result = world.clock.run(handle_lifecycle(
        world.integration, body=body, headers=headers, secrets=DEFAULT_WEBHOOK_SECRET,
        clock=world.clock, replay_guard=world.guard, store=world.store, client=None))
    assert result.reason == "handler_failed"
    assert "activate needs client=SpmClient(...)" in result.detail


def test_a_signed_body_nested_too_deeply_is_refused_and_not_remembered() -> None:
    world = World()
    body, headers = world.fake.sign_webhook(b"[" * 5000)
    first = world.deliver(body, headers)
    assert (first.ok, first.reason, first.status_code) == (False, "invalid_json", 400)
    assert first.detail == ('the body is not valid JSON (it is nested too deeply to be read); '
                            'a lifecycle webhook is a JSON object such as {"event": "activate"}')
    assert len(world.guard) == 0
    again = world.deliver(body, headers)
    assert again.reason == "invalid_json"  # not "replayed": it was never accepted


@pytest.mark.parametrize("body", [b'{"event": "activate"', b'["activate"]', b'{"event": "x"}',
                                  b"\xff", b'{"event": 1e400}'])
def test_a_signed_body_that_does_not_parse_is_not_remembered_by_the_replay_guard(
    body: bytes,
) -> None:
    world = World()
    result = world.send(body)
    assert not result.ok and result.reason in {"invalid_json", "invalid_payload",
                                               "unknown_event"}
    assert len(world.guard) == 0


def test_a_parsed_webhook_is_remembered_before_its_handler_runs() -> None:
    seen: list[int] = []
    world = World({"install": lambda ctx, payload: seen.append(len(world.guard))})
    assert world.send({"event": "install"}).ok
    assert seen == [1]


def test_an_unknown_event_is_shown_shortened() -> None:
    result = World().send({"event": "x" * 10_000})
    assert result.reason == "unknown_event"
    assert result.detail == ("unknown event '" + "x" * 76 + "...; expected one of: install, "
                             "activate, deactivate, uninstall, config_updated, sync")


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.binary(max_size=200),
    st.integers(0, 6000).map(lambda n: b"[" * n + b"]" * (n % 3)),
    st.integers(0, 6000).map(lambda n: b'{"event":' * n),
    st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=10),
                 lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c,
                                                                     max_size=3),
                 max_leaves=10).map(lambda v: json.dumps({"event": v}).encode()),
    st.sampled_from(LIFECYCLE_EVENTS).map(lambda e: json.dumps({"event": e}).encode()),
))  # fmt: skip
def test_handle_lifecycle_never_raises_on_a_signed_body(body: bytes) -> None:
    clock = SimClock(START)
    guard = ReplayGuard(clock)
    body, headers = sign_webhook_request(body, DEFAULT_WEBHOOK_SECRET, clock=clock)
    integration = define_integration(slug="bare", sync_steps=[])
    result = clock.run(handle_lifecycle(
        integration, body=body, headers=headers, secrets=DEFAULT_WEBHOOK_SECRET, clock=clock,
        replay_guard=guard, store=MemoryStore(clock), client=None))  # fmt: skip
    assert result.ok or (result.reason is not None and result.detail)
    assert len(guard) == (1 if result.ok else 0)
