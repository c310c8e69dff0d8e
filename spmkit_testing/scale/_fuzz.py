"""Long campaigns of the golden rule on HypoFuzz: :func:`fuzz_target` and :func:`fuzz`.

HypoFuzz (``hypothesis fuzz``) runs the Hypothesis tests pytest collects as a long-lived,
coverage-guided campaign on every core, with a dashboard, its workers sharing the
example database. :func:`fuzz_target` makes the golden-rule property of an integration
such a test; :func:`fuzz` writes it into ``.spmkit/fuzz/``, starts ``hypothesis fuzz`` on
it and watches the example database: once a failure is there (or the time is up) it
stops the campaign and replays the failure through
:func:`~spmkit_testing.scale.replay_remembered`, which writes it as a scenario file, as
``spmkit prove`` does.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings as Settings

from spmkit_testing.scale._database import open_example_database
from spmkit_testing.scale._memory import hypothesis_key, remembered, replay_remembered
from spmkit_testing.scale._shard import ShardResult, database_key, resolve_target
from spmkit_testing.stateful import golden_rule_machine

__all__ = ["FUZZ_FOLDER", "FuzzCampaign", "fuzz", "fuzz_target"]

FUZZ_FOLDER = Path(".spmkit") / "fuzz"
_PROFILE = "spmkit-fuzz"
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
         HealthCheck.large_base_example]
# HypoFuzz adds its `fuzz` command to Hypothesis' CLI when it is imported.
_HYPOTHESIS_FUZZ = ("import hypofuzz.entrypoint; from hypothesis.extra.cli import main; "
                    "main()")
_TEST = '''"""Written by `spmkit fuzz`: the golden-rule property of {integration}, for HypoFuzz
(`hypothesis fuzz -- {path}`). Rewritten on every run."""

from spmkit_testing.scale import fuzz_target

TestGoldenRule = fuzz_target({integration!r}, {adapter!r}, database={database!r},
                             root={root!r}, max_steps={max_steps!r})
'''


def fuzz_target(integration: str | None, adapter: str | None, *, database: str = "",
                root: str | None = None, max_steps: int = 20) -> Any:
    """The golden-rule property of ``integration`` as a test HypoFuzz collects (the state
    machine's ``TestCase``), and the settings profile it needs loaded: not derandomized,
    and the example database :func:`spmkit_testing.scale.open_example_database` opens for
    ``database`` (HypoFuzz fuzzes only tests whose database is the profile's)."""
    found, shape = resolve_target(integration, adapter)
    db = open_example_database(database, root=Path(root or os.getcwd()))
    # Not every health check: HypoFuzz skips a test that suppresses nested_given alone.
    Settings.register_profile(_PROFILE, database=db, deadline=None, derandomize=False,
                              suppress_health_check=_SLOW)
    Settings.load_profile(_PROFILE)
    # The engine logs every failed step of every example; HypoFuzz's log is for HypoFuzz.
    engine = logging.getLogger("spmkit")
    engine.propagate = False
    engine.addHandler(logging.NullHandler())
    machine = golden_rule_machine(found, adapter=shape, max_steps=max_steps,
                                  database_key=database_key(integration, adapter, max_steps))
    return machine.TestCase


@dataclass(frozen=True)
class FuzzCampaign:
    """How a campaign ended: ``broken`` is the replayed failure (its scenario file), or
    ``None`` when none was found within the time."""

    seconds: float
    broken: ShardResult | None
    log: str


def fuzz(integration: str | None = None, adapter: str | None = None, *, seconds: float,
         workers: int = 1, root: Path | None = None, counterexamples: Path | None = None,
         database: str = "", max_steps: int = 20, dashboard: bool = False,
         poll: float = 0.5) -> FuzzCampaign:
    """Run HypoFuzz on the golden-rule property of ``integration`` for at most ``seconds``
    (on ``workers`` processes), stopping as soon as the example database holds a failure,
    then replay and write it as a scenario file.

    For example::

        campaign = fuzz("my_sync:integration", "my_adapter:adapter", seconds=8 * 3600,
                        workers=4)
        print(campaign.broken.counterexample if campaign.broken else "nothing found")
    """
    root = Path.cwd() if root is None else root
    folder = counterexamples if counterexamples is not None else (
        root / ".spmkit" / "counterexamples")
    found, shape = resolve_target(integration, adapter)
    key = database_key(integration, adapter, max_steps)
    db = open_example_database(database, root=root)
    if db is None:
        raise ValueError("spmkit fuzz needs an example database (HypoFuzz keeps what it finds "
                         "there): unset SPMKIT_EXAMPLE_DB, or point it at a folder or Redis.")
    primary = hypothesis_key(found, shape, max_steps=max_steps, key=key)
    test = root / FUZZ_FOLDER / "test_spmkit_golden_rule.py"
    test.parent.mkdir(parents=True, exist_ok=True)
    test.write_text(_TEST.format(integration=integration, adapter=adapter, database=database,
                                 root=str(root), max_steps=max_steps, path=test),
                    encoding="utf-8")
    log = test.with_name("hypofuzz.log")
    command = [sys.executable, "-c", _HYPOTHESIS_FUZZ, "fuzz", "-n", str(workers),
               *(["--port", "0"] if dashboard else ["--no-dashboard"]), "--", str(test),
               "-p", "no:cacheprovider", "-p", "no:randomly", "-W", "ignore"]
    started = time.monotonic()  # the campaign's wall-clock budget: no simulation reads it
    with log.open("w", encoding="utf-8") as out:
        campaign = subprocess.Popen(command, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True,
                                    env={**os.environ, "PYTHONPATH": _pythonpath(root)})
        try:
            while time.monotonic() - started < seconds and campaign.poll() is None:
                if any(db.fetch(primary)) or any(db.fetch(primary + b".secondary")):
                    break
                time.sleep(poll)
        except KeyboardInterrupt:  # Ctrl-C ends the campaign: replay what it found
            pass
        finally:
            _stop(campaign)
    stock = remembered(found, shape, max_steps=max_steps, key=key, counterexamples=folder,
                       database=db)
    stock = type(stock)((), stock.entries)  # the database only: files are prove's memory
    broken = replay_remembered(stock, integration=integration, adapter=adapter,
                               max_steps=max_steps, counterexamples=folder, database=db)
    return FuzzCampaign(time.monotonic() - started, broken, log.read_text(encoding="utf-8"))


def _pythonpath(root: Path) -> str:
    """The campaign imports the integration from the folder it runs in, as ``spmkit prove``
    does, then from the ``PYTHONPATH`` it was given."""
    return os.pathsep.join([str(root), *filter(None, [os.environ.get("PYTHONPATH")])])


def _stop(campaign: subprocess.Popen[Any]) -> None:
    """End the campaign's whole process group (HypoFuzz's hub and its workers)."""
    if campaign.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(campaign.pid, sig)
        except ProcessLookupError:
            return
        try:
            campaign.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
