"""Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (its database does).

Neither needs an API key, and neither is part of the public API's OpenAPI document. Both answer
HEAD as well as GET.
"""

import asyncio

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from humanadd.dependencies import ServicesDep
from humanadd.errors import NotReady
from humanadd.http import JsonResponse

PING_TIMEOUT_SECONDS = 2.0
"""A database slower than this to answer `SELECT 1` is not ready: a probe must not hang."""

router = APIRouter(include_in_schema=False)


async def ping(engine: AsyncEngine) -> bool:
    """True when the database answers a trivial query in time."""
    try:
        async with asyncio.timeout(PING_TIMEOUT_SECONDS):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):  # TimeoutError is an OSError, as are refused connections
        return False
    return True


@router.api_route("/healthz", methods=["GET", "HEAD"])
async def healthz() -> JsonResponse:
    """The process is up."""
    return JsonResponse({"ok": True})


@router.api_route("/readyz", methods=["GET", "HEAD"])
async def readyz(services: ServicesDep) -> JsonResponse:
    """The process can serve: its database answers."""
    if not await ping(services.engine):
        raise NotReady()
    return JsonResponse({"ok": True})
