"""The per-request hot path's reads, run on the database driver itself.

Every request looks up its API key, and most then read a page of calls or one call. Through
SQLAlchemy's execution layer each of those statements costs several times what the query
itself costs (`docs/benchmarks.md` measures it), so these few reads run here instead: on a
small pool of the driver's own connections (asyncpg's pool on PostgreSQL, a queue of
aiosqlite connections on SQLite), separate from the engine's pool.

The SQL itself still lives in the repositories as SQLAlchemy Core statements: each is compiled
once for the engine's dialect, and its rows go through the same result processors (booleans
and JSON on SQLite, `UTCDateTime`) that SQLAlchemy would apply, so both paths read the same
values. Bound parameters must be plain values (text, integers) needing no bind processing.
Everything that writes, and every other read, goes through SQLAlchemy.
"""

import asyncio
import contextlib
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import aiosqlite
import asyncpg
import orjson
from sqlalchemy import Select, make_url
from sqlalchemy.engine import Dialect

from humanadd.db import POOL_RECYCLE_SECONDS, SQLITE_PRAGMAS, Reader, Row, is_in_memory


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement's SQL for one dialect, the order of its parameters, its row processing."""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The columns that have a result processor, with it."""
    row: Callable[[Iterable[Any]], Row]
    """Makes the statement's named row from its values."""

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(params[name] if name in params else self.defaults[name] for name in self.names)

    def rows(self, raw: Iterable[Iterable[Any]]) -> list[Row]:
        make = self.row
        if not self.processors:
            return [make(values) for values in raw]
        rows = []
        for values in raw:
            row = list(values)
            for index, process in self.processors:
                row[index] = process(row[index])
            rows.append(make(row))
        return rows


@cache
def compile_for(statement: Select[Any], dialect: Dialect) -> Compiled:
    """`statement` compiled for `dialect`, once (statements are built once and reused)."""
    compiled = statement.compile(dialect=dialect)
    processors = tuple(
        (index, process)
        for index, column in enumerate(statement.selected_columns)
        if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
    )
    labels = [str(column.key) for column in statement.selected_columns]
    if len(set(labels)) != len(labels):
        raise ValueError(f"columns of one statement need distinct labels: {labels}")
    return Compiled(
        sql=compiled.string,
        names=tuple(compiled.positiontup or ()),
        defaults=compiled.params,
        processors=processors,
        row=namedtuple("Row", labels)._make,  # type: ignore[attr-defined]
    )


class PostgresReader:
    """asyncpg's own pool; JSON columns are decoded by the connection (as SQLAlchemy's
    asyncpg dialect does), so their result processors are none.

    No ping before use: a statement that meets a connection the server has dropped (a
    restart, `pg_terminate_backend`) is run once more, on a new one. asyncpg's pool replaces
    a closed connection when it is given back.
    """

    RETRYABLE = (
        asyncpg.ConnectionDoesNotExistError,  # closed while the statement ran
        asyncpg.InterfaceError,  # closed before
        asyncpg.AdminShutdownError,  # the server is terminating it right now
        asyncpg.InternalClientError,  # terminated while idle: the protocol is left confused
        OSError,
    )

    def __init__(self, url: str, dialect: Dialect, size: int) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._dialect = dialect
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    @staticmethod
    async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
        """Connections here only run single `SELECT`s outside transactions and change no
        session state, so they are given back as they are: asyncpg's default reset costs a
        round trip (`RESET ALL`, `UNLISTEN *`, ...) on every release."""

    @staticmethod
    async def _decode_json(connection: asyncpg.Connection) -> None:
        for name in ("json", "jsonb"):
            await connection.set_type_codec(
                name, encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog"
            )

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=0,
                    max_size=self._size,
                    init=self._decode_json,
                    reset=self._nothing_to_reset,
                    max_inactive_connection_lifetime=POOL_RECYCLE_SECONDS,
                )
        return self._pool

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> list[Row]:
        compiled = compile_for(statement, self._dialect)
        arguments = compiled.arguments(params)
        pool = self._pool or await self._open()
        for attempt in (1, 2):
            connection = await pool.acquire()
            try:
                raw = await connection.fetch(compiled.sql, *arguments)
            except self.RETRYABLE:
                # A dropped connection means the server dropped them all (a restart, a
                # failover): every idle one is replaced on its next use, so the retry gets a
                # fresh one. This one is never handed out again: its protocol may be
                # mid-operation (asyncpg may have let go of it already).
                await pool.expire_connections()
                with contextlib.suppress(asyncpg.InterfaceError):
                    connection.terminate()
                if attempt == 2:
                    raise
                continue
            finally:
                await pool.release(connection)
            return compiled.rows(raw)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


class SqliteReader:
    """Up to `size` aiosqlite connections in autocommit mode, with the engine's pragmas.

    `execute_fetchall` runs a statement in one hop to the connection's thread, where a cursor
    takes three (execute, fetch, close).
    """

    def __init__(self, url: str, dialect: Dialect, size: int) -> None:
        database = make_url(url).database
        if database is None or is_in_memory(url):
            raise ValueError(
                "the SQLite database must be a file: each connection would see its own "
                "in-memory database"
            )
        self._path = database
        self._dialect = dialect
        self._size = size
        self._opened: list[aiosqlite.Connection] = []
        self._opening = 0
        self._idle: asyncio.LifoQueue[aiosqlite.Connection] = asyncio.LifoQueue()

    async def _acquire(self) -> aiosqlite.Connection:
        if not self._idle.empty() or len(self._opened) + self._opening >= self._size:
            return await self._idle.get()
        self._opening += 1
        try:
            connection = await aiosqlite.connect(self._path, isolation_level=None)
            for pragma in SQLITE_PRAGMAS:
                await connection.execute(pragma)
        finally:
            self._opening -= 1
        self._opened.append(connection)
        return connection

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> list[Row]:
        compiled = compile_for(statement, self._dialect)
        connection = await self._acquire()
        try:
            raw = await connection.execute_fetchall(compiled.sql, compiled.arguments(params))
        finally:
            self._idle.put_nowait(connection)
        return compiled.rows(raw)

    async def close(self) -> None:
        for connection in self._opened:
            await connection.close()
        self._opened.clear()


def create_reader(url: str, dialect: Dialect, size: int) -> Reader:
    """The hot-path reader for the database at `url` (`dialect`: its engine's)."""
    if dialect.name == "postgresql":
        return PostgresReader(url, dialect, size)
    return SqliteReader(url, dialect, size)
