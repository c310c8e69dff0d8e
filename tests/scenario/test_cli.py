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
    assert out.startswith("scenario 'max_ratio' passed\ntimeline:\n")
    assert "seed=4\nticks=1 records=10 lost=0 undelivered=0 dead_lettered=5" in out


def test_run_failing_scenario_exits_1_and_says_which(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "wrong.py"
    path.write_text(
        "from spmkit_testing.scenario import *\n"
        "scenario = Scenario('wrong', world=World(records=[customer('c1')]),\n"
        "                    timeline=[advance('1m'), tick()],\n"
        "                    expect=[cursor_at(1, 'customers', 'held')])\n")
    assert main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    assert ("scenario 'wrong' failed:\n  - cursor_at(1, 'customers', 'held') failed at tick 1: "
            "the cursor went unset -> 2026-01-01T00:01:00Z\n") in out


def test_run_unknown_name_exits_2_listing_known(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("spmkit run: unknown scenario 'nope'; choose from: clean_backfill, ")


def test_run_bad_seed_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["run", "max_ratio", "--seed", "x"])
    assert excinfo.value.code == 2


def test_run_json_prints_one_line_per_tick(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "poison_pill", "--json"]) == 0
    captured = capsys.readouterr()
    ticks = [json.loads(line) for line in captured.out.splitlines()]
    assert [t["index"] for t in ticks] == [1, 2, 3, 4]
    assert [s["skipped"] for s in ticks[2]["steps"] if s["entity"] == "customers"] == ["backoff"]
    assert "scenario 'poison_pill' passed" in captured.err


def test_run_report_writes_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "max_ratio.html"
    assert main(["run", "max_ratio", "--report", str(target)]) == 0
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert f"report: {target}" in capsys.readouterr().err
