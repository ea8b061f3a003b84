"""The Webhooks card's actions on `/dashboard/integrations`: save the URL and secret, reveal
and rotate the signing secret, send a test event at once, redeliver."""

import random

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from humanadd.clock import now_ms
from humanadd.dashboard.auth import AccountPageDep, FormDep, field
from humanadd.dashboard.errors import PageNotFound
from humanadd.dashboard.pages.integrations import PATH, ROUTE, check_action, render_page
from humanadd.dashboard.templating import render
from humanadd.dependencies import ServicesDep, SessionDep
from humanadd.webhooks import service as webhooks
from humanadd.webhooks.delivery import Sender, deliver_one
from humanadd.webhooks.errors import NoSuchDelivery, NoWebhook, WebhookError

router = APIRouter()

WEBHOOK = f"{ROUTE}/webhook"
ROTATE_SIGNING = f"{WEBHOOK}/rotate-signing-secret"
NO_WEBHOOK = "Save a webhook URL first."


def _sentence(error: WebhookError) -> str:
    text = str(error)
    return f"{text[0].upper()}{text[1:]}."


@router.post(WEBHOOK)
async def save_webhook(
    request: Request,
    page: AccountPageDep,
    data: FormDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """Set the URL (the API's SSRF rules) and the `X-Webhook-Secret`: a new one typed, the
    current one kept when the field is left empty, or removed."""
    check_action(page)
    url = field(data, "url").strip()
    secret = field(data, "secret")
    clear = field(data, "clear_secret") == "1"
    try:
        await webhooks.configure(
            session,
            services.settings,
            page.account.id,
            url=url,
            secret=None if clear else (secret or None),
            keep_secret=not clear and not secret,
            actor=page.viewer.actor,
        )
    except WebhookError as error:
        return await render_page(
            request,
            session,
            page,
            services.settings,
            status_code=400,
            form_error=_sentence(error),
            form_url=url,
        )
    return RedirectResponse(page.url(PATH, saved=1) + "#webhooks", status_code=303)


@router.post(f"{WEBHOOK}/reveal")
async def reveal_signing_secret(
    request: Request,
    page: AccountPageDep,
    _data: FormDep,
    services: ServicesDep,
    session: SessionDep,
) -> HTMLResponse:
    """The signing secrets in full, on this answer only, and an audit row naming who saw them."""
    check_action(page)
    try:
        revealed = await webhooks.reveal_signing_secrets(
            session, page.account.id, actor=page.viewer.actor
        )
    except NoWebhook:
        raise PageNotFound(NO_WEBHOOK) from None
    return await render_page(
        request,
        session,
        page,
        services.settings,
        headers={"Cache-Control": "no-store"},
        revealed=[secret.secret for secret in revealed],
    )


@router.get(ROTATE_SIGNING)
async def confirm_signing_rotation(request: Request, page: AccountPageDep) -> HTMLResponse:
    """The signing secret rotation's confirmation."""
    check_action(page)
    return render(
        request,
        "integrations_confirm.html",
        {
            "page": page,
            "viewer": page.viewer,
            "title": "Rotate the signing secret?",
            "sentences": [
                "A new signing secret signs every request from now on. The current one keeps "
                "signing beside it for 24 hours, so your receiver can switch without missing "
                "an event; after that, only the new one is valid.",
            ],
            "action": page.url(f"/dashboard{ROTATE_SIGNING}"),
            "fields": {},
            "button": "Rotate signing secret",
            "danger": False,
        },
    )


@router.post(ROTATE_SIGNING)
async def rotate_signing_secret(
    page: AccountPageDep, _data: FormDep, session: SessionDep
) -> RedirectResponse:
    """A new signing secret, with the API's 24-hour overlap."""
    check_action(page)
    try:
        await webhooks.rotate_signing_secret(session, page.account.id, actor=page.viewer.actor)
    except NoWebhook:
        raise PageNotFound(NO_WEBHOOK) from None
    return RedirectResponse(page.url(PATH, signing_rotated=1) + "#signing", status_code=303)


@router.post(f"{WEBHOOK}/test")
async def send_test_event(
    request: Request,
    page: AccountPageDep,
    _data: FormDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """Send a test event now, while this request waits; the page it leads to shows how it
    went (it is a delivery in the log too, so reloading that page sends nothing again).

    The delivery is written and committed first, in a transaction of its own, then sent by
    the worker's own code (`delivery.deliver_one`): no transaction stays open, and no lock
    held, while the customer's server answers.
    """
    check_action(page)
    try:
        async with services.sessions.begin() as queueing:
            delivery_id = await webhooks.queue_test_now(queueing, page.account.id)
    except NoWebhook:
        raise PageNotFound(NO_WEBHOOK) from None
    except WebhookError as error:
        return await render_page(
            request, session, page, services.settings, status_code=400, test_error=_sentence(error)
        )
    sender = Sender(services.settings)
    try:
        await deliver_one(services.sessions, sender, delivery_id, now=now_ms(), rng=random.Random())
    finally:
        await sender.close()
    return RedirectResponse(page.url(PATH, test=delivery_id) + "#test", status_code=303)


@router.post(f"{ROUTE}/deliveries/{{delivery_id}}/redeliver")
async def redeliver(
    delivery_id: str, page: AccountPageDep, _data: FormDep, session: SessionDep
) -> RedirectResponse:
    """Queue a delivery's event again (same `webhook-id`); another account's is a 404."""
    check_action(page)
    try:
        await webhooks.redeliver(
            session, delivery_id, actor=page.viewer.actor, account_id=page.account.id
        )
    except NoSuchDelivery:
        raise PageNotFound("There is no such delivery.") from None
    return RedirectResponse(page.url(PATH, redelivered=1) + "#deliveries", status_code=303)
