"""Build (or reuse) the benchmark database on SQLite or PostgreSQL.

Accounts and keys are created with the real services, so authentication in the benchmark is
the real thing; calls, tags and questions are bulk-loaded (COPY on PostgreSQL, `executemany`
in large transactions on SQLite) into the schema the migrations made. A database that already
holds the expected data is reused; a new API key is issued for the largest account on every
run (the key is never written to disk).
"""

import asyncio
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.generate import (
    CALL_COLUMNS,
    LARGEST_NAME,
    QUESTION_COLUMNS,
    TAG_COLUMNS,
    AccountSpec,
    Generator,
    Shape,
    account_specs,
)
from humanadd.accounts import service as accounts
from humanadd.clock import now_ms
from humanadd.db import create_engine, is_sqlite, session_factory
from humanadd.keys import service as keys
from humanadd.migrations import upgrade

BATCH = 50_000
WINDOW_DAYS = 30
ACTOR = "bench"


@dataclass(frozen=True)
class Dataset:
    """A ready database and what the load generator needs to hit the largest account."""

    database_url: str
    account_id: str
    api_key: str
    detail_call_id: str
    calls: int
    accounts: int
    largest_calls: int
    largest_in_window: int
    generated_seconds: float | None
    """How long generation took, or None when a cached database was reused."""


@dataclass(frozen=True)
class _Found:
    account_id: str | None
    calls: int
    accounts: int
    largest_calls: int
    largest_in_window: int


async def _inspect(url: str) -> _Found:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            account_id = (
                await connection.execute(
                    text("SELECT id FROM accounts WHERE name = :name"), {"name": LARGEST_NAME}
                )
            ).scalar()
            calls = (await connection.execute(text("SELECT count(*) FROM calls"))).scalar_one()
            accounts_count = (
                await connection.execute(text("SELECT count(*) FROM accounts"))
            ).scalar_one()
            largest = in_window = 0
            if account_id is not None:
                since = now_ms() - WINDOW_DAYS * 86_400_000
                largest, in_window = (
                    await connection.execute(
                        text(
                            "SELECT count(*), coalesce(sum(CASE WHEN started_at > :since "
                            "THEN 1 ELSE 0 END), 0) FROM calls WHERE account_id = :account"
                        ),
                        {"since": since, "account": account_id},
                    )
                ).one()
    finally:
        await engine.dispose()
    return _Found(account_id, int(calls), int(accounts_count), int(largest), int(in_window))


def _usable(found: _Found, shape: Shape) -> bool:
    return (
        found.account_id is not None
        and found.calls == shape.calls
        and found.accounts == shape.accounts
        and found.largest_calls == shape.largest
        and found.largest_in_window >= 0.99 * shape.largest
    )


async def _create_accounts(url: str, specs: list[AccountSpec]) -> list[str]:
    """Accounts and their first keys through the real service; their ids, in `specs` order."""
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            ids = []
            for spec in specs:
                account, _key = await accounts.create(
                    session, name=spec.name, plan=spec.plan, timezone=spec.timezone, actor=ACTOR
                )
                ids.append(account.id)
    finally:
        await engine.dispose()
    return ids


