"""What every command needs: fresh settings, the database named and checked, and a database
transaction run to completion."""

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pydantic
import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.analytics.embedding import Embedder, table_path
from humanadd.cli.console import fail
from humanadd.config import Settings
from humanadd.db import create_engine, session_factory, shown_url, sqlite_file
from humanadd.errors import DomainError

T = TypeVar("T")

DATABASE_HINT = "check HUMANADD_DATABASE_URL and run `humanadd db upgrade`"
DATABASE_ERRORS = (SQLAlchemyError, OSError, ImportError)
"""What a wrong, unreachable or unmigrated database raises (ImportError: a driver that is not
installed, as for a `mysql://` URL)."""


def load_settings() -> Settings:
    """Settings read from the environment now (each invocation sees its own environment)."""
    try:
        return Settings()
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"HUMANADD_{'_'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors()
        )
        fail(f"invalid configuration: {problems}")


def load_embedder(settings: Settings) -> Embedder:
    """The analysis's question embedder; the first time in a data directory, its table is
    built first (about half a minute), which stderr says."""
    if not table_path(settings.models_dir).exists():
        typer.echo(
            "building the question model once, about half a minute "
            f"(kept in {settings.models_dir})",
            err=True,
        )
    return Embedder(settings.models_dir)


def database_label(url: str) -> str:
    """The database as the operator's notice names it: `sqlite var/humanadd.sqlite3 (relative
    to /srv/humanadd)`, or the URL with its password hidden."""
    file = sqlite_file(url)
    if file is None:
        return shown_url(url)
    if file.is_absolute():
        return f"sqlite {file}"
    return f"sqlite {file} (relative to {Path.cwd()})"


def announce_database(settings: Settings) -> None:
    """Name the database on stderr when that is a terminal (scripts' stderr stays quiet)."""
    if sys.stderr.isatty():
        typer.echo(f"using {database_label(settings.database_url)}", err=True)


def open_database(settings: Settings) -> None:
    """Announce the database, and end the command if its SQLite file does not exist.

    Connecting would create an empty file: only `db upgrade` and `demo` make a new database.
    """
    announce_database(settings)
    file = sqlite_file(settings.database_url)
    if file is None or file.exists():
        return
    if file.is_absolute():
        fail(
            f"no database at {file}: check HUMANADD_DATABASE_URL, or create a new one with "
            "`humanadd db upgrade`"
        )
    fail(
        f"no database at {file.absolute()} ({file} is relative to the current directory): run "
        "the command where the database was created, set HUMANADD_DATABASE_URL to its absolute "
        "path, or create a new one here with `humanadd db upgrade`"
    )


def database_failure(error: BaseException) -> str:
    """A one-line description of a database failure, without SQL or a traceback."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot use {error.filename}: {error.strerror}"
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"database error: {first_line} ({DATABASE_HINT})"


def run_in_transaction(settings: Settings, operation: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `operation` in one transaction that commits if it returns and rolls back if it raises.

    What the services refuse (a `DomainError`: unknown account, bad plan or zone…) and database
    failures end the command with a one-line message.
    """

    async def in_transaction(sessions: async_sessionmaker[AsyncSession]) -> T:
        async with sessions.begin() as session:
            return await operation(session)

    return run_with_sessions(settings, in_transaction)


def run_with_sessions(
    settings: Settings, operation: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]
) -> T:
    """Run `operation`, which opens its own transactions, on the database `open_database`
    names and checks, with the same handling of mistakes and failures as
    `run_in_transaction`."""

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await operation(session_factory(engine))
        finally:
            await engine.dispose()

    try:
        open_database(settings)
        return asyncio.run(main())
    except DomainError as error:
        fail(str(error))
    except DATABASE_ERRORS as error:
        fail(database_failure(error))
