"""The README's "Run it bigger" section, followed literally in a folder of its own with the
walk-through's integration (``my_sync``, ``my_adapter``): every command line of its block
runs in one shell, with ``$REDIS`` a Redis server of the test's own and the overnight
campaign's ``--seconds 28800`` cut to 20 (the only change)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale.test_shared_database import redis_url  # noqa: F401  (a fixture)
from tests.test_readme import README, files

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def block() -> list[str]:
    section = README.read_text().split("## Run it bigger")[1].split("\n## ")[0]
    code = re.findall(r"```\n(.*?)```", section, flags=re.S)[0]
    return [line for line in code.splitlines() if line.strip()]


def test_the_section_runs_as_written(tmp_path: Path, redis_url: str) -> None:  # noqa: F811
    for name, text in files().items():
        (tmp_path / name).write_text(text)
    lines = block()
    assert lines[-1].endswith("--seconds 28800")
    script = "set -e\n" + "\n".join(
        f"{line.replace('--seconds 28800', '--seconds 20')}\necho \"== exit $? after: "
        f"{line.split()[1] if line.startswith('.venv') else 'export'}\"" for line in lines)
    (tmp_path / ".venv").symlink_to(BIN.parent)
    env = {**os.environ, "REDIS": redis_url.removeprefix("redis://").removesuffix("/0")}
    env.pop("SPMKIT_EXAMPLE_DB", None)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=900)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert out.count("no rule broken") == 6, out  # every prove line passed
    assert "on 1 worker(s)" in out and "(machine 2/2's share)" in out
    assert "passed: " in out.split("fuzz: HypoFuzz")[1] and "s of fuzzing found no run" in out
    assert "using 1 process" not in out  # HypoFuzz's own lines are in its log
    assert "fuzz 1 test" in (tmp_path / ".spmkit" / "fuzz" / "hypofuzz.log").read_text()
