from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spmkit import _engine
from spmkit_testing.scenario import (
    ScenarioFailed,
    load_scenario,
    run_scenario,
    scenario_names,
)

LIBRARY = scenario_names()
EXPECTED = {
    "clean_backfill", "poison_pill", "poison_pill_tolerated", "max_ratio",
    "repeated_failures_backoff", "rate_limited", "transport_failure", "failed_chunk_200",
    "whole_chunk_4xx", "clock_skew_loss", "clock_skew_overlap", "non_list_page",
    "per_source_isolation", "sources_raise", "forgotten_advance", "clock_steps_back",
    "dead_letter_cap", "crash_between_push_and_cursor", "full_backfill_bypasses_backoff",
}


def test_the_library_holds_the_named_scenarios() -> None:
    assert sorted(LIBRARY) == LIBRARY
    assert set(LIBRARY) >= EXPECTED


@pytest.mark.parametrize("name", LIBRARY)
def test_library_scenario_passes_and_replays_identically_from_its_source(
        name: str, tmp_path: Path) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.summary, f"{name} needs a docstring saying what it shows"
    result = run_scenario(scenario)
    assert result.passed, result.message()
    assert result.stats.ticks == len(result.trace) > 0

    path = tmp_path / f"{name}.py"
    path.write_text(scenario.to_source())
    again = load_scenario(path)
    assert again == scenario
    assert repr(again) == repr(scenario)
    replay = run_scenario(again)
    assert [t.to_json() for t in replay.trace] == [t.to_json() for t in result.trace]


def test_written_sources_pass_the_project_linter(tmp_path: Path) -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
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
    original = _engine._Runner._record_failure

    def buggy(self: Any, step: Any, key: str, cursor: Any, errors: list[str], *,
              items: int = 0, summary: Any = None) -> None:
        original(self, step, key, cursor, errors, items=items, summary=summary)
        window = getattr(summary, "window", None)
        if window is not None:
            self.base.store.set_cursor(step.entity, key, last_synced_at=window.until,
                                       last_status="error", last_error="; ".join(errors),
                                       items=items, consecutive_failures=None)

    monkeypatch.setattr(_engine._Runner, "_record_failure", buggy)


@pytest.mark.parametrize("name", ["poison_pill", "repeated_failures_backoff"])
def test_a_planted_engine_bug_fails_the_scenario_naming_I1(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _advance_on_error(monkeypatch)
    result = run_scenario(load_scenario(name))
    assert not result.passed
    assert "I1" in {v.invariant for v in result.violations}
    assert any(f.startswith("unexpected violation: I1 (cursor advanced only on a clean "
                            "step-run) violated at tick 1") for f in result.failures)
    with pytest.raises(ScenarioFailed) as excinfo:
        result.raise_on_failure()
    message = str(excinfo.value)
    assert f"scenario {name!r} failed:" in message
    assert "I1 (cursor advanced only on a clean step-run)" in message
    assert "timeline:\n  tick   1 " in message
    assert message.endswith("seed=0")
