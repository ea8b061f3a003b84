"""The outermost ASGI layer: request ids, rate-limit headers, access logs, last-resort 500s."""

import logging
import random
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from humanadd.errors import InternalError
from humanadd.http import json_bytes
from humanadd.logs import request_id_var

logger = logging.getLogger("humanadd.access")

_request_ids = random.Random()
"""Request ids need to be unique, not secret: 96 bits from a generator seeded from the OS,
without the system call per request that `secrets` makes."""


class RequestContextMiddleware:
    """Gives every request an id and every response `X-Request-Id`.

    Endpoints leave extra response headers (the rate-limit fields) in `scope["state"]
    ["response_headers"]`; they are added here so that error responses carry them too.
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
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                for name, value in state.get("response_headers", {}).items():
                    headers[name] = value
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
