"""No network leaks: requests routed to mounted fakes, and a socket-layer guard.

Two layers keep a simulation off the network:

* :class:`MountedTransport` routes every request of a simulation's clients by URL
  prefix to a mounted fake. A URL that no fake is mounted at fails **at once** with
  :class:`UnmountedRequestError`, naming the URL and listing what is mounted.
* :func:`no_network` guards the socket layer itself, for code that builds its own
  client and so escapes the transport (``httpx.AsyncClient()``, a ``SpmClient(...)``
  without ``transport=``, a vendor SDK). While it is active, a DNS lookup or an
  outbound connection to a host it does not allow raises
  :class:`NetworkBlockedError` at once, naming the host and the port and saying how to
  route the call through the simulation. Loopback stays allowed by default, so a test
  can talk to a server it runs itself (``spmkit serve``, ``serve_in_thread``).

For example::

    from spmkit_testing import no_network

    with no_network():                          # loopback allowed
        httpx.get("https://api.example.invalid/")   # NetworkBlockedError, no DNS lookup
        with serve_in_thread(fake) as url:      # a server of the test, on 127.0.0.1
            httpx.get(f"{url}/v1/data-sources", headers={"spm-api-key": fake.api_key})

    with no_network(allow_loopback=False, allow_hosts=["db.test"]) as guard:
        ...
    assert guard.blocked == []                  # also when a step swallowed the error

The guard patches ``socket.getaddrinfo``, ``socket.gethostbyname``,
``socket.gethostbyname_ex`` and ``socket.socket.connect`` / ``connect_ex`` /
``sendto`` (which TLS sockets inherit) while at least one guard is active, and puts
the originals back when the last one exits. Guards nest (a connection must be
allowed by every active guard, so an inner guard can only narrow) and may be
entered from several threads. The guard is process-wide while active, because DNS
lookups of ``asyncio`` run in executor threads; a thread that only listens, such as
a uvicorn server thread on loopback, is not affected. ``AF_UNIX`` sockets (the event
loop's self-pipe) are never blocked. :class:`NetworkBlockedError` is deliberately not
an ``OSError`` nor an ``httpx`` error, so no client library mistakes it for a
transient network failure and retries. One wrinkle: an async httpx client given a
literal IP address (no lookup) connects inside an anyio task group, which wraps the
error in an ``ExceptionGroup``; ``guard.blocked`` lists it all the same.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import httpx

from spmkit import InvalidArgument, SpmkitError

__all__ = [
    "MountedTransport",
    "NetworkBlockedError",
    "NetworkGuard",
    "UnmountedRequestError",
    "no_network",
]


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
        #: ``"METHOD URL"`` of every request refused so far (for a teardown to report).
        self.refused: list[str] = []

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
        self.refused.append(f"{request.method} {url}")
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


class NetworkBlockedError(SpmkitError):
    """A DNS lookup or connection to a host outside the simulation was blocked.

    ``host`` and ``port`` (``None`` when the caller gave none) name where it was going.
    """

    def __init__(self, host: str, port: int | str | None, what: str) -> None:
        self.host = host
        self.port = port
        shown = f"[{host}]" if ":" in host and port is not None else host
        where = shown if port is None else f"{shown}:{port}"
        super().__init__(
            f"spmkit blocked {what} {where}: nothing in a simulation reaches the network. "
            f"Route this call through the simulation: pass the simulation's transport to the "
            f"client that made it (httpx.AsyncClient(transport=...), SpmClient(..., "
            f"transport=...)), or build the integration's settings with the simulation's "
            f"base URL and transport. A server the test runs itself listens on loopback, "
            f"which no_network() allows."
        )


#: Hosts that are this machine, whatever their spelling.
_LOCAL_NAMES = frozenset({"localhost", "localhost.", "", "0.0.0.0", "::"})


def _is_loopback(host: str) -> bool:
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _host_text(host: Any) -> str:
    if host is None:
        return ""
    if isinstance(host, bytes | bytearray):
        return bytes(host).decode("ascii", "replace").lower()
    return str(host).lower()


class NetworkGuard:
    """One active scope of :func:`no_network`: a context manager, re-entrant and nestable.

    ``blocked`` lists the ``(host, port)`` of every attempt it refused, so a caller
    can report a leak even when the code under test caught the error.
    """

    def __init__(self, *, allow_loopback: bool = True, allow_hosts: Iterable[str] = ()) -> None:
        if not isinstance(allow_loopback, bool):
            raise InvalidArgument(
                f"allow_loopback must be True or False, got {allow_loopback!r}."
            )
        hosts = [allow_hosts] if isinstance(allow_hosts, str) else list(allow_hosts)
        if isinstance(allow_hosts, str) or not all(isinstance(h, str) for h in hosts):
            raise InvalidArgument(
                f"allow_hosts must be a list of host names or IP addresses such as "
                f"['db.test', '10.0.0.5'], got {allow_hosts!r}."
            )
        self.allow_loopback = allow_loopback
        self.allow_hosts = frozenset(h.lower().rstrip(".") for h in hosts)
        self.blocked: list[tuple[str, int | str | None]] = []
        # Addresses that an allowed name resolved to: connecting to them is allowed too.
        self._resolved: set[str] = set()
        self._depth = 0

    def allows(self, host: str) -> bool:
        """Whether this guard lets a lookup of or a connection to ``host`` through."""
        name = host.rstrip(".") if host not in _LOCAL_NAMES else host
        if name in self.allow_hosts or name in self._resolved:
            return True
        return self.allow_loopback and _is_loopback(host)

    def note_resolved(self, host: str, addresses: Iterable[str]) -> None:
        """Allow the addresses that ``host`` resolved to, when ``host`` is allowed by name."""
        if host.rstrip(".") in self.allow_hosts:
            self._resolved.update(addresses)

    def __enter__(self) -> NetworkGuard:
        _SOCKETS.enter(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _SOCKETS.exit(self)

    def __repr__(self) -> str:
        hosts = sorted(self.allow_hosts)
        return (
            f"NetworkGuard(allow_loopback={self.allow_loopback}, allow_hosts={hosts}, "
            f"blocked={len(self.blocked)})"
        )


def no_network(*, allow_loopback: bool = True, allow_hosts: Iterable[str] = ()) -> NetworkGuard:
    """Block every DNS lookup and outbound connection except to loopback and ``allow_hosts``.

    For example::

        with no_network():
            summary = clock.run(run_integration_sync(integration, store=store, client=client))

    A blocked attempt raises :class:`NetworkBlockedError` at once (no DNS timeout) and is
    listed in the guard's ``blocked``. See the module docstring for the details.
    """
    return NetworkGuard(allow_loopback=allow_loopback, allow_hosts=allow_hosts)


class _SocketPatch:
    """The patches of the ``socket`` module, installed while any guard is active.

    The ``socket`` module is one per process, so this registry is too (the one module
    level object of the harness that holds state); everything in it is behind a lock.
    """

    _METHODS = ("connect", "connect_ex", "sendto")
    _FUNCTIONS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._guards: tuple[NetworkGuard, ...] = ()
        self._saved_methods: dict[str, Any] = {}
        self._saved_functions: dict[str, Any] = {}
        self._installed: dict[str, Any] = {}

    def enter(self, guard: NetworkGuard) -> None:
        with self._lock:
            guard._depth += 1
            if guard._depth > 1:
                return  # re-entered: already active
            if not self._guards:
                self._install()
            self._guards = (*self._guards, guard)

    def exit(self, guard: NetworkGuard) -> None:
        with self._lock:
            guard._depth -= 1
            if guard._depth > 0:
                return
            self._guards = tuple(g for g in self._guards if g is not guard)
            if not self._guards:
                self._uninstall()

    # -- checks ---------------------------------------------------------------------

    def check(self, host: Any, port: int | str | None, what: str) -> None:
        text = _host_text(host)
        for guard in self._guards:
            if not guard.allows(text):
                guard.blocked.append((text, port))
                raise NetworkBlockedError(text, port, what)

    def resolved(self, host: Any, addresses: Iterable[str]) -> None:
        """Let each guard that allowed ``host`` by name also allow its addresses."""
        found = [str(a).lower() for a in addresses]
        for guard in self._guards:
            guard.note_resolved(_host_text(host), found)

    # -- patching -------------------------------------------------------------------

    def _install(self) -> None:
        cls = socket.socket
        self._saved_methods = {name: vars(cls).get(name) for name in self._METHODS}
        self._saved_functions = {name: getattr(socket, name) for name in self._FUNCTIONS}
        wrappers: dict[str, Any] = {
            "connect": self._wrap_connect(cls.connect),
            "connect_ex": self._wrap_connect(cls.connect_ex),
            "sendto": self._wrap_sendto(cls.sendto),
            "getaddrinfo": self._wrap_lookup(
                socket.getaddrinfo, lambda infos: [info[4][0] for info in infos]
            ),
            "gethostbyname": self._wrap_lookup(socket.gethostbyname, lambda ip: [ip]),
            "gethostbyname_ex": self._wrap_lookup(socket.gethostbyname_ex, lambda r: r[2]),
        }
        for name in self._METHODS:
            setattr(cls, name, wrappers[name])
        for name in self._FUNCTIONS:
            setattr(socket, name, wrappers[name])
        self._installed = wrappers

    def _uninstall(self) -> None:
        cls = socket.socket
        for name, original in self._saved_methods.items():
            if vars(cls).get(name) is not self._installed[name]:
                continue  # patched again on top of us: the wrapper passes through when idle
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)
        for name, original in self._saved_functions.items():
            if getattr(socket, name) is self._installed[name]:
                setattr(socket, name, original)
        self._installed = {}

    def _wrap_connect(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def connect(sock: socket.socket, address: Any, *args: Any) -> Any:
            if (
                self._guards
                and sock.family in (socket.AF_INET, socket.AF_INET6)
                and isinstance(address, tuple)
                and len(address) >= 2
            ):
                try:
                    self.check(address[0], address[1], "a connection to")
                except NetworkBlockedError:
                    # Callers such as socket.create_connection close the socket only on an
                    # OSError: close it here so that a blocked connection leaks nothing.
                    sock.close()
                    raise
            return original(sock, address, *args)

        return connect

    def _wrap_sendto(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def sendto(sock: socket.socket, data: Any, *args: Any) -> Any:
            address = args[-1] if args else None
            if (
                self._guards
                and sock.family in (socket.AF_INET, socket.AF_INET6)
                and isinstance(address, tuple)
                and len(address) >= 2
            ):
                self.check(address[0], address[1], "a datagram to")
            return original(sock, data, *args)

        return sendto

    def _wrap_lookup(
        self, original: Callable[..., Any], addresses: Callable[[Any], Iterable[str]]
    ) -> Callable[..., Any]:
        def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not self._guards:
                return original(host, *args, **kwargs)
            port = args[0] if args else kwargs.get("port")  # getaddrinfo(host, port, ...)
            # Resolving an address is the first step of connecting to it; refusing it here
            # (not at connect) also keeps anyio from wrapping the error in an ExceptionGroup.
            is_address = _is_address(_host_text(host))
            self.check(host, port, "a connection to" if is_address else "a DNS lookup of")
            result = original(host, *args, **kwargs)
            self.resolved(host, addresses(result))
            return result

        return lookup


_SOCKETS = _SocketPatch()
