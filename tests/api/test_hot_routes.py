"""A hot route says what it takes (`api.auth.hot`), and a route that takes anything else is
refused when the router is built, not at its first request."""

import pytest
from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from humanadd.api.auth import AuthenticatedRoute, hot


def test_a_hot_endpoint_taking_what_its_handler_passes_is_accepted() -> None:
    router = APIRouter(route_class=AuthenticatedRoute)

    @router.get("/things/{thing_id}")
    @hot()
    async def thing(thing_id: str, request: Request) -> Response:
        return Response()

    (route,) = router.routes
    assert isinstance(route, AuthenticatedRoute)
    assert route.direct is not None


def test_a_hot_endpoint_taking_more_is_refused() -> None:
    router = APIRouter(route_class=AuthenticatedRoute)
    with pytest.raises(TypeError, match="a hot endpoint is an async def taking"):

        @router.get("/things/{thing_id}")
        @hot()
        async def thing(thing_id: str, request: Request, x_thing: str = Header()) -> Response:
            return Response()


def test_a_route_not_declared_hot_goes_through_fastapi() -> None:
    router = APIRouter(route_class=AuthenticatedRoute)

    @router.get("/things/{thing_id}")
    async def thing(thing_id: str, request: Request) -> Response:
        return Response()

    (route,) = router.routes
    assert isinstance(route, AuthenticatedRoute)
    assert route.direct is None
