"""``spmkit prove``: the property check of the golden rule, exit 0/1/2."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from spmkit_testing.cli._common import (
    add_run_options,
    add_target_options,
    default_workers,
    integration_raised,
)

__all__ = ["add_prove"]


def _cmd_prove(args: argparse.Namespace) -> int:
    """Property-check the golden rule: 0 when nothing broke, 1 on a counterexample, 2 on bad
    usage."""
    import random
    import time
    from pathlib import Path

    from hypothesis import settings as Settings
    from hypothesis.errors import InvalidArgument as UnknownProfile

    from spmkit import Integration, InvalidArgument
    from spmkit_testing.adapter import Adapter
    from spmkit_testing.scale import (
        ShardFailed,
        ShardResult,
        example_db_setting,
        plan_shards,
        prove_in_shards,
    )
    from spmkit_testing.scenario import resolve_object
    from spmkit_testing.stateful import (
        CI_PROFILE,
        DEFAULT_COUNTEREXAMPLES,
        DERANDOMIZED_SEED,
        register_profiles,
    )

    if args.examples is not None and args.examples < 1:
        print(f"spmkit prove: --examples {args.examples} must be 1 or more.", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print(f"spmkit prove: --workers {args.workers} must be 1 or more.", file=sys.stderr)
        return 2
    if args.max_steps < 1:
        print(f"spmkit prove: --max-steps {args.max_steps} must be 1 or more.", file=sys.stderr)
        return 2
    if (args.integration is None) != (args.adapter is None):
        print("spmkit prove: give --integration and --adapter together (your integration and "
              "its spmkit_testing.Adapter), or neither for the reference Demo POS.",
              file=sys.stderr)
        return 2
    try:
        integration = (None if args.integration is None
                       else resolve_object(args.integration, "--integration"))
        adapter = None if args.adapter is None else resolve_object(args.adapter, "--adapter")
    except InvalidArgument as exc:
        print(f"spmkit prove: {exc}", file=sys.stderr)
        return 2
    if adapter is not None and not isinstance(adapter, Adapter):
        print(f"spmkit prove: --adapter {args.adapter} is a {type(adapter).__name__}, not a "
              f"spmkit_testing.Adapter; name the adapter object of your integration.",
              file=sys.stderr)
        return 2
    if integration is not None and not isinstance(integration, Integration) \
            and not callable(integration):
        print(f"spmkit prove: --integration {args.integration} is a "
              f"{type(integration).__name__}, not an spmkit Integration (nor a function "
              f"that builds one).", file=sys.stderr)
        return 2
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        print(f"spmkit prove: --out {args.out} is a file; name a folder for the "
              f"counterexample scenarios.", file=sys.stderr)
        return 2
    register_profiles()
    name = args.profile or CI_PROFILE
    try:
        profile = Settings.get_profile(name)
    except UnknownProfile:
        print(f"spmkit prove: --profile {name!r} is not a registered Hypothesis profile; use "
              f"spmkit-ci (500 examples) or spmkit-dev (30).", file=sys.stderr)
        return 2
    examples = args.examples if args.examples is not None else profile.max_examples
    seed = args.seed
    if seed is None:
        # A profile that is not derandomized searches anew each time: draw its seed here
        # and print it, so the search can be repeated (and its shards planned from it).
        seed = DERANDOMIZED_SEED if profile.derandomize else random.SystemRandom().randrange(
            2**32)
    workers = args.workers if args.workers is not None else default_workers()
    machine = (1, 1)
    if args.shard is not None:
        index, _, machines = args.shard.partition("/")
        if not (index.isdigit() and machines.isdigit() and 1 <= int(index) <= int(machines)):
            print(f"spmkit prove: --shard {args.shard}: write I/M, this machine's place I among "
                  f"M machines (1 <= I <= M), such as --shard 2/4.", file=sys.stderr)
            return 2
        machine = (int(index), int(machines))
    shards = plan_shards(seed, examples)
    who = "the reference Demo POS" if args.integration is None else args.integration
    how = (f"seed {seed}" if args.seed is not None else
           f"derandomized (seed {seed}): the same examples on every machine"
           if profile.derandomize else f"seed {seed}, drawn for this run: pass --seed {seed}"
           " to repeat it")
    print(f"spmkit prove: the golden cursor rule against {who} ({name}: {examples:,} "
          f"examples of up to {args.max_steps} steps, in {len(shards)} shard(s) on "
          f"{workers} worker(s), {how})", flush=True)
    started = time.perf_counter()  # the progress lines only: never feeds the simulation
    total = [0]

    def progress(result: ShardResult) -> None:
        if result.error is not None:
            return
        total[0] += result.examples
        elapsed = time.perf_counter() - started
        rate = total[0] / elapsed if elapsed > 0 else 0.0
        verdict = "broke the rule" if result.broken else "passed"
        where = "remembered failures" if result.index == 0 else f"shard {result.index}/" \
            f"{len(shards)}"
        print(f"  {where} {verdict}: {result.examples:,} examples ({total[0]:,} done, "
              f"{rate:,.1f}/s, {elapsed:,.1f}s elapsed)", flush=True)

    database = example_db_setting()
    try:
        proof = prove_in_shards(
            args.integration, args.adapter, examples=examples, seed=seed, profile=name,
            max_steps=args.max_steps, workers=workers, root=Path.cwd(),
            counterexamples=Path(args.out or DEFAULT_COUNTEREXAMPLES).absolute(),
            database=database, resume=not args.fresh, machine=machine, on_shard=progress)
    except ShardFailed as exc:
        which = (f"shard {exc.shard}/{len(shards)}" if exc.shard else
                 "replaying a failure remembered from an earlier run")
        print("\n" + integration_raised("prove", str(exc), exc.where, f" ({which})"),
              file=sys.stderr)
        return 2
    except (InvalidArgument, ValueError, OSError) as exc:
        print(f"\nspmkit prove: {exc}", file=sys.stderr)
        return 2
    if proof.resumed:
        print(f"(resumed an interrupted run: {proof.resumed} of its {len(shards)} shards had "
              f"finished)")
    cut = (f" (Hypothesis also cut {proof.discarded:,} example(s) short while drawing: "
           f"not counted)" if proof.discarded else "")
    broken = proof.broken
    if broken is not None:
        if broken.index == 0:
            print(f"FAILED before the search: a failure remembered from an earlier run still "
                  f"breaks the rule.\n{broken.broken}", flush=True)
            return 1
        skipped = sum(1 for s in proof.shards if s.index > broken.index)
        print(f"FAILED: shard {broken.index}/{len(shards)} found a counterexample after "
              f"{proof.examples:,} of the {proof.budget:,} examples, and the search stopped "
              f"there" + (f" ({skipped} later shard(s) not counted)" if skipped else "")
              + f"{cut}."
              + f"\n{broken.broken}", flush=True)
        print(f"\n{proof.coverage.table(proof.fault_kinds)}")
        return 1
    mine = "" if machine == (1, 1) else f" (machine {machine[0]}/{machine[1]}'s share)"
    print(f"passed: {proof.examples:,} examples in {len(proof.shards)} shard(s){mine}, "
          f"{proof.seconds:,.1f}s on {workers} worker(s) "
          f"({proof.examples / max(proof.seconds, 1e-9):,.1f}/s), no rule broken{cut}.\n")
    print(proof.coverage.table(proof.fault_kinds))
    return 0


def add_prove(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "prove",
        help="Search fault schedules, clock moves and crashes for a run that loses data",
        description="Property-check the golden cursor rule: Hypothesis drives the simulation "
        "(partner writes, ticks, faults, clock steps, crashes, backfills, webhooks, a second "
        "worker) and the oracle checks every tick. Prints a progress line, then a coverage "
        "table of what was exercised and what was never reached. On a violation the run is "
        "shrunk and written as a scenario file with the command that replays it. The run is split "
        "into fixed shards (from the seed and the budget alone) spread over --workers "
        "processes: the same examples, verdict and counterexample for any number of workers. "
        "Failures remembered from earlier runs (.spmkit/counterexamples, and the example "
        "database: .spmkit/examples, or SPMKIT_EXAMPLE_DB) are replayed first; an "
        "interrupted run resumes. Exit status: "
        "0 when no rule broke, 1 on a counterexample, 2 on bad usage.",
    )
    parser.add_argument("--examples", type=int, default=None, metavar="N",
                        help="How many runs to try (default: the profile's)")
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="Seed of the search (default: derandomized under spmkit-ci, "
                        "random under spmkit-dev)")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="A Hypothesis settings profile (default: spmkit-ci, 500 examples, "
                        "derandomized; spmkit-dev: 30)")
    parser.add_argument("--max-steps", type=int, default=20, metavar="N",
                        help="Verbs per run (default: 20)")
    parser.add_argument("--shard", default=None, metavar="I/M",
                        help="Run only the I-th of M CI machines' share of the shards (shards "
                        "I, I+M, I+2M...): M machines together run the whole plan")
    parser.add_argument("--fresh", action="store_true",
                        help="Start afresh instead of resuming an interrupted run of the same "
                        "command (kept under .spmkit/shards)")
    add_run_options(parser, "Worker processes, each running shards (the examples, verdict and "
                    "counterexample are the same for any N)")
    add_target_options(parser)
    parser.set_defaults(func=_cmd_prove)
