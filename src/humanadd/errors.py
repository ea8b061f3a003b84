"""API errors as types, and the one place that renders them as the API's JSON envelope; and
`DomainError`, the base of what the services refuse."""

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

RESPONSE_SCHEMA = ConfigDict(
    json_schema_mode_override="serialization", json_schema_serialization_defaults_required=True
)
"""For response bodies: fields with defaults (`ok`) are always sent, so the schema requires them."""


class ErrorBody(BaseModel):
    """Every failure: `{"ok": false, "error": CODE, "message": TEXT}`."""

    model_config = RESPONSE_SCHEMA

    ok: Literal[False] = False
    error: str
    message: str


class DomainError(ValueError):
    """Something a service refuses to do (an unknown account, a bad plan, a change that is not
    held): its message says what, for an operator. Each package's own errors (its `errors`
    module) derive from it; the HTTP layer turns those it expects into an `ApiError`."""


class ApiError(Exception):
    """Base of every error a client can receive; subclasses fix the status and code."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "Something went wrong on our side."

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code, "message": self.message}


class InvalidRequest(ApiError):
    status_code = 400
    code = "invalid_request"
    default_message = "The request is not valid."


class Unauthorized(ApiError):
    """A 401: every one carries the challenge RFC 9110 §11.6.1 requires (RFC 6750's form)."""

    status_code = 401
    CHALLENGE: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="humanadd"'}

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, {**self.CHALLENGE, **(headers or {})})


class MissingApiKey(Unauthorized):
    code = "missing_api_key"
    default_message = "No API key sent. Use the header 'Authorization: Bearer hak_…'."


class InvalidApiKey(Unauthorized):
    code = "invalid_api_key"
    default_message = "API key not recognized."


NOT_BEARER = (
    "The Authorization header is not a Bearer API key. Use the header "
    "'Authorization: Bearer hak_…'."
)


class InvalidSignature(Unauthorized):
    """From the provider ingest endpoint: the event is not proven to come from the provider."""

    code = "invalid_signature"
    default_message = "The request's signature is missing, wrong or outside the allowed time."


class PlanNotSupported(ApiError):
    status_code = 403
    code = "plan_not_supported"
    default_message = "The API is available on the Enterprise plan only."


class NotFound(ApiError):
    status_code = 404
    code = "not_found"
    default_message = "Resource not found."


class MethodNotAllowed(ApiError):
    status_code = 405
    code = "method_not_allowed"
    default_message = "This method is not allowed on this resource."


class IdempotencyConflict(ApiError):
    status_code = 409
    code = "idempotency_conflict"
    default_message = "This Idempotency-Key was already used with a different request."


class RangeNotSatisfiable(ApiError):
    status_code = 416
    code = "range_not_satisfiable"
    default_message = "The requested range cannot be served."


class RateLimited(ApiError):
    status_code = 429
    code = "rate_limited"
    default_message = "Too many requests. Retry after the number of seconds in Retry-After."


class FetchFailed(ApiError):
    status_code = 500
    code = "fetch_failed"
    default_message = "Upstream error. Retry."


class InternalError(ApiError):
    pass


class NotReady(ApiError):
    """From `/readyz` only: the process is up but cannot serve yet."""

    status_code = 503
    code = "not_ready"
    default_message = "Database unreachable."


class NotConfigured(ApiError):
    """A feature this process was not given the settings for."""

    status_code = 503
    code = "not_configured"
    default_message = "This service is not configured."


QUOTED_LENGTH = 100
"""At most this many characters of a client's input are shown back in a message."""


def quote(text: str) -> str:
    """`text` as an error message shows it: in single quotes, cut to `QUOTED_LENGTH`
    characters (then `…`), every unprintable character shown as U+FFFD.

    A message never echoes input whole: a 60 kB call id must not make a 60 kB answer, and a
    NUL or an escape sequence must not reach a client's terminal or logs as such.
    """
    shown = "".join(c if c.isprintable() else "\ufffd" for c in text[:QUOTED_LENGTH])
    return f"'{shown}…'" if len(text) > QUOTED_LENGTH else f"'{shown}'"


_LOCATIONS = {"query": "query parameter", "body": "body field", "header": "header"}


def describe_validation_error(
    errors: Sequence[Mapping[str, Any]], location: tuple[str, ...] = ()
) -> str:
    """A one-line message naming the first bad parameter or body field.

    `errors` is pydantic's list of errors; `location` is put before each error's own `loc`
    (FastAPI's errors start with "query", "body" or "header"; a body validated by hand needs
    `("body",)`).
    """
    error = errors[0]
    if error.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    path = [*location, *(str(part) for part in error.get("loc", ()))]
    kind = _LOCATIONS.get(path[0] if path else "", "parameter")
    name = ".".join(path[1:])
    message = error.get("msg", "invalid value")
    if not name:
        return f"The request body is not valid: {message}."
    if error.get("type") == "extra_forbidden":
        return f"Unknown {kind} {quote(name)}."
    return f"Invalid {kind} {quote(name)}: {message}."


_DESCRIPTIONS = {
    400: "Bad parameter or body (`invalid_request`); the message names it.",
    401: "`missing_api_key`: no `Authorization: Bearer` header; "
    "`invalid_api_key`: unknown, malformed or rotated key.",
    403: "`plan_not_supported`: the account is not on the Enterprise plan.",
    404: "`not_found`: no such resource in your account.",
    405: "`method_not_allowed`: the path has no such method; `Allow` lists those it has.",
    409: "`idempotency_conflict`: the Idempotency-Key was used with another body.",
    416: "`range_not_satisfiable`: the Range header lies outside the recording.",
    429: "`rate_limited`: over the rate limit; see `Retry-After`.",
    500: "`internal_error`, or `fetch_failed` when an upstream failed.",
}

AUTHENTICATED = (400, 401, 403, 429, 500)
"""Statuses every authenticated operation can answer with."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries, all with the error envelope, for the given statuses."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        for status in sorted(set(statuses))
    }
