"""The `humanadd` operator command line."""

import typer

from humanadd.cli.accounts import accounts_app
from humanadd.cli.calls import calls_app
from humanadd.cli.console import fail
from humanadd.cli.demo import demo
from humanadd.cli.keys import keys_app
from humanadd.cli.options import Host, Port
from humanadd.cli.runtime import DATABASE_ERRORS, database_failure, load_settings
from humanadd.cli.server import run_server
from humanadd.migrations import upgrade

app = typer.Typer(
    name="humanadd",
    help="Operate humanadd: the database, the API server, accounts, keys, calls and the demo.\n\n"
    "Configuration comes from HUMANADD_* environment variables (see the README); "
    "HUMANADD_DATABASE_URL picks the database.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Manage the database schema.", no_args_is_help=True, rich_markup_mode="markdown"
)
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(calls_app, name="calls")
app.command("demo")(demo)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to HUMANADD_DATABASE_URL (safe to run repeatedly)."""
    settings = load_settings()
    try:
        upgrade(settings.database_url)
    except DATABASE_ERRORS as error:
        fail(database_failure(error))
    typer.echo("database is up to date")


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the public API (run `humanadd db upgrade` first)."""
    run_server(load_settings(), host, port)
