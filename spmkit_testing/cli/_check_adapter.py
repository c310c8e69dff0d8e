"""``spmkit check-adapter``: is the adapter true to the partner? Exit 0 when it is, 2 when
it is not (an adapter error, never a loss of the integration) or on bad usage."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_check_adapter"]


def _cmd_check_adapter(args: argparse.Namespace) -> int:
    from spmkit import InvalidArgument
    from spmkit_testing.adapter import Adapter
    from spmkit_testing.fidelity import check_alone, render_json
    from spmkit_testing.scenario import resolve_object

    def refuse(message: str) -> int:
        print(f"spmkit check-adapter: {message}", file=sys.stderr)
        return 2

    try:
        adapter = resolve_object(args.adapter, "--adapter")
    except InvalidArgument as exc:
        return refuse(str(exc))
    if not isinstance(adapter, Adapter):
        return refuse(f"--adapter {args.adapter} is a {type(adapter).__name__}, not a "
                      f"spmkit_testing.Adapter; name your Adapter(...).")
    reports = [check_alone(adapter, args.adapter)]
    try:
        reports += _against(adapter, args)
    except InvalidArgument as exc:
        return refuse(str(exc))
    if args.json:
        print(render_json(reports))
    else:
        print("\n\n".join(report.to_text() for report in reports))
    return 0 if all(report.matches for report in reports) else 2


def _against(adapter: Any, args: argparse.Namespace) -> list[Any]:
    """The reports against each ``--cassette`` and the ``--live`` partner."""
    from spmkit_testing.fidelity import check_live, check_recording

    out = [check_recording(adapter, path, name=args.adapter) for path in args.cassette or ()]
    if args.live is not None:
        out.append(check_live(adapter, args.live, name=args.adapter))
    return out


def add_check_adapter(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-adapter",
        help="Check that an adapter is true to its partner (alone, against recordings, live)",
        description="Check an integration's adapter, the harness's model of the partner "
        "API. Alone: its simulated partner, read through its own routes, pages every record "
        "at page sizes 1, 2, 3 and the default, honours since/until as declared, lists every "
        "source, serves tombstones when deletions are synced, and answers every fault kind. "
        "With --cassette: VCR.py cassettes (pytest-recording) or HAR files of the real partner "
        "API are replayed against it, comparing statuses, page and error body shapes, "
        "ordering, bound inclusiveness, page caps and precision. With --live: the same "
        "comparison on read-only GETs to the live API (at most 200; the credential from "
        "SPMKIT_PARTNER_TOKEN). Exit status: 0 when the adapter is true, 2 when it is not "
        "(an adapter error, naming the route and the property) or on bad usage.",
    )
    parser.add_argument("--adapter", metavar="MOD:ATTR", required=True,
                        help="The spmkit_testing.Adapter, as package.module:attribute")
    parser.add_argument("--cassette", metavar="PATH", action="append", default=None,
                        help="A VCR.py cassette (.yaml), a HAR file (.har) or a folder of "
                        "them (repeatable)")
    parser.add_argument("--live", metavar="BASE_URL", default=None,
                        help="The live partner API's base URL (https; plain http only for a "
                        "loopback host); read-only GETs, at most 200")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON")
    parser.set_defaults(func=_cmd_check_adapter)
