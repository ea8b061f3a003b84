"""`/dashboard/integrations`: the Custom API card (the key, its rotation) and the Webhooks card
(whose actions are in `integrations_webhooks`). Enterprise only, like the API: off Enterprise
the cards are shown disabled and every action is refused."""

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.calls.records import CallRecord
from humanadd.config import Settings
from humanadd.dashboard.auth import (
    AccountPage,
    AccountPageDep,
    FormDep,
    field,
    require_enterprise,
    require_manager,
)
from humanadd.dashboard.errors import PageError
from humanadd.dashboard.templating import render
from humanadd.dependencies import ServicesDep, SessionDep
from humanadd.keys import service as keys
from humanadd.keys.models import ApiKey
from humanadd.users import service as users
from humanadd.webhooks import service as webhooks
from humanadd.webhooks.delivery import as_sent
from humanadd.webhooks.errors import NoWebhook

router = APIRouter()

ROUTE = "/integrations"
"""Under the dashboard's prefix; `PATH` is the page's full path, for links."""
PATH = f"/dashboard{ROUTE}"
ROTATE_KEY = "/api-key/rotate"
FEATURE = "The Integrations tab (Custom API and webhooks)"
RECENT_DELIVERIES = 20
REPLY_SHOWN = 500
"""Characters of a receiver's reply the test event's outcome shows."""

SAMPLE_CALL = CallRecord(
    call_id="call_7Hq2mK9pXz4LbR1t",
    direction="inbound",
    started_at=1_736_965_324_000,
    from_number="+15551234567",
    to_number="+15559876543",
    duration_seconds=82,
    sentiment="positive",
    summary="The caller booked a boiler service for Tuesday morning.",
    transcript="AI: Thanks for calling, how can I help?\nCaller: I need my boiler serviced.",
    recording_ref="sample",
)
"""The call behind the payload example: the body is built by the code that builds real ones."""

VERIFY_SNIPPET = """\
import base64, hashlib, hmac, time

SECRET = "whsec_…"  # your signing secret


def verify(headers: dict[str, str], body: bytes) -> bool:
    \"\"\"True when the request is ours: a webhook-signature item matches, and it is fresh.\"\"\"
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > 300:
        return False  # too old, or from the future: possibly a replay
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # During a rotation's 24 hours there is one "v1,…" item per signing secret.
    return any(
        hmac.compare_digest(expected, item.split(",", 1)[1])
        for item in headers["webhook-signature"].split()
    )
"""
"""Our signature scheme (docs/webhooks.md), verified by hand with the standard library."""


def payload_example(settings: Settings) -> str:
    """A `call_ended` body as we send it, pretty-printed."""
    payload = as_sent(
        webhooks.call_ended_payload(SAMPLE_CALL.call_id, SAMPLE_CALL), settings.public_url
    )
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode()


def key_shown(key: ApiKey) -> str:
    """The key's prefix and, for keys issued since they are kept, its last four characters."""
    return f"{key.prefix}…{key.last_four}" if key.last_four else f"{key.prefix}…"


def actor_shown(actor: str, names: dict[str, str]) -> str:
    """An audit actor in words: a dashboard user's email, or what the actor is called."""
    if actor in names:
        return names[actor]
    return "the command line (cli)" if actor == "cli" else actor


async def _api_card(session: AsyncSession, account_id: str) -> dict[str, Any]:
    key = await keys.live_key(session, account_id)
    rotation = await keys.last_rotation(session, account_id)
    names = await users.actor_names(session, [rotation.actor] if rotation else [])
    return {
        "key": key,
        "key_shown": key_shown(key) if key else None,
        "rotation": rotation,
        "rotated_by": actor_shown(rotation.actor, names) if rotation else None,
    }


