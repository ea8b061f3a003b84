"""What every request handler can ask for: the process's services and a database session."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from humanadd.config import Settings
from humanadd.cursors.codec import CursorCodec
from humanadd.db import Reader
from humanadd.ratelimit import RateLimiter
from humanadd.recordings import RecordingSources


@dataclass
class Services:
    """Long-lived objects of one process, built once at start-up."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    reader: Reader
    """The hot path's reads (API keys, calls), on the driver's own connections."""
    rate_limiter: RateLimiter
    recordings: RecordingSources
    cursors: CursorCodec
    """Seals and opens every list's pagination cursors."""


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the handler returns and rolls back on error.

    Used with `scope="function"`, so the commit happens before the response is sent: a client
    never sees a success that was not stored.
    """
    async with get_services(request).sessions.begin() as session:
        yield session


async def _services(request: Request) -> Services:
    """`get_services` as a coroutine: FastAPI runs a plain-function dependency in a worker
    thread, a thread hop on every request for a dictionary look-up."""
    return get_services(request)


ServicesDep = Annotated[Services, Depends(_services)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
