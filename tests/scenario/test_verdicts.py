"""What a failed scenario says agrees with what the oracle found: the violations grouped per
invariant and step-source, counts taken from the world the oracle judged last (settle
included), the demo naming each failure's invariants, first records and replay command,
and ``spmkit run --json`` ending with the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spmkit_testing.cli import main
from spmkit_testing.scenario import group_violations, load_scenario, run_scenario
from tests.tiny_integration import adapter_source, sync_source

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BROKEN_HELPER = """

def from_ms(value):
    return int(value.timestamp() * 1000)
"""


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """An integration whose every run fails in a helper: nothing is ever delivered."""
    (tmp_path / "broken_sync.py").write_text(
        sync_source(slug="broken", helpers=BROKEN_HELPER, updated_at='from_ms(row["changed"])'))
    (tmp_path / "broken_adapter.py").write_text(adapter_source("broken_sync"))
    monkeypatch.syspath_prepend(str(tmp_path))
    return ["--integration", "broken_sync:integration", "--adapter", "broken_adapter:adapter"]


def test_violations_of_one_invariant_and_step_source_are_one_finding(
        broken: list[str]) -> None:
    result = run_scenario(load_scenario("clean_backfill"), integration=broken[1],
                          adapter=broken[3])
    i10 = [v for v in result.violations if v.invariant == "I10"]
    assert len(i10) == 24
    [group] = [g for g in group_violations(result.violations) if g.invariant == "I10"]
    assert (group.where, group.count) == ("customers", 24)
    unexpected = [f for f in result.failures if f.startswith("unexpected violation: ")]
    # I10 names no record of its own: the line names those still undelivered at the end.
    assert unexpected == [
        f"unexpected violation: I10 (progress: the sync catches up once faults stop) violated "
        f"at tick {group.first_tick}, step-source customers, 24 times, undelivered at the end: "
        f"'c1', 'c2', 'c3' and 20 more: {i10[0].detail}"]
    # The counts are the oracle's facts: 23 records behind (I10), none passed for good (I3).
    assert (result.stats.records, result.stats.undelivered, result.stats.lost) == (23, 23, 0)
    assert result.stats.ticks == len(result.trace) == 7
    assert result.stats.text().startswith("ticks=7 (3 settling) records=23 lost=0 "
                                          "undelivered=23 ")


def test_a_violation_found_while_settling_is_within_the_ticks_counted() -> None:
    # The forgetful step never advances: I10 says so once the run has settled.
    result = run_scenario(load_scenario(str(SCENARIOS / "forgotten_advance.py")))
    assert result.passed, result.message()
    [i10] = result.violations
    assert result.settle_from is not None and i10.tick >= result.settle_from
    stats = result.stats
    assert stats.ticks == len(result.trace) == i10.tick
    assert stats.settle_ticks == stats.ticks - result.settle_from + 1 > 0
    assert stats.text().startswith(f"ticks={stats.ticks} ({stats.settle_ticks} settling) ")


def test_demo_names_each_failure_s_invariants_records_and_replay(
        broken: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    assert main(["demo", "--scenario", "clean_backfill", *broken, "--out", str(out)]) == 1
    lines = capsys.readouterr().out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("clean_backfill "))
    assert lines[row].split()[1:7] == ["FAILED", "7", "23", "0", "23", "0"]
    assert lines[row + 1].startswith(
        "    I10 at customers: 24 violation(s) from tick 7, undelivered at the end: 'c1', 'c2', "
        "'c3' and 20 more: record 'c1' not delivered")
    assert "    run_status(1, 'ok') failed at tick 1: the run status was 'partial'" in lines
    assert ("    replay: spmkit run clean_backfill --integration broken_sync:integration "
            "--adapter broken_adapter:adapter") in lines
    assert f"    report: {out / 'clean_backfill.html'}" in lines
    report = (out / "clean_backfill.html").read_text()
    assert "<td>customers</td><td class=\"num\">24</td><td></td>" in report  # one I10 row
    index = (out / "index.html").read_text()
    assert '<span class="verdict failed" title="I10 (progress: the sync catches up once faults ' \
           'stop)">FAILED (I10)</span>' in index


def test_run_json_ends_with_the_verdict_of_a_failure(
        broken: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "clean_backfill", "--json", *broken]) == 1
    *ticks, last = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(ticks) == 7
    verdict = last["verdict"]
    assert verdict["passed"] is False and verdict["skipped"] is None
    assert verdict["failures"][0].startswith("unexpected violation: I10 ")
    assert {v["invariant"] for v in verdict["violations"]} == {"I10"}
    assert len(verdict["violations"]) == 24 and verdict["stats"]["undelivered"] == 23


def test_run_json_of_a_skipped_scenario_is_a_verdict_too(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "clock_skew_loss", "--json", "--integration",
                 "spmkit_testing.reference:build_reference_integration"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    verdict = json.loads(line)["verdict"]
    assert verdict["passed"] is True and verdict["skipped"].startswith("it runs its own")
