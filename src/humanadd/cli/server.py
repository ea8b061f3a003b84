"""Serving the ASGI app with uvicorn: shared by `serve` and `demo`."""

import gc
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
    app = create_app(settings, background)
    # Everything imported and built so far (about 350,000 objects: FastAPI, pydantic,
    # SQLAlchemy) lives as long as the process. Left in the collector's view, each full
    # collection walks them all: a pause of about 100 ms every few seconds under load.
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
