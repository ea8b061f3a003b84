"""Authentication of every /api/v1 route, by their route class `AuthenticatedRoute`.

Checks run in the order the API promises: 401 (missing or invalid key) → 429 (rate limit) →
403 (plan); parameter validation (400) and look-ups (404) come after.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from humanadd.accounts.models import Plan
from humanadd.db import utcnow
from humanadd.dependencies import Services, get_services
from humanadd.errors import ApiError, InvalidApiKey, MissingApiKey, PlanNotSupported, RateLimited
from humanadd.keys.service import Principal, authenticate, record_use, use_is_due
from humanadd.params import declared_query_names, refuse_unknown_query_parameters

_BEARER = "bearer "


async def _refuse(request: Request, services: Services, error: ApiError) -> ApiError:
    """`error`, or 429 once this client address has failed authentication too often."""
    address = request.client.host if request.client else "unknown"
    verdict = await services.rate_limiter.hit_failed_auth(address)
    if verdict.allowed:
        return error
    return RateLimited(
        "Too many failed authentication attempts from this address.", headers=verdict.headers()
    )


async def _record_use_when_due(services: Services, principal: Principal) -> None:
    """Records the use of the key that authenticated the request (at most about once a
    minute), in a short transaction of its own.

    Not part of the request's transaction: that one rolls back when the request fails (a 404
    or 403 is still a use of the key), and it would otherwise hold a write lock on the key row
    (PostgreSQL) or the whole database (SQLite) for as long as the request runs. The request
    holds no pooled connection yet at this point, so it never waits for a second one.
    """
    now = utcnow()
    if use_is_due(principal, now):
        async with services.sessions.begin() as session:
            await record_use(session, principal, now)


async def require_api_key(request: Request) -> Principal:
    """The principal of the request's key, checked in the promised order."""
    services = get_services(request)
    header = request.headers.get("authorization", "")
    if not header[: len(_BEARER)].lower() == _BEARER or not header[len(_BEARER) :].strip():
        raise await _refuse(request, services, MissingApiKey())
    principal = await authenticate(services.reader, header[len(_BEARER) :].strip())
    if principal is None:
        raise await _refuse(request, services, InvalidApiKey())
    await _record_use_when_due(services, principal)
    verdict = await services.rate_limiter.hit_key(principal.key_id)
    request.state.response_headers = verdict.headers()
    if not verdict.allowed:
        raise RateLimited(headers={"Retry-After": verdict.headers()["Retry-After"]})
    if principal.plan != Plan.ENTERPRISE:
        raise PlanNotSupported()
    return principal


class AuthenticatedRoute(APIRoute):
    """The route class of every /api/v1 router.

    It authenticates the request before FastAPI reads a parameter or resolves a dependency,
    so the checks run in the promised order without an authentication dependency on each
    route (resolving dependencies is a large share of FastAPI's cost per request), then
    refuses query parameters the route does not declare. Handlers get the caller with
    `principal_of(request)`.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        known = declared_query_names(self.dependant)

        async def authenticated(request: Request) -> Response:
            request.state.principal = await require_api_key(request)
            refuse_unknown_query_parameters(request, known)
            return await handle(request)

        return authenticated


def principal_of(request: Request) -> Principal:
    """Who the request is from; only within an `AuthenticatedRoute`."""
    principal: Principal = request.state.principal
    return principal
