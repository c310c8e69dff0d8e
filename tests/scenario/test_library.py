from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spmkit import SyncSummary, _engine, _step_runner
from spmkit_testing.scenario import (
    Scenario,
    ScenarioFailed,
    World,
    absent,
    advance,
    cursor_at,
    dead_letters,
    load_scenario,
    record,
    records,
    run_scenario,
    scenario_names,
    tick,
)

LIBRARY = scenario_names()
EXPECTED = {
    "clean_backfill", "poison_pill", "poison_pill_tolerated", "max_ratio",
    "repeated_failures_backoff", "rate_limited", "transport_failure", "failed_chunk_200",
    "whole_chunk_4xx", "clock_skew_loss", "clock_skew_overlap", "non_list_page",
    "per_source_isolation", "sources_raise", "clock_steps_back",
    "dead_letter_cap", "crash_between_push_and_cursor", "full_backfill_bypasses_backoff",
    "far_from_today", "messy_pages", "partner_proxy_error", "webhook_replay",
}
# Scenarios that run a planted bug of the reference (tests/planted_reference.py): they are
# the project's own, not shipped in the library.
PLANTED = Path(__file__).resolve().parents[1] / "scenarios"
OWN = sorted(str(p) for p in PLANTED.glob("*.py"))


def test_the_library_holds_the_named_scenarios() -> None:
    assert sorted(LIBRARY) == LIBRARY
    assert set(LIBRARY) >= EXPECTED


@pytest.mark.parametrize("name", LIBRARY + OWN, ids=lambda n: Path(n).stem)
def test_library_scenario_passes_and_replays_identically_from_its_source(
        name: str, tmp_path: Path) -> None:
    scenario = load_scenario(name)
    assert scenario.name == Path(name).stem
    assert scenario.summary, f"{name} needs a docstring saying what it shows"
    result = run_scenario(scenario)
    assert result.passed, result.message()
    # Every tick, the settle ticks (if any) included: they follow the timeline's.
    assert result.stats.ticks == len(result.trace)
    assert result.settle_from == result.stats.ticks - result.stats.settle_ticks + 1

    path = tmp_path / f"{scenario.name}.py"
    path.write_text(scenario.to_source())
    again = load_scenario(path)
    assert again == scenario
    assert repr(again) == repr(scenario)
    replay = run_scenario(again)
    assert [t.to_json() for t in replay.trace] == [t.to_json() for t in result.trace]


