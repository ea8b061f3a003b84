"""What every request handler can ask for: the process's services and a database session."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from humanadd.calls.recordings import RecordingSources
from humanadd.config import Settings
from humanadd.ratelimit import RateLimiter


class ReadOnlySession(AsyncSession):
    """A session that only reads, outside any transaction, and so may repeat a statement.

    A statement that fails because the database dropped the connection (a restart; the pool
    does not ping connections before use, see `db.create_engine`) is run once more, on a new
    connection: SQLAlchemy has by then invalidated the pool. Nothing is lost by repeating
    it, as no transaction was open.
    """

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute(*args, **kwargs)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        await self.close()
        return await super().execute(*args, **kwargs)


@dataclass
class Services:
    """Long-lived objects of one process, built once at start-up."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    rate_limiter: RateLimiter
    recordings: RecordingSources

    @cached_property
    def read_sessions(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for read-only requests, never committed.

        On PostgreSQL their connections run in AUTOCOMMIT: no `BEGIN` and `COMMIT` round trips
        (asyncpg switches the mode without asking the server). SQLite's driver already runs a
        `SELECT` outside any transaction, and switching its isolation level would cost several
        hops to the connection's thread, so there they are plain sessions.
        """
        engine = self.engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        return async_sessionmaker(engine, class_=ReadOnlySession, expire_on_commit=False)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


_READ_ONLY: set[Callable[..., object]] = set()
"""Endpoints that only read (see `read_only`)."""


Endpoint = TypeVar("Endpoint", bound=Callable[..., object])


def read_only(endpoint: Endpoint) -> Endpoint:
    """Marks an endpoint that never writes: its `SessionDep` (and so the API-key look-up, which
    shares it) runs without an explicit transaction, in AUTOCOMMIT.

    Only for endpoints whose queries need no common snapshot: each statement sees committed
    data as of its own start. An endpoint that writes, or that relies on transaction-scoped
    settings (`SET LOCAL`), must not carry it.
    """
    _READ_ONLY.add(endpoint)
    return endpoint


_AFTER_SESSION = "humanadd.after_session"
"""Key in the ASGI scope of the list of work to run once the request's session has ended."""


def after_session(request: Request, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` once the request's session (`SessionDep`) has ended and given its pooled
    connection back, whether the request succeeded or failed.

    For writes that must not be part of the request's transaction. Running them after it
    means a request never holds two pooled connections at once: holding one while waiting for
    another deadlocks as soon as concurrent requests take the whole pool.
    """
    request.scope[_AFTER_SESSION].append(work)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the handler returns and rolls back on error.

    Used with `scope="function"`, so the commit happens before the response is sent: a client
    never sees a success that was not stored. For a `read_only` endpoint, a session in
    AUTOCOMMIT instead: nothing to commit, and two round trips fewer on PostgreSQL. Then runs
    the work left by `after_session`.
    """
    services = get_services(request)
    pending: list[Callable[[], Awaitable[None]]] = []
    request.scope[_AFTER_SESSION] = pending
    try:
        if getattr(request.scope.get("route"), "endpoint", None) in _READ_ONLY:
            async with services.read_sessions() as session:
                yield session
        else:
            async with services.sessions.begin() as session:
                yield session
    finally:
        for work in pending:
            await work()


async def _services(request: Request) -> Services:
    """`get_services` as a coroutine: FastAPI runs a plain-function dependency in a worker
    thread, a thread hop on every request for a dictionary look-up."""
    return get_services(request)


ServicesDep = Annotated[Services, Depends(_services)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
