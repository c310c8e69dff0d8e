"""The README's examples run as written, and its "Test your own integration" walk-through
works when followed literally in a folder of its own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = Path(sys.executable).parent


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def files() -> dict[str, str]:
    """The walk-through's files: the blocks that open with ``# file: NAME`` (``NAME``
    without a folder: ``# file: nimbus/...`` blocks are another example's)."""
    out = {}
    for code in python_blocks():
        named = re.match(r"# file: ([^\s/]+)\n", code)
        if named:
            out[named.group(1)] = code
    toml = re.findall(r"```toml\n(.*?)```", README.read_text(), flags=re.S)
    out["pyproject.toml"] = toml[0]
    return out


def examples() -> list[str]:
    return [code for code in python_blocks() if not code.startswith("# file: ")]


def test_readme_opens_with_the_two_commands() -> None:
    head = README.read_text().split("\n\n", 3)[:3]
    assert "make demo" in head[2] and "make test" in head[2]


def test_the_engine_example_prints_what_its_comment_says(
        capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(examples()[0], "README.md engine example", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out == (
        "partial 2 1 (\"1 item(s) rejected (cursor held; set tolerate_rejects to advance) — "
        "'c2': email must be a valid e-mail address (name@domain.tld), got "
        "'not-an-email'\",)\n")


def test_the_harness_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(examples()[1], "README.md harness example", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out.count('"index":') == 2


def test_the_scenario_example_passes() -> None:
    from spmkit_testing.scenario import run_scenario

    namespace: dict[str, object] = {"__name__": "readme"}
    exec(compile(examples()[2], "README.md scenario example", "exec"), namespace)
    result = run_scenario(namespace["scenario"])  # type: ignore[arg-type]
    assert result.passed, result.failures


def test_the_trap_table_has_the_bulk_answer_rows() -> None:
    table = README.read_text().split("### Traps of the JS kit")[1].split("## The harness")[0]
    assert "| `failed_count` on a 2xx" in table
    assert "| a bulk body nested as `{statusCode, data: {...}}`" in table


def ci_section() -> str:
    return README.read_text().split("## Use it in your integration repo's CI")[1].split(
        "\n## ")[0]


def ci_commands() -> list[list[str]]:
    """The section's ``.venv/bin/pytest ... --spmkit-conformance`` command lines."""
    blocks = [code for lang, code in re.findall(r"```(\w*)\n(.*?)```", ci_section(),
                                                flags=re.S) if not lang]
    return [line.split("#")[0].split() for block in blocks for line in block.splitlines()
            if line.startswith(".venv/bin/pytest") and "--spmkit-conformance" in line]


def test_the_ci_section_shows_the_walk_through_s_ini_lines() -> None:
    toml = re.findall(r"```toml\n(.*?)```", ci_section(), flags=re.S)
    assert toml == [files()["pyproject.toml"]]
    assert "pip install 'spmkit-shopimind[testing] @ file:///path/to/spmkit'" in ci_section()
    assert [c[1:] for c in ci_commands()] == [
        ["-n", "auto", "--spmkit-conformance", "--junitxml=conformance.xml",
         "--spmkit-report=reports"],
        ["--spmkit-conformance", "--hypothesis-profile", "spmkit-dev"]]


def run(tmp_path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.slow
def test_the_walk_through_works_when_followed_literally(tmp_path: Path) -> None:
    for name, text in files().items():
        (tmp_path / name).write_text(text)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "my_adapter.py", "my_sync.py", "pyproject.toml", "test_zenith.py",
        "test_zenith_rule.py"]
    target = ["--integration", "my_sync:integration", "--adapter", "my_adapter:adapter"]

    one = run(tmp_path, "spmkit", "run", "poison_pill", *target)
    assert one.returncode == 0, one.stdout + one.stderr
    assert one.stdout.startswith("scenario 'poison_pill' against 'zenith' passed\n")

    demo = run(tmp_path, "spmkit", "demo", *target)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "scenario(s) passed against zenith in" in demo.stdout
    # clock_skew_loss runs the reference; whole_chunk_4xx's batch_size applies to Zenith.
    assert "1 scenario(s) do not apply to this integration:" in demo.stdout
    assert re.search(r"^whole_chunk_4xx +passed ", demo.stdout, flags=re.M), demo.stdout
    assert (tmp_path / "reports" / "index.html").is_file()

    scenarios = run(tmp_path, "pytest", "-q", "--scenario", "poison_pill", "--scenario",
                    "clock_skew_overlap")
    assert scenarios.returncode == 0, scenarios.stdout + scenarios.stderr
    assert "2 passed" in scenarios.stdout

    own = run(tmp_path, "pytest", "-q", "test_zenith.py")
    assert own.returncode == 0, own.stdout + own.stderr
    assert "1 passed" in own.stdout

    prove = run(tmp_path, "spmkit", "prove", "--profile", "spmkit-dev", *target)
    assert prove.returncode == 0, prove.stdout + prove.stderr
    assert "examples in" in prove.stdout and "never reached:" in prove.stdout
    assert "fault kinds (" in prove.stdout and "invariant checks (" in prove.stdout

    rule = run(tmp_path, "pytest", "-q", "--hypothesis-profile", "spmkit-dev",
               "test_zenith_rule.py")
    assert rule.returncode == 0, rule.stdout + rule.stderr
    assert "1 passed" in rule.stdout

    # "Use it in your integration repo's CI": the CI command with the quick run's profile
    # (the spmkit-ci budget is what make test runs on examples/acme_crm).
    ci, quick = ci_commands()
    assert quick[-2:] == ["--hypothesis-profile", "spmkit-dev"]
    on_ci = run(tmp_path, "pytest", *ci[1:], *quick[-2:])
    assert on_ci.returncode == 0, on_ci.stdout + on_ci.stderr
    assert "spmkit conformance" in on_ci.stdout
    assert re.search(r"^property run: \d+ examples in ", on_ci.stdout, flags=re.M)
    assert "integration: my_sync:integration" in on_ci.stdout
    junit = (tmp_path / "conformance.xml").read_text()
    assert 'classname="conformance.static" name="adapter_covers_every_step"' in junit
    assert 'classname="conformance" name="property[1/2]"' in junit
    assert "spmkit runs against my_sync:integration" in (
        tmp_path / "reports" / "index.html").read_text()


def test_the_invariants_table_is_the_registry() -> None:
    import textwrap

    from spmkit_testing.oracle import invariants_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert textwrap.indent(invariants_table(), "  ") in readme
