"""Retell's SDK errors, as the one `ProviderError` the rest of the service sees."""

from retell import APIConnectionError, APIError, APIStatusError

from humanadd.providers.base import ProviderError

RETRYABLE_STATUSES = frozenset({408, 409, 429})
"""Besides 5xx: the answers Retell's SDK itself retries (timeout, lock conflict, rate limit)."""


def retryable(error: APIError) -> bool:
    """Whether the same request may succeed later: Retell was unreachable, slow, overloaded
    or failing, rather than refusing the request itself."""
    if isinstance(error, APIConnectionError):  # timeouts included
        return True
    if isinstance(error, APIStatusError):
        return error.status_code >= 500 or error.status_code in RETRYABLE_STATUSES
    return False  # an answer that is not what the SDK expects: asking again gets it again


def message(error: APIError) -> str:
    """What Retell answered, in one line."""
    if isinstance(error, APIConnectionError):
        return f"Retell could not be reached: {error.message}"
    if isinstance(error, APIStatusError):
        body = error.body
        detail = body.get("error_message") if isinstance(body, dict) else None
        return f"Retell answered {error.status_code}: {detail or error.message}"
    return f"Retell's answer could not be read: {error.message}"


def provider_error(error: APIError) -> ProviderError:
    """The `ProviderError` of a failed SDK call."""
    return ProviderError(message(error), retryable=retryable(error))
