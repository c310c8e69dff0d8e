"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_opens_with_the_two_commands() -> None:
    head = README.read_text().split("\n\n", 3)[:3]
    assert "make demo" in head[2] and "make test" in head[2]


@pytest.mark.parametrize("index", range(2))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    code = python_blocks()[index]
    exec(compile(code, f"README.md example {index + 1}", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    if index == 0:
        assert out == (
            "partial 2 1 (\"1 item(s) rejected (cursor held; set tolerate_rejects to advance) — "
            "'c2': email must be a valid e-mail address (name@domain.tld), got "
            "'not-an-email'\",)\n")
    else:
        assert out.count('"index":') == 2


def test_readme_scenario_example_passes() -> None:
    from spmkit_testing.scenario import run_scenario

    namespace: dict[str, object] = {"__name__": "readme"}
    exec(compile(python_blocks()[2], "README.md scenario example", "exec"), namespace)
    result = run_scenario(namespace["scenario"])  # type: ignore[arg-type]
    assert result.passed, result.failures


def test_the_trap_table_has_the_bulk_answer_rows() -> None:
    table = README.read_text().split("### Traps of the JS kit")[1].split("## The harness")[0]
    assert "| `failed_count` on a 2xx" in table
    assert "| a bulk body nested as `{statusCode, data: {...}}`" in table
