"""A target of the contract suite: a base URL, an API key, and how to clean up after a run.

The real ShopiMind API is one target (``target_from_environment(URL)``, the key from
``SPMKIT_API_KEY``); ``spmkit serve`` on loopback is another; :func:`fake_target`
is the fake in-process, which is also what every target is compared with.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

# The one rule of spmkit for which host may get a key over plain http: the client's own.
from spmkit import is_loopback_host
from spmkit_testing.contract._created import Cleanup, delete_created
from spmkit_testing.contract._errors import TargetError

if TYPE_CHECKING:
    from spmkit_testing.fake import FakeShopimind

__all__ = [
    "API_KEY_ENV",
    "FAKE_BASE_URL",
    "ApiTarget",
    "check_target_url",
    "fake_target",
    "target_from_environment",
]

#: The environment variable the API key of a remote target is read from (and only there).
API_KEY_ENV = "SPMKIT_API_KEY"
#: The base URL of an in-process fake target: ``.invalid`` never resolves, so a
#: request that missed the transport could not leave the machine.
FAKE_BASE_URL = "http://spmkit-fake.invalid"
_FAKE_START = datetime(2026, 1, 1, tzinfo=UTC)


def check_target_url(url: str) -> str:
    """The base URL of a target, refused when it would send the key in clear.

    ``https://host[/prefix]`` is accepted, ``http://`` only for a loopback host (a
    local ``spmkit serve``). A trailing ``/`` or ``/v1`` is dropped: the suite adds
    ``/v1/``.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise TargetError(
            f"{url!r} is not a URL ({exc}); pass a base URL such as https://core.shopimind.com."
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise TargetError(
            f"{url!r} is not an absolute http(s) URL; pass a base URL such as "
            f"https://core.shopimind.com, or http://127.0.0.1:8787 for spmkit serve."
        )
    if parsed.query or parsed.fragment:
        raise TargetError(f"{url!r} has a query or a fragment; pass the bare base URL.")
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        raise TargetError(
            f"{url} uses plain http to a remote host ({parsed.host}): the API key would "
            f"travel in clear. Use https://, or a loopback address (127.0.0.1, [::1], "
            f"localhost) for a local server such as spmkit serve."
        )
    base = url.rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


@dataclass(frozen=True, slots=True)
class ApiTarget:
    """Where the checks run: ``base_url`` (the suite adds ``/v1/``) and ``api_key``.

    ``cleanup`` deletes what a run created (default :func:`delete_created`, through
    the API's delete routes). ``transport`` serves the requests without a socket (an
    in-process fake); ``around_check`` lets a target you control prepare each check
    (the fake switches its rate limit on for ``rate_limit``). ``label`` names the
    target in the report (default: the base URL).

    For example::

        target = ApiTarget("https://core.shopimind.com", os.environ["SPMKIT_API_KEY"])
        print(verify_target(target).to_text())
    """

    base_url: str
    api_key: str = field(repr=False)
    cleanup: Cleanup = delete_created
    transport: httpx.BaseTransport | None = field(default=None, repr=False)
    around_check: Callable[[Any], AbstractContextManager[None]] | None = field(
        default=None, repr=False
    )
    label: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.api_key, str) or not self.api_key.strip():
            raise TargetError(
                f"api_key must be a non-empty string; set {API_KEY_ENV} to the shop's "
                f"ShopiMind API key."
            )
        # With a transport no socket is opened, so the URL is only a name.
        base = self.base_url.rstrip("/") if self.transport else check_target_url(self.base_url)
        object.__setattr__(self, "base_url", base)

    def __str__(self) -> str:
        return self.label or self.base_url


def target_from_environment(url: str, environ: Mapping[str, str] | None = None) -> ApiTarget:
    """The target at ``url`` with the key from ``SPMKIT_API_KEY`` (never from a file or argv)."""
    base = check_target_url(url)
    key = (os.environ if environ is None else environ).get(API_KEY_ENV, "").strip()
    if not key:
        raise TargetError(
            f"no API key for {base}: export {API_KEY_ENV}=<the shop's ShopiMind API key> "
            f"and rerun (the key is read from the environment only, never from the command "
            f"line or a file)."
        )
    return ApiTarget(base, key)


def fake_target(fake: FakeShopimind | None = None, *,
                cleanup: Cleanup = delete_created) -> ApiTarget:
    """A target serving ``fake`` in-process (a fresh fake on a frozen clock by default).

    Before a check that declares ``on_fake`` (the rate limit), it prepares the fake
    and undoes it afterwards; nothing leaves the process.
    """
    if fake is None:
        from spmkit_testing.clock import SimClock
        from spmkit_testing.fake import FakeShopimind

        fake = FakeShopimind(clock=SimClock(_FAKE_START), api_key="spmkit-contract-key")
    prepared = fake

    @contextmanager
    def around(check: Any) -> Iterator[None]:
        undo = check.on_fake(prepared) if check.on_fake is not None else None
        try:
            yield
        finally:
            if undo is not None:
                undo()

    return ApiTarget(FAKE_BASE_URL, fake.api_key, cleanup=cleanup, transport=fake.transport(),
                  around_check=around, label="the in-process fake")  # fmt: skip
