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
from typing import TYPE_CHECKING, Any

import pytest

from spmkit_testing.conformance._pytest import (
    COUNTEREXAMPLE,
    REPLAY,
    configure,
    conformance_items,
    conformance_requested,
    write_item_report,
)
from spmkit_testing.conformance._pytest import add_options as add_conformance_options
from spmkit_testing.contract._pytest import add_options, contract_items, contract_requested
from spmkit_testing.fixtures import (
    MARKERS,
    spm_client,
    spm_fake,
    spm_network,
    spm_partner,
    spm_simulation,
    spm_store,
    spmkit_clock,
)

if TYPE_CHECKING:
    from spmkit_testing.scenario import ScenarioResult

_TARGET = pytest.StashKey[tuple[Any, Any]]()

__all__ = [
    "ADAPTER_INI",
    "INTEGRATION_INI",
    "SCENARIO_INI",
    "SCENARIO_OPTION",
    "SEED_OPTION",
    "ScenarioItem",
    "spm_client",
    "spm_fake",
    "spm_network",
    "spm_partner",
    "spm_simulation",
    "spm_store",
    "spmkit_clock",
]

SCENARIO_OPTION = "--scenario"
SEED_OPTION = "--spmkit-seed"
SCENARIO_INI = "spmkit_scenario"
INTEGRATION_INI = "spmkit_integration"
ADAPTER_INI = "spmkit_adapter"


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


def _spec(config: pytest.Config, name: str, ini: str) -> str | None:
    value = str(config.getoption(name) or config.getini(ini) or "").strip()
    # pytest.ini / setup.cfg keep quotes that pyproject.toml strips: accept both spellings.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value or None


def target(config: pytest.Config) -> tuple[Any, Any]:
    """The configured ``(integration, adapter)`` objects, or ``(None, None)`` for the
    reference; a bad value is a :class:`pytest.UsageError` showing a valid line."""
    cached = config.stash.get(_TARGET, None)
    if cached is not None:
        return cached
    from spmkit import InvalidArgument
    from spmkit_testing.scenario import resolve_object

    found: list[Any] = []
    for name, ini, example in (
            ("spmkit_integration", INTEGRATION_INI, "my_package.sync:integration"),
            ("spmkit_adapter", ADAPTER_INI, "my_package.testing:adapter")):
        spec = _spec(config, name, ini)
        try:
            found.append(None if spec is None else resolve_object(spec, ini))
        except InvalidArgument as exc:
            raise pytest.UsageError(
                f"{exc}.\nName it in the ini file like this:\n  {ini} = \"{example}\"") from None
    if (found[0] is None) != (found[1] is None):
        missing = ADAPTER_INI if found[1] is None else INTEGRATION_INI
        raise pytest.UsageError(
            f"{INTEGRATION_INI} and {ADAPTER_INI} go together: {missing} is missing. Add both "
            f"to the ini file, for example:\n  {INTEGRATION_INI} = \"my_package.sync:integration"
            f"\"\n  {ADAPTER_INI} = \"my_package.testing:adapter\"")
    result = (found[0], found[1])
    config.stash[_TARGET] = result
    return result


def _target_name(config: pytest.Config) -> str:
    spec = _spec(config, "spmkit_integration", INTEGRATION_INI)
    return spec if spec is not None else "the reference Demo POS"


def pytest_report_header(config: pytest.Config) -> str | None:
    if conformance_requested(config):
        profile = config.getoption("--hypothesis-profile", None) or "spmkit-ci"
        examples = config.getoption("spmkit_examples")
        budget = f"{profile} profile" + (f", {examples} examples" if examples else "")
        return f"spmkit conformance: integration {_target_name(config)}; property run: {budget}"
    scenarios = _requested(config)
    seed = config.getoption("spmkit_seed")
    if not scenarios and seed is None:
        return None
    shown = "each scenario's own" if seed is None else str(seed)
    return (f"spmkit: integration {_target_name(config)}; seed={shown}; scenarios: "
            f"{', '.join(scenarios) or '(none)'}")


class ScenarioItem(pytest.Item):
    """One scenario run as a test; fails with the scenario's own message."""

    def __init__(self, *, spec: str, seed: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.seed = seed
        self.result: ScenarioResult | None = None

    def runtest(self) -> None:
        from spmkit_testing.scenario import load_scenario, run_scenario

        integration, adapter = target(self.config)
        self.result = run_scenario(load_scenario(self.spec), seed=self.seed,
                                   integration=integration, adapter=adapter)
        if self.result.skipped is None:
            write_item_report(self, self.result, self.result.scenario.name)
        if self.result.skipped is not None:
            pytest.skip(f"{self.result.scenario.name} does not apply to "
                        f"{self.result.integration}: {self.result.skipped}")
        for warning in self.result.warnings:
            self.warn(pytest.PytestWarning(f"scenario {self.result.scenario.name}: {warning}"))
        if not self.result.passed:
            self.user_properties += [(COUNTEREXAMPLE, str(self._file())),
                                     (REPLAY, self._replay())]
        self.result.raise_on_failure()

    def _file(self) -> Path:
        from spmkit_testing.scenario import scenario_path

        return Path(self.spec) if _is_path(self.spec) else scenario_path(self.spec)

    def _replay(self) -> str:
        """The command that replays this run from a shell."""
        named = [(flag, _spec(self.config, option, ini)) for flag, option, ini in (
            ("--integration", "spmkit_integration", INTEGRATION_INI),
            ("--adapter", "spmkit_adapter", ADAPTER_INI))]
        seed = "" if self.seed is None else f" --seed {self.seed}"
        return f"spmkit run {self.spec}{seed}" + "".join(
            f" {flag} {value}" for flag, value in named if value)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        from spmkit_testing.scenario import InvalidScenario, ScenarioFailed

        if isinstance(excinfo.value, ScenarioFailed):
            return f"{excinfo.value}\nscenario file: {self._file()}\nreplay: {self._replay()}"
        if isinstance(excinfo.value, InvalidScenario):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"spmkit scenario {self.spec}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """`pytest --scenario NAME` asks for that scenario (`--spmkit-target URL` for the
    contract checks, `--spmkit-conformance` for the conformance suite), not for the whole
    suite."""
    asked = (config.getoption("spmkit_scenarios") or contract_requested(config)
             or conformance_requested(config))
    return True if asked else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    seed = config.getoption("spmkit_seed")
    requested = _requested(config)
    if requested:
        target(config)  # a bad ini value is a usage error before anything runs
    for spec in requested:
        name = Path(spec).stem if _is_path(spec) else spec
        items.append(ScenarioItem.from_parent(session, name=f"scenario[{name}]", spec=spec,
                                              seed=seed))
    items.extend(contract_items(session, config))
    items.extend(conformance_items(session, config))
