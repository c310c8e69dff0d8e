"""The property check: examples per second with 20-step runs, and ``spmkit prove``'s wall.

``property_examples_per_s``: ``check_golden_rule`` on the reference Demo POS in this
process, ``examples`` runs of up to ``max_steps`` verbs each (the ``spmkit-ci`` profile
with that many examples), every run a fresh world: provisioning, the fake API, the
store, partner reads over httpx, the oracle after each tick and the settle at the end.
``prove_ci_wall_s``: the whole ``spmkit prove`` command under ``spmkit-ci`` (500
examples), start to exit, in a fresh process.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import emit

TARGET_EXAMPLES_PER_SECOND = 100
TARGET_PROVE_CI_SECONDS = 60


def _rate(examples: int, max_steps: int, folder: Path) -> dict[str, Any]:
    from hypothesis import settings

    from spmkit_testing.stateful import CI_PROFILE, check_golden_rule, register_profiles

    register_profiles()
    chosen = settings(settings.get_profile(CI_PROFILE), max_examples=examples)
    # The engine logs every failed step of every run: keep them out of the measure, and
    # put the logger back as it was (the smoke test runs this inside a pytest worker).
    logger = logging.getLogger("spmkit")
    quiet, propagate = logging.NullHandler(), logger.propagate
    logger.addHandler(quiet)
    logger.propagate = False
    try:
        proof = check_golden_rule(settings=chosen, max_steps=max_steps,
                                  counterexamples=folder)
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate
    verbs = sum(proof.coverage.verbs.values())
    return {"examples": proof.examples, "seconds": round(proof.seconds, 2),
            "verbs_per_example": round(verbs / max(1, proof.examples), 1),
            "examples_per_second": round(proof.examples_per_second, 1)}


def _prove_wall(folder: Path) -> dict[str, Any]:
    spmkit = Path(sys.executable).with_name("spmkit")
    started = time.perf_counter()
    done = subprocess.run([str(spmkit), "prove", "--out", str(folder)], cwd=folder,
                          capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"spmkit prove exited {done.returncode}: {done.stdout[-2000:]}"
                           f"{done.stderr[-2000:]}")
    return {"seconds": round(seconds, 2), "last_line": done.stdout.strip().splitlines()[-1]}


def main(examples: int = 200, max_steps: int = 20, prove: bool = True) -> dict[str, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="spmkit-bench-prove-") as directory:
        rate = _rate(examples, max_steps, Path(directory))
        wall = _prove_wall(Path(directory)) if prove else None
    meets = rate["examples_per_second"] >= TARGET_EXAMPLES_PER_SECOND and (
        wall is None or wall["seconds"] <= TARGET_PROVE_CI_SECONDS)
    return emit({
        "benchmark": "prove",
        "parameters": {"examples": examples, "max_steps": max_steps,
                       "integration": "reference Demo POS"},
        "property": rate,
        "property_examples_per_s": rate["examples_per_second"],
        "prove_ci_wall_s": None if wall is None else wall["seconds"],
        "target_examples_per_second": TARGET_EXAMPLES_PER_SECOND,
        "target_prove_ci_seconds": TARGET_PROVE_CI_SECONDS,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "meets_target": meets,
    })


if __name__ == "__main__":
    main(**(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
