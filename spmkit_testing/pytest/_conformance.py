"""``pytest --spmkit-conformance``: the conformance suite as test items, one per check.

The plugin calls :func:`add_options` from ``pytest_addoption``, skips the project's own
tests when :func:`conformance_requested` (you asked for the suite), and adds
:func:`conformance_items` in ``pytest_collection_modifyitems``. The items are the same,
in the same order, in every process, so pytest-xdist workers agree; each item writes
only its own files. The session summary is built from the items' reports (which
pytest-xdist sends back to the controller), never from state shared between workers.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from spmkit_testing.pytest._property import PropertyItem, RememberedItem, merged_property
from spmkit_testing.pytest._report import (
    COUNTEREXAMPLE,
    REPLAY,
    REPORT,
    REPORT_OPTION,
    report_dir,
)
from spmkit_testing.pytest._scenario_item import ScenarioItem
from spmkit_testing.pytest._target import INTEGRATION_INI, spec, target, target_name

if TYPE_CHECKING:
    from spmkit_testing.conformance import StaticCheck

__all__ = [
    "CONFORMANCE_OPTION",
    "COUNTEREXAMPLES_INI",
    "EXAMPLES_OPTION",
    "StaticItem",
    "add_options",
    "configure",
    "conformance_items",
    "conformance_requested",
]

CONFORMANCE_OPTION = "--spmkit-conformance"
EXAMPLES_OPTION = "--spmkit-examples"
COUNTEREXAMPLES_OPTION = "--spmkit-counterexamples"
COUNTEREXAMPLES_INI = "spmkit_counterexamples"
PREFIX = "conformance::"


def examples_argument(value: str) -> int:
    """The ``--spmkit-examples`` type: a positive number of property examples."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise pytest.UsageError(f"{EXAMPLES_OPTION}={value}: give a positive number of "
                                f"examples, such as {EXAMPLES_OPTION} 100")
    return number


def add_options(group: Any, parser: pytest.Parser) -> None:
    """Register the conformance options in the plugin's option group."""
    group.addoption(
        CONFORMANCE_OPTION, action="store_true", default=False, dest="spmkit_conformance",
        help="Run the spmkit conformance suite against the integration named in the ini "
        "file: static checks, every library scenario that applies, the property run")
    group.addoption(
        EXAMPLES_OPTION, type=examples_argument, default=None, metavar="N",
        dest="spmkit_examples",
        help="Examples of the conformance property run (default: the spmkit-ci profile's)")
    group.addoption(
        COUNTEREXAMPLES_OPTION, default=None, metavar="DIR", dest="spmkit_counterexamples",
        help="Where the property run writes a shrunk counterexample (default: "
        ".spmkit/counterexamples under the rootdir)")
    group.addoption(
        REPORT_OPTION, default=None, metavar="DIR", dest="spmkit_report",
        help="Write an HTML timeline of every scenario run and failure to DIR, with an "
        "index.html naming the integration")
    parser.addini(COUNTEREXAMPLES_INI, default="",
                  help="Where the conformance property run writes counterexamples")
    parser.addini("spmkit_example_db", default="",
                  help="The property run's example database: unset .spmkit/examples; "
                  "redis://host:port/db shared (with the local folder); readonly:redis://... "
                  "read but never written; a folder; none. SPMKIT_EXAMPLE_DB overrides it")


def conformance_requested(config: pytest.Config) -> bool:
    """``--spmkit-conformance`` was given."""
    return bool(config.getoption("spmkit_conformance", False))


def _counterexamples(config: pytest.Config) -> Path:
    value = config.getoption("spmkit_counterexamples", None) or config.getini(
        COUNTEREXAMPLES_INI)
    return Path(config.rootpath, str(value)) if value else (
        config.rootpath / ".spmkit" / "counterexamples")


def _named(config: pytest.Config) -> tuple[str, str]:
    """The ``MOD:ATTR`` of the integration and of its adapter (a usage error without)."""
    from spmkit_testing.pytest._target import ADAPTER_INI

    found = [spec(config, ini) or "" for ini in (INTEGRATION_INI, ADAPTER_INI)]
    if not all(found):
        raise pytest.UsageError(
            f"{CONFORMANCE_OPTION} checks your integration, so name it and its adapter: add "
            f"to the [tool.pytest.ini_options] of pyproject.toml (or [pytest] of pytest.ini):\n"
            f"  {INTEGRATION_INI} = \"my_package.sync:integration\"\n"
            f"  {ADAPTER_INI} = \"my_package.testing:adapter\"")
    return found[0], found[1]


