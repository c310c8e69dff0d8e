"""The ``spmkit`` command: one function per subcommand.

Subcommands so far: ``serve`` (the fake ShopiMind API over HTTP). Add one by writing
``_add_<name>(subparsers)`` that registers its parser with ``func=_cmd_<name>``, and
listing it in ``_SUBCOMMANDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["build_parser", "main"]


def _cmd_serve(args: argparse.Namespace) -> int:
    """Serve the fake API until Ctrl-C / SIGTERM; print its base URL once it listens."""
    from spmkit_testing.fake import FakeShopimind, wall_clock
    from spmkit_testing.fake._serve import serve

    # A server that other processes talk to lives in real time: the wall clock.
    fake = FakeShopimind(clock=wall_clock(), api_key=args.api_key, seed=args.seed)

    def ready(base_url: str) -> None:
        print(f"SPMKIT_FAKE_API={base_url}", flush=True)
        print(
            f"spmkit fake ShopiMind API listening on {base_url}/v1/ (api key: {args.api_key}); "
            f"Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )

    try:
        asyncio.run(serve(fake, args.host, args.port, ready=ready))
    except OSError as exc:
        print(f"spmkit serve: {exc}", file=sys.stderr)
        return 2
    except ImportError:
        print(
            "spmkit serve needs uvicorn: pip install 'spmkit[serve]'.",
            file=sys.stderr,
        )
        return 2
    return 0


def _add_serve(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="Serve the fake ShopiMind API over HTTP",
        description="Serve the stateful fake ShopiMind API on a real socket, so the official "
        "JS SDK or any other client can talk to it. Prints SPMKIT_FAKE_API=<base url> when ready.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on")
    parser.add_argument(
        "--port", type=int, default=8787, help="Port to listen on (0 picks a free one)"
    )
    parser.add_argument("--api-key", required=True, help="The spm-api-key the fake accepts")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the fake's randomness")
    parser.set_defaults(func=_cmd_serve)


_SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (_add_serve,)


def build_parser() -> argparse.ArgumentParser:
    """The ``spmkit`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="spmkit", description="spmkit: prove that a ShopiMind sync never loses data."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in _SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``spmkit``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
