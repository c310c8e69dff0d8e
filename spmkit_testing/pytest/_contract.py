"""``pytest --spmkit-target URL``: the contract checks as test items, one per check.

The plugin calls :func:`add_options` from ``pytest_addoption``, skips the project's
own tests when :func:`contract_requested` (you asked for the contract), and adds
:func:`contract_items` in ``pytest_collection_modifyitems``. The key is read from
``SPMKIT_API_KEY`` when the option is parsed. One run (one namespace, one budget)
serves every item of the session; it is cleaned up when the session ends and
summarised at the end of the terminal report. Under pytest-xdist each worker makes
its own run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from spmkit_testing.contract import ApiTarget, Check, CheckVerdict, Cleaned, ContractSession

__all__ = [
    "TARGET_OPTION",
    "ContractItem",
    "add_options",
    "contract_items",
    "contract_requested",
    "target_argument",
]

TARGET_OPTION = "--spmkit-target"


def target_argument(value: str) -> str:
    """The ``--spmkit-target`` type: a safe base URL, with the key in the environment."""
    from spmkit_testing.contract import TargetError, target_from_environment

    try:
        return target_from_environment(value).base_url
    except TargetError as exc:
        raise pytest.UsageError(f"{TARGET_OPTION}={value}: {exc}") from None


def add_options(group: Any) -> None:
    """Register ``--spmkit-target`` in the plugin's option group."""
    group.addoption(
        TARGET_OPTION,
        default=None,
        type=target_argument,
        metavar="URL",
        dest="spmkit_target",
        help="Run the wire-contract checks against the ShopiMind API at URL and report how "
        "it drifts from the fake (key from the SPMKIT_API_KEY environment variable)",
    )


def contract_requested(config: pytest.Config) -> bool:
    """``--spmkit-target`` was given."""
    return config.getoption("spmkit_target", None) is not None


class _ContractDrift(Exception):
    """A check whose verdict is drift, error or not run; ``str`` is its report block."""


class _Run:
    """The session's contract run, registered as a plugin to clean up and summarise."""

    def __init__(self, target: ApiTarget) -> None:
        from spmkit_testing.contract import ContractSession

        self.session: ContractSession = ContractSession(target)
        self.verdicts: list[CheckVerdict] = []
        self.cleaned: Cleaned | None = None
        self.unusable: str | None = None

    def verify(self, check: Check) -> CheckVerdict:
        from spmkit_testing.contract import TargetError

        try:
            verdict = self.session.verify(check)
        except TargetError as exc:
            self.unusable = str(exc)
            raise
        self.verdicts.append(verdict)
        return verdict

    def pytest_sessionfinish(self) -> None:
        self.cleaned = self.session.finish()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.cleaned is None:
            return
        report = self.session.report(self.verdicts, self.cleaned)
        terminalreporter.section("spmkit wire contract")
        if self.unusable is not None:
            terminalreporter.write_line(f"{report.target} could not be checked: {self.unusable}")
            return
        lines = report.header_lines()
        lines += [f"not observed: {c.name}: {c.note}" for c in report.checks
                  if c.verdict == "not_observed"]  # fmt: skip
        for line in [*lines, *report.cleanup_lines(), report.verdict_line()]:
            terminalreporter.write_line(line)


class ContractItem(pytest.Item):
    """One contract check against the ``--spmkit-target``; fails with its drift lines."""

    def __init__(self, *, check: Check, run: _Run, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.run = run

    def runtest(self) -> None:
        verdict = self.run.verify(self.check)
        if verdict.verdict not in ("ok", "not_observed"):
            raise _ContractDrift("\n".join(verdict.lines()))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:  # fmt: skip
        from spmkit_testing.contract import TargetError

        if isinstance(excinfo.value, _ContractDrift | TargetError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"spmkit contract check {self.check.name}"


def contract_items(session: pytest.Session, config: pytest.Config) -> list[pytest.Item]:
    """One item per contract check when ``--spmkit-target`` is given, else none."""
    url = config.getoption("spmkit_target", None)
    if url is None:
        return []
    from spmkit_testing.contract import CHECKS, target_from_environment

    run = _Run(target_from_environment(url))
    config.pluginmanager.register(run, "spmkit-contract-run")
    return [ContractItem.from_parent(session, name=f"contract[{check.name}]", check=check,
                                     run=run) for check in CHECKS]  # fmt: skip
