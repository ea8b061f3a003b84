"""The Integrations tab over ASGI: the plan gate, roles, the key's rotation (once, the old key
dead at once), the webhook form's inline errors and masked secrets, the audited reveal.
(Sending to a real receiver: test_integrations_webhooks.py.)"""

import logging
import re
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from humanadd.audit.models import AuditEvent
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.keys import service as keys
from humanadd.keys.models import ApiKey
from humanadd.users import service as users
from humanadd.webhooks import service as webhooks
from humanadd.webhooks.models import WebhookEndpoint
from tests.conftest import MakeAccount, TestAccount
from tests.dashboard.conftest import Dashboard, MakeUser

OpenDashboard = Callable[..., Awaitable[Dashboard]]
PAGE = "/dashboard/integrations"
ROTATE = f"{PAGE}/api-key/rotate"
CALLS = "/api/v1/calls"
ACTIONS = [
    ROTATE,
    f"{PAGE}/webhook",
    f"{PAGE}/webhook/reveal",
    f"{PAGE}/webhook/rotate-signing-secret",
    f"{PAGE}/webhook/test",
    f"{PAGE}/deliveries/dlv_whatever/redeliver",
]
"""Every POST of the tab."""
CONFIRMATIONS = [ROTATE, f"{PAGE}/webhook/rotate-signing-secret"]


async def live_key_id(services: Services, account_id: str) -> int:
    async with services.sessions() as session:
        key = await keys.live_key(session, account_id)
    assert key is not None
    return key.id


async def audit_rows(services: Services, account_id: str, action: str) -> list[AuditEvent]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return list(rows.scalars())


async def user_id(services: Services, email: str) -> int:
    async with services.sessions() as session:
        return (await users.require(session, email)).id


def new_key_in(html: str) -> str:
    found = re.search(r'id="new-key" type="text" readonly[^>]* value="(hak_[0-9A-Za-z]+)"', html)
    assert found, html
    return found.group(1)


async def test_off_enterprise_both_cards_are_disabled_with_the_reason_and_every_action_is_403(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard
) -> None:
    account = await make_account("Gate Plumbing", plan="pro")
    owner = await dashboard(await make_user(account.id, "owner"))

    shown = await owner.get(PAGE)
    assert shown.status_code == 200
    assert "Custom API is available on the Enterprise plan." in shown.text
    assert "Webhooks are available on the Enterprise plan." in shown.text
    assert shown.text.count('class="card disabled"') == 2
    assert '<button type="button" disabled>Rotate key</button>' in shown.text
    assert "<fieldset disabled" in shown.text
    assert "hak_" not in shown.text
    for url in ACTIONS:
        refused = await owner.post(url, {"key_id": "1", "url": "https://example.com/h"})
        assert refused.status_code == 403, url
        assert "available on the Enterprise plan" in refused.text
    for url in CONFIRMATIONS:
        assert (await owner.get(url)).status_code == 403, url
    assert (await owner.http.get(CALLS, headers=account.headers)).status_code == 403


async def test_the_custom_api_card_shows_the_key_without_its_secret_part(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, services: Services
) -> None:
    account = await make_account("Card Dental", timezone="America/Denver")
    owner = await dashboard(await make_user(account.id, "owner"))
    async with services.sessions() as session:
        key = await keys.live_key(session, account.id)
    assert key is not None

    shown = await owner.get(PAGE)
    assert shown.status_code == 200
    assert f"<code>{account.key[:12]}…{account.key[-4:]}</code>" in shown.text
    assert account.key not in shown.text
    local = key.created_at.astimezone(ZoneInfo("America/Denver"))
    assert local.strftime("%Y-%m-%d %H:%M") in shown.text
    assert "<dt>Last used</dt><dd>never</dd>" in shown.text
    assert "<dt>Last rotated</dt><dd>never</dd>" in shown.text
    assert f'href="{ROTATE}">Rotate key</a>' in shown.text

    assert (await owner.http.get(CALLS, headers=account.headers)).status_code == 200
    used = await owner.get(PAGE)
    assert re.search(r"<dt>Last used</dt><dd>just now \(<time datetime=", used.text)


