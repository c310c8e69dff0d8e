"""The distribution installs under its own name, as a user installs it: a wheel built from
this checkout (``pip wheel --no-deps``), installed by name into a fresh virtualenv with
pip as it is configured here (the wheel found through ``--find-links``, its dependencies
from the configured indexes), then ``spmkit --help`` and the conformance suite of a tiny
integration written in the test's own folder, all run from that virtualenv.

The name is ``spmkit-shopimind``: ``spmkit`` on PyPI is an unrelated project, so a wheel
still named ``spmkit`` (or a README line that installs ``spmkit``) fails here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.tiny_integration import adapter_source, ini, sync_source

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION = "spmkit-shopimind"

def test_the_distribution_is_named_for_this_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION
    acme = tomllib.loads((ROOT / "examples/acme_crm/pyproject.toml").read_text())["project"]
    assert acme["dependencies"][0] == DISTRIBUTION
    assert acme["optional-dependencies"]["test"] == [f"{DISTRIBUTION}[testing]"]


def test_every_install_hint_names_the_distribution() -> None:
    """An ``'<name>[extra]'`` in a message, a doc or the Makefile names spmkit-shopimind."""
    texts = [*ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), ROOT / "Makefile",
             *ROOT.glob("examples/acme_crm/*.md"), *ROOT.glob("benchmarks/*.md"),
             *(p for package in ("spmkit", "spmkit_testing", "benchmarks")
               for p in (ROOT / package).rglob("*.py"))]
    wrong = [f"{path.relative_to(ROOT)}: {hit}" for path in texts
             for hit in re.findall(r"\bspmkit\[\w+\]|pip install '?spmkit\b(?!-shopimind)",
                                   path.read_text(encoding="utf-8"))]
    assert wrong == []


def _run(*command: str | Path, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False, timeout=600)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_a_wheel_installs_by_name_in_a_fresh_virtualenv_and_runs(tmp_path: Path) -> None:
    # The environment of a user's shell: none of this test run's own virtualenv.
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER",
                        "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST")}
    dist = tmp_path / "dist"
    # No build isolation: hatchling comes from this virtualenv (make installs it).
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", dist, ROOT, cwd=tmp_path, env=env)
    assert [p.name for p in dist.iterdir()] == ["spmkit_shopimind-0.1.0-py3-none-any.whl"]

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path, env=env)
    _run(venv / "bin/python", "-m", "pip", "install", "--quiet", "--find-links", dist,
         f"{DISTRIBUTION}[testing]", cwd=tmp_path, env=env)
    shown = _run(venv / "bin/python", "-m", "pip", "show", "--files", DISTRIBUTION,
                 cwd=tmp_path, env=env)
    assert "spmkit/__init__.py" in shown and "spmkit_testing/__init__.py" in shown

    assert "spmkit: prove that a ShopiMind sync never loses data" in _run(
        venv / "bin/spmkit", "--help", cwd=tmp_path, env=env)

    project = tmp_path / "tiny"
    project.mkdir()
    (project / "tiny_sync.py").write_text(sync_source())
    (project / "tiny_adapter.py").write_text(adapter_source("tiny_sync"))
    (project / "pyproject.toml").write_text(ini("tiny_sync:integration", "tiny_adapter:adapter"))
    out = _run(venv / "bin/pytest", "-p", "no:cacheprovider", "--spmkit-conformance",
               "--spmkit-examples", "3", cwd=project, env=env)
    assert "spmkit conformance" in out
    assert re.search(r"^property run: 3 examples in ", out, flags=re.M), out
    assert "integration: tiny_sync:integration" in out
    # The harness ran from the installed wheel, not from this checkout.
    where = _run(venv / "bin/python", "-c", "import spmkit_testing; print(spmkit_testing.__file__)",
                 cwd=project, env=env)
    assert where.startswith(str(venv)), where
