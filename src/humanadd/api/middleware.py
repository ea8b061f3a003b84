"""The app's own ASGI layers: request ids, rate-limit headers, access logs and last-resort
500s around every request; inside them, every path's methods (HEAD, OPTIONS, 405 with
`Allow`) and the hot routes served directly; outermost, HEAD without a body."""

import logging
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.convertors import Convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from humanadd.api.auth import AuthenticatedRoute, Handler
from humanadd.errors import ApiError, InternalError, MethodNotAllowed
from humanadd.http import error_response, json_bytes
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


METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True, slots=True)
class _Path:
    """One path of the app: the methods its routes declare, and the direct handlers among them."""

    pattern: re.Pattern[str]
    convertors: dict[str, Convertor[Any]]
    methods: frozenset[str]
    direct: dict[str, Handler]
    allow: str
    """The `Allow` header: every method the path answers, HEAD and OPTIONS included."""


class Paths:
    """The app's paths and their methods, decided before FastAPI's routing.

    - A method a route declares goes to FastAPI, except the list of calls and a call's
      detail, served by their `AuthenticatedRoute.direct` handler without FastAPI's routing,
      exception middleware and request handling, which cost more than the rest of such a
      request together (`docs/benchmarks.md`).
    - HEAD, where the path has GET and no HEAD of its own, is answered as GET; the outer
      `HeadWithoutBody` drops the body.
    - OPTIONS answers 204 with `Allow`; another method is 405 with `Allow`. Both list every
      method of the path (Starlette's router would name only those of its first route).

    It sits just inside `RequestContextMiddleware`, so every request gets its id, headers,
    access-log line and last-resort 500 like any other; the API's errors of direct handlers
    become the envelope as the app's handlers make it. Paths are matched without the
    `root_path`, as Starlette's router matches them.
    """

    def __init__(self, app: ASGIApp, routes: Iterable[tuple[str, BaseRoute]]) -> None:
        """`routes`: every route of the app with its full path."""
        self.app = app
        grouped: dict[str, list[Route]] = {}
        for path, route in routes:
            if isinstance(route, Route) and route.methods:
                grouped.setdefault(path, []).append(route)
        paths = []
        for path, same_path in grouped.items():
            methods = frozenset().union(*(route.methods or () for route in same_path))
            direct = {
                method: route.direct
                for route in same_path
                if isinstance(route, AuthenticatedRoute) and route.direct is not None
                for method in route.methods or ()
            }
            answered = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
            pattern, _format, convertors = compile_path(path)
            allow = ", ".join(method for method in METHOD_ORDER if method in answered)
            paths.append(_Path(pattern, convertors, methods, direct, allow))
        # The direct (hot) paths are looked at first.
        self._paths = sorted(paths, key=lambda entry: not entry.direct)

    def _find(self, scope: Scope) -> tuple[_Path, re.Match[str]] | None:
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        for entry in self._paths:
            if match := entry.pattern.match(path):
                return entry, match
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._find(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        entry, match = found
        method = scope["method"]
        if method == "HEAD" and "HEAD" not in entry.methods and "GET" in entry.methods:
            method = "GET"
            scope = {**scope, "method": method}
        handle = entry.direct.get(method)
        if handle is not None:
            scope["path_params"] = {
                name: entry.convertors[name].convert(value)
                for name, value in match.groupdict().items()
            }
            try:
                response = await handle(Request(scope, receive))
            except ApiError as error:
                response = error_response(error)
        elif method in entry.methods:
            await self.app(scope, receive, send)
            return
        elif method == "OPTIONS":
            response = Response(status_code=204, headers={"Allow": entry.allow})
        else:
            response = error_response(MethodNotAllowed(headers={"Allow": entry.allow}))
        await response(scope, receive, send)


class HeadWithoutBody:
    """Answers HEAD with the status and headers GET would have, and no body (RFC 9110 9.3.2).

    Outermost, so that error envelopes and the last-resort 500 lose their body too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_without_body)
