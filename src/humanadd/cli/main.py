"""The `humanadd` operator command line."""

import typer

from humanadd.config import get_settings
from humanadd.logs import configure_logging
from humanadd.migrations import upgrade

app = typer.Typer(
    name="humanadd",
    help="Operate humanadd: the database, the API server, accounts, keys, calls and the demo.\n\n"
    "Configuration comes from HUMANADD_* environment variables (see the README).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to HUMANADD_DATABASE_URL (safe to run repeatedly)."""
    settings = get_settings()
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve the public API (run `humanadd db upgrade` first)."""
    import uvicorn

    from humanadd.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)
