"""``spmkit prove --workers N``: fixed shards, the same examples, verdict and counterexample
for any N, and for a run interrupted and resumed."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spmkit import InvalidArgument
from spmkit_testing.scale import ShardedProof, plan_shards, prove_in_shards

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
PLANTED = ("tests.planted:swallowed_5xx_sync", "tests.planted:adapter")


def test_the_plan_depends_on_the_seed_and_budget_alone() -> None:
    shards = plan_shards(7, 501)
    assert [s.name for s in shards][:2] == ["1/21", "2/21"]
    assert sum(s.examples for s in shards) == 501 and max(s.examples for s in shards) <= 25
    assert len({s.seed for s in shards}) == len(shards)
    assert plan_shards(7, 501) == shards and plan_shards(8, 501) != shards
    with pytest.raises(InvalidArgument, match="examples=0"):
        plan_shards(7, 0)


def _fingerprint(proof: ShardedProof) -> tuple[object, ...]:
    broken = proof.broken
    return (proof.examples, proof.discarded, [r.index for r in proof.counted],
            {k: dict(getattr(proof.coverage, k)) for k in ("faults", "verbs", "invariants")},
            None if broken is None else (broken.index, Path(str(broken.counterexample)).name))


def test_one_worker_and_two_find_the_same_examples_and_verdict(tmp_path: Path) -> None:
    runs = [prove_in_shards(examples=60, seed=3, profile="spmkit-ci", workers=workers,
                            root=tmp_path / str(workers)) for workers in (1, 2)]
    assert runs[0].broken is None and runs[0].examples == 60
    assert _fingerprint(runs[0]) == _fingerprint(runs[1])


def test_the_lowest_shard_s_counterexample_is_the_run_s_for_any_workers(tmp_path: Path) -> None:
    runs = [prove_in_shards(*PLANTED, examples=100, seed=0, profile="spmkit-ci",
                            workers=workers, root=REPO, database="none",
                            counterexamples=tmp_path / str(workers)) for workers in (1, 2)]
    assert _fingerprint(runs[0]) == _fingerprint(runs[1])
    broken = runs[0].broken
    assert broken is not None and broken.index < len(runs[0].shards)
    # One file per run, the counting shard's, the same bytes but for its own folder.
    files = [sorted((tmp_path / str(w)).iterdir()) for w in (1, 2)]
    assert [len(f) for f in files] == [1, 1]
    assert files[0][0].read_text().replace(str(tmp_path / "1"), "DIR") == \
        files[1][0].read_text().replace(str(tmp_path / "2"), "DIR")


def _prove(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(BIN / "spmkit"), "prove", "--examples", "75", "--seed", "5",
                             *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _tail(out: str) -> str:
    """The verdict and the coverage table, without the times."""
    verdict = out[out.index("\npassed: "):]
    return re.sub(r"[\d.]+s on \d worker\(s\) \([\d.,]+/s\)", "TIME", verdict)


def test_an_interrupted_run_resumes_with_the_same_verdict(tmp_path: Path) -> None:
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.mkdir()
    cut.mkdir()
    reference = _prove(whole, "--workers", "1").communicate(timeout=300)[0]
    first = _prove(cut, "--workers", "1")
    deadline = time.monotonic() + 120
    while not list(cut.glob(".spmkit/shards/*/shard-0001.json")):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()[0]
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # as a machine going down: no clean-up at all
    interrupted = first.communicate(timeout=60)[0]
    assert first.returncode == -signal.SIGKILL and "\npassed: " not in interrupted, interrupted
    resumed = _prove(cut, "--workers", "2").communicate(timeout=300)[0]
    assert "(resumed an interrupted run: " in resumed and "of its 3 shards had finished)" \
        in resumed, resumed
    assert _tail(resumed) == _tail(reference)
    assert not list(cut.glob(".spmkit/shards/*")), "a finished run forgets its shards"


def test_prove_says_how_many_examples_ran_and_why_it_stopped(tmp_path: Path) -> None:
    passed = subprocess.run([str(BIN / "spmkit"), "prove", "--examples", "30", "--workers", "1"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "(spmkit-ci: 30 examples of up to 20 steps, in 2 shard(s) on 1 worker(s)" \
        in passed.stdout
    assert "\npassed: 30 examples in 2 shard(s), " in passed.stdout
    broken = subprocess.run(
        [str(BIN / "spmkit"), "prove", "--integration", PLANTED[0], "--adapter", PLANTED[1],
         "--examples", "100", "--out", str(tmp_path / "cx")], cwd=REPO, capture_output=True,
        text=True, timeout=300, env={**_env(), "SPMKIT_EXAMPLE_DB": "none"})
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert re.search(r"^FAILED: shard 3/4 found a counterexample after \d+ of the 100 examples, "
                     r"and the search stopped there \(1 later shard\(s\) not counted\)",
                     broken.stdout, flags=re.M), broken.stdout


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
