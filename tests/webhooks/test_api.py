"""/api/v1/webhooks: the caller's own webhook, in the API's envelope."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from humanadd.clock import datetime_from_iso
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks import service
from tests.conftest import MakeAccount, client_for
from tests.openapi_check import OpenApiChecker

WEBHOOKS = "/api/v1/webhooks"
URL = "http://127.0.0.1:9/hooks"
NO_WEBHOOK = {
    "ok": False,
    "error": "not_found",
    "message": "No webhook is configured; set one with PUT /api/v1/webhooks.",
}


async def test_put_then_get_the_webhook(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    assert (await client.get(WEBHOOKS, headers=account.headers)).json() == NO_WEBHOOK

    put = await client.put(
        WEBHOOKS, json={"url": URL, "secret": "cust-secret-42"}, headers=account.headers
    )

    assert put.status_code == 200, put.text
    openapi.check(put)
    webhook = put.json()["webhook"]
    (signing,) = webhook.pop("signing_secrets")
    assert webhook == {"url": URL, "enabled": True, "secret": "cu…42"}
    assert signing["secret"].startswith("whsec_")
    got = await client.get(WEBHOOKS, headers=account.headers)
    openapi.check(got)
    assert got.json() == put.json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Invalid body field 'url': Field required."),
        ({"url": URL, "colour": "red"}, "Unknown body field 'colour'."),
        (
            {"url": URL, "secret": ""},
            "Invalid body field 'secret': String should have at least 1 character.",
        ),
    ],
)
async def test_a_bad_body_is_400(
    client: httpx.AsyncClient, make_account: MakeAccount, body: dict[str, object], message: str
) -> None:
    account = await make_account()
    response = await client.put(WEBHOOKS, json=body, headers=account.headers)
    assert (response.status_code, response.json()) == (
        400,
        {"ok": False, "error": "invalid_request", "message": message},
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hooks", "Webhook URL refused: the URL must use https."),
        (
            "https://10.0.0.8/hooks",
            "Webhook URL refused: it resolves to a private address (10.0.0.8).",
        ),
    ],
)
async def test_a_refused_url_is_400_and_changes_nothing(
    settings: Settings, make_account: MakeAccount, services: Services, url: str, message: str
) -> None:
    strict = settings.model_copy(
        update={"webhooks_allow_private": False, "webhooks_allow_insecure": False}
    )
    account = await make_account()
    async with client_for(strict) as client:
        response = await client.put(WEBHOOKS, json={"url": url}, headers=account.headers)
        assert (response.status_code, response.json()["message"]) == (400, message)
        assert (await client.get(WEBHOOKS, headers=account.headers)).status_code == 404


async def test_test_event_then_its_delivery_in_the_log_then_redeliver(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    await client.put(WEBHOOKS, json={"url": URL}, headers=account.headers)

    queued = await client.post(f"{WEBHOOKS}/test", headers=account.headers)
    openapi.check(queued)
    log = await client.get(f"{WEBHOOKS}/deliveries", headers=account.headers)
    openapi.check(log)
    (delivery,) = log.json()["deliveries"]
    assert (
        delivery["event_id"],
        delivery["event_type"],
        delivery["status"],
        delivery["attempts"],
    ) == (
        queued.json()["event_id"],
        "test",
        "pending",
        [],
    )

    again = await client.post(
        f"{WEBHOOKS}/deliveries/{delivery['delivery_id']}/redeliver", headers=account.headers
    )
    openapi.check(again)
    assert again.json()["delivery_id"] != delivery["delivery_id"]
    failed = await client.get(
        f"{WEBHOOKS}/deliveries", params={"status": "failed"}, headers=account.headers
    )
    assert failed.json()["deliveries"] == []


async def test_another_accounts_delivery_is_404(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services, settings: Settings
) -> None:
    owner, other = await make_account(), await make_account()
    async with services.sessions.begin() as session:
        await service.configure(session, settings, owner.id, url=URL, secret=None, actor="test")
        await service.send_test(session, owner.id)
        (delivery,) = await service.delivery_log(session, owner.id)

    response = await client.post(
        f"{WEBHOOKS}/deliveries/{delivery['delivery_id']}/redeliver", headers=other.headers
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_the_webhook_api_is_for_enterprise_keys(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    account = await make_account(plan="pro")
    response = await client.put(WEBHOOKS, json={"url": URL}, headers=account.headers)
    assert (response.status_code, response.json()["error"]) == (403, "plan_not_supported")


async def test_a_body_naming_a_key_twice_is_400_and_changes_nothing(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    content = b'{"url":"https://a.example.com/h","url":"https://b.example.com/h"}'
    headers = {**account.headers, "Content-Type": "application/json"}
    response = await client.put(WEBHOOKS, content=content, headers=headers)
    openapi.check(response)
    assert (response.status_code, response.json()) == (
        400,
        {
            "ok": False,
            "error": "invalid_request",
            "message": "The request body names the key 'url' more than once.",
        },
    )
    assert (await client.get(WEBHOOKS, headers=account.headers)).status_code == 404


API_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
"""The API document's one time format: UTC, milliseconds, `Z`."""


async def test_a_rotated_secrets_expires_at_is_in_the_apis_time_format(
    client: httpx.AsyncClient, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    await client.put(WEBHOOKS, json={"url": URL}, headers=account.headers)
    async with services.sessions.begin() as session:
        await service.rotate_signing_secret(session, account.id, actor="test")
    before = datetime.now(UTC)

    got = await client.get(WEBHOOKS, headers=account.headers)

    new, old = got.json()["webhook"]["signing_secrets"]
    assert new["expires_at"] is None
    assert API_TIME.fullmatch(old["expires_at"]), old["expires_at"]
    until = datetime_from_iso(old["expires_at"])
    assert before + timedelta(hours=23, minutes=59) < until <= before + timedelta(hours=24)
