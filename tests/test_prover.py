"""Prove the prover: the property check passes on the unmodified engine (the reference
Demo POS and examples/acme_crm), and finds every planted bug within the ``spmkit-ci``
budget, shrunk to a scenario file of at most 10 timeline steps whose replay fails with
the same invariant named, while the same file passes once the bug is gone."""

from __future__ import annotations

import io
import shlex
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from spmkit_testing.cli import main
from spmkit_testing.reference import build_reference_integration, reference_adapter
from spmkit_testing.scenario import ScenarioResult, load_scenario, run_scenario
from spmkit_testing.stateful import (
    CI_PROFILE,
    GoldenRuleBroken,
    Proof,
    check_golden_rule,
    register_profiles,
)
from tests import planted
from tests.planted import BUGS, acme
from tests.planted import adapter as acme_adapter
from tests.planted_engine import ENGINE_BUGS

pytestmark = pytest.mark.slow
register_profiles()
CI = settings.get_profile(CI_PROFILE)
MAX_SHRUNK_STEPS = 10

# A planted bug breaks one rule first; the shrunk run may show a second one too.
ENGINE_EXPECTED: dict[str, set[str]] = {
    "advance_on_error": {"I1"},
    "ignore_untolerated_rejects": {"I1"},
    "ratio_against_items": {"I1"},
    "no_clamp": {"I2"},
    "backoff_on_a_second_clock": {"I5"},
    "failure_resets_the_cursor": {"I4", "I1"},
    # The refused item is neither stored nor dead-lettered when the tick ends: I3 sees it too.
    "dead_letter_after_the_run": {"I6", "I3"},
    "non_list_page_ends_the_data": {"I3"},
    "failed_count_ignored": {"I3", "I1"},
    "cursor_moves_backwards": {"I2", "I8"},
}
ACME_EXPECTED: dict[str, set[str]] = {
    "swallowed_5xx": {"I3"},
    "own_high_water_mark": {"I3"},
    "last_partial_batch_dropped": {"I3"},
    "wall_clock_advance": {"I10", "I1", "I2", "I8"},
}


def _broken(result: ScenarioResult) -> set[str]:
    return {v.invariant for v in result.violations if not v.hazard}


def _check_counterexample(found: GoldenRuleBroken, expected: set[str],
                          replay: Any) -> set[str]:
    """The shrunk file is small, loads, and its replay fails naming the same invariant."""
    invariant = getattr(found.violation, "invariant", None)
    assert invariant in expected, f"{invariant} is not one of {sorted(expected)}: {found}"
    assert found.path.is_file() and str(found.path) in str(found)
    assert found.replay in str(found) and f"pytest --scenario {found.path}" in str(found)
    scenario = load_scenario(str(found.path))
    assert len(scenario.timeline) <= MAX_SHRUNK_STEPS, scenario.to_source()
    replayed = _broken(replay(scenario))
    assert invariant in replayed, scenario.to_source()
    return replayed


@pytest.mark.parametrize("name", sorted(ENGINE_BUGS))
def test_the_property_run_finds_a_planted_engine_bug(name: str, tmp_path: Path) -> None:
    plant, first = ENGINE_BUGS[name]
    assert first in ENGINE_EXPECTED[name]
    with pytest.MonkeyPatch.context() as mp:
        integration = plant(mp) or build_reference_integration
        with pytest.raises(GoldenRuleBroken) as caught:
            check_golden_rule(
                integration, adapter=reference_adapter, settings=CI,
                counterexamples=tmp_path,
                replay_integration=f"{integration.__module__}:{integration.__name__}",
                replay_adapter="spmkit_testing.reference:reference_adapter")
        found = caught.value

        def replay(scenario: Any) -> ScenarioResult:
            return run_scenario(scenario, integration=integration, adapter=reference_adapter)

        _check_counterexample(found, ENGINE_EXPECTED[name], replay)
        # The replay command it prints fails the same way (exit 1, the invariant named).
        out = io.StringIO()
        with redirect_stdout(out):
            code = main(shlex.split(found.replay)[1:])
        assert code == 1, out.getvalue()
        assert found.violation.invariant in out.getvalue()  # type: ignore[attr-defined]
    # Without the bug the same counterexample holds: it is about the bug, not the world.
    clean = run_scenario(load_scenario(str(found.path)), integration=integration,
                         adapter=reference_adapter)
    assert not _broken(clean), clean.message()


