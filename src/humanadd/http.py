"""HTTP helpers shared by routes: JSON rendering outside FastAPI's response models, the error
envelope as a response, single-valued headers, and reading a JSON body."""

import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from humanadd.errors import ApiError, InvalidRequest, describe_validation_error, quote


def json_bytes(content: Any) -> bytes:
    """`content` as JSON. A datetime in it is a TypeError: the API writes every time with
    `clock.iso_from_ms`, never in orjson's own format (microseconds, `+00:00`)."""
    return orjson.dumps(content, option=orjson.OPT_PASSTHROUGH_DATETIME)


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


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def parse_json_object(body: bytes) -> dict[str, Any]:
    """`body` as a JSON object; 400 when it is not valid JSON, not an object, or names a key
    twice in any object.

    JSON leaves duplicate keys undefined (RFC 8259 §4): parsers keep the first or the last, so
    `{"text": "a", "text": "b"}` would mean different things to a client's tools and to us.
    orjson checks the rest strictly (no NaN, no lone surrogates); the standard library's
    parser, which can report the pairs of every object, then looks for repeated keys.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    try:
        json.loads(body, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey as duplicate:
        raise InvalidRequest(
            f"The request body names the key {quote(duplicate.key)} more than once."
        ) from None
    return data


def _require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise InvalidRequest(
            "Invalid header 'Content-Type': send the body as JSON with "
            "'Content-Type: application/json'."
        )


Body = TypeVar("Body", bound=BaseModel)


def json_body(
    model: type[Body], limit: int, too_large: str
) -> Callable[[Request], Coroutine[Any, Any, Body]]:
    """A dependency that reads the request's JSON body as `model`: 400 for a body that is not
    JSON (by content type or content), larger than `limit` bytes, or not valid for `model`.

    The route declares the body with `request_body(model)`: FastAPI's own body handling would
    parse JSON before authentication, accept a body sent without a JSON content type and keep
    the last of two equal keys.
    """

    async def read(request: Request) -> Body:
        _require_json(request)
        data = parse_json_object(await read_body(request, limit, too_large))
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise InvalidRequest(describe_validation_error(error.errors(), ("body",))) from None

    return read


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The `openapi_extra` declaring a route's required JSON body of `model`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
