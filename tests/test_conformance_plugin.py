"""``pytest --spmkit-conformance`` run as an integration repository runs it: a copy of
examples/acme_crm (its package, its tests, its pyproject with the two ini lines) in a
folder of its own, in a pytest subprocess through the plugin's entry point.

The control passes with stable JUnit ids; a copy with a planted bug (the step resumes
from its own high-water mark instead of the engine's overlapped ``window.since``) fails
with a counterexample whose replay fails the same way, with the same verdicts, files and
reports under ``-n 2``. (``make examples`` runs the control under ``-n 2`` at the full
``spmkit-ci`` budget.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ACME = Path(__file__).resolve().parents[1] / "examples" / "acme_crm"
BIN = Path(sys.executable).parent
TARGET = ("--integration acme_crm.sync:integration --adapter acme_crm.testing:adapter")
STATIC = ["steps_have_entities_and_bulk_resources", "per_source_steps_declare_sources",
          "policies_in_range", "provisioning_declares_what_steps_use",
          "adapter_covers_every_step", "adapter"]
NOT_APPLYING = {"clock_skew_loss"}

# The planted bug, as an integration author might write it: remember the newest
# modifiedAt fetched (per deployment: per transport) and ask Acme for what is newer.
PLANTED = [
    ("from dataclasses import dataclass\n",
     "import weakref\nfrom dataclasses import dataclass\nfrom datetime import datetime\n"),
    ('__all__ = ["AcmeSettings", "contact_item", "deal_item", "integration"]\n',
     '__all__ = ["AcmeSettings", "contact_item", "deal_item", "integration"]\n\n'
     "_HIGH_WATER: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], datetime]] = (\n"
     "    weakref.WeakKeyDictionary())\n"),
    ('    params: dict[str, Any] = {"modifiedSince": ctx.window.since.isoformat(),\n',
     "    marks = _HIGH_WATER.setdefault(settings.transport, {})\n"
     "    mark = (ctx.entity, ctx.source_key)\n"
     "    since = marks.get(mark, ctx.window.since)\n"
     '    params: dict[str, Any] = {"modifiedSince": since.isoformat(),\n'),
    ("            for record in page:\n                yield record\n",
     "            for record in page:\n"
     '                stamp = datetime.fromisoformat(str(record["modifiedAt"]))\n'
     "                marks[mark] = max(marks.get(mark, stamp), stamp)\n"
     "                yield record\n"),
]


def acme_repo(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *,
              planted: bool = False) -> Path:
    """A copy of examples/acme_crm in the pytester folder, importable from ``src``."""
    root = pytester.path
    shutil.copytree(ACME / "src", root / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ACME / "tests", root / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ACME / "pyproject.toml", root / "pyproject.toml")
    if planted:
        sync = root / "src" / "acme_crm" / "sync.py"
        text = sync.read_text()
        for old, new in PLANTED:
            assert text.count(old) == 1, f"examples/acme_crm changed: {old!r} not found once"
            text = text.replace(old, new)
        sync.write_text(text)
    # The copy wins over an installed acme_crm (PYTHONPATH precedes site-packages).
    monkeypatch.setenv("PYTHONPATH", str(root / "src"))
    return root


def outcomes(junit: Path) -> dict[str, str]:
    """``classname::name`` -> outcome, from a JUnit XML file."""
    out = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        verdict = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                verdict = child.tag
        out[f"{case.get('classname')}::{case.get('name')}"] = verdict
    return out


def test_acme_passes_with_stable_ids_a_summary_and_the_coverage_table(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    acme_repo(pytester, monkeypatch)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--spmkit-conformance",
                                           "--spmkit-examples", "10", "-v",
                                           "--junitxml=junit.xml")
    # The repo's own tests did not run; nothing is remembered yet.
    result.assert_outcomes(passed=28, skipped=2)
    result.stdout.fnmatch_lines([
        "spmkit conformance: integration acme_crm.sync:integration; property run: spmkit-ci "
        "profile, 10 examples",
        *(f"conformance::static::{name} PASSED*" for name in STATIC),
        "conformance::property[[]remembered[]] SKIPPED*",
        "conformance::property[[]1/1[]] PASSED*",
        "conformance::scenario[[]clean_backfill[]] PASSED*",
        "conformance::scenario[[]clock_skew_loss[]] SKIPPED*",
        "conformance::scenario[[]whole_chunk_4xx[]] PASSED*",
        "*= spmkit conformance =*",
        "integration: acme_crm.sync:integration",
        "static: 6 passed",
        "property: 1 passed, 1 skipped",
        "  skipped property[[]remembered[]]: nothing remembered*",
        "property run: 10 examples in *s (1 shard(s))",
        "fault-space coverage:",
        "fault kinds (*/14 reached):",
        "invariant checks (*/10 reached):",
        "never reached: *",
        "scenario: 21 passed, 1 skipped",
        "  skipped scenario[[]clock_skew_loss[]]: clock_skew_loss does not apply to *: it "
        "runs its own integration*",
    ], consecutive=False)
    seen = outcomes(pytester.path / "junit.xml")
    assert {k for k, v in seen.items() if v == "skipped"} == {
        "conformance::property[remembered]",
        *(f"conformance::scenario[{n}]" for n in NOT_APPLYING)}
    assert [k for k in seen if k.startswith("conformance.static::")] == [
        f"conformance.static::{name}" for name in STATIC]
    assert "conformance::property[1/1]" in seen and len(seen) == 30


def test_a_planted_high_water_mark_fails_with_a_counterexample_that_replays(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    root = acme_repo(pytester, monkeypatch, planted=True)
    # The default budget: the spmkit-ci profile.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--spmkit-conformance",
                                           "--junitxml=junit.xml", "--spmkit-report=reports")
    seen = outcomes(root / "junit.xml")
    # Each shard is an item of its own: those that met the bug fail, each with its file.
    failing = sorted(k for k, v in seen.items() if k.startswith("conformance::property[")
                     and v == "failure")
    assert failing and seen["conformance::property[remembered]"] == "skipped"
    assert seen["conformance::scenario[clock_skew_overlap]"] == "failure"
    assert all(v == "passed" for k, v in seen.items() if k.startswith("conformance.static::"))
    written = sorted((root / ".spmkit" / "counterexamples").glob("*.py"))
    assert 1 <= len(written) <= len(failing)
    assert all(re.fullmatch(r"acme_crm_i3_[0-9a-f]{8}\.py", p.name) for p in written)
    path = written[0]
    replay = f"spmkit run {path} {TARGET}"
    result.stdout.fnmatch_lines([
        "the golden rule broke for acme-crm: I3 (no silent loss) violated at tick *",
        f"counterexample: {path}",
        f"replay: {replay}",
        "*= spmkit conformance =*",
        f"FAILED conformance::property[[]*[]]: counterexample {path}",
        f"  replay: {replay}",
        "FAILED conformance::scenario[[]clock_skew_overlap[]]: scenario *clock_skew_overlap.py",
        f"  replay: spmkit run clock_skew_overlap {TARGET}",
    ], consecutive=False)
    # A CI page showing the JUnit XML shows both.
    failures = [c.find("failure") for c in ET.parse(root / "junit.xml").getroot().iter(
        "testcase") if str(c.get("name")).startswith("property[")]
    failure = next(f for f in failures
                   if f is not None and f"counterexample: {path}" in (f.text or ""))
    assert failure is not None
    assert f"replay: {replay}" in (failure.text or "")
    # An HTML timeline of every scenario run and of the counterexample, and an index.
    index = (root / "reports" / "index.html").read_text()
    assert "spmkit runs against acme_crm.sync:integration" in index
    assert re.search(rf'<a href="property_{path.stem}.html">conformance::property\[\d+/20\]</a>',
                     index)
    assert '<a href="clock_skew_overlap.html">conformance::scenario[clock_skew_overlap]</a>' \
        in index
    assert "I3" in (root / "reports" / f"property_{path.stem}.html").read_text()
    scenario_failure = next(
        c for c in ET.parse(root / "junit.xml").getroot().iter("testcase")
        if c.get("name") == "scenario[clock_skew_overlap]").find("failure")
    assert scenario_failure is not None
    assert f"replay: spmkit run clock_skew_overlap {TARGET}" in (scenario_failure.text or "")
    # The replay fails the same way, from the command it printed and through pytest.
    again = subprocess.run([str(BIN / "spmkit"), *replay.split()[1:]], cwd=root,
                           capture_output=True, text=True, check=False, timeout=120)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "I3 (no silent loss) violated" in again.stdout
    scenario = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--scenario", str(path))
    scenario.assert_outcomes(failed=1)
    scenario.stdout.fnmatch_lines(["*I3 (no silent loss) violated*"])

    # A second run remembers: it replays the counterexamples and the example database first.
    second = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--spmkit-conformance",
                                           "-k", "remembered", "--junitxml=again.xml")
    assert outcomes(root / "again.xml")["conformance::property[remembered]"] == "failure"
    second.stdout.fnmatch_lines(["*the golden rule still breaks: I3 (no silent loss)*",
                                f"remembered counterexample {written[0]}"], consecutive=False)

    # Two workers: the same items and verdicts, the same counterexamples, the same reports
    # (from a memory as empty as the serial run's was).
    monkeypatch.setenv("SPMKIT_EXAMPLE_DB", "db-two")
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--spmkit-conformance",
                                  "--spmkit-counterexamples=cx-two", "--junitxml=two.xml",
                                  "--spmkit-report=reports-two")
    assert outcomes(root / "two.xml") == seen
    # A file names its own path in its replay line: compare them without.
    assert sorted(p.name for p in (root / "cx-two").glob("*.py")) == [p.name for p in written]
    for one in written:
        two = root / "cx-two" / one.name
        assert two.read_text().replace(str(two.parent), "DIR") == (
            one.read_text().replace(str(one.parent), "DIR"))
    assert sorted(p.name for p in (root / "reports-two").iterdir()) == sorted(
        p.name for p in (root / "reports").iterdir())
