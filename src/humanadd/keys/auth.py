"""The authentication dependency of every /api/v1 route.

Checks run in the order the API promises: 401 (missing or invalid key) → 429 (rate limit) →
403 (plan); parameter validation (400) and look-ups (404) come after.
"""

from typing import Annotated

from fastapi import Depends, Request

from humanadd.accounts.models import Plan
from humanadd.dependencies import ServicesDep, SessionDep
from humanadd.errors import ApiError, InvalidApiKey, MissingApiKey, PlanNotSupported, RateLimited
from humanadd.keys.service import Principal, authenticate, record_use

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


async def require_api_key(
    request: Request, services: ServicesDep, session: SessionDep
) -> Principal:
    header = request.headers.get("authorization", "")
    if not header[: len(_BEARER)].lower() == _BEARER or not header[len(_BEARER) :].strip():
        raise await _refuse(request, services, MissingApiKey())
    principal = await authenticate(session, header[len(_BEARER) :].strip())
    if principal is None:
        raise await _refuse(request, services, InvalidApiKey())
    await record_use(services.sessions, principal)
    verdict = await services.rate_limiter.hit_key(principal.key_id)
    request.state.response_headers = verdict.headers()
    if not verdict.allowed:
        raise RateLimited(headers={"Retry-After": verdict.headers()["Retry-After"]})
    if principal.plan != Plan.ENTERPRISE:
        raise PlanNotSupported()
    return principal


PrincipalDep = Annotated[Principal, Depends(require_api_key)]