async def _webhooks_card(
    session: AsyncSession, account_id: str, test_delivery: str | None
) -> dict[str, Any]:
    try:
        config = await webhooks.show(session, account_id)
    except NoWebhook:
        return {"webhook": None, "health": None, "deliveries": [], "test_result": None}
    deliveries = await webhooks.delivery_log(session, account_id, limit=RECENT_DELIVERIES)
    tested = next((d for d in deliveries if d["delivery_id"] == test_delivery), None)
    return {
        "webhook": config,
        "signing_masked": [webhooks.mask_signing_secret(s.secret) for s in config.signing_secrets],
        "health": await webhooks.health(session, account_id),
        "deliveries": deliveries,
        "test_result": tested["attempts"][0] if tested and tested["attempts"] else None,
    }


async def render_page(
    request: Request,
    session: AsyncSession,
    page: AccountPage,
    settings: Settings,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HTMLResponse:
    """The Integrations tab, with `extra` in its context (a form's error, revealed secrets)."""
    context: dict[str, Any] = {
        "page": page,
        "viewer": page.viewer,
        "zone": page.account.timezone,
        "notice": None,
        "form_error": None,
        "form_url": None,
        "revealed": None,
        "test_error": None,
        "reply_shown": REPLY_SHOWN,
    }
    if page.enterprise:
        context |= await _api_card(session, page.account.id)
        context |= await _webhooks_card(session, page.account.id, request.query_params.get("test"))
        context |= {"payload_example": payload_example(settings), "snippet": VERIFY_SNIPPET}
    context |= extra
    return render(request, "integrations.html", context, status_code=status_code, headers=headers)


NOTICES = {
    "saved": "The webhook is saved and enabled.",
    "signing_rotated": (
        "A new signing secret is in use. The former one keeps signing too for 24 hours, "
        "so switch your receiver to the new one within a day."
    ),
    "redelivered": "The delivery is queued again; it is sent within seconds.",
}


@router.get(ROUTE)
async def integrations(
    request: Request, page: AccountPageDep, services: ServicesDep, session: SessionDep
) -> HTMLResponse:
    """The Integrations tab."""
    notice = next((text for flag, text in NOTICES.items() if flag in request.query_params), None)
    return await render_page(request, session, page, services.settings, notice=notice)


def check_action(page: AccountPage) -> None:
    """What every action of this tab requires: the Enterprise plan, and an owner or operator."""
    require_enterprise(page, FEATURE)
    require_manager(page)


@router.get(ROUTE + ROTATE_KEY)
async def confirm_rotation(
    request: Request, page: AccountPageDep, session: SessionDep
) -> HTMLResponse:
    """The rotation's confirmation, naming the key it replaces (a page: no script needed)."""
    check_action(page)
    key = await keys.live_key(session, page.account.id)
    if key is None:
        raise PageError("This account has no live API key to rotate.")
    return render(
        request,
        "integrations_confirm.html",
        {
            "page": page,
            "viewer": page.viewer,
            "title": "Rotate the API key?",
            "sentences": [
                f"The current key ({key_shown(key)}) stops working immediately: every request "
                "made with it is refused from the moment you confirm.",
                "The new key is shown once, on the next page. Have the place where you keep it "
                "ready, and update every system that calls the API.",
            ],
            "action": page.url(PATH + ROTATE_KEY),
            "fields": {"key_id": str(key.id)},
            "button": "Rotate key",
            "danger": True,
        },
    )


@router.post(ROUTE + ROTATE_KEY)
async def rotate_key(
    request: Request, page: AccountPageDep, data: FormDep, session: SessionDep
) -> HTMLResponse:
    """Rotate the key the confirmation named, if it is still the live one; the new key is
    shown once, on this answer only (no redirect, `no-store`)."""
    check_action(page)
    key_id = field(data, "key_id")
    if not key_id.isdigit():
        raise PageError("The form does not name the key to rotate. Reload the page.")
    new_key = await keys.rotate_key(session, page.account.id, int(key_id), actor=page.viewer.actor)
    return render(
        request,
        "integrations_new_key.html",
        {"page": page, "viewer": page.viewer, "new_key": new_key},
        status_code=200 if new_key else 409,
        headers={"Cache-Control": "no-store"},
    )
