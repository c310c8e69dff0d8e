"""docs/extending.md is true: a copy of the harness with exactly the changes the page
shows (a fault kind in two files, an invariant in one, a timeline verb in one) has the
scenario DSL, the prover's rules, strategies and coverage table, and the reports all see
them. The copy runs in a subprocess, so this process's registries stay as they are."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "extending.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)

CHECK = '''
import logging, sys, tempfile
from pathlib import Path
logging.getLogger("spmkit").propagate = False
logging.getLogger("spmkit").addHandler(logging.NullHandler())

import spmkit_testing
assert spmkit_testing.__file__.startswith(sys.argv[1]), spmkit_testing.__file__
from hypothesis import settings, find, Phase
from spmkit_testing import strategies as sst
from spmkit_testing.oracle import INVARIANTS
from spmkit_testing.reference import reference_adapter
from spmkit_testing.report import render_report
from spmkit_testing.scenario import (
    Scenario, World, fault_on, load_scenario, nap, records, rules, run_scenario, teapot, tick,
    violates)
from spmkit_testing.stateful import check_golden_rule

# The fault kind: a DSL word, drawn on both sides, shown in a run and its report.
assert "teapot" in sst.API_FAULT_KINDS and "teapot" in sst.PARTNER_FAULT_KINDS
pot = Scenario("pot", world=World(records=[records(2, stream="customers")]),
               timeline=[fault_on("pot", teapot(target="customers")), nap("30s"), tick()])
result = run_scenario(pot)
assert any("418" in e for t in result.trace for s in t.steps for e in s.errors), result.message()
assert "teapot(target=" in render_report(result)
folder = Path(tempfile.mkdtemp())
(folder / "pot.py").write_text(pot.to_source())
assert load_scenario(str(folder / "pot.py")) == pot

# The verb: a rule of the prover, drawn by the timelines strategy.
assert "nap" in [r.name for r in rules()]
find(sst.timelines(reference_adapter, max_steps=20),
     lambda steps: any(type(s).__name__ == "Nap" for s in steps),
     settings=settings(database=None, max_examples=2000, phases=[Phase.generate]))

# The invariant: checked every tick, expected by a scenario, named in the report.
assert "I11" in INVARIANTS
many = Scenario("many", world=World(sources=[f"s{i}" for i in range(51)]),
                timeline=[tick()], expect=[violates("I11")], settle=False)
result = run_scenario(many)
assert result.passed, result.message()
assert "I11 (a run reports at most 50 step-sources)" in render_report(result)

# All three in the prover's coverage table.
proof = check_golden_rule(settings=settings(max_examples=60, database=None), seed=1,
                          counterexamples=folder)
table = proof.coverage.table(proof.fault_kinds)
assert proof.coverage.faults["teapot"] > 0, table
assert proof.coverage.verbs["nap"] > 0, table
assert proof.coverage.invariants["I11"] > 0, table
print("ok")
'''


def _apply(doc: str, root: Path) -> list[Path]:
    """Make the page's changes to the harness under ``root``: the files it shows whole,
    the lines it inserts after an anchor, the code it appends. Return the files touched."""
    touched = []
    for block in BLOCK.findall(doc):
        head, _, body = block.partition("\n")
        where = re.fullmatch(r"# (file|in): (\S+?)(?:, after: (.*)|, at the end)?", head)
        if where is None:
            continue
        kind, name, anchor = where.groups()
        path = root / name
        if kind == "file":
            path.write_text(body, encoding="utf-8")
        elif anchor is not None:
            text = path.read_text(encoding="utf-8")
            assert text.count(anchor + "\n") == 1, f"{name}: the anchor {anchor!r} moved"
            path.write_text(text.replace(anchor + "\n", anchor + "\n" + body), encoding="utf-8")
        else:
            path.write_text(path.read_text(encoding="utf-8") + "\n\n" + body, encoding="utf-8")
        touched.append(path)
    return touched


@pytest.mark.slow
def test_a_fault_kind_an_invariant_and_a_verb_are_each_added_in_one_place(
        tmp_path: Path) -> None:
    shutil.copytree(ROOT / "spmkit_testing", tmp_path / "spmkit_testing",
                    ignore=shutil.ignore_patterns("__pycache__"))
    touched = _apply(DOC.read_text(encoding="utf-8"), tmp_path)
    relative = sorted(str(p.relative_to(tmp_path)) for p in touched)
    assert relative == ["spmkit_testing/faults/__init__.py", "spmkit_testing/faults/_teapot.py",
                        "spmkit_testing/oracle/invariants/i11_toy.py",
                        "spmkit_testing/scenario/_verbs_time.py"]
    # The page's `__all__` advice for the fault kind: its two names, in that module's list.
    init = tmp_path / "spmkit_testing/faults/__init__.py"
    init.write_text(init.read_text().replace('    "Subset",\n',
                                             '    "Subset",\n    "Teapot",\n    "teapot",\n'))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(CHECK), str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
    ruff = Path(sys.executable).with_name("ruff")
    lint = subprocess.run([str(ruff), "check", "--config", str(ROOT / "pyproject.toml"),
                           "--no-cache", *map(str, touched)], capture_output=True, text=True,
                          check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
