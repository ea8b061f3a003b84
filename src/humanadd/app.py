"""The ASGI application: public API v1, health probes, error envelope, OpenAPI."""

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from humanadd import __version__, openapi
from humanadd.api.driver import create_reader
from humanadd.api.middleware import HeadWithoutBody, Paths, RequestContextMiddleware
from humanadd.calls.endpoints import router as calls_router
from humanadd.config import Settings, get_settings
from humanadd.cursors.codec import CursorCodec
from humanadd.cursors.models import CURSOR_KEY
from humanadd.cursors.repository import read_secret
from humanadd.dashboard import router as dashboard
from humanadd.dashboard.errors import LoginRequired, PageError
from humanadd.dashboard.headers import PREFIX as DASHBOARD
from humanadd.dashboard.headers import STATIC_PATH, PageHeaders, is_page
from humanadd.dashboard.templating import render
from humanadd.db import create_engine, pool_size, session_factory
from humanadd.demo.source import DemoAudioSource
from humanadd.dependencies import Services
from humanadd.errors import (
    ApiError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    describe_validation_error,
)
from humanadd.health import router as health_router
from humanadd.http import error_response
from humanadd.kb.endpoints import router as kb_router
from humanadd.providers.endpoints import router as ingest_router
from humanadd.providers.recording_proxy import HostAllowlist, ProxySource, fresh_recording_url
from humanadd.ratelimit import RateLimiter
from humanadd.recordings import LocalFileSource, RecordingSources
from humanadd.stats.endpoints import router as stats_router
from humanadd.webhooks.endpoints import router as webhooks_router

API_PREFIX = "/api/v1"
DESCRIPTION = """Programmatic access to every call, transcript, recording and analytic of your AI
receptionist. Authenticate with `Authorization: Bearer hak_…`. Every error is
`{"ok": false, "error": CODE, "message": TEXT}`; every response carries `X-Request-Id`, and every
authenticated one the rate-limit headers."""


def build_services(settings: Settings) -> Services:
    url = settings.database_url
    engine = create_engine(url)
    sessions = session_factory(engine)
    proxy = ProxySource(
        HostAllowlist.parse(settings.recording_hosts),
        functools.partial(fresh_recording_url, sessions, settings),
    )
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        reader=create_reader(url, engine.dialect, pool_size(url)),
        rate_limiter=RateLimiter(settings),
        cursors=CursorCodec(functools.partial(read_secret, engine, CURSOR_KEY)),
        recordings=RecordingSources(
            {
                "file": LocalFileSource(settings.recordings_dir),
                "https": proxy,
                "http": proxy,
                "demo": DemoAudioSource(sessions),
            }
        ),
    )


API_ROUTERS = (calls_router, stats_router, kb_router, webhooks_router)

Background = Callable[[Services], Coroutine[Any, Any, None]]
"""Work that runs beside the server for as long as it serves (the demo's live calls)."""


def create_app(settings: Settings | None = None, background: Background | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = build_services(settings)
        task = None if background is None else asyncio.create_task(background(app.state.services))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.state.services.rate_limiter.close()
        await app.state.services.reader.close()
        await app.state.services.recordings.close()
        await app.state.services.engine.dispose()

    app = FastAPI(
        title="humanadd API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by _add_docs, from local assets
        redoc_url=None,
        lifespan=lifespan,
        # `/api/v1/calls/` is no route: answer the 404 envelope, not a 307 to another URL.
        redirect_slashes=False,
        # No OpenTelemetry here: left on, FastAPI asks OpenTelemetry's global providers
        # (environment look-ups) on every request, about 7 % of a calls request's time.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    routers = [(API_PREFIX, router) for router in API_ROUTERS]
    routers += [("", health_router), ("", ingest_router)]
    routers += [(DASHBOARD, router) for router in dashboard.ROUTERS]
    for prefix, router in routers:
        app.include_router(router, prefix=prefix, include_in_schema=prefix != DASHBOARD)
    _add_docs(app)
    _add_dashboard(app)
    _add_error_handlers(app)
    # FastAPI wraps included routers; their routes are listed here with their full paths.
    paths = [
        (prefix + route.path, route)
        for prefix, router in routers
        for route in router.routes
        if isinstance(route, Route)
    ]
    paths += [(route.path, route) for route in app.routes if isinstance(route, Route)]
    app.add_middleware(Paths, routes=paths)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(PageHeaders)
    app.add_middleware(HeadWithoutBody)
    app.openapi = lambda: _openapi(app, settings)  # type: ignore[method-assign]
    return app


DOCS_ASSETS = "/docs/assets"


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs with its script and style served from the `fastapi-offline` package
    instead of a CDN, so the docs work without Internet access."""
    app.mount(
        DOCS_ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets"
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API_PREFIX}/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            # No badge fetched from the public validator service.
            swagger_ui_parameters={"validatorUrl": None},
        )


def _add_dashboard(app: FastAPI) -> None:
    """The dashboard's static files, and `/` leading to it."""
    app.mount(
        STATIC_PATH,
        StaticFiles(packages=[("humanadd.dashboard", "static")]),
        name="dashboard-static",
    )

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(DASHBOARD, status_code=307)


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "message": message},
        status_code=status,
    )


def _add_error_handlers(app: FastAPI) -> None:
    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        response = _error_page(request, exc.status_code, exc.title, exc.message)
        response.headers.update(exc.headers)
        return response

    async def login_required(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        query = urlencode({"next": exc.next_path})
        return RedirectResponse(f"{DASHBOARD}/login?{query}", status_code=303)

    async def api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(InvalidRequest(describe_validation_error(exc.errors())))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_page(request.url.path):
            if exc.status_code == 404:
                return _error_page(request, 404, "Not found", "There is no such page.")
            return _error_page(request, exc.status_code, "Request refused", str(exc.detail))
        if exc.status_code == 405:
            # Keep the router's `Allow` header: RFC 9110 requires it on a 405.
            return error_response(MethodNotAllowed(headers=dict(exc.headers or {})))
        if exc.status_code == 404:
            return error_response(NotFound("No such route."))
        return error_response(InvalidRequest(str(exc.detail)))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _openapi(app: FastAPI, settings: Settings) -> dict[str, Any]:
    if not app.openapi_schema:
        app.openapi_schema = openapi.build(app, settings.public_url, API_PREFIX)
    return app.openapi_schema