async def test_a_key_issued_before_last_four_were_kept_shows_its_prefix_only(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, services: Services
) -> None:
    account = await make_account()
    async with services.sessions.begin() as session:
        key = await session.get(ApiKey, await live_key_id(services, account.id))
        assert key is not None
        key.last_four = None
    owner = await dashboard(await make_user(account.id, "owner"))
    shown = await owner.get(PAGE)
    assert f"<code>{account.key[:12]}…</code>" in shown.text
    assert account.key[-4:] not in shown.text.split("Custom API")[1].split("Webhooks")[0]


async def test_an_owner_rotates_once_and_the_old_key_dies_at_once(
    make_account: MakeAccount,
    make_user: MakeUser,
    dashboard: OpenDashboard,
    services: Services,
    client: httpx.AsyncClient,
) -> None:
    account = await make_account("Rotate HVAC")
    user = await make_user(account.id, "owner")
    owner = await dashboard(user)
    key_id = await live_key_id(services, account.id)

    confirm = await owner.get(ROTATE)
    assert confirm.status_code == 200
    assert "stops working immediately" in confirm.text
    assert f'<input type="hidden" name="key_id" value="{key_id}">' in confirm.text
    assert '<button type="submit" class="danger">Rotate key</button>' in confirm.text
    assert f'action="{ROTATE}"' in confirm.text

    rotated = await owner.post(ROTATE, {"key_id": str(key_id)})
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    assert '<label for="new-key">New API key</label>' in rotated.text
    assert '<button type="button" data-copy="new-key" hidden>Copy</button>' in rotated.text
    assert "it will not be shown again" in rotated.text
    new_key = new_key_in(rotated.text)

    old_headers = account.headers
    assert (await client.get(CALLS, headers=old_headers)).status_code == 401
    new_headers = TestAccount(account.id, new_key).headers
    assert (await client.get(CALLS, headers=new_headers)).status_code == 200

    again = await owner.post(ROTATE, {"key_id": str(key_id)})
    assert again.status_code == 409
    assert again.headers["cache-control"] == "no-store"
    assert "This key was already rotated" in again.text
    assert "hak_" not in again.text
    assert (await client.get(CALLS, headers=new_headers)).status_code == 200

    (row,) = await audit_rows(services, account.id, "api_key.rotated")
    assert row.actor == f"user:{await user_id(services, user.email)}"
    card = await owner.get(PAGE)
    assert f"<dt>Last rotated</dt><dd>by {user.email}, <time" in card.text
    assert f"<code>{new_key[:12]}…{new_key[-4:]}</code>" in card.text
    assert new_key not in card.text


async def test_a_rotation_by_the_cli_is_named_so(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, services: Services
) -> None:
    account = await make_account()
    async with services.sessions.begin() as session:
        await keys.rotate(session, account.id, actor="cli")
    owner = await dashboard(await make_user(account.id, "owner"))
    assert "by the command line (cli), <time" in (await owner.get(PAGE)).text


