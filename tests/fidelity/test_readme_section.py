"""The README's "Is your adapter true to your partner?" followed literally: the
walk-through's adapter alone passes, the section's HAR recording shows the drift it
prints (exit 2), and declaring what it says makes the check pass."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_readme import README, files

BIN = Path(sys.executable).parent


def section() -> str:
    return README.read_text().split("## Is your adapter true to your partner?")[1].split(
        "\n## ")[0]


def command(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    words = line.split("#")[0].split()
    return subprocess.run([str(BIN / words[0].removeprefix(".venv/bin/")), *words[1:]],
                          cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.slow
def test_the_section_works_when_followed_literally(tmp_path: Path) -> None:
    for name, text in files().items():
        (tmp_path / name).write_text(text)
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "cassettes" / "zenith.har").write_text(
        re.findall(r"```json\n(.*?)```", section(), flags=re.S)[0])
    blocks = [code for lang, code in re.findall(r"```(\w*)\n(.*?)```", section(), flags=re.S)
              if not lang]
    alone, recorded, live = blocks[0].splitlines()
    assert "--live https://" in live and live.startswith("SPMKIT_PARTNER_TOKEN=")

    checked = command(alone, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    drifted = command(recorded, tmp_path)
    assert drifted.returncode == 2, drifted.stdout + drifted.stderr
    assert blocks[1].strip() in drifted.stdout
    assert "verdict: the adapter is NOT true to the recording cassettes: 1 drifted" \
        in drifted.stdout

    adapter = tmp_path / "my_adapter.py"
    adapter.write_text(adapter.read_text().replace(
        'since="changed_since",', 'since="changed_since", since_inclusive=True,'))
    fixed = command(recorded, tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
