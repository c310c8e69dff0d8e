"""The harness behaves as recorded in ``behaviour.json`` (see ``record.py``): every library
scenario's trace and verdict for three seeds, and the ``spmkit-ci`` property run, against
the reference integration and the example Acme CRM integration."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from tests.golden.record import GOLDEN, SEEDS, TARGETS, prove_fingerprint, scenario_fingerprint

RECORDED = json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _quiet_engine() -> Iterator[None]:
    logger = logging.getLogger("spmkit")
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.propagate = propagate


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_library_scenarios_replay_as_recorded(target: str) -> None:
    from spmkit_testing.scenario import scenario_names

    now = {f"{target}/{name}/{seed}": scenario_fingerprint(name, seed, target)
           for name in scenario_names() for seed in SEEDS}
    recorded = {k: v for k, v in RECORDED["scenarios"].items() if k.startswith(f"{target}/")}
    # JSON has lists where the fingerprint has tuples.
    assert json.loads(json.dumps(now)) == recorded


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_property_run_finds_what_it_found(target: str) -> None:
    assert prove_fingerprint(target) == RECORDED["prove"][target]
