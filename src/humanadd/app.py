"""The ASGI application: public API v1, health probes, error envelope, OpenAPI."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from humanadd import __version__
from humanadd.calls.endpoints import router as calls_router
from humanadd.calls.recordings import LocalFileSource, RecordingSources
from humanadd.config import Settings, get_settings
from humanadd.db import create_engine, session_factory
from humanadd.dependencies import Services, ServicesDep
from humanadd.errors import ApiError, InvalidRequest, MethodNotAllowed, NotFound
from humanadd.http import JsonResponse
from humanadd.kb.endpoints import router as kb_router
from humanadd.middleware import RequestContextMiddleware
from humanadd.params import refuse_unknown_query_parameters
from humanadd.ratelimit import RateLimiter
from humanadd.stats.endpoints import router as stats_router

API_PREFIX = "/api/v1"
DESCRIPTION = """Programmatic access to every call, transcript, recording and analytic of your AI
receptionist. Authenticate with `Authorization: Bearer hak_…`. Every error is
`{"ok": false, "error": CODE, "message": TEXT}`; every response carries `X-Request-Id`, and every
authenticated one the rate-limit headers."""


def build_services(settings: Settings) -> Services:
    engine = create_engine(settings.database_url)
    return Services(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        rate_limiter=RateLimiter(settings),
        recordings=RecordingSources({"file": LocalFileSource(settings.recordings_dir)}),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = build_services(settings)
        yield
        await app.state.services.rate_limiter.close()
        await app.state.services.engine.dispose()

    app = FastAPI(
        title="humanadd API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        # `/api/v1/calls/` is no route: answer the 404 envelope, not a 307 to another URL.
        redirect_slashes=False,
    )
    for router in (calls_router, stats_router, kb_router):
        app.include_router(
            router, prefix=API_PREFIX, dependencies=[Depends(refuse_unknown_query_parameters)]
        )
    _add_probes(app)
    _add_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _add_probes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(services: ServicesDep) -> Response:
        try:
            async with services.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            error = {"ok": False, "error": "not_ready", "message": "Database unreachable."}
            return JsonResponse(error, status_code=503)
        return JsonResponse({"ok": True})


def _error_response(error: ApiError) -> Response:
    return JsonResponse(error.body(), status_code=error.status_code, headers=error.headers)


def _add_error_handlers(app: FastAPI) -> None:
    async def api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _error_response(exc)

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _error_response(InvalidRequest(describe_validation_error(exc)))

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            # Keep the router's `Allow` header: RFC 9110 requires it on a 405.
            return _error_response(MethodNotAllowed(headers=dict(exc.headers or {})))
        if exc.status_code == 404:
            return _error_response(NotFound("No such route."))
        return _error_response(InvalidRequest(str(exc.detail)))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def describe_validation_error(exc: RequestValidationError) -> str:
    """A one-line message naming the first bad parameter or body field."""
    error = exc.errors()[0]
    location = [str(part) for part in error.get("loc", ())]
    if error.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    kind = {"query": "query parameter", "body": "body field", "header": "header"}.get(
        location[0] if location else "", "parameter"
    )
    name = ".".join(location[1:])
    if not name:
        return f"The request body is not valid: {error.get('msg', 'invalid')}."
    return f"Invalid {kind} '{name}': {error.get('msg', 'invalid value')}."


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, minus the 422 responses it adds: validation errors here are 400."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    app.openapi_schema = schema
    return schema
