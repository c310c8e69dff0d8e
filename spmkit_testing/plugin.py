"""The spmkit pytest plugin (entry point ``pytest11: spmkit``).

Run named scenarios as test items::

    pytest --scenario poison_pill --scenario clock_skew_overlap
    pytest --scenario tests/scenarios/late_orders.py --spmkit-seed 7

``--scenario`` on the command line runs just those scenarios (the project's other
tests are deselected: you asked for a scenario). To run scenarios *alongside* the
suite, list them once in the ini file (``spmkit_scenario = poison_pill clean_backfill``).
Items are generated in sorted order, so every pytest-xdist worker collects the same
list; a failing item prints what failed, the text timeline and ``seed=…``.

The harness is imported lazily, inside hooks, so loading the plugin in a project
that never uses it costs almost nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from spmkit_testing.contract._pytest import add_options, contract_items, contract_requested
from spmkit_testing.fixtures import (
    MARKERS,
    spm_client,
    spm_fake,
    spm_simulation,
    spm_store,
    spmkit_clock,
)

if TYPE_CHECKING:
    from spmkit_testing.scenario import ScenarioResult

__all__ = [
    "SCENARIO_INI",
    "SCENARIO_OPTION",
    "SEED_OPTION",
    "ScenarioItem",
    "spm_client",
    "spm_fake",
    "spm_simulation",
    "spm_store",
    "spmkit_clock",
]

SCENARIO_OPTION = "--scenario"
SEED_OPTION = "--spmkit-seed"
SCENARIO_INI = "spmkit_scenario"


def _is_path(value: str) -> bool:
    return value.endswith(".py") or "/" in value or "\\" in value


def scenario_argument(value: str) -> str:
    """The ``--scenario`` type: a library name or an existing ``.py`` file."""
    from spmkit_testing.scenario import scenario_names

    if _is_path(value):
        if not Path(value).is_file():
            raise pytest.UsageError(
                f"{SCENARIO_OPTION}={value}: no such scenario file; pass an existing .py file "
                f"that defines scenario = Scenario(...), or a library name"
            )
        return value
    names = scenario_names()
    if value not in names:
        raise pytest.UsageError(
            f"unknown scenario {value!r}; choose from: {', '.join(names)} "
            f"(or pass the path of a scenario file ending in .py)"
        )
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spmkit", "spmkit simulation harness")
    group.addoption(
        SCENARIO_OPTION,
        action="append",
        default=[],
        type=scenario_argument,
        metavar="NAME|PATH",
        dest="spmkit_scenarios",
        help="Run a named spmkit scenario (or a scenario file) as a test item; repeatable",
    )
    group.addoption(
        SEED_OPTION,
        type=int,
        default=None,
        metavar="N",
        dest="spmkit_seed",
        help="Seed for every spmkit scenario (default: each scenario's own seed)",
    )
    parser.addini(
        SCENARIO_INI,
        type="args",
        default=[],
        help="Named spmkit scenarios to run when no --scenario is given",
    )
    add_options(group)


def _requested(config: pytest.Config) -> list[str]:
    given: list[str] = list(config.getoption("spmkit_scenarios") or [])
    if not given:
        given = [scenario_argument(v) for v in config.getini(SCENARIO_INI)]
    return sorted(set(given))


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def pytest_report_header(config: pytest.Config) -> str | None:
    scenarios = _requested(config)
    seed = config.getoption("spmkit_seed")
    if not scenarios and seed is None:
        return None
    shown = "each scenario's own" if seed is None else str(seed)
    return f"spmkit: seed={shown}; scenarios: {', '.join(scenarios) or '(none)'}"


class ScenarioItem(pytest.Item):
    """One scenario run as a test; fails with the scenario's own message."""

    def __init__(self, *, spec: str, seed: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.seed = seed
        self.result: ScenarioResult | None = None

    def runtest(self) -> None:
        from spmkit_testing.scenario import load_scenario, run_scenario

        self.result = run_scenario(load_scenario(self.spec), seed=self.seed)
        self.result.raise_on_failure()

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        from spmkit_testing.scenario import InvalidScenario, ScenarioFailed

        if isinstance(excinfo.value, ScenarioFailed | InvalidScenario):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"spmkit scenario {self.spec}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """`pytest --scenario NAME` asks for that scenario (and `--spmkit-target URL` for the
    contract checks), not for the whole suite."""
    return True if config.getoption("spmkit_scenarios") or contract_requested(config) else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    seed = config.getoption("spmkit_seed")
    for spec in _requested(config):
        name = Path(spec).stem if _is_path(spec) else spec
        items.append(ScenarioItem.from_parent(session, name=f"scenario[{name}]", spec=spec,
                                              seed=seed))
    items.extend(contract_items(session, config))
