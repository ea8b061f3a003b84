"""Database engine, sessions and the declarative base shared by every domain's models."""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import Column, DateTime, MetaData, Select, event, make_url, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


Row = Any
"""A result row: a named tuple whose fields are the statement's column labels, read by name
(`row.call_id`) wherever the row goes; the class is made once per compiled statement."""


class Reader(Protocol):
    """Runs a read-only statement on a pooled driver connection, outside any transaction."""

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> list[Row]: ...

    async def close(self) -> None: ...


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite has no time zone support, so values are normalised to naive UTC on the way in.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)
"""Run on every new SQLite connection, the engine's and the hot-path reader's (`driver`)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def insert_for(dialect: str) -> Callable[[Any], Any]:
    """The `insert` of a database (PostgreSQL's or SQLite's), for the `ON CONFLICT` clauses of
    an upsert; both spell `on_conflict_do_update` alike."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def dialect_insert(session: AsyncSession) -> Callable[[Any], Any]:
    """`insert_for` the session's database."""
    return insert_for(session.get_bind().dialect.name)


async def lease(
    session: AsyncSession, due: Select[Any], lease_column: Column[Any], until: int
) -> list[Any]:
    """Set `lease_column` to `until` on the rows `due` selects (by its one column, the rows'
    key), and return their keys: the claim of a job queue, in one statement.

    On PostgreSQL the rows another worker is claiming at that moment are skipped (`FOR UPDATE
    SKIP LOCKED`); SQLite runs one write at a time.
    """
    [key] = due.selected_columns
    table = lease_column.table
    statement = (
        update(table)
        .where(key.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
        .values({lease_column.name: until})
        .returning(key)
    )
    return list((await session.execute(statement)).scalars())


SQLITE_POOL_SIZE = 15
POSTGRES_POOL_SIZE = 20
"""Connections a process keeps open at most, and keeps open once opened.

The same caps as SQLAlchemy's former defaults here (5 + 10 overflow for SQLite, 10 + 10 for
PostgreSQL), but without overflow: an overflow connection is closed as soon as it is given
back, so under sustained concurrency above the base size every few requests opened a new
connection (a new server process on PostgreSQL, a new thread and pragmas on SQLite).
"""

POOL_RECYCLE_SECONDS = 1800
"""A pooled PostgreSQL connection older than this is replaced at its next checkout."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def is_in_memory(url: str) -> bool:
    """Whether the SQLite `url` names no file: each connection then has a database of its own."""
    return make_url(url).database in (None, "", ":memory:")


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite `url` names, as written (a relative path is relative to the current
    directory, as SQLite opens it); None for an in-memory database or another kind."""
    if not is_sqlite(url) or is_in_memory(url):
        return None
    return Path(str(make_url(url).database))


def shown_url(url: str) -> str:
    """`url` as it may be shown: its password hidden, an SQLite path made absolute."""
    parsed = make_url(url)
    file = sqlite_file(url)
    if file is not None:
        parsed = parsed.set(database=str(file.absolute()))
    return parsed.render_as_string(hide_password=True)


def pool_size(url: str) -> int:
    """Connections of each pool of a process: the engine's, and the hot-path reader's."""
    return SQLITE_POOL_SIZE if is_sqlite(url) else POSTGRES_POOL_SIZE


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; SQLite files get WAL mode and a busy timeout."""
    if is_sqlite(url):
        engine = (
            create_async_engine(url, json_deserializer=orjson.loads)
            if is_in_memory(url)
            else create_async_engine(
                url, json_deserializer=orjson.loads, pool_size=pool_size(url), max_overflow=0
            )
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No `pool_pre_ping`: it costs a round trip on every checkout, about 8 % of a request's
    # time on the hot path. A connection the server has dropped (restart, idle timeout,
    # `pg_terminate_backend`) fails the statement that uses it instead; SQLAlchemy recognises
    # the disconnect and invalidates the whole pool, so requests after that one reconnect.
    # `pool_recycle` keeps connections from outliving server-side idle limits.
    return create_async_engine(
        url,
        json_deserializer=orjson.loads,
        pool_size=pool_size(url),
        max_overflow=0,
        pool_recycle=POOL_RECYCLE_SECONDS,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
