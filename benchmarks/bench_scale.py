"""The property run at scale, on examples/acme_crm (20-step runs):

* ``property_examples_per_s`` and ``property_examples_per_s_all_cores``: ``examples``
  runs through :func:`spmkit_testing.scale.prove_in_shards` on one worker and on every
  core (examples / wall seconds; the same examples both times);
* ``prove_ci_wall_s`` and ``prove_ci_wall_s_all_cores``: the whole ``spmkit prove``
  command under ``spmkit-ci`` (500 examples) with ``--workers 1`` and with the default
  (every core), start to exit, each in a fresh process and a fresh folder;
* ``harness_share_of_example``: from a cProfile of ``profile_examples`` runs in this
  process, the share of the CPU (functions' own time) spent in the harness (``spmkit_testing``
  and the libraries only it uses: Hypothesis, Faker) rather than in the integration's path
  (``acme_crm``, the ``spmkit`` engine, httpx/httpcore) or elsewhere (the standard
  library, asyncio, orjson: counted apart, in ``profile``).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import emit

ACME = ("acme_crm.sync:integration", "acme_crm.testing:adapter")
ACME_SRC = Path(__file__).resolve().parents[1] / "examples" / "acme_crm" / "src"
_HARNESS = ("spmkit_testing", "hypothesis", "faker")
TARGET_EXAMPLES_PER_SECOND = 60
TARGET_HARNESS_SHARE = 0.30
_INTEGRATION = ("acme_crm", "spmkit", "httpx", "httpcore")


def _bucket(filename: str) -> str:
    parts = Path(filename).parts
    for name in _HARNESS:
        if name in parts:
            return "harness"
    for name in _INTEGRATION:
        if name in parts:
            return "integration"
    return "other"


def _rate(examples: int, workers: int, root: Path) -> float:
    from spmkit_testing.scale import prove_in_shards

    started = time.perf_counter()
    proof = prove_in_shards(*ACME, examples=examples, seed=0, profile="spmkit-ci",
                            workers=workers, root=root / str(workers), database="none")
    if proof.broken is not None:
        raise RuntimeError(f"the Acme property run broke: {proof.broken.broken}")
    return round(proof.examples / (time.perf_counter() - started), 1)


def _share(examples: int, root: Path) -> dict[str, Any]:
    from hypothesis import settings

    from spmkit_testing.scale import quiet_engine, resolve_target
    from spmkit_testing.stateful import CI_PROFILE, check_golden_rule, register_profiles

    register_profiles()
    integration, adapter = resolve_target(*ACME)
    chosen = settings(settings.get_profile(CI_PROFILE), max_examples=examples)
    profiler = cProfile.Profile()
    with quiet_engine():
        profiler.enable()
        check_golden_rule(integration, adapter=adapter, settings=chosen,
                          counterexamples=root / "profile")
        profiler.disable()
    totals = {"harness": 0.0, "integration": 0.0, "other": 0.0}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_calls, _prim, own, _cum, _callers) in stats.items():
        totals[_bucket(filename)] += own
    whole = sum(totals.values()) or 1.0
    return {name: round(value / whole, 3) for name, value in totals.items()}


def _prove_wall(folder: Path, *workers: str) -> float:
    spmkit = Path(sys.executable).with_name("spmkit")
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SPMKIT_EXAMPLE_DB": "none",
           "PYTHONPATH": os.pathsep.join([str(ACME_SRC), os.environ.get("PYTHONPATH", "")])}
    started = time.perf_counter()
    done = subprocess.run([str(spmkit), "prove", "--integration", ACME[0], "--adapter", ACME[1],
                           *workers], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=3600, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"spmkit prove exited {done.returncode}: {done.stdout[-2000:]}"
                           f"{done.stderr[-2000:]}")
    return round(seconds, 2)


def main(examples: int = 200, profile_examples: int = 60, prove: bool = True) -> dict[str, Any]:
    sys.path.append(str(ACME_SRC))
    started, cpu_started = time.perf_counter(), time.process_time()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="spmkit-bench-scale-") as directory:
        root = Path(directory)
        one = _rate(examples, 1, root)
        every = _rate(examples, cores, root)
        share = _share(profile_examples, root)
        wall = _prove_wall(root / "w1", "--workers", "1") if prove else None
        wall_all = _prove_wall(root / "wall") if prove else None
    return emit({
        "benchmark": "scale",
        "parameters": {"examples": examples, "profile_examples": profile_examples,
                       "integration": "examples/acme_crm", "cores": cores},
        "property_examples_per_s": one,
        "property_examples_per_s_all_cores": every,
        "prove_ci_wall_s": wall,
        "prove_ci_wall_s_all_cores": wall_all,
        "harness_share_of_example": share["harness"],
        "profile": share,
        "target_examples_per_s_per_worker": TARGET_EXAMPLES_PER_SECOND,
        "target_harness_share": TARGET_HARNESS_SHARE,
        "meets_target": one >= TARGET_EXAMPLES_PER_SECOND and share["harness"]
        <= TARGET_HARNESS_SHARE,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
    })


if __name__ == "__main__":
    main(**(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
