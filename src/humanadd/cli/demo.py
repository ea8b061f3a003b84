"""`humanadd demo`: a ready-to-try server with an Enterprise account and seeded calls."""

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.cli.console import fail
from humanadd.cli.options import Host, Port
from humanadd.cli.runtime import (
    DATABASE_ERRORS,
    database_failure,
    load_settings,
    run_in_transaction,
)
from humanadd.cli.server import run_server
from humanadd.demo.instructions import banner
from humanadd.demo.service import DemoAccess, prepare
from humanadd.migrations import upgrade


def demo(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Seed a demo account and serve the API with it.

    Brings the database at HUMANADD_DATABASE_URL (default: the SQLite file var/humanadd.sqlite3)
    up to date. The first run creates an Enterprise demo account; later runs reuse it and
    rotate its key, since only key hashes are stored. Either way about 500 calls over the last
    60 days are (re)seeded, with WAV recordings under HUMANADD_DATA_DIR, and the key and curl
    commands to try are printed before the server starts.
    """
    settings = load_settings()
    try:
        upgrade(settings.database_url)
    except DATABASE_ERRORS as error:
        fail(database_failure(error))

    async def operation(session: AsyncSession) -> DemoAccess:
        return await prepare(session, settings)

    access = run_in_transaction(settings, operation)
    typer.echo(banner(access, host, port))
    run_server(settings, host, port)
