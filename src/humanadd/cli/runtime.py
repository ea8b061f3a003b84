"""What every command needs: fresh settings, and a database transaction run to completion."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pydantic
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.accounts.service import AccountError
from humanadd.cli.console import fail
from humanadd.config import Settings
from humanadd.db import create_engine, session_factory

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


def database_failure(error: BaseException) -> str:
    """A one-line description of a database failure, without SQL or a traceback."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot use {error.filename}: {error.strerror}"
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"database error: {first_line} ({DATABASE_HINT})"


def run_in_transaction(settings: Settings, operation: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `operation` in one transaction that commits if it returns and rolls back if it raises.

    Operator mistakes the services detect (unknown account, bad plan or zone) and database
    failures end the command with a one-line message.
    """

    async def in_transaction(sessions: async_sessionmaker[AsyncSession]) -> T:
        async with sessions.begin() as session:
            return await operation(session)

    return run_with_sessions(settings, in_transaction)


def run_with_sessions(
    settings: Settings, operation: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]
) -> T:
    """Run `operation`, which opens its own transactions, with the same handling of mistakes
    and failures as `run_in_transaction`."""

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await operation(session_factory(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except AccountError as error:
        fail(str(error))
    except DATABASE_ERRORS as error:
        fail(database_failure(error))
