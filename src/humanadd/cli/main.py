"""The `humanadd` operator command line."""

import asyncio
from typing import Annotated

import typer

from humanadd.cli.accounts import accounts_app
from humanadd.cli.analyze import analyze
from humanadd.cli.calls import calls_app
from humanadd.cli.console import fail
from humanadd.cli.demo import demo
from humanadd.cli.kb import kb_app
from humanadd.cli.keys import keys_app
from humanadd.cli.options import Host, Port, command_group
from humanadd.cli.runtime import (
    DATABASE_ERRORS,
    announce_database,
    database_failure,
    load_settings,
    open_database,
)
from humanadd.cli.server import listen, public_settings, run_server
from humanadd.cli.sync import sync
from humanadd.cli.users import users_app
from humanadd.cli.webhooks import webhooks_app
from humanadd.db import sqlite_file
from humanadd.logs import configure_logging
from humanadd.migrations import upgrade
from humanadd.worker import run as run_worker

app = command_group(
    "Operate humanadd: the database, the API server and dashboard, the worker, accounts, "
    "keys, calls, webhooks, knowledge bases, dashboard users and the demo.\n\n"
    "Settings come from HUMANADD_* environment variables (see the README). "
    "HUMANADD_DATABASE_URL names the database every command works on "
    "(default: the SQLite file var/humanadd.sqlite3 in the current directory).",
    name="humanadd",
    pretty_exceptions_enable=False,
)
db_app = command_group("Create and migrate the database schema.")
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(calls_app, name="calls")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(kb_app, name="kb")
app.add_typer(users_app, name="users")
app.command("demo")(demo)
app.command("sync")(sync)
app.command("analyze")(analyze)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date.

    Applies every pending migration to the database at HUMANADD_DATABASE_URL, creating its
    tables on the first run (and the file, for SQLite: it says so). Safe to run again; run it
    before `humanadd serve` after installing a new version. It and `humanadd demo` are the only
    commands that create a database; the others refuse to work without one.
    """
    settings = load_settings()
    announce_database(settings)
    try:
        created = upgrade(settings.database_url)
    except DATABASE_ERRORS as error:
        fail(database_failure(error))
    file = sqlite_file(settings.database_url)
    if created and file is not None:
        typer.echo(f"created a new database at {file.absolute()}")
    typer.echo("database is up to date")


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the public API and the dashboard until interrupted.

    Run `humanadd db upgrade` first. Logs are JSON lines on stderr. Several `serve` processes
    can share one database; set HUMANADD_REDIS_URL so that they also share each key's rate
    limit. A busy port ends it at once.
    """
    with listen(host, port, another="`humanadd serve --port {port}`") as listener:
        settings = public_settings(load_settings(), host, port)
        open_database(settings)
        run_server(settings, listener)


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run every job once, then exit (for cron or a check).")
    ] = False,
) -> None:
    """Run the background jobs until interrupted.

    It analyses each ended call once its provider's analysis is in (or
    HUMANADD_WEBHOOK_ANALYSIS_TIMEOUT_SECONDS after it ended without it), filling what the
    provider left empty and grouping the caller's questions into topics, then writes its
    call_ended webhook; the first start in a data directory first builds the question model
    (about half a minute). It sends the accounts' webhooks as they fall due (retrying failed
    ones on their schedule);
    every second it reviews queued knowledge-base changes and pushes each account's newest
    approved version to its provider (retrying failed pushes with backoff); and every
    HUMANADD_SYNC_INTERVAL_SECONDS syncs each Retell-backed account's calls of the
    last day with Retell's call list (as `humanadd sync` does), so a lost webhook never loses
    a call. Logs are JSON lines on stderr. Several workers can share one database.
    """
    settings = load_settings()
    open_database(settings)
    configure_logging(settings.log_level)
    try:
        asyncio.run(run_worker(settings, once=once))
    except KeyboardInterrupt:
        pass
    except DATABASE_ERRORS as error:
        fail(database_failure(error))