async def test_a_member_sees_the_cards_but_every_action_is_403(
    make_account: MakeAccount,
    make_user: MakeUser,
    dashboard: OpenDashboard,
    services: Services,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    account = await make_account()
    async with services.sessions.begin() as session:
        await webhooks.configure(
            session, settings, account.id, url="https://8.8.8.8/hooks", secret=None, actor="t"
        )
    member = await dashboard(await make_user(account.id, "member"))
    shown = await member.get(PAGE)
    assert shown.status_code == 200
    assert f"<code>{account.key[:12]}…{account.key[-4:]}</code>" in shown.text
    assert "Only the account's owner can rotate the key." in shown.text
    assert "Rotate key</a>" not in shown.text
    assert "<code>https://8.8.8.8/hooks</code>" in shown.text
    assert "Send test event" not in shown.text
    assert ">Reveal<" not in shown.text

    key_id = await live_key_id(services, account.id)
    for url in ACTIONS:
        refused = await member.post(url, {"key_id": str(key_id), "url": "https://8.8.4.4/h"})
        assert refused.status_code == 403, url
        assert "members can look but not change" in refused.text
    for url in CONFIRMATIONS:
        assert (await member.get(url)).status_code == 403, url
    assert await live_key_id(services, account.id) == key_id
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200
    assert await audit_rows(services, account.id, "webhook.signing_secret_revealed") == []


async def test_an_operator_rotates_any_accounts_key_with_the_account_in_the_url(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, services: Services
) -> None:
    account = await make_account()
    operator_user = await make_user(None, "operator")
    operator = await dashboard(operator_user)
    key_id = await live_key_id(services, account.id)
    confirm = await operator.get(f"{ROTATE}?account={account.id}")
    assert f'action="{ROTATE}?account={account.id}"' in confirm.text
    rotated = await operator.post(f"{ROTATE}?account={account.id}", {"key_id": str(key_id)})
    assert rotated.status_code == 200
    new_key_in(rotated.text)
    (row,) = await audit_rows(services, account.id, "api_key.rotated")
    assert row.actor == f"user:{await user_id(services, operator_user.email)}"


async def test_a_customer_cannot_rotate_another_accounts_key(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, services: Services
) -> None:
    mine, theirs = await make_account(), await make_account()
    owner = await dashboard(await make_user(mine.id, "owner"))
    their_key = await live_key_id(services, theirs.id)
    assert (await owner.get(f"{PAGE}?account={theirs.id}")).status_code == 404
    named = await owner.post(f"{ROTATE}?account={theirs.id}", {"key_id": str(their_key)})
    assert named.status_code == 404
    by_id = await owner.post(ROTATE, {"key_id": str(their_key)})
    assert by_id.status_code == 409
    assert await live_key_id(services, theirs.id) == their_key
    assert await live_key_id(services, mine.id) != their_key


async def test_a_refused_url_is_shown_inline_with_a_400_and_nothing_is_stored(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, services: Services
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    for url, error in [
        ("https://127.0.0.1/hooks", "it resolves to a loopback address (127.0.0.1)"),
        ("https://169.254.169.254/latest", "it resolves to a link-local address (169.254.169.254)"),
        ("http://8.8.8.8/hooks", "the URL must use https"),
    ]:
        refused = await owner.post(f"{PAGE}/webhook", {"url": url, "secret": "s3cret-value"})
        assert refused.status_code == 400, url
        assert (
            f'<p class="error" role="alert" id="url-error">Webhook URL refused: {error}.</p>'
            in refused.text
        )
        assert f'value="{url}"' in refused.text
        assert 'aria-invalid="true" aria-describedby="url-error"' in refused.text
        assert "s3cret-value" not in refused.text
    async with services.sessions() as session:
        assert await session.get(WebhookEndpoint, account.id) is None


async def test_the_secret_is_set_kept_changed_and_cleared_and_only_ever_shown_masked(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, services: Services
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))

    async def stored() -> tuple[str, str | None]:
        async with services.sessions() as session:
            endpoint = await session.get(WebhookEndpoint, account.id)
        assert endpoint is not None
        return endpoint.url, endpoint.secret

    saved = await owner.post(
        f"{PAGE}/webhook", {"url": "https://8.8.8.8/a", "secret": "first-secret-1"}
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PAGE}?saved=1#webhooks"
    page = await owner.get(saved.headers["location"])
    assert "The webhook is saved and enabled." in page.text
    assert "A secret is set (fi…-1)." in page.text
    assert "first-secret-1" not in page.text
    assert await stored() == ("https://8.8.8.8/a", "first-secret-1")

    await owner.post(f"{PAGE}/webhook", {"url": "https://8.8.8.8/b", "secret": ""})
    assert await stored() == ("https://8.8.8.8/b", "first-secret-1")
    await owner.post(f"{PAGE}/webhook", {"url": "https://8.8.8.8/b", "secret": "second-secret-2"})
    assert await stored() == ("https://8.8.8.8/b", "second-secret-2")
    await owner.post(f"{PAGE}/webhook", {"url": "https://8.8.8.8/b", "clear_secret": "1"})
    assert await stored() == ("https://8.8.8.8/b", None)
    assert "None set." in (await owner.get(PAGE)).text


async def test_the_signing_secret_is_masked_and_its_reveal_is_audited_and_not_stored(
    make_account: MakeAccount,
    make_user: MakeUser,
    dashboard: OpenDashboard,
    services: Services,
    settings: Settings,
) -> None:
    account = await make_account()
    async with services.sessions.begin() as session:
        config = await webhooks.configure(
            session, settings, account.id, url="https://8.8.8.8/h", secret=None, actor="t"
        )
    (signing,) = config.signing_secrets
    user = await make_user(account.id, "owner")
    owner = await dashboard(user)

    shown = await owner.get(PAGE)
    assert f"<code>whsec_…{signing.secret[-4:]}</code>" in shown.text
    assert signing.secret not in shown.text
    assert await audit_rows(services, account.id, "webhook.signing_secret_revealed") == []

    revealed = await owner.post(f"{PAGE}/webhook/reveal")
    assert revealed.status_code == 200
    assert revealed.headers["cache-control"] == "no-store"
    assert f'value="{signing.secret}"' in revealed.text
    assert 'data-copy="signing-1" hidden>Copy</button>' in revealed.text
    (row,) = await audit_rows(services, account.id, "webhook.signing_secret_revealed")
    assert row.actor == f"user:{await user_id(services, user.email)}"
    assert signing.secret not in repr(row.details)
    assert signing.secret not in (await owner.get(PAGE)).text


async def test_rotating_the_signing_secret_keeps_the_old_one_signing_for_a_day(
    make_account: MakeAccount,
    make_user: MakeUser,
    dashboard: OpenDashboard,
    services: Services,
    settings: Settings,
) -> None:
    account = await make_account()
    async with services.sessions.begin() as session:
        await webhooks.configure(
            session, settings, account.id, url="https://8.8.8.8/h", secret=None, actor="t"
        )
    owner = await dashboard(await make_user(account.id, "owner"))
    confirm = await owner.get(f"{PAGE}/webhook/rotate-signing-secret")
    assert "keeps signing beside it for 24 hours" in confirm.text
    assert ">Rotate signing secret</button>" in confirm.text
    done = await owner.post(f"{PAGE}/webhook/rotate-signing-secret")
    assert done.status_code == 303
    assert done.headers["location"] == f"{PAGE}?signing_rotated=1#signing"
    async with services.sessions() as session:
        new, old = (await webhooks.show(session, account.id)).signing_secrets
    assert (new.expires_at, old.expires_at is not None) == (None, True)
    page = await owner.get(done.headers["location"])
    assert "former secret: signs too until" in page.text
    assert len(await audit_rows(services, account.id, "webhook.signing_secret_rotated")) == 1


async def test_the_payload_shape_is_our_call_ended_body_with_a_verification_snippet(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    shown = (await owner.get(PAGE)).text
    assert "<pre><code>{\n  &#34;event&#34;: &#34;call_ended&#34;,\n  &#34;call_id&#34;:" in shown
    keys_in_order = re.findall(r"\n  &#34;(\w+)&#34;:", shown.split("Payload shape")[1])
    assert keys_in_order == [
        "event", "call_id", "direction", "from_number", "to_number", "started_at",
        "duration_seconds", "sentiment", "summary", "transcript", "recording_url",
    ]  # fmt: skip
    assert "http://127.0.0.1:8000/api/v1/calls/call_7Hq2mK9pXz4LbR1t/recording" in shown
    assert "hmac.new(key, signed, hashlib.sha256)" in shown


async def test_no_key_or_secret_is_ever_logged(
    make_account: MakeAccount,
    make_user: MakeUser,
    dashboard: OpenDashboard,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    caplog.set_level(logging.INFO)  # the service's level (HUMANADD_LOG_LEVEL's default)
    rotated = await owner.post(ROTATE, {"key_id": str(await live_key_id(services, account.id))})
    new_key = new_key_in(rotated.text)
    await owner.post(f"{PAGE}/webhook", {"url": "https://8.8.8.8/h", "secret": "never-log-me-77"})
    revealed = await owner.post(f"{PAGE}/webhook/reveal")
    whsec = re.search(r'value="(whsec_[^"]+)"', revealed.text)
    assert whsec
    logged = "\n".join(f"{record.getMessage()} {record.__dict__!r}" for record in caplog.records)
    for secret in (new_key, account.key, "never-log-me-77", whsec.group(1), owner.csrf_token):
        assert secret not in logged
