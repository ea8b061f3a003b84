"""Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (its database does).

Neither needs an API key nor counts against a rate limit. Both answer HEAD as well as GET, like
every path (`api.middleware.Paths`).
"""

import asyncio
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from humanadd.dependencies import ServicesDep
from humanadd.errors import RESPONSE_SCHEMA, ErrorBody, NotReady
from humanadd.http import JsonResponse

PING_TIMEOUT_SECONDS = 2.0
"""A database slower than this to answer `SELECT 1` is not ready: a probe must not hang."""

router = APIRouter(tags=["health"])


class ProbeBody(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True


async def ping(engine: AsyncEngine) -> bool:
    """True when the database answers a trivial query in time."""
    try:
        async with asyncio.timeout(PING_TIMEOUT_SECONDS):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):  # TimeoutError is an OSError, as are refused connections
        return False
    return True


@router.get("/healthz", response_model=ProbeBody)
async def healthz() -> JsonResponse:
    """The process is up."""
    return JsonResponse({"ok": True})


@router.get(
    "/readyz",
    response_model=ProbeBody,
    responses={503: {"model": ErrorBody, "description": "`not_ready`: the database is not."}},
)
async def readyz(services: ServicesDep) -> JsonResponse:
    """The process can serve: its database answers."""
    if not await ping(services.engine):
        raise NotReady()
    return JsonResponse({"ok": True})
