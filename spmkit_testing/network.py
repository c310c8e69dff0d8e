"""No network leaks: one transport that routes to mounted fakes and refuses everything else.

Every outbound request of a simulation goes through :class:`MountedTransport`.
A URL that no fake is mounted at fails **at once** with
:class:`UnmountedRequestError`, naming the URL and listing what is mounted, so an
integration that calls its real partner API in a test is caught instead of being
slow or flaky.
"""

from __future__ import annotations

import httpx

from spmkit import SpmkitError

__all__ = ["MountedTransport", "UnmountedRequestError"]


class UnmountedRequestError(SpmkitError, httpx.TransportError):
    """A request went to a URL no fake is mounted at (it never left the process)."""


class MountedTransport(httpx.AsyncBaseTransport):
    """Route requests by URL prefix to mounted transports; refuse anything else.

    For example::

        transport = MountedTransport()
        transport.mount("https://api.shopimind.test/", fake.transport())
        transport.mount("https://pos.test/", source.transport())
        client = httpx.AsyncClient(transport=transport)
    """

    def __init__(self) -> None:
        self._mounts: list[tuple[str, httpx.AsyncBaseTransport]] = []

    def mount(self, prefix: str, transport: httpx.AsyncBaseTransport) -> None:
        """Serve every URL starting with ``prefix`` (scheme and host included) by ``transport``."""
        if not prefix.startswith(("http://", "https://")):
            raise ValueError(
                f"mount prefix {prefix!r} must be an absolute URL such as 'https://pos.test/'"
            )
        self._mounts.append((prefix, transport))
        # Longest prefix first, so a specific mount wins over a general one.
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)

    @property
    def mounts(self) -> list[str]:
        """The mounted prefixes, longest first."""
        return [prefix for prefix, _ in self._mounts]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        for prefix, transport in self._mounts:
            if url.startswith(prefix):
                return await transport.handle_async_request(request)
        mounted = "\n".join(f"  - {p}" for p in self.mounts) or "  (nothing mounted)"
        raise UnmountedRequestError(
            f"{request.method} {url} was refused: no fake is mounted at this URL, and a test "
            f"never reaches the network. Mounted:\n{mounted}\nPoint the integration's base URL "
            f"at one of these (it usually comes from settings), or mount a fake for it.",
            request=request,
        )

    async def aclose(self) -> None:
        for _, transport in self._mounts:
            await transport.aclose()
