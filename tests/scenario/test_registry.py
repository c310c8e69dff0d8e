from __future__ import annotations

import sys
from pathlib import Path

import pytest

from spmkit_testing.scenario import (
    InvalidScenario,
    UnknownScenario,
    load_scenario,
    scenario_dirs,
    scenario_names,
    scenario_path,
)


def test_the_repository_folder_comes_first() -> None:
    assert scenario_dirs()[0] == Path(__file__).resolve().parents[2] / "scenarios"
    assert scenario_path("poison_pill").name == "poison_pill.py"


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownScenario) as excinfo:
        load_scenario("nope")
    names = ", ".join(scenario_names())
    assert excinfo.value.args == (
        f"unknown scenario 'nope'; choose from: {names} (or pass the path of a scenario file "
        f"ending in .py)",
    )
    assert isinstance(excinfo.value, LookupError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidScenario, match=r"no scenario file at .*missing\.py'; pass an "
                                              r"existing \.py file"):
        load_scenario(tmp_path / "missing.py")


def test_file_without_a_scenario(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("x = 1\n")
    with pytest.raises(InvalidScenario, match=r"does not define scenario = Scenario\(\.\.\.\) "
                                              r"\(found nothing\)"):
        load_scenario(path)


def test_file_that_raises(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(InvalidScenario, match=r"broken\.py failed to load: RuntimeError: boom"):
        load_scenario(path)


def test_file_with_a_bad_element_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad_tick.py"
    path.write_text("from spmkit_testing.scenario import *\nscenario = Scenario('b', "
                    "timeline=[tick(0)])\n")
    with pytest.raises(InvalidScenario, match=r"bad_tick.py: Expected an int >= 1 for n"):
        load_scenario(str(path))


def test_loading_leaves_sys_modules_alone(tmp_path: Path) -> None:
    before = set(sys.modules)
    load_scenario("clean_backfill")
    path = tmp_path / "mine.py"
    path.write_text(load_scenario("max_ratio").to_source())
    assert load_scenario(path).name == "max_ratio"
    assert {m for m in set(sys.modules) - before if "scenario" in m} == set()


def test_a_misspelt_name_suggests_the_closest_names() -> None:
    with pytest.raises(UnknownScenario) as excinfo:
        load_scenario("clock_skew_overlpa")
    assert str(excinfo.value).startswith(
        "unknown scenario 'clock_skew_overlpa' (did you mean 'clock_skew_overlap' or "
        "'clock_skew_loss'?); choose from: clean_backfill, ")
