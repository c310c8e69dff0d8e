"""The conformance suite's wall time on examples/acme_crm: ``pytest --spmkit-conformance``.

``conformance_wall_s``: the whole command in a fresh process, from examples/acme_crm
(the static checks, the property run under the ``spmkit-ci`` profile, every library
scenario), start to exit; ``conformance_n2_wall_s`` the same with ``-n 2`` when asked.
The example is imported from its source folder, so it needs no install.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._common import emit

TARGET_CONFORMANCE_SECONDS = 60
ACME = Path(__file__).resolve().parents[1] / "examples" / "acme_crm"


def _run(examples: int | None, workers: int | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--spmkit-conformance"]
    if examples is not None:
        command += ["--spmkit-examples", str(examples)]
    if workers is not None:
        command += ["-n", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ACME / "src")}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ACME, env=env, capture_output=True, text=True,
                          timeout=3600, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"pytest --spmkit-conformance exited {done.returncode}: "
                           f"{done.stdout[-3000:]}{done.stderr[-2000:]}")
    lines = done.stdout.splitlines()
    examples_line = next((ln for ln in lines if ln.startswith("property run: ")), "")
    return {"seconds": round(seconds, 2), "property": examples_line.removeprefix(
        "property run: "), "last_line": lines[-1].strip("= ") if lines else ""}


def main(examples: int | None = None, two_workers: bool = True) -> dict[str, Any]:
    """``examples=None`` runs the spmkit-ci profile's budget (what the target is about)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    serial = _run(examples, None)
    two = _run(examples, 2) if two_workers else None
    return emit({
        "benchmark": "conformance",
        "parameters": {"integration": "examples/acme_crm",
                       "examples": examples if examples is not None else "spmkit-ci",
                       "two_workers": two_workers},
        "serial": serial,
        "two_workers": two,
        "conformance_wall_s": serial["seconds"],
        "conformance_n2_wall_s": None if two is None else two["seconds"],
        "target_conformance_seconds": TARGET_CONFORMANCE_SECONDS,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "meets_target": serial["seconds"] <= TARGET_CONFORMANCE_SECONDS,
    })


if __name__ == "__main__":
    main(**(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
