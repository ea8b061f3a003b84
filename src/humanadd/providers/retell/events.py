"""Retell's call webhooks: `{"event": …, "call": {…}}`, signed (`signature`).

Retell sends `call_started`, `call_ended` and `call_analyzed` among others; the others are
read as None, so that they are answered 2xx and Retell stops sending them.
"""

import logging
from collections.abc import Mapping
from typing import get_args

import orjson
from pydantic import ValidationError

from humanadd.errors import InvalidRequest, describe_validation_error
from humanadd.providers.base import CallEvent, EventName
from humanadd.providers.retell import signature
from humanadd.providers.retell.calls import RetellCall, provider_call

logger = logging.getLogger(__name__)

EVENTS: frozenset[str] = frozenset(get_args(EventName))


class RetellEvents:
    """Retell as `CallEvents`, its signatures checked with the platform's API key."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def verify(self, body: bytes, headers: Mapping[str, str], now_ms: int) -> bool:
        """Whether `x-retell-signature` signs `body`, recently enough."""
        return signature.verify(body, headers.get(signature.HEADER), self._api_key, now_ms)

    def parse(self, body: bytes) -> CallEvent | None:
        """The event in `body`; None for an event the service does not use."""
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidRequest("The event is not valid JSON.") from None
        event = payload.get("event") if isinstance(payload, dict) else None
        if event not in EVENTS:
            logger.info("provider event ignored", extra={"event": str(event)[:64]})
            return None
        try:
            call = RetellCall.model_validate(payload.get("call"))
        except ValidationError as error:
            problem = describe_validation_error(error.errors(), ("body", "call"))
            raise InvalidRequest(problem) from None
        return CallEvent(event, provider_call(call))
