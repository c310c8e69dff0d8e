"""Record what the harness does today, so a refactor can show it changed nothing.

For each library scenario, three seeds, against the reference integration and the
example Acme CRM integration: a digest of the ``spmkit run --json`` trace lines and the
verdict (passed / skipped / the invariants, ticks and records of the violations). And
for ``spmkit prove`` (``spmkit-ci``) on both: the examples run, the verdict and the
coverage table (a fingerprint of every example). ``tests/golden/test_unchanged.py``
compares a fresh run with ``behaviour.json``.

Rerun it (``.venv/bin/python tests/golden/record.py``) only when a change of behaviour
is intended, and say which and why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).with_name("behaviour.json")
SEEDS = (1, 2, 3)
# An explicit seed: derandomized Hypothesis seeds itself from the property's source code,
# so a refactor that only moves code would otherwise change the examples.
PROVE_SEED = 20261208
TARGETS = {"reference": (None, None),
           "acme": ("acme_crm.sync:integration", "acme_crm.testing:adapter")}


def scenario_fingerprint(name: str, seed: int, target: str) -> dict[str, Any]:
    from spmkit_testing.scenario import load_scenario, run_scenario

    integration, adapter = TARGETS[target]
    result = run_scenario(load_scenario(name), seed=seed, integration=integration,
                          adapter=adapter)
    lines = "\n".join(t.to_json() for t in result.trace)
    return {
        "trace": hashlib.sha256(lines.encode()).hexdigest()[:16],
        "ticks": len(result.trace),
        "passed": result.passed,
        "skipped": result.skipped is not None,
        "violations": sorted({(v.invariant, v.tick, v.record or "") for v in result.violations}),
    }


def prove_fingerprint(target: str) -> dict[str, Any]:
    from hypothesis import settings

    from spmkit_testing.scenario import resolve_object
    from spmkit_testing.stateful import (
        CI_PROFILE,
        GoldenRuleBroken,
        check_golden_rule,
        register_profiles,
    )

    register_profiles()
    integration, adapter = (resolve_object(s, "x") if s else None for s in TARGETS[target])
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        try:
            proof = check_golden_rule(integration, adapter=adapter,
                                      settings=settings.get_profile(CI_PROFILE),
                                      counterexamples=folder, seed=PROVE_SEED)
        except GoldenRuleBroken as broken:
            return {"examples": broken.proof.examples, "verdict": "broken",
                    "coverage": _counts(broken.proof.coverage)}
    return {"examples": proof.examples, "verdict": "passed", "coverage": _counts(proof.coverage)}


def _counts(coverage: Any) -> dict[str, dict[str, int]]:
    """What the run exercised, how often (the coverage table's numbers, in no order)."""
    return {name: dict(sorted(getattr(coverage, name).items()))
            for name in ("faults", "crash_points", "verbs", "invariants")}


def record() -> dict[str, Any]:
    from spmkit_testing.scenario import scenario_names

    logging.getLogger("spmkit").addHandler(logging.NullHandler())
    logging.getLogger("spmkit").propagate = False
    out: dict[str, Any] = {"scenarios": {}, "prove": {}}
    for target in TARGETS:
        for name in scenario_names():
            for seed in SEEDS:
                out["scenarios"][f"{target}/{name}/{seed}"] = scenario_fingerprint(
                    name, seed, target)
        out["prove"][target] = prove_fingerprint(target)
    return out


if __name__ == "__main__":
    data = record()
    GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}", file=sys.stderr)
