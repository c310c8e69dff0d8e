"""``spmkit serve`` (the fake ShopiMind API over HTTP) and ``spmkit verify-fake`` (the
wire contract against a real API)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from typing import Any

__all__ = ["add_serve", "add_verify_fake"]


def _cmd_serve(args: argparse.Namespace) -> int:
    """Serve the fake API until Ctrl-C / SIGTERM; print its base URL once it listens."""
    from spmkit import InvalidArgument
    from spmkit_testing.fake import FakeShopimind, serve, wall_clock

    # A server that other processes talk to lives in real time: the wall clock.
    try:
        fake = FakeShopimind(clock=wall_clock(), api_key=args.api_key, seed=args.seed)
    except InvalidArgument as exc:
        print(f"spmkit serve: {exc}", file=sys.stderr)
        return 2

    def ready(base_url: str) -> None:
        print(f"SPMKIT_FAKE_API={base_url}", flush=True)
        print(
            f"spmkit fake ShopiMind API listening on {base_url}/v1/ (api key: {args.api_key}); "
            f"Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )

    if re.fullmatch(r"-?[0-9]{1,9}", args.port) is None:
        print(
            f"spmkit serve: --port {args.port!r} is not a whole number: use a port from 0 to "
            f"65535 (0 picks a free one).",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(serve(fake, args.host, int(args.port), ready=ready))
    except OSError as exc:
        print(f"spmkit serve: {exc}", file=sys.stderr)
        return 2
    except ImportError:
        print(
            "spmkit serve needs uvicorn: pip install 'spmkit-shopimind[serve]'.",
            file=sys.stderr,
        )
        return 2
    return 0


def add_serve(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="Serve the fake ShopiMind API over HTTP",
        description="Serve the stateful fake ShopiMind API on a real socket, so the official "
        "JS SDK or any other client can talk to it. Prints SPMKIT_FAKE_API=<base url> when ready.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on")
    parser.add_argument(
        "--port", default="8787", help="Port to listen on (0 picks a free one)"
    )
    parser.add_argument("--api-key", required=True, help="The spm-api-key the fake accepts")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the fake's randomness")
    parser.set_defaults(func=_cmd_serve)


def _cmd_verify_fake(args: argparse.Namespace) -> int:
    """Run the wire contract against URL: 0 when the fake matches, 1 on drift, 2 on bad usage."""
    from spmkit import InvalidArgument
    from spmkit_testing.contract import target_from_environment, verify_target

    try:
        report = verify_target(target_from_environment(args.url), checks=args.check)
    except InvalidArgument as exc:
        print(f"spmkit verify-fake: {exc}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.matches else 1


def add_verify_fake(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify-fake",
        help="Check that the fake ShopiMind API still matches a real one (a drift report)",
        description="Run the wire-contract checks against the ShopiMind API at URL and compare "
        "every answer (status, envelope keys, field names and types, batch limits) with the "
        "fake's. The API key is read from the SPMKIT_API_KEY environment variable only. The run "
        "writes only records in its own namespace (a data source named spmkit-verify-<run id>), "
        "deletes them at the end, and sends at most 200 requests within 120 s. Exit status: 0 "
        "when the fake matches, 1 on drift, 2 on bad usage (no key, plain http to a remote host, "
        "an unreachable target or a refused key).",
    )
    parser.add_argument("url", metavar="URL",
                        help="Base URL of the API, such as https://core.shopimind.com (plain "
                        "http only for a loopback host such as spmkit serve)")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON")
    parser.add_argument("--check", action="append", metavar="NAME", default=None,
                        help="Run only this check (repeatable; default: every check)")
    parser.set_defaults(func=_cmd_verify_fake)
