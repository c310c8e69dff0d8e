"""The partner examples of the docs work when followed literally, in folders of their own:
the README's SDK partner (Nimbus) and docs/partner-apis.md's REST partner (Orbit). Each
passes the scenario library, and a bug planted in each is caught."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

DELETION = '''
from spmkit_testing.scenario import Scenario, World, advance, delete, nothing_lost, record, \\
    run_for, tick

scenario = Scenario(
    "contact_deleted",
    world=World(records=[record("c1", stream="customers")]),
    timeline=[advance("1m"), tick(), advance("1s"), delete("c1", stream="customers"),
              run_for("3m", every="1m")],
    expect=[nothing_lost()],
)
'''


def example(doc: Path, folder: str, tmp_path: Path) -> dict[str, str]:
    """Write the doc's ``# file: folder/NAME`` blocks into ``tmp_path``; return them."""
    blocks = re.findall(rf"```python\n(# file: {folder}/(\S+)\n.*?)```", doc.read_text(),
                        flags=re.S)
    for code, name in blocks:
        (tmp_path / name).write_text(code)
    return {name: code for code, name in blocks}


def spmkit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "spmkit"), *args], cwd=tmp_path, capture_output=True,
                          text=True, check=False, timeout=300)


def plant(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is no longer in {path.name}: update the planted bug"
    path.write_text(text.replace(old, new))


@pytest.mark.slow
def test_the_readme_sdk_partner_passes_and_its_deletions_are_followed(tmp_path: Path) -> None:
    files = example(ROOT / "README.md", "nimbus", tmp_path)
    assert sorted(files) == ["nimbus_adapter.py", "nimbus_sync.py"]
    target = ["--integration", "nimbus_sync:integration", "--adapter", "nimbus_adapter:adapter"]
    demo = spmkit(tmp_path, "demo", *target)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "scenario(s) passed against nimbus" in demo.stdout
    (tmp_path / "contact_deleted.py").write_text(DELETION)
    kept = spmkit(tmp_path, "run", "contact_deleted.py", *target)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    # Planted: deleted contacts are skipped like deleted deals, so ShopiMind keeps them active.
    plant(tmp_path / "nimbus_sync.py", 'stream=lambda ctx: changes(ctx, "contact")',
          'stream=lambda ctx: live(changes(ctx, "contact"))')
    lost = spmkit(tmp_path, "run", "contact_deleted.py", *target)
    assert lost.returncode == 1, lost.stdout + lost.stderr
    assert "I3 (no silent loss)" in lost.stdout and "record 'c1': partner deletion" in lost.stdout
    assert "holds an item not marked deleted (is_active=True; a deletion is " \
           "is_active=False)" in lost.stdout


@pytest.mark.slow
def test_an_undeclared_precision_is_named_in_the_violation(tmp_path: Path) -> None:
    example(ROOT / "README.md", "nimbus", tmp_path)
    plant(tmp_path / "nimbus_adapter.py", '    precision="millisecond",\n', "")
    run = spmkit(tmp_path, "run", "clean_backfill", "--integration", "nimbus_sync:integration",
                 "--adapter", "nimbus_adapter:adapter")
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"holds an older version \(its 'updated_at' is \S+\.\d{3}000Z, the "
                     r"partner's stamp truncated to the millisecond: if your partner stamps "
                     r"milliseconds, declare Adapter\(precision='millisecond'\) instead of "
                     r"'microsecond'\)", run.stdout), run.stdout


@pytest.mark.slow
def test_the_rest_partner_of_the_docs_passes_and_a_short_page_bug_is_caught(
        tmp_path: Path) -> None:
    doc = ROOT / "docs" / "partner-apis.md"
    files = example(doc, "orbit", tmp_path)
    assert sorted(files) == ["orbit_adapter.py", "orbit_sync.py"]
    lines = len(files["orbit_adapter.py"].splitlines())
    assert f"Its adapter, {lines} lines:" in doc.read_text() and lines <= 40
    target = ["--integration", "orbit_sync:integration", "--adapter", "orbit_adapter:adapter"]
    demo = spmkit(tmp_path, "demo", *target)
    assert demo.returncode == 0, demo.stdout + demo.stderr

    # Planted: a page shorter than the limit asked is taken for the last (Orbit caps at 100).
    plant(tmp_path / "orbit_sync.py", 'offset = page["next_offset"]',
          'offset = None if len(page["rows"]) < 500 else offset + 500')
    capped = spmkit(tmp_path, "demo", *target)
    assert capped.returncode == 1, capped.stdout + capped.stderr
    assert re.search(r"^messy_pages +FAILED", capped.stdout, flags=re.M), capped.stdout
