"""The HTTP layer under :class:`~spmkit.SpmClient`: its ``httpx`` client and its requests.

The base URL is checked once (https, or plain http to this machine only: the
``spm-api-key`` must not travel in clear); :class:`ApiHttp` is the ``httpx.AsyncClient``
with no cookie jar whose :meth:`ApiHttp.exchange` sends a request built by
:func:`build_request` through the transport; :func:`encode_json` writes a body.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

import httpx

from spmkit._errors import InvalidArgument
from spmkit._json import json_dumps

__all__ = [
    "DEFAULT_BASE_URL",
    "ApiHttp",
    "build_request",
    "check_base_url",
    "encode_json",
    "is_loopback_host",
]

DEFAULT_BASE_URL = "https://core.shopimind.com"


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, ``127.0.0.1``, ``::1``...)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, allow_insecure: bool) -> str:
    """``base_url`` without its trailing ``/``, once known to be an absolute http(s) URL that
    sends the key in clear only to this machine (or ``allow_insecure``)."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidArgument(
            f"base_url={base_url!r} is not a valid URL ({exc}); pass something like "
            f"{DEFAULT_BASE_URL!r}."
        ) from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgument(
            f"base_url={base_url!r} must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}."
        )
    if url.scheme == "http" and not is_loopback_host(url.host) and not allow_insecure:
        raise InvalidArgument(
            f"base_url={base_url!r} uses plain http to a remote host ({url.host}): the "
            f"spm-api-key would travel in clear. Use https, a loopback host, or "
            f"allow_insecure_base_url=True (development only)."
        )
    return base_url.rstrip("/")



class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: the API authenticates by its key header."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        return None


class ApiHttp(httpx.AsyncClient):
    """The ``httpx.AsyncClient`` of :class:`SpmClient`: no cookie jar.

    A cookie an answer sets (a proxy's, a load balancer's) is never stored nor sent back:
    the ``spm-api-key`` header is the only credential. It also saves httpx building a
    urllib request for its cookie jar from every answer (about a tenth of a bulk push).
    """

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        return None

    async def exchange(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the client's transport and read the whole answer.

        What ``send`` does for SpmClient's requests, which use no auth, follow no
        redirect, keep no cookie and have no event hook, without those layers (half of
        httpx's own cost of a bulk push). The transport is the one ``send`` would pick
        (a proxy mount from the environment included).
        """
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the SpmClient has been closed.")
        response = await self._transport_for_url(request.url).handle_async_request(request)
        response.request = request
        # The line httpx's own send() logs, so logging shows the same requests as before.
        _HTTPX_LOG.info('HTTP Request: %s %s "%s %d %s"', request.method, request.url,
                        response.http_version, response.status_code, response.reason_phrase)
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response


_NO_COOKIES = _NoCookies()
_HTTPX_LOG = logging.getLogger("httpx")


def encode_json(body: Any, what: str) -> bytes:
    try:
        return json_dumps(body)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(
            f"{what} is not JSON-serializable ({exc}). Convert datetimes with .isoformat(), "
            f"Decimals with str() or float(), and sets with list() before sending."
        ) from exc


def build_request(
    method: str, url: httpx.URL, content: bytes | None,
    raw_headers: list[tuple[bytes, bytes]], extensions: dict[str, Any],
) -> httpx.Request:
    """``httpx.Request(method, url, content=content, headers=...)``, built the way httpx
    builds one from a stream (``stream=``): the same headers, in the same order (``Host``
    first, ``Content-Length`` last) and the same body, already read, at a third of the
    cost (``content=`` normalizes every header again through ``Headers``)."""
    headers = [(b"Host", url.netloc), *raw_headers]
    if content is not None:
        headers.append((b"Content-Length", str(len(content)).encode()))
    elif method in ("POST", "PUT", "PATCH"):
        headers.append((b"Content-Length", b"0"))
    request = httpx.Request(method, url, headers=headers, stream=httpx.ByteStream(content or b""),
                            extensions=dict(extensions))
    request.read()
    return request

