"""HTTP helpers shared by routes: JSON rendering outside FastAPI's response models, the error
envelope as a response, and reading a request body with a size limit."""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from humanadd.errors import ApiError, InvalidRequest


def json_bytes(content: Any) -> bytes:
    return orjson.dumps(content)


class JsonResponse(JSONResponse):
    """A JSON response rendered with orjson."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


def error_response(error: ApiError) -> JsonResponse:
    """The API's JSON envelope for `error`, with its status and headers."""
    return JsonResponse(error.body(), status_code=error.status_code, headers=error.headers)


def single_header(request: Request, name: str) -> str | None:
    """The value of header `name`, None when absent; 400 when it was sent more than once.

    Two `Authorization` or `Idempotency-Key` headers are ambiguous: which one a proxy or a
    framework keeps differs, so the request is refused rather than resolved by picking one.
    """
    values = request.headers.getlist(name)
    if len(values) > 1:
        raise InvalidRequest(f"The header '{name}' was sent more than once: send it once.")
    return values[0] if values else None


async def read_body(request: Request, limit: int, too_large: str) -> bytes:
    """The whole body, read chunk by chunk: 400 `too_large` as soon as it passes `limit`
    bytes, before the rest is read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InvalidRequest(too_large)
        chunks.append(chunk)
    return b"".join(chunks)
