"""HTTP routes of /api/v1/webhooks: the caller's own webhook, as `humanadd webhooks` offers it
to operators."""

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from humanadd.api.auth import AuthenticatedRoute, principal_of
from humanadd.dependencies import SessionDep, get_services
from humanadd.errors import AUTHENTICATED, InvalidRequest, NotFound, error_responses, quote
from humanadd.http import JsonResponse, json_body, request_body
from humanadd.params import Digits
from humanadd.webhooks import service
from humanadd.webhooks.errors import NoSuchDelivery, NoWebhook, RefusedWebhookUrl
from humanadd.webhooks.schemas import (
    DeliveryList,
    Redelivery,
    TestQueued,
    WebhookResponse,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=AuthenticatedRoute)
ACTOR = "api"


def _webhook(config: service.WebhookConfig) -> JsonResponse:
    shown = dataclasses.asdict(config)
    del shown["account_id"]
    return JsonResponse({"ok": True, "webhook": shown})


NO_WEBHOOK = "No webhook is configured; set one with PUT /api/v1/webhooks."


@router.get("", response_model=WebhookResponse, responses=error_responses(*AUTHENTICATED, 404))
async def get_webhook(request: Request, session: SessionDep) -> JsonResponse:
    """Your webhook: URL, enabled, your secret (masked) and the signing secrets."""
    try:
        return _webhook(await service.show(session, principal_of(request).account_id))
    except NoWebhook:
        raise NotFound(NO_WEBHOOK) from None


MAX_BODY_BYTES = 64 * 1024
"""A URL of 2,048 characters and a secret of 255, with room for every one written as an escape."""


@router.put(
    "",
    response_model=WebhookResponse,
    responses=error_responses(*AUTHENTICATED),
    openapi_extra=request_body(WebhookUpdate),
)
async def put_webhook(
    request: Request,
    session: SessionDep,
    update: Annotated[
        WebhookUpdate,
        Depends(json_body(WebhookUpdate, MAX_BODY_BYTES, "The request body is too large.")),
    ],
) -> JsonResponse:
    """Set your webhook URL (https, on a public address) and secret, and enable it. The first
    time, a signing secret is made."""
    settings = get_services(request).settings
    try:
        config = await service.configure(
            session,
            settings,
            principal_of(request).account_id,
            url=update.url,
            secret=update.secret,
            actor=ACTOR,
        )
    except RefusedWebhookUrl as error:
        raise InvalidRequest(f"{str(error)[0].upper()}{str(error)[1:]}.") from None
    return _webhook(config)


@router.post("/test", response_model=TestQueued, responses=error_responses(*AUTHENTICATED, 404))
async def test_webhook(request: Request, session: SessionDep) -> JsonResponse:
    """Queue a `test` event to your webhook, signed and retried like real ones."""
    try:
        event_id = await service.send_test(session, principal_of(request).account_id)
    except NoWebhook:
        raise NotFound(NO_WEBHOOK) from None
    return JsonResponse({"ok": True, "event_id": event_id})


class DeliveriesQuery(BaseModel):
    """The query parameters of GET /webhooks/deliveries."""

    status: Annotated[
        Literal["pending", "delivered", "failed"] | None,
        Field(description="Only the deliveries in this state."),
    ] = None
    limit: Annotated[
        int, Field(ge=1, le=200, description="How many deliveries, at most."), Digits
    ] = 50


@router.get(
    "/deliveries", response_model=DeliveryList, responses=error_responses(*AUTHENTICATED, 404)
)
async def list_deliveries(
    request: Request,
    session: SessionDep,
    query: Annotated[DeliveriesQuery, Query()],
) -> JsonResponse:
    """The delivery log: your recent deliveries, newest first, each with its attempts."""
    account_id = principal_of(request).account_id
    try:
        log = await service.delivery_log(session, account_id, query.status, query.limit)
    except NoWebhook:
        raise NotFound(NO_WEBHOOK) from None
    return JsonResponse({"ok": True, "deliveries": log})


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response_model=Redelivery,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def redeliver(delivery_id: str, request: Request, session: SessionDep) -> JsonResponse:
    """Send a delivery's event again now, with the same `webhook-id`."""
    try:
        new = await service.redeliver(
            session, delivery_id, actor=ACTOR, account_id=principal_of(request).account_id
        )
    except NoSuchDelivery:
        raise NotFound(f"No delivery {quote(delivery_id)}.") from None
    return JsonResponse({"ok": True, "delivery_id": new})
