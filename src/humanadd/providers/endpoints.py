"""`POST /ingest/retell`: the provider's call webhooks.

Retell signs each request (`providers.retell.signature`) and retries up to three times when it
gets no 2xx within 10 s. The signature is checked before anything in the request is used; a
valid event is stored in one transaction and answered 204. Events this service does not use,
and calls of agents no account owns, are answered 204 too (and logged), so the provider stops
retrying them.
"""

import logging

import orjson
from fastapi import APIRouter, Request, Response

from humanadd.clock import now_ms
from humanadd.dependencies import SessionDep, get_services
from humanadd.errors import InvalidRequest, InvalidSignature, NotConfigured
from humanadd.http import read_body
from humanadd.providers.retell import signature
from humanadd.providers.service import ingest

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 16 * 1024 * 1024
"""A long call's event, with word timings, is a few MB at most."""

router = APIRouter(prefix="/ingest", include_in_schema=False)


@router.post("/retell", status_code=204)
async def retell_webhook(request: Request, session: SessionDep) -> Response:
    """A Retell call event: `call_started`, `call_ended` or `call_analyzed`."""
    api_key = get_services(request).settings.retell_api_key
    if not api_key:
        raise NotConfigured("The Retell integration is not configured (HUMANADD_RETELL_API_KEY).")
    received_at_ms = now_ms()
    body = await read_body(
        request, MAX_EVENT_BYTES, f"The event is larger than {MAX_EVENT_BYTES:,} bytes."
    )
    header = request.headers.get(signature.HEADER)
    if not signature.verify(body, header, api_key.get_secret_value(), received_at_ms):
        raise InvalidSignature()
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The event is not valid JSON.") from None
    await ingest(session, payload, received_at_ms=received_at_ms)
    return Response(status_code=204)
