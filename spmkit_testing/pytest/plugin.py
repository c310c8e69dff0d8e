"""The spmkit pytest plugin (entry point ``pytest11: spmkit``).

Run named scenarios as test items::

    pytest --scenario poison_pill --scenario clock_skew_overlap
    pytest --scenario tests/scenarios/late_orders.py --spmkit-seed 7

``--scenario`` on the command line runs just those scenarios (the project's other
tests are deselected: you asked for a scenario). To run scenarios *alongside* the
suite, list them once in the ini file (``spmkit_scenario = poison_pill clean_backfill``).
They run against the integration named in the ini file (or ``--spmkit-integration`` /
``--spmkit-adapter``)::

    [tool.pytest.ini_options]
    spmkit_integration = "my_package.sync:integration"
    spmkit_adapter = "my_package.testing:adapter"

and against the reference Demo POS when none is named. A scenario that does not apply
to the integration is reported as skipped, with the reason.
Items are generated in sorted order, so every pytest-xdist worker collects the same
list; a failing item prints what failed, the text timeline and ``seed=…``.

``--hypothesis-profile spmkit-ci`` (or ``spmkit-dev``) selects the budget of the property
check (:func:`spmkit_testing.stateful.check_golden_rule`).

``pytest --spmkit-conformance`` runs the conformance suite of the integration named in
the ini file instead of the project's tests (:mod:`spmkit_testing.conformance`): static
checks, the property run (``spmkit-ci`` unless ``--hypothesis-profile`` says otherwise;
``--spmkit-examples N``), every library scenario, then a summary with the coverage table.
``--spmkit-report DIR`` writes an HTML timeline of every scenario run and failure.

The harness is imported lazily, inside hooks, so loading the plugin in a project
that never uses it costs almost nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spmkit_testing.pytest._conformance import add_options as add_conformance_options
from spmkit_testing.pytest._conformance import (
    configure,
    conformance_items,
    conformance_requested,
)
from spmkit_testing.pytest._contract import add_options, contract_items, contract_requested
from spmkit_testing.pytest._scenario_item import ScenarioItem, is_path
from spmkit_testing.pytest._target import ADAPTER_INI, INTEGRATION_INI, target, target_name
from spmkit_testing.pytest.fixtures import (
    MARKERS,
    spm_client,
    spm_fake,
    spm_network,
    spm_partner,
    spm_parts,
    spm_simulation,
    spm_store,
    spmkit_clock,
)

__all__ = [
    "ADAPTER_INI",
    "INTEGRATION_INI",
    "SCENARIO_INI",
    "SCENARIO_OPTION",
    "SEED_OPTION",
    "ScenarioItem",
    "SpmkitItems",
    "spm_client",
    "spm_fake",
    "spm_network",
    "spm_partner",
    "spm_parts",
    "spm_simulation",
    "spm_store",
    "spmkit_clock",
]

SCENARIO_OPTION = "--scenario"
SEED_OPTION = "--spmkit-seed"
SCENARIO_INI = "spmkit_scenario"


def scenario_argument(value: str) -> str:
    """The ``--scenario`` type: a library name or an existing ``.py`` file."""
    from spmkit_testing.scenario import scenario_names, unknown_scenario_text

    if is_path(value):
        if not Path(value).is_file():
            raise pytest.UsageError(
                f"{SCENARIO_OPTION}={value}: no such scenario file; pass an existing .py file "
                f"that defines scenario = Scenario(...), or a library name"
            )
        return value
    if value not in scenario_names():
        raise pytest.UsageError(unknown_scenario_text(value))
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
    group.addoption(
        "--spmkit-integration",
        default=None,
        metavar="MOD:ATTR",
        dest="spmkit_integration",
        help="The integration spmkit scenarios run against (overrides the ini value)",
    )
    group.addoption(
        "--spmkit-adapter",
        default=None,
        metavar="MOD:ATTR",
        dest="spmkit_adapter",
        help="Its spmkit_testing.Adapter (overrides the ini value)",
    )
    parser.addini(
        SCENARIO_INI,
        type="args",
        default=[],
        help="Named spmkit scenarios to run when no --scenario is given",
    )
    parser.addini(INTEGRATION_INI, default="",
                  help="The integration under test, as package.module:attribute")
    parser.addini(ADAPTER_INI, default="",
                  help="Its spmkit_testing.Adapter, as package.module:attribute")
    add_options(group)
    add_conformance_options(group, parser)


def _requested(config: pytest.Config) -> list[str]:
    given: list[str] = list(config.getoption("spmkit_scenarios") or [])
    if not given:
        given = [scenario_argument(v) for v in config.getini(SCENARIO_INI)]
    return sorted(set(given))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for _, line in MARKERS.values():
        config.addinivalue_line("markers", line)
    # Before Hypothesis' own plugin loads the profile: --hypothesis-profile spmkit-ci.
    if str(config.getoption("--hypothesis-profile", None) or "").startswith("spmkit-"):
        from spmkit_testing.stateful import register_profiles

        register_profiles()
    configure(config)


def pytest_report_header(config: pytest.Config) -> str | None:
    if conformance_requested(config):
        profile = config.getoption("--hypothesis-profile", None) or "spmkit-ci"
        examples = config.getoption("spmkit_examples")
        budget = f"{profile} profile" + (f", {examples} examples" if examples else "")
        return f"spmkit conformance: integration {target_name(config)}; property run: {budget}"
    scenarios = _requested(config)
    seed = config.getoption("spmkit_seed")
    if not scenarios and seed is None:
        return None
    shown = "each scenario's own" if seed is None else str(seed)
    return (f"spmkit: integration {target_name(config)}; seed={shown}; scenarios: "
            f"{', '.join(scenarios) or '(none)'}")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """`pytest --scenario NAME` asks for that scenario (`--spmkit-target URL` for the
    contract checks, `--spmkit-conformance` for the conformance suite), not for the whole
    suite."""
    asked = (config.getoption("spmkit_scenarios") or contract_requested(config)
             or conformance_requested(config))
    return True if asked else None


class SpmkitItems(pytest.Collector):
    """What spmkit adds to a run (``--scenario`` and the ini's scenarios, the contract
    checks of ``--spmkit-target``, the suite of ``--spmkit-conformance``), collected as any
    other collector's items: pytest's "collected N items" counts them, ``-k`` selects them.
    The items' parent stays the session, so their ids read ``scenario[poison_pill]``."""

    def __init__(self, *, items: list[pytest.Item], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items = items

    def collect(self) -> list[pytest.Item]:
        return self.items


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report = yield
    if isinstance(collector, pytest.Session) and report.passed:
        items = _items(collector, collector.config)
        if items:
            report.result.append(SpmkitItems.from_parent(collector, name="spmkit", items=items))
    return report


def _items(session: pytest.Session, config: pytest.Config) -> list[pytest.Item]:
    seed = config.getoption("spmkit_seed")
    requested = _requested(config)
    if requested:
        target(config)  # a bad ini value is a usage error before anything runs
    items: list[pytest.Item] = []
    for spec in requested:
        name = Path(spec).stem if is_path(spec) else spec
        items.append(ScenarioItem.from_parent(session, name=f"scenario[{name}]", spec=spec,
                                              seed=seed))
    items.extend(contract_items(session, config))
    items.extend(conformance_items(session, config))
    return items
