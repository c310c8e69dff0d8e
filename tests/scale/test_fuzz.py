"""``spmkit fuzz``: a bounded HypoFuzz campaign finds a planted bug of an integration and
writes its counterexample as a scenario file that replays the failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
FORGETFUL = ["--integration", "tests.planted_reference:build_forgetful_integration",
             "--adapter", "spmkit_testing.reference:reference_adapter"]


def _spmkit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SPMKIT_EXAMPLE_DB", None)
    return subprocess.run([str(BIN / "spmkit"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_a_bounded_campaign_finds_a_planted_bug_and_writes_a_scenario_that_replays(
        tmp_path: Path) -> None:
    # The Demo POS whose customers step never returns advance_cursor_to: its cursor never
    # moves, so once the world settles the progress invariant I10 fails.
    campaign = _spmkit(tmp_path, "fuzz", *FORGETFUL, "--seconds", "300", "--workers", "1")
    assert campaign.returncode == 1, campaign.stdout + campaign.stderr
    assert "HypoFuzz found a failure, replayed and written as a scenario file" in campaign.stdout
    log = (tmp_path / ".spmkit" / "fuzz" / "hypofuzz.log").read_text()
    assert "using 1 process to fuzz 1 test" in log, log  # HypoFuzz ran the campaign
    written = list((tmp_path / ".spmkit" / "counterexamples").glob("*.py"))
    assert len(written) == 1 and written[0].name.startswith("build_forgetful_integration_i10_")
    assert f"spmkit run {written[0]}" in campaign.stdout
    replay = _spmkit(tmp_path, "run", str(written[0]), *FORGETFUL)
    assert replay.returncode == 1 and "I10" in replay.stdout, replay.stdout + replay.stderr
    clean = _spmkit(tmp_path, "run", str(written[0]))  # the reference, without the bug
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_fuzz_refuses_bad_usage(tmp_path: Path) -> None:
    half = _spmkit(tmp_path, "fuzz", "--integration", "x:y")
    assert half.returncode == 2 and "give --integration and --adapter together" in half.stderr
    none = _spmkit(tmp_path, "fuzz", "--seconds", "0")
    assert none.returncode == 2 and "--seconds 0" in none.stderr