def _checked_target(config: pytest.Config) -> tuple[Any, Any]:
    """The configured integration and adapter, of the right types (else a UsageError)."""
    from spmkit import Integration
    from spmkit_testing import Adapter
    from spmkit_testing.pytest._target import ADAPTER_INI

    names = _named(config)
    configured = target(config)
    integration, adapter = configured.integration, configured.adapter
    if not isinstance(integration, Integration) and not callable(integration):
        raise pytest.UsageError(
            f"{INTEGRATION_INI} = \"{names[0]}\" is a {type(integration).__name__}, not an "
            f"spmkit Integration (nor a builder returning one); name the object "
            f"define_integration(...) returned, for example:\n"
            f"  {INTEGRATION_INI} = \"my_package.sync:integration\"")
    if not isinstance(adapter, Adapter):
        raise pytest.UsageError(
            f"{ADAPTER_INI} = \"{names[1]}\" is a {type(adapter).__name__}, not an "
            f"spmkit_testing.Adapter; name your Adapter(...), for example:\n"
            f"  {ADAPTER_INI} = \"my_package.testing:adapter\"")
    return integration, adapter


class _Broken(AssertionError):
    """A conformance check failed; ``str`` is what to tell the integration's author."""


class StaticItem(pytest.Item):
    """One static check of the integration and its adapter (``conformance::static::…``)."""

    def __init__(self, *, check: StaticCheck, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        from spmkit_testing.conformance import built_integration

        integration, adapter = _checked_target(self.config)
        problems = self.check.problems(built_integration(integration), adapter)
        if problems:
            raise _Broken(f"static check {self.check.name} failed: {self.check.checks}, "
                          f"but:\n" + "\n".join(f"  - {p}" for p in problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, _Broken):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"spmkit static check {self.check.name}"


def _settings(config: pytest.Config) -> Any:
    """The ``spmkit-ci`` profile unless ``--hypothesis-profile`` chose another; then
    ``--spmkit-examples``."""
    from hypothesis import settings

    from spmkit_testing.stateful import CI_PROFILE, register_profiles

    register_profiles()
    chosen = config.getoption("hypothesis_profile", None)
    base = settings() if chosen else settings.get_profile(CI_PROFILE)
    examples = config.getoption("spmkit_examples", None)
    return base if examples is None else settings(base, max_examples=examples)


class _Summary:
    """Collects the conformance items' reports; prints the closing summary and writes the
    ``--spmkit-report`` index (in the controller process under pytest-xdist)."""

    def __init__(self, config: pytest.Config, integration: str) -> None:
        self.config = config
        self.integration = integration
        self.reports: dict[str, pytest.TestReport] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.nodeid.lstrip(":").startswith((PREFIX, "scenario[")):
            return
        # The call's report, or the setup's when the item never ran (a skip, an error).
        if report.when == "call" or report.outcome != "passed":
            self.reports.setdefault(report.nodeid, report)
            if report.when == "call":
                self.reports[report.nodeid] = report

    def _props(self, report: pytest.TestReport) -> dict[str, str]:
        return {str(k): str(v) for k, v in report.user_properties}

    def lines(self) -> list[str]:
        """The summary's lines."""
        out = [f"integration: {self.integration}"]
        groups: dict[str, list[pytest.TestReport]] = {"static": [], "property": [],
                                                      "scenario": []}
        for nodeid, report in sorted(self.reports.items()):
            kind = re.split(r"::|\[", nodeid.removeprefix(PREFIX))[0]
            groups.setdefault(kind, []).append(report)
        for kind, reports in groups.items():
            if not reports:
                continue
            counts = {o: sum(r.outcome == o for r in reports)
                      for o in ("passed", "failed", "skipped")}
            out.append(f"{kind}: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n))
            out += [f"  skipped {r.nodeid.removeprefix(PREFIX)}: "
                    f"{r.longrepr[2].removeprefix('Skipped: ')}" for r in reports
                    if r.outcome == "skipped" and isinstance(r.longrepr, tuple)]
            if kind == "property":
                out += merged_property([self._props(r) for r in reports])
        for report in self.reports.values():
            props = self._props(report)
            if COUNTEREXAMPLE in props:
                what = "counterexample" if "::property[" in report.nodeid else "scenario"
                out += [f"FAILED {report.nodeid}: {what} {props[COUNTEREXAMPLE]}",
                        f"  replay: {props[REPLAY]}"]
        return out

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.reports or not conformance_requested(self.config):
            return
        terminalreporter.section("spmkit conformance")
        for line in self.lines():
            terminalreporter.write_line(line)
        folder = report_dir(self.config)
        if folder is not None:
            terminalreporter.write_line(f"HTML timelines: open {folder / 'index.html'}")

    def pytest_sessionfinish(self) -> None:
        folder = report_dir(self.config)
        if folder is None or hasattr(self.config, "workerinput"):
            return
        from spmkit_testing.report import render_run_index

        rows = [(nodeid.lstrip(":"), report.outcome, self._props(report).get(REPORT))
                for nodeid, report in sorted(self.reports.items())]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(render_run_index(self.integration, rows),
                                           encoding="utf-8")


def configure(config: pytest.Config) -> None:
    """From ``pytest_configure``: with ``--spmkit-conformance``, refuse a bad ini value
    before anything runs and register the summary; with ``--spmkit-report`` alone, the
    index of the scenario runs."""
    if conformance_requested(config):
        integration = _named(config)[0]
        _checked_target(config)
    elif report_dir(config) is not None:
        integration = target_name(config)
    else:
        return
    config.pluginmanager.register(_Summary(config, integration), "spmkit-conformance-summary")


def _property_items(session: pytest.Session, config: pytest.Config) -> list[pytest.Item]:
    """``property[remembered]``, then ``property[1/K]`` ... ``property[K/K]``: the shards
    of the run's seed and budget (see :mod:`spmkit_testing.pytest._property`)."""
    from spmkit_testing.scale import (
        EXAMPLE_DB_INI,
        ShardJob,
        database_key,
        example_db_setting,
        open_example_database,
        plan_shards,
        remembered,
    )
    from spmkit_testing.stateful import DERANDOMIZED_SEED

    settings = _settings(config)
    names = _named(config)
    target = _checked_target(config)
    seed = config.getoption("spmkit_seed", None)
    if seed is None:
        seed = DERANDOMIZED_SEED if settings.derandomize else random.SystemRandom().randrange(
            2**32)
    steps = 20
    setting = example_db_setting(str(config.getini(EXAMPLE_DB_INI)))
    root, folder = config.rootpath, _counterexamples(config)
    db = open_example_database(setting, root=root)
    stock = remembered(*target, max_steps=steps, key=database_key(*names, steps),
                       counterexamples=folder, database=db)
    replay = {"integration": names[0], "adapter": names[1], "max_steps": steps,
              "counterexamples": folder, "database": db}
    items: list[pytest.Item] = [RememberedItem.from_parent(
        session, name="property[remembered]", nodeid=f"{PREFIX}property[remembered]",
        stock=stock, replay=replay, target=target)]
    for shard in plan_shards(seed, settings.max_examples):
        job = ShardJob(shard, names[0], names[1], "", steps, setting, str(root), str(folder))
        items.append(PropertyItem.from_parent(
            session, name=f"property[{shard.name}]", nodeid=f"{PREFIX}property[{shard.name}]",
            job=job, settings=settings, target=target))
    return items


def conformance_items(session: pytest.Session, config: pytest.Config) -> list[pytest.Item]:
    """The suite's items when ``--spmkit-conformance`` is given (else none), in a fixed
    order: the static checks, the property run, then the library scenarios by name."""
    if not conformance_requested(config):
        return []
    from spmkit_testing.conformance import STATIC_CHECKS
    from spmkit_testing.fidelity import ADAPTER_CHECK
    from spmkit_testing.scenario import scenario_names

    # Ids without a file part, so JUnit XML reads classname "conformance.static", name
    # the check (the session's own node id is empty).
    items: list[pytest.Item] = [
        StaticItem.from_parent(session, name=check.name, check=check,
                               nodeid=f"{PREFIX}static::{check.name}")
        for check in (*STATIC_CHECKS, ADAPTER_CHECK)]
    items += _property_items(session, config)
    seed = config.getoption("spmkit_seed", None)
    items += [ScenarioItem.from_parent(session, name=f"scenario[{name}]", spec=name, seed=seed,
                                       nodeid=f"{PREFIX}scenario[{name}]")
              for name in scenario_names()]
    return items
