"""``ScenarioItem``: one scenario run as a pytest item (``pytest --scenario NAME`` and the
conformance suite's ``conformance::scenario[NAME]``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from spmkit_testing.pytest._report import COUNTEREXAMPLE, REPLAY, write_item_report
from spmkit_testing.pytest._target import ADAPTER_INI, INTEGRATION_INI, spec, target

if TYPE_CHECKING:
    from spmkit_testing.scenario import ScenarioResult

__all__ = ["ScenarioItem", "is_path"]


def is_path(value: str) -> bool:
    """Whether ``--scenario`` names a file (else a library name)."""
    return value.endswith(".py") or "/" in value or "\\" in value


class ScenarioItem(pytest.Item):
    """One scenario run as a test; fails with the scenario's own message."""

    def __init__(self, *, spec: str, seed: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.seed = seed
        self.result: ScenarioResult | None = None

    def runtest(self) -> None:
        from spmkit_testing.scenario import load_scenario, run_scenario

        self.result = run_scenario(load_scenario(self.spec), seed=self.seed,
                                   integration=target(self.config))
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

        return Path(self.spec) if is_path(self.spec) else scenario_path(self.spec)

    def _replay(self) -> str:
        """The command that replays this run from a shell."""
        named = [(flag, spec(self.config, ini)) for flag, ini in (
            ("--integration", INTEGRATION_INI), ("--adapter", ADAPTER_INI))]
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