async def _issue_key(url: str, account_id: str, offset: int) -> tuple[str, str]:
    """A fresh key for the account (rotation, as an operator would) and a call to fetch."""
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            key = await keys.rotate(session, account_id, actor=ACTOR)
            call_id = (
                await session.execute(
                    text(
                        "SELECT call_id FROM calls WHERE account_id = :account AND transcript "
                        "IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET :offset"
                    ),
                    {"account": account_id, "offset": offset},
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    return key, str(call_id)


def _sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


def _remove_sqlite(url: str) -> None:
    path = _sqlite_path(url)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _load_sqlite(url: str, specs: list[AccountSpec], account_ids: list[str]) -> None:
    connection = sqlite3.connect(_sqlite_path(url), isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-524288")
        created = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        generator = Generator(now_ms(), created)
        insert_calls = _insert_sql("calls", CALL_COLUMNS)
        insert_tags = _insert_sql("call_tags", TAG_COLUMNS)
        insert_questions = _insert_sql("call_questions", QUESTION_COLUMNS)
        pending = 0
        connection.execute("BEGIN")
        for spec, account_id in zip(specs, account_ids, strict=True):
            for rows in generator.rows(account_id, spec, BATCH):
                connection.executemany(insert_calls, rows.calls)
                connection.executemany(insert_tags, rows.tags)
                connection.executemany(insert_questions, rows.questions)
                pending += len(rows.calls)
                if pending >= 250_000:
                    connection.execute("COMMIT")
                    connection.execute("BEGIN")
                    pending = 0
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _dsn(url: str, database: str | None = None) -> str:
    """An asyncpg connection string for a SQLAlchemy URL (or for another database on it)."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _recreate_postgres(url: str) -> None:
    name = make_url(url).database
    admin = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


class DatabaseUnavailable(RuntimeError):
    """The benchmark database's server cannot be reached."""


async def _postgres_exists(url: str) -> bool:
    try:
        admin = await asyncpg.connect(_dsn(url, "postgres"), timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        shown = make_url(url).render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot reach PostgreSQL at {shown}: {error}") from None
    try:
        found = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", make_url(url).database
        )
    finally:
        await admin.close()
    return found is not None


async def _load_postgres(url: str, specs: list[AccountSpec], account_ids: list[str]) -> None:
    connection = await asyncpg.connect(_dsn(url))
    try:
        generator = Generator(now_ms(), datetime.now(UTC).replace(tzinfo=None))
        for spec, account_id in zip(specs, account_ids, strict=True):
            for rows in generator.rows(account_id, spec, BATCH):
                await connection.copy_records_to_table(
                    "calls", records=rows.calls, columns=CALL_COLUMNS
                )
                await connection.copy_records_to_table(
                    "call_tags", records=rows.tags, columns=TAG_COLUMNS
                )
                await connection.copy_records_to_table(
                    "call_questions", records=rows.questions, columns=QUESTION_COLUMNS
                )
        for table in ("calls", "call_questions"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await connection.execute("VACUUM ANALYZE calls, call_tags, call_questions")
    finally:
        await connection.close()


def prepare(url: str, shape: Shape, *, regenerate: bool) -> Dataset:
    """The database at `url` holding `shape`'s data, generated unless a usable copy exists."""
    sqlite = is_sqlite(url)
    if sqlite:
        if regenerate:
            _remove_sqlite(url)
    elif not asyncio.run(_postgres_exists(url)) or regenerate:
        asyncio.run(_recreate_postgres(url))
    upgrade(url)
    found = asyncio.run(_inspect(url))
    generated_seconds = None
    if not _usable(found, shape):
        if found.account_id is not None or found.calls:
            print("  the cached data does not match the requested size or is stale: rebuilding")
            if sqlite:
                _remove_sqlite(url)
            else:
                asyncio.run(_recreate_postgres(url))
            upgrade(url)
        started = time.perf_counter()
        specs = account_specs(shape)
        account_ids = asyncio.run(_create_accounts(url, specs))
        if sqlite:
            _load_sqlite(url, specs, account_ids)
        else:
            asyncio.run(_load_postgres(url, specs, account_ids))
        generated_seconds = time.perf_counter() - started
        found = asyncio.run(_inspect(url))
        print(f"  generated {found.calls:,} calls in {generated_seconds:.1f} s")
    else:
        print(f"  reusing {found.calls:,} calls already in the database (--regenerate to rebuild)")
    assert found.account_id is not None
    key, detail_call_id = asyncio.run(
        _issue_key(url, found.account_id, min(1000, found.largest_calls // 2))
    )
    return Dataset(
        database_url=url,
        account_id=found.account_id,
        api_key=key,
        detail_call_id=detail_call_id,
        calls=found.calls,
        accounts=found.accounts,
        largest_calls=found.largest_calls,
        largest_in_window=found.largest_in_window,
        generated_seconds=generated_seconds,
    )


async def _postgres_version(url: str) -> str:
    connection = await asyncpg.connect(_dsn(url))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def postgres_version(url: str) -> str:
    return "PostgreSQL " + asyncio.run(_postgres_version(url))
