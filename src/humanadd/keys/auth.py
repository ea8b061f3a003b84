"""The authentication dependency of every /api/v1 route.

Checks run in the order the API promises: 401 (missing or invalid key) → 429 (rate limit) →
403 (plan); parameter validation (400) and look-ups (404) come after.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from humanadd.accounts.models import Plan
from humanadd.db import utcnow
from humanadd.dependencies import ServicesDep, SessionDep
from humanadd.errors import ApiError, InvalidApiKey, MissingApiKey, PlanNotSupported, RateLimited
from humanadd.keys.service import Principal, authenticate, record_use, use_is_due

_BEARER = "bearer "


async def _refuse(request: Request, services: ServicesDep, error: ApiError) -> ApiError:
    """`error`, or 429 once this client address has failed authentication too often."""
    address = request.client.host if request.client else "unknown"
    verdict = await services.rate_limiter.hit_failed_auth(address)
    if verdict.allowed:
        return error
    return RateLimited(
        "Too many failed authentication attempts from this address.", headers=verdict.headers()
    )


async def _record_use_after_the_request(services: ServicesDep) -> AsyncIterator[list[Principal]]:
    """Records the use of the key that authenticated the request once the request is done,
    in a short transaction of its own (opened only when a use is due).

    Not in the request's transaction: that one rolls back when the request fails (a 404 or 403
    is still a use of the key), and it would otherwise hold a write lock on the key row
    (PostgreSQL) or the whole database (SQLite) for as long as the request runs. Set up before
    the request's session and so torn down after it: by then the request has given its pooled
    connection back, so it never holds two at once. Holding one while waiting for another
    deadlocks as soon as concurrent requests take the whole pool.
    """
    used: list[Principal] = []
    try:
        yield used
    finally:
        now = utcnow()
        due = [principal for principal in used if use_is_due(principal, now)]
        if due:
            async with services.sessions.begin() as session:
                for principal in due:
                    await record_use(session, principal, now)


async def require_api_key(
    request: Request,
    services: ServicesDep,
    uses: Annotated[list[Principal], Depends(_record_use_after_the_request, scope="function")],
    session: SessionDep,
) -> Principal:
    header = request.headers.get("authorization", "")
    if not header[: len(_BEARER)].lower() == _BEARER or not header[len(_BEARER) :].strip():
        raise await _refuse(request, services, MissingApiKey())
    principal = await authenticate(session, header[len(_BEARER) :].strip())
    if principal is None:
        raise await _refuse(request, services, InvalidApiKey())
    uses.append(principal)
    verdict = await services.rate_limiter.hit_key(principal.key_id)
    request.state.response_headers = verdict.headers()
    if not verdict.allowed:
        raise RateLimited(headers={"Retry-After": verdict.headers()["Retry-After"]})
    if principal.plan != Plan.ENTERPRISE:
        raise PlanNotSupported()
    return principal


PrincipalDep = Annotated[Principal, Depends(require_api_key)]
"""Declare it before `SessionDep` in an endpoint, so that the key's use is recorded after the
request's session has ended (see `_record_use_after_the_request`)."""