def test_written_sources_pass_the_project_linter(tmp_path: Path) -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    assert Path(ruff).exists(), "ruff is a dev dependency: `make test` installs it in .venv"
    for name in LIBRARY:
        (tmp_path / f"{name}.py").write_text(load_scenario(name).to_source())
    config = Path(__file__).resolve().parents[2] / "pyproject.toml"
    done = subprocess.run([ruff, "check", "--config", str(config), "--no-cache", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_seed_changes_the_world_but_replays_identically() -> None:
    scenario = load_scenario("clean_backfill")
    a, b = run_scenario(scenario, seed=11), run_scenario(scenario, seed=11)
    assert a.seed == 11 and a.passed, a.message()
    assert [t.to_json() for t in a.trace] == [t.to_json() for t in b.trace]
    assert "seed=11" in a.message()


def _advance_on_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted engine bug: a failed step-run also moves its cursor to window.until."""
    original = _step_runner.StepRunner._record_failure

    def buggy(self: Any, step: Any, key: str, cursor: Any, errors: list[str], *,
              items: int = 0, summary: Any = None, **kw: Any) -> None:
        original(self, step, key, cursor, errors, items=items, summary=summary, **kw)
        window = getattr(summary, "window", None)
        if window is not None:
            self.base.store.set_cursor(step.entity, key, last_synced_at=window.until,
                                       last_status="error", last_error="; ".join(errors),
                                       items=items, consecutive_failures=None)

    monkeypatch.setattr(_step_runner.StepRunner, "_record_failure", buggy)


@pytest.mark.parametrize("name", ["poison_pill", "repeated_failures_backoff"])
def test_a_planted_engine_bug_fails_the_scenario_naming_I1(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _advance_on_error(monkeypatch)
    result = run_scenario(load_scenario(name))
    assert not result.passed
    assert "I1" in {v.invariant for v in result.violations}
    assert any(f.startswith("unexpected violation: I1 (cursor advanced only on a clean "
                            "step-run, as the engine reported) violated at tick 1")
               for f in result.failures)
    with pytest.raises(ScenarioFailed) as excinfo:
        result.raise_on_failure()
    message = str(excinfo.value)
    assert f"scenario {name!r} against 'demo-pos' failed:" in message
    assert "I1 (cursor advanced only on a clean step-run, as the engine reported)" in message
    assert "timeline:\n  tick   1 " in message
    assert message.endswith("seed=0")


# -- more planted engine bugs: each must fail a library scenario naming its invariant ------

def _always_tolerate(monkeypatch: pytest.MonkeyPatch) -> None:
    """tolerate_rejects ignored: every reject is tolerated, whatever the policy."""
    monkeypatch.setattr(_step_runner, "rejects_tolerated", lambda policy, rejected, attempted: True)


def _skip_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """No backoff: a failing step-source runs at every tick."""
    monkeypatch.setattr(_step_runner.StepRunner, "_in_backoff", lambda self, cursor: False)


def _no_clamp(monkeypatch: pytest.MonkeyPatch) -> None:
    """advance_cursor_to is not clamped to window.until (the engine's min() is a no-op)."""
    monkeypatch.setitem(vars(_step_runner), "min", lambda target, until: target)


def _dead_letter_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rejected items are counted as dead-lettered but never written to the store."""
    def counted_only(self: Any, step: Any, key: str, tally: Any) -> int:
        n: int = min(len(tally.rejected_items), self.dead_letter_budget)
        self.dead_letter_budget -= n
        return n

    monkeypatch.setattr(_step_runner.StepRunner, "_dead_letter", counted_only)


def _reset_failures_on_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure is recorded with consecutive_failures reset to 0 (so no backoff grows)."""
    original = _step_runner.StepRunner._record_failure

    def buggy(self: Any, step: Any, key: str, cursor: Any, errors: list[str], *,
              items: int = 0, summary: Any = None, **kw: Any) -> None:
        original(self, step, key, cursor, errors, items=items, summary=summary, **kw)
        row = self.base.store.get_cursor(step.entity, key)
        self.base.store.set_cursor(step.entity, key, last_synced_at=row.last_synced_at,
                                   last_status="error", last_error=row.last_error, items=items,
                                   consecutive_failures=0)

    monkeypatch.setattr(_step_runner.StepRunner, "_record_failure", buggy)


def _status_always_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's status is "ok" even when a step failed."""
    real = SyncSummary

    def summary(**fields: Any) -> Any:
        return real(**{**fields, "status": "ok"})

    monkeypatch.setattr(_engine, "SyncSummary", summary)


def _no_reset_on_clean_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean run that does not advance leaves a stale error / failure count behind."""
    monkeypatch.setattr(_step_runner.StepRunner, "_record_clean_no_advance",
                        lambda self, step, key, cursor, *, items: None)


def _halved_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the shared backoff helper (30 s base): the oracle keeps its own rule."""
    monkeypatch.setattr(_step_runner, "backoff_window",
                        lambda n: timedelta(0) if n <= 0 else timedelta(seconds=30) * 2 ** (n - 1))


@pytest.mark.parametrize(("plant", "name", "invariant"), [
    (_always_tolerate, "max_ratio", "I1"),
    (_always_tolerate, "poison_pill", "I1"),
    (_skip_backoff, "repeated_failures_backoff", "I5"),
    (_no_clamp, str(PLANTED / "eager_advance.py"), "I2"),
    (_dead_letter_nothing, "poison_pill", "I6"),
    (_dead_letter_nothing, "poison_pill_tolerated", "I6"),
    (_reset_failures_on_failure, "repeated_failures_backoff", "I4"),
    (_status_always_ok, "transport_failure", "I7"),
    (_no_reset_on_clean_run, "sources_raise", "I4"),
    (_halved_backoff, "repeated_failures_backoff", "I5"),
], ids=lambda v: getattr(v, "__name__", Path(str(v)).stem).lstrip("_"))
def test_more_planted_engine_bugs_fail_a_scenario_naming_the_invariant(
        plant: Any, name: str, invariant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_scenario(load_scenario(name)).passed  # healthy engine: the scenario passes
    plant(monkeypatch)
    result = run_scenario(load_scenario(name))
    assert not result.passed
    assert invariant in {v.invariant for v in result.violations}, result.message()
    assert any(f.startswith(f"unexpected violation: {invariant} (") for f in result.failures)


@pytest.mark.parametrize("expectation", [
    cursor_at(1, "customer", "held"),          # a misspelt stream is always "held"
    cursor_at(1, "orders@store-9", "unset"),   # ... and an unknown source always "unset"
    dead_letters(0, stream="customer"),        # a misspelt stream always has 0 rows
    absent("customers", "never-written"),      # a key no partner record has is always absent
], ids=repr)
def test_an_expectation_that_could_never_fail_fails_instead(expectation: Any) -> None:
    scenario = Scenario("vacuous", world=World(records=[records(2)]),
                        timeline=[advance("1m"), tick()], expect=[expectation])
    result = run_scenario(scenario)
    assert not result.passed
    assert "vacuously" in result.failures[0] or "has no" in result.failures[0]


def test_an_order_overwritten_by_another_stores_order_is_not_counted_as_delivered() -> None:
    # Both stores use order number "o1": the API keys orders by order_id, so store-2's
    # push replaces store-1's. The oracle must not count store-2's item for store-1.
    scenario = Scenario("same_order_number", world=World(records=[
        record("o1", stream="orders@store-1", amount=1.0),
        record("o1", stream="orders@store-2", amount=2.0)]),
        timeline=[advance("1m"), tick()], expect=[])
    result = run_scenario(scenario)
    assert any(v.invariant == "I3" and v.record == "o1" for v in result.violations), \
        result.message()
