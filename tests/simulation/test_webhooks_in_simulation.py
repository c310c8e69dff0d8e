from __future__ import annotations

from datetime import timedelta

import pytest

from spmkit_testing import Simulation, World


def world() -> Simulation:
    sim = Simulation(World(seed=9))
    sim.source("customers").put("c1", {"email": "ada@example.com"},
                                        updated_at=sim.clock.now() - timedelta(hours=1))
    return sim


def test_sync_webhook_runs_the_engine_and_appears_in_the_trace() -> None:
    sim = world()
    [result] = sim.deliver_webhook("sync")
    assert result.ok and result.summary is not None
    assert sim.trace[-1].trigger == "webhook:sync"
    assert "c1" in sim.fake.records("customers")
    assert [(w.event, w.ok, w.reason, w.tick) for w in sim.webhooks] == [("sync", True, None, 1)]


def test_webhook_delivered_twice_is_refused_the_second_time() -> None:
    sim = world()
    results = sim.deliver_webhook("sync", times=2)
    assert [(r.ok, r.reason) for r in results] == [(True, None), (False, "replayed")]
    assert len(sim.trace) == 1


@pytest.mark.parametrize(("tamper", "reason"), [("upper", "replayed"),
                                                 ("trailing", "signature_mismatch")])
def test_tampered_replays_are_refused(tamper: str, reason: str) -> None:
    sim = world()
    results = sim.deliver_webhook("sync", times=2, tamper=tamper)
    assert [r.reason for r in results] == [None, reason]


@pytest.mark.parametrize(("sent", "ok"), [(timedelta(minutes=-5), True),
                                          (timedelta(minutes=-6), False),
                                          (timedelta(seconds=60), True),
                                          (timedelta(seconds=61), False)])
def test_late_early_and_skewed_webhooks(sent: timedelta, ok: bool) -> None:
    sim = world()
    [result] = sim.deliver_webhook("deactivate", sent=sent)
    assert result.ok is ok
    if not ok:
        assert result.reason == "timestamp_out_of_tolerance"


def test_unknown_tamper_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"tamper='lower'.*use None, 'upper' or 'trailing'"):
        world().deliver_webhook("sync", times=2, tamper="lower")
