"""The app's own ASGI layers: request ids, rate-limit headers, access logs and last-resort
500s around every request; inside them, the hot routes served directly."""

import logging
import random
import time
from collections.abc import Mapping

from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from humanadd.errors import ApiError, InternalError
from humanadd.http import error_response, json_bytes
from humanadd.keys.auth import AuthenticatedRoute
from humanadd.logs import request_id_var

logger = logging.getLogger("humanadd.access")

_request_ids = random.Random()
"""Request ids need to be unique, not secret: 96 bits from a generator seeded from the OS,
without the system call per request that `secrets` makes."""


class RequestContextMiddleware:
    """Gives every request an id and every response `X-Request-Id`.

    Endpoints leave extra response headers (the rate-limit fields) in `scope["state"]
    ["response_headers"]`; they are added here so that error responses carry them too. No
    response sets these names itself, so they are appended without looking for them first.
    An exception nothing else handled becomes the 500 envelope, without a stack trace.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"req_{_request_ids.getrandbits(96):024x}"
        token = request_id_var.set(request_id)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                # Appended, not set: no response sets these names itself.
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in state.get("response_headers", {}).items()
                )
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error")
            if response_started:
                raise
            error = InternalError()
            body = json_bytes(error.body())
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": error.status_code,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send_with_headers({"type": "http.response.body", "body": body})
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


class DirectRoutes:
    """Serves the routes whose `AuthenticatedRoute` has a `direct` handler (the list of calls,
    a call's detail) without FastAPI's routing, exception middleware and request handling,
    which cost more than the rest of such a request together (`docs/benchmarks.md`).

    It sits just inside `RequestContextMiddleware`, so these requests get their id, headers,
    access-log line and last-resort 500 like any other, and turns the API's errors into the
    envelope as the app's handlers do. FastAPI still declares and documents these routes,
    and answers every other method and path.
    """

    def __init__(self, app: ASGIApp, routes: Mapping[str, AuthenticatedRoute]) -> None:
        self.app = app
        self._routes = []
        for path, route in routes.items():
            assert route.direct is not None, path
            pattern, _format, convertors = compile_path(path)
            self._routes.append((pattern, convertors, route.methods or set(), route.direct))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for pattern, convertors, methods, handle in self._routes:
                if scope["method"] in methods and (match := pattern.match(scope["path"])):
                    scope["path_params"] = {
                        name: convertors[name].convert(value)
                        for name, value in match.groupdict().items()
                    }
                    try:
                        response = await handle(Request(scope, receive))
                    except ApiError as error:
                        response = error_response(error)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
