"""Authentication of every /api/v1 route, by their route class `AuthenticatedRoute`.

Checks run in the order the API promises: 401 (missing or invalid key) → 429 (rate limit) →
403 (plan); parameter validation (400) and look-ups (404) come after.
"""

import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

from humanadd.accounts.models import Plan
from humanadd.db import Row, utcnow
from humanadd.dependencies import Services, get_services
from humanadd.errors import (
    NOT_BEARER,
    ApiError,
    InvalidApiKey,
    MissingApiKey,
    PlanNotSupported,
    RateLimited,
)
from humanadd.http import single_header
from humanadd.keys.service import (
    Principal,
    ReadWithKey,
    authenticate,
    record_use,
    use_is_due,
)
from humanadd.params import QueryRule

_BEARER = "bearer"

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


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


async def require_api_key(
    request: Request, read: ReadWithKey | None = None
) -> tuple[Principal, Row]:
    """The principal of the request's key, checked in the promised order, with the columns
    `read` made along with the key look-up (none without one)."""
    services = get_services(request)
    scheme, _, key = (single_header(request, "Authorization") or "").strip().partition(" ")
    if scheme and scheme.lower() != _BEARER:
        raise await _refuse(request, services, InvalidApiKey(NOT_BEARER))
    key = key.strip()
    if not key:
        raise await _refuse(request, services, MissingApiKey())
    found = await authenticate(services.reader, key, read)
    if found is None:
        raise await _refuse(request, services, InvalidApiKey())
    principal, row = found
    await _record_use_when_due(services, principal)
    verdict = await services.rate_limiter.hit_key(principal.key_id)
    # Every response to this request carries them, `Retry-After` included when refused.
    request.state.response_headers = verdict.headers()
    if not verdict.allowed:
        raise RateLimited()
    if principal.plan != Plan.ENTERPRISE:
        raise PlanNotSupported()
    return principal, row


BuildRead = Callable[..., ReadWithKey | None]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Coroutine[Any, Any, Response]])
_HOT = "_hot_route"


@dataclass(frozen=True, slots=True)
class _Hot:
    read: BuildRead | None


def hot(read: BuildRead | None = None) -> Callable[[Endpoint], Endpoint]:
    """Declares a hot endpoint, called without FastAPI's request handling (see
    `AuthenticatedRoute`): an `async def` taking `request`, its path parameters as text and,
    if it has one, its query model, and answering a `Response` itself.

    With `read`, its data is read in the key look-up's own statement: `read` takes the
    route's path parameters and returns the read, or None for values no row can hold; the
    endpoint gets the row with `read_of(request)`.
    """

    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _HOT, _Hot(read))
        return endpoint

    return declare


def _check_hot(route: APIRoute, rule: QueryRule) -> None:
    """TypeError unless a hot endpoint takes exactly what its direct handler passes."""
    passed = {"request", *route.param_convertors, *filter(None, [rule.argument])}
    taken = set(inspect.signature(route.endpoint).parameters)
    if taken != passed or not inspect.iscoroutinefunction(route.endpoint):
        raise TypeError(
            f"{route.path}: a hot endpoint is an async def taking {sorted(passed)}, not "
            f"{sorted(taken)}"
        )


class AuthenticatedRoute(APIRoute):
    """The route class of every /api/v1 router.

    It authenticates the request before FastAPI reads a parameter or resolves a dependency,
    so the checks run in the promised order without an authentication dependency on each
    route (resolving dependencies is a large share of FastAPI's cost per request), then
    checks the query string by the route's `params.QueryRule`. Handlers get the caller with
    `principal_of(request)`.

    An endpoint declared `@hot` (a call's detail, the list of calls) is called by a `direct`
    handler instead, without FastAPI's request handling: that costs more than the rest of
    such a request. It is the route's only handler: `api.middleware.Paths` serves these
    routes with it before FastAPI's routing, and FastAPI's routing, should it get such a
    request, calls it too. Such an endpoint may also have its data read in the key look-up's
    statement (`hot(read=…)`).
    """

    direct: Handler | None = None

    def get_route_handler(self) -> Handler:
        rule = QueryRule.of(self.dependant)
        declared: _Hot | None = getattr(self.endpoint, _HOT, None)
        if declared is not None:
            _check_hot(self, rule)
            build_read = declared.read
            endpoint: Callable[..., Coroutine[Any, Any, Response]] = self.endpoint

            async def direct(request: Request) -> Response:
                read = None if build_read is None else build_read(**request.path_params)
                request.state.principal, request.state.read = await require_api_key(request, read)
                query = rule.check(request)
                arguments: dict[str, Any] = dict(request.path_params)
                if rule.argument is not None:
                    arguments[rule.argument] = query
                return await endpoint(request=request, **arguments)

            # One handler: when FastAPI routes the request (`Paths` serves it first otherwise),
            # it calls the same code.
            self.direct = direct
            return direct
        handle = super().get_route_handler()

        async def authenticated(request: Request) -> Response:
            request.state.principal, _ = await require_api_key(request)
            # FastAPI validates the same model again, and finds it valid: the rule's answer
            # for a bad query is the one every route gives.
            rule.check(request)
            return await handle(request)

        return authenticated


def principal_of(request: Request) -> Principal:
    """Who the request is from; only within an `AuthenticatedRoute`."""
    principal: Principal = request.state.principal
    return principal


def read_of(request: Request) -> Row:
    """The row read with the key look-up, its columns by name; only within a `hot(read=…)`
    endpoint (the key's columns alone when its `read` gave no read)."""
    row: Row = request.state.read
    return row
