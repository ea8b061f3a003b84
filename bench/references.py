"""The reference servers the real API is measured against.

- `bare`: a framework-free ASGI app that answers every request with a precomputed body of the
  same bytes as the real response: the most this HTTP stack (uvicorn + uvloop + httptools) can
  serve, with no application work at all.
- `handwritten`: the least an application can do for the same answers: Starlette routing, the
  database driver itself (asyncpg or aiosqlite, no SQLAlchemy) with a small connection pool,
  one query per request (the same keyset query for the list, the same look-up for the detail)
  and orjson; no authentication, no rate limiting, no logging.
- `handwritten-sqlalchemy`: the same endpoint reaching the same drivers through the app's
  own SQLAlchemy engine set-up (Core text queries, no ORM), to separate what the SQLAlchemy
  async layer costs from what the framework, auth and serialisation cost.

All are served by `uvicorn.run` with the same arguments as `humanadd serve`:
`python -m bench.references bare|handwritten|handwritten-sqlalchemy …`.
"""

import argparse
import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import orjson
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from humanadd import db
from humanadd.db import create_engine

SUMMARY_SQL = (
    "SELECT call_id, direction, from_number, to_number, started_at, duration_seconds, "
    "status, sentiment, summary, tags, booked FROM calls"
)
LIST_SQL = SUMMARY_SQL + " WHERE account_id = {0} ORDER BY started_at DESC, call_id DESC LIMIT {1}"
DETAIL_SQL = (
    "SELECT call_id, direction, from_number, to_number, started_at, duration_seconds, "
    "status, sentiment, summary, tags, booked, ended_at, disconnection_reason, transcript, "
    "transcript_object, recording_ref FROM calls WHERE account_id = {0} AND call_id = {1}"
)
# As many connections as the real app's pools keep (`humanadd.db`).
SQLITE_POOL_SIZE = db.SQLITE_POOL_SIZE
POSTGRES_POOL_SIZE = db.POSTGRES_POOL_SIZE

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Fetch = Callable[[str, tuple[Any, ...]], Awaitable[list[Any]]]


