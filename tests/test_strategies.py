"""The public strategies: honest reprs, clear refusals of bad options, and shrinking
towards the plain case (records not poisoned)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given
from hypothesis import settings as Settings

from spmkit import InvalidArgument
from spmkit_testing import scenario as t
from spmkit_testing import strategies as sst
from spmkit_testing.cli import main
from spmkit_testing.reference import reference_adapter
from spmkit_testing.stateful import check_golden_rule


def test_reprs_are_the_calls_that_made_them() -> None:
    assert repr(sst.faults(reference_adapter, side="api")) == (
        "faults('demo-pos', side='api', kinds=None, sources=['store-1', 'store-2'])")
    assert repr(sst.timelines(reference_adapter, max_steps=3)) == (
        "timelines('demo-pos', max_steps=3, sources=['store-1', 'store-2'], "
        "overlap_seconds=60)")
    assert repr(sst.policies(max_lag=5)) == "policies(max_lag=5, builder=False)"
    assert repr(sst.scenarios()).startswith("scenarios(integration='build_reference_")


@pytest.mark.parametrize(("make", "message"), [
    (lambda: sst.faults(reference_adapter, kinds="status"), "pass a list of kinds"),
    (lambda: sst.faults(reference_adapter, kinds=["nope"]), "unknown kind"),
    (lambda: sst.faults("acme"),  # type: ignore[arg-type]  # a wrong type on purpose
     "expected a spmkit_testing.Adapter"),
    (lambda: sst.policies(max_lag=-5), "max_lag must be a number >= 0"),
    (lambda: sst.records(reference_adapter, poisoned=2), "a fraction between 0 and 1"),
    (lambda: sst.records(reference_adapter, max_lag=-1), "max_lag must be a number >= 0"),
    (lambda: sst.timelines(reference_adapter, max_steps=0), "an int >= 1"),
    (lambda: sst.scenarios(object()), "name the adapter of your integration"),
])
def test_bad_options_are_refused_naming_the_option(make: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        make()


def test_records_shrink_towards_not_poisoned() -> None:
    smallest = find(sst.records(reference_adapter, min_size=2), lambda r: len(r) >= 2)
    assert [r.poisoned for r in smallest] == [False, False]


@Settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(sst.timelines(reference_adapter, max_steps=20))
def test_timelines_only_touch_records_they_added(steps: list[t.Step]) -> None:
    live: set[str] = set()
    for step in steps:
        name = type(step).__name__
        keys = [r.key for r in getattr(step, "records", ())]
        if name == "Add":
            live.update(keys)
        elif name in ("Update", "Delete"):
            assert isinstance(step, t.Update | t.Delete)
            assert step.key in live, steps
            if name == "Delete":
                live.discard(step.key)


def test_timelines_draw_deletes() -> None:
    found = find(sst.timelines(reference_adapter, max_steps=20),
                 lambda steps: any(type(s).__name__ == "Delete" for s in steps),
                 settings=Settings(max_examples=2000, database=None,
                                   phases=[Phase.generate]))
    assert any(type(s).__name__ == "Delete" for s in found)


@pytest.fixture(autouse=True)
def _own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """spmkit prove keeps its memory under .spmkit/ of the folder it runs in."""
    monkeypatch.chdir(tmp_path)


def _prove(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["prove", "--profile", "spmkit-dev", "--examples", "2", *args])
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (["--integration", "spmkit_testing.reference:build_reference_integration",
      "--adapter", "os:sep"], "is a str, not a spmkit_testing.Adapter"),
    (["--integration", "os:sep", "--adapter", "spmkit_testing.reference:reference_adapter"],
     "not an spmkit Integration"),
    (["--integration", "spmkit_testing.reference:build_reference_integration"],
     "give --integration and --adapter together"),
    (["--profile", "nosuch"], "not a registered Hypothesis profile"),
    (["--max-steps", "0"], "must be 1 or more"),
])
def test_prove_refuses_bad_usage_with_exit_2(args: list[str], message: str) -> None:
    code, text = _prove(*args)
    assert code == 2 and message in text, text


def test_prove_refuses_an_out_that_is_a_file_before_searching(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    code, text = _prove("--out", str(afile))
    assert code == 2 and "is a file; name a folder" in text, text
    assert "examples," not in text  # refused before the search started


def test_an_adapter_that_raises_is_exit_2_naming_where(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "raising_adapter.py").write_text(
        "import dataclasses\n"
        "from spmkit_testing.reference import reference_adapter\n"
        "def settings(partner):\n"
        "    raise RuntimeError('boom in adapter settings')\n"
        "adapter = dataclasses.replace(reference_adapter, settings=settings)\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, text = _prove("--integration", "spmkit_testing.reference:build_reference_integration",
                        "--adapter", "raising_adapter:adapter", "--out", str(tmp_path / "cx"))
    assert code == 2, text
    assert "the run raised RuntimeError: boom in adapter settings" in text
    assert "raising_adapter.py:4 in settings" in text and "not a golden-rule violation" in text


def test_check_golden_rule_refuses_a_non_adapter() -> None:
    with pytest.raises(ValueError, match=r"expected a spmkit_testing\.Adapter"):
        check_golden_rule(lambda **_: None, adapter="acme")  # type: ignore[arg-type]
