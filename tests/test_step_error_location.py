"""A step that raises in a helper of the integration's own module, with the integration
installed as pip installs it (not editable, into a site-packages folder): the error names
that file and line in ``spmkit run``'s output, in the HTML report (with the whole
traceback), under ``-v`` (the traceback), and in the conformance suite's failure text."""

from __future__ import annotations

import os
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest

from tests.tiny_integration import adapter_source, ini, sync_source

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent

HELPER = """

def from_ms(value):
    return int(value.timestamp() * 1000)
"""
SYNC = sync_source(slug="zenith", helpers=HELPER, updated_at='from_ms(row["changed"])')
LINE = SYNC.splitlines().index("    return int(value.timestamp() * 1000)") + 1
WHERE = f"AttributeError at zenith_sync/sync.py:{LINE} in from_ms: 'str' object has no attribute"
PYPROJECT = '''\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "zenith-sync"
version = "1.0.0"
dependencies = []

[tool.hatch.build.targets.wheel]
packages = ["zenith_sync"]
'''
TARGET = ["--integration", "zenith_sync.sync:integration", "--adapter",
          "zenith_sync.testing:adapter"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """zenith_sync built and installed (not editable) into a site-packages folder."""
    root = tmp_path_factory.mktemp("zenith")
    source = root / "source"
    (source / "zenith_sync").mkdir(parents=True)
    (source / "zenith_sync" / "__init__.py").write_text("")
    (source / "zenith_sync" / "sync.py").write_text(SYNC)
    (source / "zenith_sync" / "testing.py").write_text(adapter_source("zenith_sync.sync"))
    (source / "pyproject.toml").write_text(PYPROJECT)
    target = root / "lib" / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(source)],
                   check=True, capture_output=True, timeout=300)
    assert (target / "zenith_sync" / "sync.py").is_file()
    return target


def run(site: Path, cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=600)


def test_spmkit_run_names_the_line_of_the_helper(site: Path, tmp_path: Path) -> None:
    report = tmp_path / "clean_backfill.html"
    done = run(site, tmp_path, "spmkit", "run", "clean_backfill", *TARGET,
               "--report", str(report))
    assert done.returncode == 1, done.stdout + done.stderr
    assert WHERE in done.stdout
    # The engine's own log line on stderr names it too, without the traceback.
    assert WHERE in done.stderr and "Traceback" not in done.stderr

    html = report.read_text()
    assert escape(WHERE) in html
    assert "<summary>traceback</summary>" in html
    assert f"zenith_sync/sync.py&quot;, line {LINE}, in from_ms" in html


def test_spmkit_run_verbose_shows_the_whole_traceback(site: Path, tmp_path: Path) -> None:
    done = run(site, tmp_path, "spmkit", "run", "clean_backfill", "-v", *TARGET)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback (most recent call last):" in done.stderr
    assert f'zenith_sync/sync.py", line {LINE}, in from_ms' in done.stderr


def test_the_conformance_failure_names_the_line_of_the_helper(
        site: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        ini("zenith_sync.sync:integration", "zenith_sync.testing:adapter"))
    done = run(site, tmp_path, "pytest", "-p", "no:cacheprovider", "--spmkit-conformance",
               "--spmkit-examples", "1", "-k", "clean_backfill", "-rN")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "conformance::scenario[clean_backfill] FAILED" in done.stdout or (
        "1 failed" in done.stdout), done.stdout
    assert WHERE in done.stdout, done.stdout
