"""The API's OpenAPI document: FastAPI's, completed with what it cannot see.

FastAPI knows the routes, their parameters and bodies. It does not know the headers that
the app's own layers add (request ids, rate limits, challenges), the 405 that `Paths` answers,
the bearer key that `AuthenticatedRoute` reads itself, or where the service is reached.
"""

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from humanadd.errors import error_responses

SECURITY_SCHEME = "ApiKey"
_BEARER = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "hak_ + 32 base62 characters + a 6-character checksum",
    "description": "Your API key, sent as `Authorization: Bearer hak_…`.",
}


def _header(description: str, kind: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


HEADERS = {
    "X-Request-Id": _header("This request's id (`req_…`); quote it when you contact support."),
    "X-RateLimit-Limit": _header("Requests your key may make per rolling minute.", "integer"),
    "X-RateLimit-Remaining": _header("Requests left in the current window.", "integer"),
    "X-RateLimit-Reset": _header(
        "Unix time (seconds) at which the oldest counted request leaves the window.", "integer"
    ),
    "RateLimit-Policy": _header(
        'The limit in the IETF draft\'s form: `"default";q=60;w=60` (60 per 60 seconds).'
    ),
    "RateLimit": _header(
        'What is left in the IETF draft\'s form: `"default";r=59;t=60` (remaining; seconds '
        "until the window resets)."
    ),
    "Retry-After": _header("Seconds to wait before the next request.", "integer"),
    "WWW-Authenticate": _header('`Bearer realm="humanadd"`: send your API key as a Bearer token.'),
    "Allow": _header("Every method this path answers, comma-separated."),
}
_RATE_LIMIT_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "RateLimit-Policy",
    "RateLimit",
)

PATH_PARAMETERS = {
    "call_id": "The call's id, as `call_id` in the list of calls.",
    "change_id": "The change's id (`kbc_…`), as `POST /api/v1/kb` answered it.",
    "delivery_id": "The delivery's id (`whd_…`), from the delivery log.",
}


def _headers_of(path: str, status: str, api_prefix: str) -> list[str]:
    """The header names the app's own layers add to this answer."""
    names = ["X-Request-Id"]
    if path.startswith(f"{api_prefix}/") and status != "401":
        names += _RATE_LIMIT_HEADERS  # every request with a known key is counted
    names += {"401": ["WWW-Authenticate"], "405": ["Allow"], "429": ["Retry-After"]}.get(status, [])
    return names


def build(app: FastAPI, public_url: str, api_prefix: str) -> dict[str, Any]:
    """The document of `app`, as `/api/v1/openapi.json` serves it."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        servers=[{"url": public_url, "description": "This service."}],
    )
    method_not_allowed = {
        "description": error_responses(405)[405]["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # validation errors are 400 here
            responses.setdefault("405", copy.deepcopy(method_not_allowed))
            if path.startswith(f"{api_prefix}/"):
                operation["security"] = [{SECURITY_SCHEME: []}]
            for status, response in responses.items():
                headers = response.setdefault("headers", {})
                for name in _headers_of(path, status, api_prefix):
                    headers.setdefault(name, {"$ref": f"#/components/headers/{name}"})
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and not parameter.get("description"):
                    parameter["description"] = PATH_PARAMETERS[parameter["name"]]
    components = schema.setdefault("components", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(name, None)
    components["securitySchemes"] = {SECURITY_SCHEME: _BEARER}
    components["headers"] = HEADERS
    return schema
