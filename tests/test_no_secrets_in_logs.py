"""No secret in any log line: every logger captured at DEBUG, then grepped.

Two runs: the whole scenario library, and a deliberately faulty world (429, 503,
rejects, a crash, a wrong API key, lifecycle webhooks good and bad, encrypted state
read with the wrong key, a hook that logs its secrets by mistake).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest

from spmkit import (
    ReplayGuard,
    SecretCipher,
    SecretError,
    SecretState,
    SpmClient,
    SyncContext,
    define_integration,
    handle_lifecycle,
)
from spmkit_testing import Simulation, World
from spmkit_testing.fake import DEFAULT_API_KEY
from spmkit_testing.faults import rate_limited, status
from spmkit_testing.scenario import load_scenario, run_scenario, scenario_names
from spmkit_testing.sim import API_BASE_URL

LIBRARY_KEY = DEFAULT_API_KEY  # the key every library scenario's world uses
API_KEY = "spm-live-9f8e7d6c5b4a"
WRONG_KEY = "spm-wrong-1a2b3c4d"
WEBHOOK_SECRET = "whsec-9a8b7c6d5e4f3a2b"
CIPHER_KEY = "5e" * 32
OTHER_CIPHER_KEY = "a7" * 32
PARTNER_TOKEN = "pt-5d4c3b2a1f0e"


class Capture(logging.Handler):
    """Every record of every logger: the formatted line and its attributes (extras)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr({k: v for k, v in record.__dict__.items() if k != "exc_info"}))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture(name="logs")
def fixture_logs() -> Iterator[Capture]:
    root = logging.getLogger()
    capture, level = Capture(), root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)


def test_the_scenario_library_logs_no_api_key(logs: Capture) -> None:
    names = scenario_names()
    assert len(names) >= 10
    for name in names:
        run_scenario(load_scenario(name))
    assert "failing repeatedly" in logs.text  # the library's faults were logged
    assert LIBRARY_KEY not in logs.text


def hooks() -> Mapping[str, Any]:
    def config_updated(ctx: SyncContext, payload: Mapping[str, Any]) -> None:
        # The classic slip: logging a settings dict that holds secrets.
        ctx.logger.warning("applying settings %s", {"partner_token": PARTNER_TOKEN,
                                                    "webhook_secret": WEBHOOK_SECRET})
        ctx.logger.info("settings applied", extra={"api_key": API_KEY})

    def uninstall(ctx: SyncContext, payload: Mapping[str, Any]) -> None:
        raise RuntimeError("partner refused the uninstall")

    return {"config_updated": config_updated, "uninstall": uninstall}


def faulty_world(sim: Simulation) -> None:
    customers = sim.source("customers")
    for i in range(6):
        customers.put(f"c{i}", {"email": f"user{i}@example.com"},
                      updated_at=sim.clock.now() - timedelta(hours=i + 1))
    customers.put("bad", {"email": "not-an-email"}, updated_at=sim.clock.now())
    sim.source("orders@store-1").put("o1", {"amount": 3})
    sim.fake.add_fault(rate_limited("5s", resource="customers", calls=(1, 2)))
    sim.fake.add_fault(status(503, resource="orders"))
    sim.crash_at("after_push")
    for _ in range(4):
        sim.advance(timedelta(minutes=1))
        sim.tick()
    sim.fake.clear_faults()
    sim.run_for(timedelta(minutes=3))


def lifecycle(sim: Simulation) -> list[str]:
    assert sim.integration is not None
    integration = define_integration(slug="demo-pos", sync_steps=sim.integration.sync_steps,
                                     provisioning=sim.integration.provisioning, hooks=hooks())
    guard = ReplayGuard(sim.clock)

    def deliver(body: bytes, headers: Mapping[str, str]) -> str:
        result = sim.clock.run(handle_lifecycle(
            integration, body=body, headers=headers, secrets=WEBHOOK_SECRET, clock=sim.clock,
            replay_guard=guard, store=sim.db, client=sim.client, settings=sim.settings))
        return result.reason or "ok"

    signed = sim.fake.sign_webhook({"event": "config_updated"}, WEBHOOK_SECRET)
    return [
        deliver(*signed),
        deliver(*signed),
        deliver(*sim.fake.sign_webhook({"event": "sync"}, "not-the-secret")),
        deliver(*sim.fake.sign_webhook({"event": "sync"}, WEBHOOK_SECRET,
                                       skew=timedelta(minutes=-6))),
        deliver(*sim.fake.sign_webhook({"event": "uninstall"}, WEBHOOK_SECRET)),
        deliver(*sim.fake.sign_webhook(b"{not json", WEBHOOK_SECRET)),
        deliver(*sim.fake.sign_webhook({"event": "sync"}, WEBHOOK_SECRET)),
    ]


def test_a_faulty_world_logs_no_key_secret_or_token(logs: Capture) -> None:
    sim = Simulation(World(seed=9, api_key=API_KEY))
    try:
        faulty_world(sim)
        assert [t.crashed_at for t in sim.trace if t.crashed_at] == ["after_push"]
        reasons = lifecycle(sim)
        state = SecretState(sim.db, SecretCipher(CIPHER_KEY))
        state.set_secret("partner_token", PARTNER_TOKEN)
        with pytest.raises(SecretError) as info:
            SecretState(sim.db, SecretCipher(OTHER_CIPHER_KEY)).get_secret("partner_token")
        logging.getLogger("app").error("could not read the partner token", exc_info=info.value)
        sim.client = SpmClient(WRONG_KEY, base_url=API_BASE_URL, transport=sim.network,
                               clock=sim.clock)
        sim.advance(timedelta(minutes=1))
        sim.source("orders@store-2").put("o2", {"amount": 4})
        wrong = sim.tick()
    finally:
        sim.close()
    assert reasons == ["ok", "replayed", "signature_mismatch", "timestamp_out_of_tolerance",
                       "handler_failed", "invalid_json", "ok"]
    assert wrong is not None and wrong.status == "partial"
    assert "401" in wrong.step("orders", "store-2").errors[0]
    text = logs.text
    # The run was logged, faults and refusals included, and the hook's slip was redacted.
    for seen in ("HTTP Request: POST", "failed:", "lifecycle webhook refused: replayed",
                 "handler failed", "could not read the partner token", "applying settings",
                 "[REDACTED]"):
        assert seen in text, f"{seen!r} was not logged"
    for secret in (API_KEY, WRONG_KEY, WEBHOOK_SECRET, CIPHER_KEY, OTHER_CIPHER_KEY,
                   PARTNER_TOKEN):
        assert secret not in text, f"{secret!r} leaked into the logs"
