from __future__ import annotations

import json
from pathlib import Path

import pytest

from spmkit_testing.cli import main
from spmkit_testing.scenario import scenario_names


def test_scenarios_lists_names_and_summaries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == scenario_names()
    assert any(line.startswith("poison_pill ") and "cursor holds" in line for line in lines)


def test_run_passing_scenario_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "max_ratio", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("scenario 'max_ratio' against 'demo-pos' passed\ntimeline:\n")
    assert "seed=4\nticks=1 records=10 lost=0 undelivered=0 dead_lettered=5" in out


def test_run_failing_scenario_exits_1_and_says_which(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "wrong.py"
    path.write_text(
        "from spmkit_testing.scenario import *\n"
        "scenario = Scenario('wrong', world=World(records=[record('c1')]),\n"
        "                    timeline=[advance('1m'), tick()],\n"
        "                    expect=[cursor_at(1, 'customers', 'held')])\n")
    assert main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    assert ("scenario 'wrong' against 'demo-pos' failed:\n  - cursor_at(1, 'customers', "
            "'held') failed at tick 1: the cursor went unset -> 2026-01-01T00:01:00Z\n") in out


def test_run_unknown_name_exits_2_listing_known(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("spmkit run: unknown scenario 'nope'; choose from: clean_backfill, ")


def test_run_bad_seed_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["run", "max_ratio", "--seed", "x"])
    assert excinfo.value.code == 2


def test_run_json_prints_one_line_per_tick_then_the_verdict(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "poison_pill", "--json"]) == 0
    captured = capsys.readouterr()
    *ticks, last = [json.loads(line) for line in captured.out.splitlines()]
    assert [t["index"] for t in ticks] == [1, 2, 3, 4]
    verdict = last["verdict"]
    assert (verdict["scenario"], verdict["passed"], verdict["failures"]) == (
        "poison_pill", True, [])
    assert verdict["stats"]["ticks"] == 4 and verdict["violations"] == []
    assert [s["skipped"] for s in ticks[2]["steps"] if s["entity"] == "customers"] == ["backoff"]
    assert "scenario 'poison_pill' against 'demo-pos' passed" in captured.err


def test_run_report_writes_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "max_ratio.html"
    assert main(["run", "max_ratio", "--report", str(target)]) == 0
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert f"report: {target}" in capsys.readouterr().err


LATE_LOST = (
    "partner updated_at 2026-01-01T00:01:30Z (readable from 2026-01-01T00:03:30Z) is "
    "before cursor - overlap 2026-01-01T00:03:30Z, so no later window reads it, but the fake "
    "API holds nothing and it was not dead-lettered under a tolerant policy: lost for good. "
    "It became readable only after a cursor (2026-01-01T00:02:30Z) had passed its stamp by "
    "more than overlap_seconds: a lateness the overlap does not cover (raise "
    "overlap_seconds; see clock_skew_loss)."
)
CLOCK_SKEW_I3 = ("  - I3 (no silent loss) violated at tick 3, step-source customers, record "
                 "'late': " + LATE_LOST)


def clock_skew_variant(tmp_path: Path, name: str, expect: str) -> Path:
    """clock_skew_loss under another name, with ``expect`` (Python over ``base.expect``)."""
    path = tmp_path / f"{name}.py"
    path.write_text(
        "import dataclasses\n"
        "from spmkit_testing.scenario import load_scenario, present\n"
        "base = load_scenario('clock_skew_loss')\n"
        f"scenario = dataclasses.replace(base, name={name!r}, expect={expect})\n")
    return path


def test_run_hazard_scenario_prints_the_expected_violation(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "clock_skew_loss"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "scenario 'clock_skew_loss' against 'demo-pos' passed",
        "expected violation (this scenario demonstrates a hazard):",
        CLOCK_SKEW_I3,
        "timeline:",
    ]
    assert lines[-1].startswith("ticks=6 records=6 lost=1 undelivered=1 dead_lettered=0 wall=")


def test_run_unexpected_violation_is_a_failure_not_a_hazard(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = clock_skew_variant(tmp_path, "unexpected",
                              "[e for e in base.expect if repr(e) != \"violates('I3')\"]")
    assert main(["run", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "scenario 'unexpected' against 'demo-pos' failed:",
        "  - unexpected violation: I3 (no silent loss) violated at tick 3, step-source "
        f"customers, record 'late': {LATE_LOST}",
        "timeline:",
    ]
    assert not any("demonstrates a hazard" in line for line in lines)


def test_run_failing_hazard_scenario_lists_failures_then_the_expected_violation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = clock_skew_variant(tmp_path, "hazard_fails",
                              "[*base.expect, present('customers', 'late')]")
    assert main(["run", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        "scenario 'hazard_fails' against 'demo-pos' failed:",
        "  - present('customers', 'late') failed: missing from the fake API: late (5 "
        "customers stored)",
        "expected violation (this scenario demonstrates a hazard):",
        CLOCK_SKEW_I3,
        "timeline:",
    ]


def test_run_groups_the_expected_violations_per_invariant_and_step_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many_lost.py"
    path.write_text(
        "import dataclasses\n"
        "from spmkit_testing.scenario import add, load_scenario, record, violates\n"
        "base = load_scenario('clock_skew_loss')\n"
        "late = add(*[record(f'late{i:02}', lag='120s') for i in range(12)])\n"
        "scenario = dataclasses.replace(base, name='many_lost', expect=[violates('I3')],\n"
        "    timeline=[*base.timeline[:3], late, *base.timeline[4:]])\n")
    assert main(["run", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["scenario 'many_lost' against 'demo-pos' passed",
                         "expected violations (this scenario demonstrates a hazard):"]
    assert lines[2:4] == [
        "  - I3 (no silent loss) violated at tick 3, step-source customers, 12 times, records "
        "'late00', 'late01', 'late02' and 9 more: " + LATE_LOST, "timeline:"]


def test_a_closed_pipe_is_not_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    sink = open(tmp_path / "out", "w")  # noqa: SIM115 - closed below

    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            pass

        def fileno(self) -> int:
            return sink.fileno()

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    try:
        assert main(["scenarios"]) == 0
    finally:
        sink.close()
