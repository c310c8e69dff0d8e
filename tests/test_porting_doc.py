"""docs/porting-from-js.md: linked from the README, names every JS kit name a port meets,
and its Python example runs as written."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "porting-from-js.md"
JS_NAMES = ["defineIntegration", "defineBulkStep", "sendBulk", "withSource", "customData",
            "paginate", "streamPages", "mapWithConcurrency", "maxRatio", "overlapSeconds",
            "backfillDays", "advanceCursorTo", "last_synced_at", "consecutive_failures"]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), flags=re.S)


def test_the_readme_links_the_guide() -> None:
    assert "(docs/porting-from-js.md)" in (ROOT / "README.md").read_text()


def test_the_name_table_covers_every_js_name_a_port_meets() -> None:
    table = GUIDE.read_text().split("## What behaves differently")[0]
    assert [name for name in JS_NAMES if f"`{name}" not in table and name not in table] == []


def test_the_guide_shows_one_js_step_next_to_its_python_port() -> None:
    (js,) = blocks("js")
    assert "defineBulkStep" in js and len(blocks("python")) == 2


def test_the_python_port_runs_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("porting_guide")  # a real module: dataclasses look it up
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for index, code in enumerate(blocks("python")):
        # dont_inherit: run the guide as written, without this file's __future__ imports.
        exec(compile(code, f"docs/porting-from-js.md example {index + 1}", "exec",
                     dont_inherit=True), module.__dict__)
    assert capsys.readouterr().out == (
        "2 1 False\n"
        "1 item(s) rejected (cursor held; set tolerate_rejects to advance) — '2': email must "
        "be a valid e-mail address\n")
    printed = blocks("python")[1].split("print(step.errors[0])\n")[1]
    assert printed.replace("\n# ", " ").strip() == (
        "# 2 1 False 1 item(s) rejected (cursor held; set tolerate_rejects to advance) — "
        "'2': email must be a valid e-mail address")
