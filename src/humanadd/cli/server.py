"""Serving the ASGI app with uvicorn: shared by `serve` and `demo`."""

from typing import TYPE_CHECKING

from humanadd.config import Settings
from humanadd.logs import configure_logging

if TYPE_CHECKING:
    from humanadd.app import Background


def run_server(
    settings: Settings, host: str, port: int, background: "Background | None" = None
) -> None:
    """Serve the API on host:port until interrupted, logging JSON lines to stderr; with
    `background` running beside it."""
    import uvicorn

    from humanadd.app import create_app

    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings, background), host=host, port=port, log_config=None, access_log=False
    )
