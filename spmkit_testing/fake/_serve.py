"""Serve a :class:`FakeShopimind` over real HTTP with uvicorn (``spmkit serve``).

:func:`serve` runs until SIGINT/SIGTERM (or ``stop`` is set) and calls ``ready`` with
the base URL once the server accepts connections. :func:`serve_in_thread` runs one in
a background thread, for tests that need a real socket (port 0 picks a free port).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spmkit_testing.fake._fake import FakeShopimind

__all__ = ["serve", "serve_in_thread"]


_HOST_FIX = "use 127.0.0.1 (loopback, the default) or 0.0.0.0 (every interface)."


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or an ``OSError`` whose message gives the fix."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise OSError(
            f"port {port!r} is not a TCP port: use a whole number from 0 to 65535 "
            f"(0 picks a free one)."
        )
    if not isinstance(host, str) or not host.strip():
        raise OSError(f"--host is empty: {_HOST_FIX}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it every answer (status line and body go
    # out in two writes) waits ~40 ms for the client's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except (OSError, ValueError, UnicodeError) as exc:  # ValueError: a NUL in the host
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        if isinstance(exc, socket.gaierror | ValueError | UnicodeError):
            raise OSError(
                f"Cannot listen on {host!r}: it is not an address or a name of this machine "
                f"({reason}); {_HOST_FIX}"
            ) from exc
        if exc.errno == errno.EADDRNOTAVAIL:
            raise OSError(
                f"Cannot listen on {host} ({reason}): no interface of this machine has that "
                f"address; {_HOST_FIX}"
            ) from exc
        raise OSError(
            f"Cannot listen on {host}:{port} ({reason}); pick another --port, "
            f"or --port 0 for a free one."
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _make_server(fake: FakeShopimind) -> Any:
    import uvicorn

    class _Server(uvicorn.Server):
        # We install our own handlers: uvicorn's re-raise the signal after shutdown,
        # which would turn a clean Ctrl-C into a KeyboardInterrupt or a SIGTERM death.
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    config = uvicorn.Config(fake.asgi_app(), log_level="warning", lifespan="off", access_log=False)
    return _Server(config)


async def serve(
    fake: FakeShopimind,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    handle_signals: bool = True,
) -> None:
    """Serve ``fake`` on ``host:port`` until a signal or ``stop``; ``ready(base_url)``."""
    # The server first: without uvicorn (the serve extra) no socket is left open.
    server = _make_server(fake)
    sock = _bind(host, port)
    real_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    loop = asyncio.get_running_loop()
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, setattr, server, "should_exit", True)

    async def watch() -> None:
        while not server.started and not server.should_exit:
            await asyncio.sleep(0.01)
        if server.started and ready is not None:
            ready(f"http://{shown}:{real_port}")
        while stop is not None and not server.should_exit:
            if stop.is_set():
                server.should_exit = True
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    try:
        await server.serve(sockets=[sock])
    finally:
        watcher.cancel()
        sock.close()
        if handle_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


@contextlib.contextmanager
def serve_in_thread(
    fake: FakeShopimind, host: str = "127.0.0.1", port: int = 0, *, timeout: float = 10.0
) -> Iterator[str]:
    """Run a real server for ``fake`` in a thread; yield its base URL, stop on exit.

    For example::

        with serve_in_thread(fake) as base_url:
            httpx.get(f"{base_url}/v1/data-sources", headers={"spm-api-key": fake.api_key})
    """
    started = threading.Event()
    stop = threading.Event()
    found: list[str] = []
    errors: list[BaseException] = []

    def on_ready(url: str) -> None:
        found.append(url)
        started.set()

    def run() -> None:
        try:
            asyncio.run(serve(fake, host, port, ready=on_ready, stop=stop, handle_signals=False))
        except BaseException as exc:  # reported to the caller below
            errors.append(exc)
            started.set()

    thread = threading.Thread(target=run, name="spmkit-fake-server", daemon=True)
    thread.start()
    if not started.wait(timeout) or errors:
        stop.set()
        thread.join(timeout)
        raise RuntimeError(
            f"The fake API server did not start within {timeout} s on {host}:{port}: "
            f"{errors[0] if errors else 'no answer'}."
        ) from (errors[0] if errors else None)
    try:
        yield found[0]
    finally:
        stop.set()
        thread.join(timeout)
