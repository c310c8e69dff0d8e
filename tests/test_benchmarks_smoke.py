"""Each benchmark runs with tiny parameters and prints one JSON object of the agreed shape.

Only the shape is checked, never a timing: performance is measured by ``make bench``.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
TINY: dict[str, dict[str, Any]] = {
    "bench_backfill": {"total": 500},
    "bench_engine_ticks": {"ticks": 20},
    "bench_http": {"total": 200},
    "bench_simulation": {"days": 1 / 48},
    "bench_prove": {"examples": 3, "prove": False},
    "bench_conformance": {"examples": 2, "two_workers": False},
    "bench_scale": {"examples": 4, "profile_examples": 2, "prove": False},
}
COMMON_KEYS = {"benchmark", "parameters", "seconds", "cpu_seconds", "meets_target", "machine"}


def test_every_benchmark_has_tiny_parameters() -> None:
    names = sorted(m.name for m in pkgutil.iter_modules([str(BENCHMARKS)])
                   if m.name.startswith("bench_"))
    assert names == sorted(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmark_prints_one_json_object(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    result = module.main(**TINY[name])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    printed = json.loads(lines[0])
    assert printed == json.loads(json.dumps(result))
    assert set(printed) >= COMMON_KEYS
    assert printed["benchmark"] == name.removeprefix("bench_")
    assert printed["machine"]["cpu_count"] >= 1
    assert isinstance(printed["meets_target"], bool)
    assert any(key.startswith("target") for key in printed)


@pytest.mark.parametrize(("fields", "client"), [(2, "fake"), (8, "fake"), (2, "scripted")])
def test_backfill_runs_the_engine_and_counts_every_item(
        fields: int, client: str, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_backfill

    out = bench_backfill.main(total=500, fields=fields, client=client)
    assert out["parameters"]["client"] == client
    assert (out["status"], out["advanced"]) == ("ok", True)
    assert (out["attempted"], out["rejected"], out["dead_lettered"], out["stored"]) == (
        500, 5, 5, 495)
    assert out["items_per_second"] > 0 and out["peak_rss_mib"] > 0


@pytest.mark.slow
def test_http_backfill_goes_through_spmkit_serve(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_http

    out = bench_http.main(total=200)
    assert (out["status"], out["attempted"], out["rejected"]) == ("ok", 200, 2)
    out = bench_http.main(total=200, transport="aiohttp")
    assert (out["status"], out["attempted"], out["rejected"]) == ("ok", 200, 2)
    assert out["parameters"]["transport"] == "aiohttp"


def test_simulation_delivers_the_trickle_without_loss(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_simulation

    out = bench_simulation.main(days=1 / 24)
    assert out["parameters"]["ticks"] == 60
    assert out["nothing_lost"] and out["lost"] == []
    assert out["ok_ticks"] == 60
    assert out["records_delivered"] == 5 + 2 * 1


def test_engine_ticks_advance_the_cursor_every_tick(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_engine_ticks

    out = bench_engine_ticks.main(ticks=20)
    assert out["ok_ticks"] == 20 and out["cursor_at_now"]


def test_prove_counts_examples_of_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_prove

    logger = logging.getLogger("spmkit")
    propagate = logger.propagate
    out = bench_prove.main(examples=3, prove=False)
    # It runs in this process: the logger is left as it was (later tests capture it).
    assert logger.propagate == propagate
    assert not [h for h in logger.handlers if isinstance(h, logging.NullHandler)]
    assert out["property"]["examples"] >= 3 and out["property_examples_per_s"] > 0
    assert out["prove_ci_wall_s"] is None


@pytest.mark.slow
def test_make_bench_prints_the_summary_as_its_last_line() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--runs", "1", "--no-js",
         "--only", "backfill", "--only", "ticks", "--only", "sim", "--only", "soak"],
        capture_output=True, text=True, timeout=600, cwd=BENCHMARKS.parent, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[0].split() == ["measure", "runs", "min", "median", "max"]
    summary = json.loads(lines[-1])
    assert set(summary) >= {
        "backfill_items_per_s", "backfill_peak_rss_mib", "http_items_per_s",
        "backfill_scripted_items_per_s", "http_aiohttp_items_per_s", "steady_ticks_per_s",
        "sim_30d_wall_s", "sim_speedup", "sim_365d_peak_rss_mib",
        "property_examples_per_s", "prove_ci_wall_s", "conformance_wall_s"}
    assert summary["backfill_items_per_s"] > 0 and summary["sim_speedup"] > 0
    assert summary["backfill_scripted_items_per_s"] > 0
    assert summary["http_items_per_s"] is None  # not asked for
    assert summary["property_examples_per_s"] is None and summary["js_kit"] is None
