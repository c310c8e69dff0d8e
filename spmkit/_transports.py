"""Network transports for :class:`~spmkit.SpmClient` besides httpx's own (the default)."""

from __future__ import annotations

from typing import Any

import httpx

from spmkit._errors import InvalidArgument

__all__ = ["aiohttp_transport"]


def aiohttp_transport(**options: Any) -> httpx.AsyncBaseTransport:
    """aiohttp's network transport for SpmClient: the ``spmkit-shopimind[aiohttp]`` extra.

    Over the network it sends the same requests as httpx's own transport (SpmClient's
    default) for less CPU per request (1.3x to 1.45x the pushes/s through the engine against
    ``spmkit serve`` on loopback, benchmarks/README.md), and it fails the same way: every
    aiohttp error becomes the httpx exception httpx's transport would raise, so envelopes,
    error codes and retries do not change. ``options`` go to
    ``httpx_aiohttp.AiohttpTransport`` (``verify=``, ``limits=``, ``proxy=``, ...); a proxy
    named in the environment (``HTTPS_PROXY``) is not used: pass ``proxy=``.

    For example::

        async with SpmClient(api_key, transport=aiohttp_transport()) as client:
            await client.bulk_save("customers", items)
    """
    try:
        from spmkit._aiohttp import MappedAiohttpTransport
    except ImportError as exc:
        raise InvalidArgument(
            f"aiohttp_transport() needs the aiohttp extra ({exc}): pip install "
            f"'spmkit-shopimind[aiohttp]' (it installs httpx-aiohttp and aiohttp), or leave "
            f"SpmClient's transport unset to use httpx's own."
        ) from exc
    return MappedAiohttpTransport(**options)
