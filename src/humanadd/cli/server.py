"""Serving the ASGI app with uvicorn: shared by `serve` and `demo`."""

from humanadd.config import Settings
from humanadd.logs import configure_logging


def run_server(settings: Settings, host: str, port: int) -> None:
    """Serve the API on host:port until interrupted, logging JSON lines to stderr."""
    import uvicorn

    from humanadd.app import create_app

    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)
