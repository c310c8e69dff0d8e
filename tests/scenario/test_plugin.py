from __future__ import annotations

import pytest

# Load the module explicitly (and not the entry point too): that is what catches
# option-parsing and registration bugs that in-process fixture use would hide.
PLUGIN = ("-p", "no:spmkit", "-p", "spmkit_testing.pytest.plugin")


def test_scenario_option_runs_only_the_scenarios(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_unrelated():\n    raise AssertionError('must not run')\n")
    result = pytester.runpytest(*PLUGIN, "--scenario=poison_pill")
    result.assert_outcomes(passed=1)


def test_ini_scenarios_run_alongside_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_unrelated():\n    pass\n")
    pytester.makeini("[pytest]\nspmkit_scenario = max_ratio\n")
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)


def test_scenario_option_runs_named_scenarios_as_items(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--scenario=poison_pill", "--scenario", "max_ratio",
                                "--spmkit-seed", "3", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "spmkit: integration the reference Demo POS; seed=3; scenarios: max_ratio, poison_pill",
        "*scenario?max_ratio? PASSED*",
        "*scenario?poison_pill? PASSED*",
    ])


def test_unknown_scenario_is_a_usage_error_listing_names(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--scenario=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown scenario 'nope'; choose from: clean_backfill, *"])


def test_a_failing_scenario_file_fails_with_its_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(wrong=(
        "from spmkit_testing.scenario import *\n"
        "scenario = Scenario('wrong', world=World(records=[record('c1')]),\n"
        "                    timeline=[advance('1m'), tick()],\n"
        "                    expect=[cursor_at(1, 'customers', 'held')])\n"))
    result = pytester.runpytest(*PLUGIN, "--scenario=wrong.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "scenario 'wrong' against 'demo-pos' failed:",
        "  - cursor_at(1, 'customers', 'held') failed at tick 1: the cursor went unset -> "
        "2026-01-01T00:01:00Z",
        "timeline:",
        "*seed=0",
    ], consecutive=False)


def test_ini_names_scenarios(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nspmkit_scenario = max_ratio\n")
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1)


def test_no_header_without_scenarios(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1)
    assert "spmkit:" not in result.stdout.str()


def test_a_misspelt_scenario_name_suggests_the_closest(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--scenario=posion_pill")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown scenario 'posion_pill' (did you mean 'poison_pill' "
                                 "or 'poison_pill_tolerated'?); choose from: clean_backfill, *"])


@pytest.mark.parametrize("verbose", [[], ["-v"]], ids=["quiet", "verbose"])
def test_the_collection_line_counts_the_scenario_items(
        pytester: pytest.Pytester, verbose: list[str]) -> None:
    pytester.makepyfile("def test_unrelated():\n    raise AssertionError('must not run')\n")
    result = pytester.runpytest(*PLUGIN, "--scenario=poison_pill", "--scenario=max_ratio",
                                *verbose)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["collect* collected 2 items*" if verbose else "collected 2 items"])
    assert "collected 0 items" not in result.stdout.str()


def test_ini_scenarios_are_counted_with_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_unrelated():\n    pass\n")
    pytester.makeini("[pytest]\nspmkit_scenario = max_ratio\n")
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["collected 2 items"])