@pytest.mark.parametrize("name", sorted(BUGS))
def test_the_property_run_finds_a_planted_acme_bug(name: str, tmp_path: Path) -> None:
    integration = vars(planted)[f"{name}_sync"]
    with pytest.raises(GoldenRuleBroken) as caught:
        check_golden_rule(integration, adapter=acme_adapter, settings=CI,
                          counterexamples=tmp_path)
    found = caught.value
    _check_counterexample(found, ACME_EXPECTED[name], lambda scenario: run_scenario(
        scenario, integration=BUGS[name](), adapter=acme_adapter))
    assert found.path.name.startswith("acme_crm_planted_")
    # Nobody named them: the replay command found the integration and adapter itself, and
    # it fails the same way.
    assert f"--integration tests.planted:{name}_sync --adapter " in found.replay
    assert f"--spmkit-integration tests.planted:{name}_sync" in str(found)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(shlex.split(found.replay)[1:])
    assert code == 1, out.getvalue()
    assert found.violation.invariant in out.getvalue()  # type: ignore[attr-defined]
    clean = run_scenario(load_scenario(str(found.path)), integration=acme(),
                         adapter=acme_adapter)
    assert not _broken(clean), clean.message()


def _assert_passed(proof: Proof, *, unreachable: tuple[str, ...] = ()) -> None:
    assert proof.examples >= CI.max_examples, proof
    unreached = proof.coverage.unreached(proof.fault_kinds)
    assert unreached == list(unreachable), f"never reached in {proof.examples} examples"


def test_the_reference_integration_keeps_the_golden_rule(tmp_path: Path) -> None:
    _assert_passed(check_golden_rule(settings=CI, counterexamples=tmp_path))
    assert not list(tmp_path.iterdir())


def test_acme_keeps_the_golden_rule(tmp_path: Path) -> None:
    from acme_crm.sync import integration

    # Acme's steps declare no crash point of their own: only the engine's are drawn.
    proof = check_golden_rule(integration, adapter=acme_adapter, settings=CI,
                              counterexamples=tmp_path)
    _assert_passed(proof)
    assert "after_fetch_page" not in proof.coverage.table(proof.fault_kinds)


def _import_constants(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Import a local module full of literals, as a pytest worker imports test files."""
    import importlib.util
    import sys

    folder.mkdir()
    source = folder / "spmkit_many_literals.py"
    source.write_text("".join(f"N{i} = {i * 7 + 3}\n" for i in range(300)), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("spmkit_many_literals", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "spmkit_many_literals", module)
    spec.loader.exec_module(module)


def test_the_same_seed_finds_the_same_counterexample(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Same seed, same file, even after other local modules were imported (Hypothesis
    draws their literals otherwise, so a pytest worker's history would change the run)."""
    runs = []
    for folder in ("a", "b"):
        if folder == "b":
            _import_constants(tmp_path / "literals", monkeypatch)
        with pytest.raises(GoldenRuleBroken) as caught:
            check_golden_rule(BUGS["last_partial_batch_dropped"](), adapter=acme_adapter,
                              settings=settings(CI, derandomize=False), seed=7,
                              counterexamples=tmp_path / folder)
        text = caught.value.path.read_text(encoding="utf-8")
        runs.append(text.replace(str(tmp_path / folder), "DIR"))
    assert runs[0] == runs[1]


def test_a_passing_run_is_the_same_after_other_local_modules_are_imported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    few = settings(CI, max_examples=40)
    before = check_golden_rule(settings=few, counterexamples=tmp_path)
    _import_constants(tmp_path / "literals", monkeypatch)
    after = check_golden_rule(settings=few, counterexamples=tmp_path)
    assert (after.examples, after.coverage) == (before.examples, before.coverage)


def test_an_adapter_is_required_with_an_integration() -> None:
    with pytest.raises(ValueError, match="name the adapter of your integration"):
        check_golden_rule(acme())


def test_an_unknown_shrink_is_refused() -> None:
    with pytest.raises(ValueError, match="use 'scenario' or 'hypothesis'"):
        check_golden_rule(shrink="fast")
