"""Serving the ASGI app with uvicorn: shared by `serve` and `demo`."""

import contextlib
import errno
import gc
import socket
from typing import TYPE_CHECKING

from humanadd.cli.console import fail
from humanadd.config import Settings
from humanadd.demo.instructions import base_url
from humanadd.logs import configure_logging

if TYPE_CHECKING:
    from humanadd.app import Background


def listen(host: str, port: int, *, another: str) -> socket.socket:
    """A socket listening on host:port, bound before the command changes anything.

    If the port is taken (or the address unusable) the command ends with one line; `another`
    tells how to choose another port, `{port}` standing for a suggestion. Bound here, the
    port cannot be lost later, when uvicorn would bind it after the app (and the demo's
    background work) had started.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            suggestion = port + 1 if port < 65535 else 8000
            fail(
                f"port {port} on {host} is busy (another program listens there): pick another "
                f"with {another.format(port=suggestion)}"
            )
        fail(f"cannot listen on {host} port {port}: {error.strerror or error}")


def public_settings(settings: Settings, host: str, port: int) -> Settings:
    """`settings` whose public URL is the address served on, unless HUMANADD_PUBLIC_URL is set."""
    if "public_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"public_url": base_url(host, port)})


def run_server(
    settings: Settings, listener: socket.socket, background: "Background | None" = None
) -> None:
    """Serve the API on `listener` until interrupted, logging JSON lines to stderr; with
    `background` running beside it."""
    import uvicorn

    from humanadd.app import create_app

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            # uvicorn announces the address only for sockets it binds itself.
            if self.started and sockets:
                self._log_started_message(sockets)

    configure_logging(settings.log_level)
    app = create_app(settings, background)
    # Everything imported and built so far (about 350,000 objects: FastAPI, pydantic,
    # SQLAlchemy) lives as long as the process. Left in the collector's view, each full
    # collection walks them all: a pause of about 100 ms every few seconds under load.
    gc.collect()
    gc.freeze()
    host, port = listener.getsockname()[:2]
    server = Server(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False))
    # uvicorn raises the Ctrl+C it caught again once it has shut down.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listener])
