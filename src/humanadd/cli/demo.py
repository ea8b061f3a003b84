"""`humanadd demo`: a ready-to-try server with an Enterprise account and seeded calls."""

import asyncio

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.cli.console import fail
from humanadd.cli.options import Host, Port
from humanadd.cli.runtime import (
    DATABASE_ERRORS,
    database_failure,
    load_embedder,
    load_settings,
    run_in_transaction,
)
from humanadd.cli.server import listen, public_settings, run_server
from humanadd.demo.instructions import banner
from humanadd.demo.player import SimulatedProvider
from humanadd.demo.service import DEMO_AGENT, LIVE_CALL_EVERY_SECONDS, DemoAccess, prepare
from humanadd.dependencies import Services
from humanadd.migrations import upgrade
from humanadd.worker import run_jobs

MAKE_RUN_HINT = "`make run PORT={port}` or `humanadd demo --port {port}`"


def demo(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Seed a demo account and serve the API with it.

    It takes the port first: when that is busy it stops, having changed nothing. Then it
    brings the database at HUMANADD_DATABASE_URL (default: the SQLite file
    var/humanadd.sqlite3 in the current directory) up to date, creating it if need be. The
    first run creates an Enterprise demo account; later runs reuse it and rotate its key,
    since only key hashes are stored. Either way about 500 calls over the last 60 days are
    (re)seeded, with recordings made on request as long as each call, analysed as `calls
    import` analyses calls (the first run builds the question model first, about half a
    minute), and the key and curl commands to try are printed before the server starts.
    While it serves, the simulated provider plays new calls live: one starts about every 30
    seconds, then ends and is analysed, each step an event through the same ingest path as
    Retell's webhooks. The worker's jobs run in the same process: our analysis fills what the
    simulated provider leaves out (tags, booked), webhooks are delivered, and knowledge-base
    changes are reviewed and pushed to the simulated receptionist, whose new calls answer from
    them. Unless HUMANADD_PUBLIC_URL is set, the URLs it sends (a webhook's recording_url)
    start with the address it serves on.
    """
    with listen(host, port, another=MAKE_RUN_HINT) as listener:
        settings = public_settings(load_settings(), host, port)
        try:
            upgrade(settings.database_url)
        except DATABASE_ERRORS as error:
            fail(database_failure(error))

        embedder = load_embedder(settings)

        async def operation(session: AsyncSession) -> DemoAccess:
            return await prepare(session, embedder)

        access = run_in_transaction(settings, operation)
        typer.echo(banner(access, host, port))
        provider = SimulatedProvider(DEMO_AGENT)

        async def background(services: Services) -> None:
            await asyncio.gather(
                provider.play(
                    services.sessions,
                    every_seconds=LIVE_CALL_EVERY_SECONDS,
                    analysis_timeout_ms=settings.analysis_timeout_ms,
                ),
                run_jobs(settings, services.sessions, embedder=embedder),
            )

        run_server(settings, listener, background=background)
