"""`POST /ingest/retell`: the provider's call webhooks.

The provider signs each request (Retell: `providers.retell.signature`) and retries it when it
gets no 2xx in time (Retell: up to three times, after 10 s). The signature is checked before
anything in the request is used; a valid event is stored in one transaction and answered 204.
Events this service does not use, and calls of agents no account owns, are answered 204 too
(and logged), so the provider stops retrying them.
"""

import logging

from fastapi import APIRouter, Request, Response

from humanadd.clock import now_ms
from humanadd.dependencies import SessionDep, get_services
from humanadd.errors import InvalidSignature
from humanadd.http import read_body
from humanadd.providers.registry import provider_for
from humanadd.providers.service import ingest

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 16 * 1024 * 1024
"""A long call's event, with word timings, is a few MB at most."""

router = APIRouter(prefix="/ingest", include_in_schema=False)


@router.post("/retell", status_code=204)
async def retell_webhook(request: Request, session: SessionDep) -> Response:
    """A Retell call event: `call_started`, `call_ended` or `call_analyzed`."""
    settings = get_services(request).settings
    events = provider_for("retell").call_events(settings)
    received_at_ms = now_ms()
    body = await read_body(
        request, MAX_EVENT_BYTES, f"The event is larger than {MAX_EVENT_BYTES:,} bytes."
    )
    if not events.verify(body, request.headers, received_at_ms):
        raise InvalidSignature()
    event = events.parse(body)
    if event is not None:
        await ingest(
            session,
            event,
            received_at_ms=received_at_ms,
            analysis_timeout_ms=settings.analysis_timeout_ms,
        )
    return Response(status_code=204)
