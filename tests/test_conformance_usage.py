"""The plugin's conformance options: usage errors that give the fix, ``--spmkit-report``
timelines with an index naming the integration, and nothing heavy imported unless asked."""

from __future__ import annotations

import subprocess
import sys

import pytest

PLUGIN = ("-p", "no:spmkit", "-p", "spmkit_testing.pytest.plugin")
REFERENCE = ('spmkit_integration = "spmkit_testing.reference:build_reference_integration"\n'
             'spmkit_adapter = "spmkit_testing.reference:reference_adapter"\n')


def usage_error(pytester: pytest.Pytester, ini: str, *args: str) -> str:
    pytester.makeini(f"[pytest]\n{ini}")
    result = pytester.runpytest(*PLUGIN, "--spmkit-conformance", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    return result.stderr.str()


def test_the_suite_needs_the_two_ini_lines(pytester: pytest.Pytester) -> None:
    err = usage_error(pytester, "")
    assert "--spmkit-conformance checks your integration, so name it and its adapter" in err
    assert '  spmkit_integration = "my_package.sync:integration"\n' in err
    assert '  spmkit_adapter = "my_package.testing:adapter"' in err


def test_a_value_that_is_not_module_attr_shows_a_valid_line(pytester: pytest.Pytester) -> None:
    err = usage_error(pytester, 'spmkit_integration = "my_sync"\nspmkit_adapter = "a:b"\n')
    assert "spmkit_integration='my_sync' must be 'package.module:attribute'" in err
    assert 'Name it in the ini file like this:\n  spmkit_integration = "my_package.sync:' in err


def test_a_module_that_does_not_import_is_named(pytester: pytest.Pytester) -> None:
    err = usage_error(pytester, 'spmkit_integration = "no_such_pkg.sync:integration"\n'
                                'spmkit_adapter = "no_such_pkg.testing:adapter"\n')
    assert "cannot import 'no_such_pkg.sync'" in err


def test_an_adapter_that_is_not_an_adapter_is_refused(pytester: pytest.Pytester) -> None:
    err = usage_error(pytester, REFERENCE.replace("reference_adapter",
                                                  "build_reference_integration"))
    assert ('spmkit_adapter = "spmkit_testing.reference:build_reference_integration" is a '
            "function, not an spmkit_testing.Adapter") in err
    assert 'spmkit_adapter = "my_package.testing:adapter"' in err


def test_an_integration_that_is_not_an_integration_is_refused(
        pytester: pytest.Pytester) -> None:
    err = usage_error(pytester, REFERENCE.replace("spmkit_testing.reference:build_reference_"
                                                  "integration", "spmkit_testing.adapter:ROLES"))
    assert ('spmkit_integration = "spmkit_testing.adapter:ROLES" is a tuple, not an spmkit '
            "Integration") in err


def test_examples_must_be_a_positive_number(pytester: pytest.Pytester) -> None:
    err = usage_error(pytester, REFERENCE, "--spmkit-examples", "0")
    assert "--spmkit-examples=0: give a positive number of examples" in err


def test_the_reference_passes_the_suite_when_named(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\n{REFERENCE}")
    pytester.makepyfile("def test_own():\n    raise AssertionError('not asked for')\n")
    result = pytester.runpytest(*PLUGIN, "--spmkit-conformance", "--spmkit-examples", "3")
    result.assert_outcomes(passed=28, skipped=2)  # and property[remembered]: nothing yet
    result.stdout.fnmatch_lines(["integration: spmkit_testing.reference:build_reference_"
                                 "integration", "property run: 3 examples in *"])


def test_the_report_option_writes_a_timeline_per_scenario_and_an_index(
        pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--scenario", "poison_pill", "--scenario",
                                "max_ratio", "--spmkit-report", "out")
    result.assert_outcomes(passed=2)
    out = pytester.path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "max_ratio.html",
                                                    "poison_pill.html"]
    index = (out / "index.html").read_text()
    assert "spmkit runs against the reference Demo POS" in index
    assert '<a href="poison_pill.html">scenario[poison_pill]</a>' in index
    assert "<svg" in (out / "poison_pill.html").read_text()


def test_a_fault_that_never_fires_is_a_warning_of_the_item(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(quiet=(
        "from spmkit_testing.scenario import *\n"
        "scenario = Scenario('quiet', world=World(records=[record('c1')]),\n"
        "                    timeline=[fault_on('never', status(503, target='orders')),\n"
        "                              advance('1m'), fault_off('never')])\n"))
    result = pytester.runpytest(*PLUGIN, "--scenario=quiet.py", "-W", "default")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*scenario quiet: fault_on('never', status(503, "
                                 "target='orders')) never fired*"])


def test_loading_the_plugin_imports_no_harness() -> None:
    code = ("import sys, spmkit_testing.pytest.plugin; print(sorted(m for m in sys.modules if "
            "m.split('.')[0] in ('hypothesis', 'faker', 'respx', 'freezegun') or m in "
            "('spmkit_testing.stateful', 'spmkit_testing.simulation', "
            "'spmkit_testing.scenario', 'spmkit_testing.fake')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
