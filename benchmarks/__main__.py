"""``make bench``: every measure, each run in a fresh process, paired with the JS kit.

Usage: ``python -m benchmarks [--runs N] [--no-js] [--only MEASURE]... [--quick]``.

Each measure runs ``--runs`` times (3 by default), each run in a new process; when
Node.js is there, the JS kit's run of the same measure follows each spmkit run, so the
two sides of a ratio see the same load on the machine. A table of min / median / max
goes to stdout, and the **last line** is one JSON object of the medians (the keys of
issue 14; measures that do not exist yet are null). The growth runs (20k, 200k, 1M
records), the year-long soak, the property check (``prove``) and the conformance
suite (``conformance``) run once each.
``--quick`` shrinks every size (the
smoke test uses it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from benchmarks._common import machine
from benchmarks._js import js_kit, run_js

SIZES: dict[str, Any] = {
    "backfill": 200_000,
    "ticks": 20_000,
    "days": 30,
    "growth": (20_000, 200_000, 1_000_000),
    "soak_days": 365,
    "keep_ticks": 1440,
    "prove_examples": 200,
    "scale_examples": 200,
    "profile_examples": 60,
    "conformance_examples": None,
}
MEASURES = ("backfill", "backfill_8", "http", "ticks", "sim", "growth", "soak", "prove",
            "scale", "conformance")
QUICK: dict[str, Any] = {
    "backfill": 2_000,
    "ticks": 200,
    "days": 1 / 24,
    "growth": (500, 1_000),
    "soak_days": 1 / 12,
    "keep_ticks": 60,
    "prove_examples": 5,
    "scale_examples": 4,
    "profile_examples": 2,
    "conformance_examples": 2,
}


def run_python(module: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One run of ``benchmarks.<module>`` in a fresh interpreter; its JSON object."""
    done = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", json.dumps(arguments)],
                          capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.{module} {arguments} failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class Runs:
    """The values of each measure, run after run."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def add(self, name: str, value: float | None) -> None:
        if value is not None:
            self.values.setdefault(name, []).append(float(value))

    def median(self, name: str, digits: int = 0) -> float | None:
        values = self.values.get(name)
        if not values:
            return None
        middle = statistics.median(values)
        return round(middle, digits) if digits else round(middle)

    def table(self) -> str:
        width = max((len(n) for n in self.values), default=10)
        lines = [f"{'measure':<{width}}  {'runs':>4}  {'min':>12}  {'median':>12}  {'max':>12}"]
        for name, values in self.values.items():
            cells = [_cell(v) for v in (min(values), statistics.median(values), max(values))]
            lines.append(f"{name:<{width}}  {len(values):>4}  "
                         + "  ".join(f"{c:>12}" for c in cells))
        return "\n".join(lines)


def _cell(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _ratio(runs: Runs, ours: str, theirs: str) -> float | None:
    """spmkit ÷ JS kit: the median of the pairwise ratios (run k of each side, run one
    after the other, so both saw the same load on the machine)."""
    a, b = runs.values.get(ours, []), runs.values.get(theirs, [])
    pairs = [(x, y) for x, y in zip(a, b, strict=False) if x > 0 and y > 0]
    if not pairs:
        return None
    return round(statistics.median(x / y for x, y in pairs), 3)


def measure(args: argparse.Namespace, progress: Callable[[str], None]) -> dict[str, Any]:
    sizes = QUICK if args.quick else SIZES
    runs = Runs()
    modules, why = (None, "--no-js") if args.no_js else js_kit()
    if modules is None:
        progress(f"JS kit side skipped: {why}")
    total, ticks = sizes["backfill"], sizes["ticks"]
    only = set(args.only or MEASURES)

    def note(name: str, value: Any) -> None:
        runs.add(name, value)
        progress(f"  {name} = {value}")

    for k in range(1, args.runs + 1):
        progress(f"run {k} of {args.runs}")
        for fields, suffix in ((2, ""), (8, "_8")):
            if f"backfill{suffix}" not in only:
                continue
            out = run_python("bench_backfill", {"total": total, "fields": fields})
            note(f"backfill{suffix}_items_per_s", out["items_per_second"])
            note(f"backfill{suffix}_peak_rss_mib", out["peak_rss_mib"])
            if fields == 2:  # the JS benchmark's own client: no HTTP, a handler per chunk
                out = run_python("bench_backfill", {"total": total, "fields": 2,
                                                    "client": "scripted"})
                note("backfill_scripted_items_per_s", out["items_per_second"])
                note("backfill_scripted_peak_rss_mib", out["peak_rss_mib"])
            if modules is not None:
                js = run_js(modules, "backfill", {"total": total, "fields": fields})
                note(f"js_backfill{suffix}_items_per_s", js["items_per_second"])
                note(f"js_backfill{suffix}_peak_rss_mib", js["peak_rss_mib"])
        if "http" in only:
            note("http_items_per_s", run_python("bench_http", {"total": total})[
                "items_per_second"])
            note("http_aiohttp_items_per_s", run_python(
                "bench_http", {"total": total, "transport": "aiohttp"})["items_per_second"])
            if modules is not None:
                note("js_http_items_per_s", _js_http(modules, total)["items_per_second"])
        if "ticks" in only:
            out = run_python("bench_engine_ticks", {"ticks": ticks})
            note("steady_ticks_per_s", out["ticks_per_second"])
            if modules is not None:
                note("js_steady_ticks_per_s", run_js(modules, "ticks", {"ticks": ticks})[
                    "ticks_per_second"])
        if "sim" in only:
            out = run_python("bench_simulation", {"days": sizes["days"]})
            note("sim_30d_wall_s", out["seconds"])
            note("sim_speedup", out["speedup"])
            note("sim_30d_peak_rss_mib", out["peak_rss_mib"])
            if not out["nothing_lost"] or out["violations"]:
                raise RuntimeError(f"the simulation lost records or broke the rule: {out}")
    growth: dict[str, Any] = {}
    for size in sizes["growth"] if "growth" in only else ():
        progress(f"growth: {size:,} records")
        out = run_python("bench_backfill", {"total": size, "fields": 2})
        growth[str(size)] = {"items_per_s": out["items_per_second"],
                             "peak_rss_mib": out["peak_rss_mib"]}
    if "soak" in only:
        progress(f"soak: {sizes['soak_days']:g} simulated days, keep_ticks={sizes['keep_ticks']}")
        soak = run_python("bench_simulation", {"days": sizes["soak_days"],
                                               "keep_ticks": sizes["keep_ticks"]})
        note("sim_365d_wall_s", soak["seconds"])
        note("sim_365d_peak_rss_mib", soak["peak_rss_mib"])
    if "prove" in only:
        progress(f"prove: {sizes['prove_examples']} property examples"
                 + ("" if args.quick else ", then spmkit prove under spmkit-ci"))
        prove = run_python("bench_prove", {"examples": sizes["prove_examples"],
                                           "prove": not args.quick})
        note("reference_property_examples_per_s", prove["property_examples_per_s"])
        note("reference_prove_ci_wall_s", prove["prove_ci_wall_s"])
    if "scale" in only:
        progress(f"scale: {sizes['scale_examples']} Acme examples on 1 worker, then on every "
                 "core; a profile" + ("" if args.quick else "; spmkit prove on 1, then all"))
        scale = run_python("bench_scale", {"examples": sizes["scale_examples"],
                                           "profile_examples": sizes["profile_examples"],
                                           "prove": not args.quick})
        for key in ("property_examples_per_s", "property_examples_per_s_all_cores",
                    "prove_ci_wall_s", "prove_ci_wall_s_all_cores", "harness_share_of_example"):
            note(key, scale[key])
    if "conformance" in only:
        progress("conformance: pytest --spmkit-conformance on examples/acme_crm"
                 + (" (2 examples)" if args.quick else " under spmkit-ci, then with -n 2"))
        suite = run_python("bench_conformance", {"examples": sizes["conformance_examples"],
                                                 "two_workers": not args.quick})
        note("conformance_wall_s", suite["conformance_wall_s"])
        note("conformance_n2_wall_s", suite["conformance_n2_wall_s"])
    print(runs.table(), flush=True)
    js_side = None if modules is None else {
        "backfill_items_per_s": runs.median("js_backfill_items_per_s"),
        "backfill_peak_rss_mib": runs.median("js_backfill_peak_rss_mib", 1),
        "backfill_8_items_per_s": runs.median("js_backfill_8_items_per_s"),
        "backfill_8_peak_rss_mib": runs.median("js_backfill_8_peak_rss_mib", 1),
        "http_items_per_s": runs.median("js_http_items_per_s"),
        "steady_ticks_per_s": runs.median("js_steady_ticks_per_s"),
    }
    ratios = None if modules is None else {
        "backfill_items": _ratio(runs, "backfill_items_per_s", "js_backfill_items_per_s"),
        "backfill_peak_rss": _ratio(runs, "backfill_peak_rss_mib", "js_backfill_peak_rss_mib"),
        "backfill_8_peak_rss": _ratio(runs, "backfill_8_peak_rss_mib",
                                      "js_backfill_8_peak_rss_mib"),
        "backfill_8_items": _ratio(runs, "backfill_8_items_per_s", "js_backfill_8_items_per_s"),
        "backfill_scripted_items": _ratio(runs, "backfill_scripted_items_per_s",
                                          "js_backfill_items_per_s"),
        "backfill_scripted_peak_rss": _ratio(runs, "backfill_scripted_peak_rss_mib",
                                             "js_backfill_peak_rss_mib"),
        "http_items": _ratio(runs, "http_items_per_s", "js_http_items_per_s"),
        "http_aiohttp_items": _ratio(runs, "http_aiohttp_items_per_s", "js_http_items_per_s"),
        "steady_ticks": _ratio(runs, "steady_ticks_per_s", "js_steady_ticks_per_s"),
    }
    return {
        "backfill_items_per_s": runs.median("backfill_items_per_s"),
        "backfill_peak_rss_mib": runs.median("backfill_peak_rss_mib", 1),
        "backfill_8_items_per_s": runs.median("backfill_8_items_per_s"),
        "backfill_scripted_items_per_s": runs.median("backfill_scripted_items_per_s"),
        "backfill_scripted_peak_rss_mib": runs.median("backfill_scripted_peak_rss_mib", 1),
        "backfill_8_peak_rss_mib": runs.median("backfill_8_peak_rss_mib", 1),
        "http_items_per_s": runs.median("http_items_per_s"),
        "http_aiohttp_items_per_s": runs.median("http_aiohttp_items_per_s"),
        "steady_ticks_per_s": runs.median("steady_ticks_per_s"),
        "sim_30d_wall_s": runs.median("sim_30d_wall_s", 2),
        "sim_speedup": runs.median("sim_speedup"),
        "sim_30d_peak_rss_mib": runs.median("sim_30d_peak_rss_mib", 1),
        "sim_365d_wall_s": runs.median("sim_365d_wall_s", 2),
        "sim_365d_peak_rss_mib": runs.median("sim_365d_peak_rss_mib", 1),
        "backfill_growth": growth,
        "reference_property_examples_per_s": runs.median("reference_property_examples_per_s", 1),
        "reference_prove_ci_wall_s": runs.median("reference_prove_ci_wall_s", 1),
        "property_examples_per_s": runs.median("property_examples_per_s", 1),
        "property_examples_per_s_all_cores": runs.median("property_examples_per_s_all_cores", 1),
        "prove_ci_wall_s": runs.median("prove_ci_wall_s", 1),
        "prove_ci_wall_s_all_cores": runs.median("prove_ci_wall_s_all_cores", 1),
        "harness_share_of_example": runs.median("harness_share_of_example", 3),
        "conformance_wall_s": runs.median("conformance_wall_s", 1),
        "conformance_n2_wall_s": runs.median("conformance_n2_wall_s", 1),
        "js_kit": js_side,
        "spmkit_over_js_kit": ratios,
        "runs": args.runs,
        "quick": args.quick,
        "machine": machine(),
    }


def _js_http(modules: Any, total: int) -> dict[str, Any]:
    from benchmarks._backfill import KEY
    from benchmarks.bench_http import start_server, stop_server

    proc, base_url = start_server()
    try:
        return run_js(modules, "http", {"total": total, "url": base_url, "key": KEY})
    finally:
        stop_server(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Runs of each measure (median)")
    parser.add_argument("--no-js", action="store_true", help="Skip the JS kit side")
    parser.add_argument("--only", action="append", choices=MEASURES, metavar="MEASURE",
                        help=f"Run only this measure (repeatable): {', '.join(MEASURES)}")
    parser.add_argument("--quick", action="store_true", help="Tiny sizes (a smoke run)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    summary = measure(args, lambda text: print(f"# {text}", file=sys.stderr, flush=True))
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