def bare_app(bodies: dict[str, bytes]) -> ASGIApp:
    """Answers `…/calls` with bodies["list"], `…/stats` with bodies["stats"], else the detail."""
    prepared = {
        kind: (
            [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
            body,
        )
        for kind, body in bodies.items()
    }

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path: str = scope["path"]
        kind = (
            "list" if path.endswith("/calls") else "stats" if path.endswith("/stats") else "detail"
        )
        headers, body = prepared[kind]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def bare_fastapi_app(bodies: dict[str, bytes]) -> FastAPI:
    """FastAPI itself with nothing to do: the same three routes as the real app, each
    answering the bytes the real app returned (no database, auth, middleware or logging), with
    the real app's FastAPI settings. The least any FastAPI route here can cost."""
    app = FastAPI(
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )

    def answer(kind: str) -> Response:
        return Response(bodies[kind], media_type="application/json")

    @app.get("/api/v1/calls")
    async def list_calls() -> Response:
        return answer("list")

    @app.get("/api/v1/calls/{call_id}")
    async def get_call(call_id: str) -> Response:
        return answer("detail")

    @app.get("/api/v1/stats")
    async def get_stats() -> Response:
        return answer("stats")

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    return app


def _iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def _json(value: Any) -> Any:
    """A JSON column's value: decoded already (asyncpg's codec) or JSON text (SQLite)."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _summary(row: Any) -> dict[str, Any]:
    return {
        "call_id": row[0],
        "direction": row[1],
        "from_number": row[2],
        "to_number": row[3],
        "started_at": _iso(row[4]),
        "duration_seconds": row[5],
        "status": row[6],
        "sentiment": row[7],
        "summary": row[8],
        "tags": _json(row[9]),
        "booked": bool(row[10]),
    }


def handwritten_app(database_url: str, account_id: str, access: str = "driver") -> Starlette:
    """`access` is "driver" (asyncpg or aiosqlite used directly) or "sqlalchemy" (the same
    drivers through the app's own SQLAlchemy engine set-up, Core text queries only)."""
    sqlite = database_url.startswith("sqlite")
    placeholders = {"sqlalchemy": (":p0", ":p1"), "sqlite": ("?", "?"), "postgres": ("$1", "$2")}
    marks = placeholders[access if access == "sqlalchemy" else "sqlite" if sqlite else "postgres"]
    list_sql = LIST_SQL.format(*marks)
    detail_sql = DETAIL_SQL.format(*marks)
    fetch: Fetch

    async def list_calls(request: Request) -> Response:
        limit = int(request.query_params.get("limit", 50))
        rows = await fetch(list_sql, (account_id, limit + 1))
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if has_more:
            position = {"t": rows[-1][4], "c": rows[-1][0], "a": False, "f": {}}
            next_cursor = base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")
        body = {
            "ok": True,
            "count": len(rows),
            "calls": [_summary(row) for row in rows],
            "has_more": has_more,
            "next_cursor": next_cursor,
        }
        return Response(orjson.dumps(body), media_type="application/json")

    async def get_call(request: Request) -> Response:
        call_id = request.path_params["call_id"]
        rows = await fetch(detail_sql, (account_id, call_id))
        if not rows:
            return Response(b'{"ok":false,"error":"not_found"}', 404, media_type="application/json")
        row = rows[0]
        call = _summary(row)
        call["ended_at"] = None if row[11] is None else _iso(row[11])
        call["disconnection_reason"] = row[12]
        call["transcript"] = row[13]
        call["transcript_object"] = None if row[14] is None else _json(row[14])
        call["recording_url"] = f"/api/v1/calls/{call_id}/recording" if row[15] else None
        return Response(orjson.dumps({"ok": True, "call": call}), media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        nonlocal fetch
        if access == "sqlalchemy":
            async with _sqlalchemy_pool(database_url) as fetch:
                yield
        elif sqlite:
            async with _sqlite_pool(database_url) as fetch:
                yield
        else:
            async with _postgres_pool(database_url) as fetch:
                yield

    return Starlette(
        routes=[
            Route("/api/v1/calls", list_calls),
            Route("/api/v1/calls/{call_id}", get_call),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )


@asynccontextmanager
async def _sqlite_pool(database_url: str) -> AsyncIterator[Fetch]:
    path = database_url.split(":///", 1)[1]
    idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
    opened = [await aiosqlite.connect(path) for _ in range(SQLITE_POOL_SIZE)]
    for connection in opened:
        await connection.execute("PRAGMA journal_mode=WAL")
        idle.put_nowait(connection)

    async def fetch(sql: str, args: tuple[Any, ...]) -> list[Any]:
        connection = await idle.get()
        try:
            async with connection.execute(sql, args) as cursor:
                return list(await cursor.fetchall())
        finally:
            idle.put_nowait(connection)

    try:
        yield fetch
    finally:
        for connection in opened:
            await connection.close()


@asynccontextmanager
async def _postgres_pool(database_url: str) -> AsyncIterator[Fetch]:
    async def init(connection: asyncpg.Connection) -> None:
        await connection.set_type_codec(
            "jsonb", encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog"
        )

    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    pool = await asyncpg.create_pool(
        dsn, min_size=POSTGRES_POOL_SIZE, max_size=POSTGRES_POOL_SIZE, init=init
    )

    async def fetch(sql: str, args: tuple[Any, ...]) -> list[Any]:
        return list(await pool.fetch(sql, *args))

    try:
        yield fetch
    finally:
        await pool.close()


@asynccontextmanager
async def _sqlalchemy_pool(database_url: str) -> AsyncIterator[Fetch]:
    engine = create_engine(database_url)

    async def fetch(sql: str, args: tuple[Any, ...]) -> list[Any]:
        statement = text(sql)
        params = {f"p{index}": value for index, value in enumerate(args)}
        async with engine.connect() as connection:
            return list((await connection.execute(statement, params)).all())

    try:
        yield fetch
    finally:
        await engine.dispose()


def serve(app: Any, port: int) -> None:
    """Exactly how `humanadd serve` runs the real app."""
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.references", description=__doc__)
    parser.add_argument(
        "kind", choices=("bare", "bare-fastapi", "handwritten", "handwritten-sqlalchemy")
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", help="handwritten: the database to read")
    parser.add_argument("--account", help="handwritten: the account whose calls to serve")
    parser.add_argument(
        "--bodies", type=Path, help="bare, bare-fastapi: a folder with list/detail/stats.json"
    )
    args = parser.parse_args()
    if args.kind.startswith("bare"):
        bodies = {path.stem: path.read_bytes() for path in args.bodies.glob("*.json")}
        serve(bare_app(bodies) if args.kind == "bare" else bare_fastapi_app(bodies), args.port)
    else:
        access = "sqlalchemy" if args.kind == "handwritten-sqlalchemy" else "driver"
        serve(handwritten_app(args.database_url, args.account, access), args.port)


if __name__ == "__main__":
    main()
