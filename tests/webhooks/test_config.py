"""`humanadd webhooks set|show|rotate-signing-secret|enable|disable`."""

import base64
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import select

from humanadd.audit.models import AuditEvent
from humanadd.dependencies import Services
from humanadd.webhooks.models import WebhookEndpoint
from tests.conftest import Cli, MakeAccount

URL = "https://93.184.216.34/hooks/humanadd"


async def endpoint(services: Services, account_id: str) -> WebhookEndpoint | None:
    async with services.sessions() as session:
        return await session.get(WebhookEndpoint, account_id)


async def test_set_then_show_the_webhook(
    cli: Cli, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    result = await cli(
        "webhooks", "set", account.id, "--url", URL, "--secret", "s3cr3t-value!", "--json"
    )

    assert result.exit_code == 0, result.stderr
    shown = orjson.loads(result.stdout)
    (signing,) = shown.pop("signing_secrets")
    assert shown == {
        "account_id": account.id,
        "url": URL,
        "enabled": True,
        "secret": "s3…e!",
    }
    assert signing["expires_at"] is None
    assert len(base64.b64decode(signing["secret"].removeprefix("whsec_"))) == 32
    stored = await endpoint(services, account.id)
    assert stored is not None
    assert stored.secret == "s3cr3t-value!"

    again = await cli("webhooks", "show", account.id, "--json")
    assert orjson.loads(again.stdout)["signing_secrets"] == [signing]
    text = await cli("webhooks", "show", account.id)
    assert text.stdout.splitlines() == [
        f"account_id: {account.id}",
        f"url:        {URL}",
        "enabled:    yes",
        "secret:     s3…e!",
        f"signing:    {signing['secret']}",
    ]
    async with services.sessions() as session:
        details = (
            await session.execute(
                select(AuditEvent.details).where(
                    AuditEvent.account_id == account.id, AuditEvent.action == "webhook.configured"
                )
            )
        ).scalar_one()
    assert details == {"url": URL, "secret_set": True}
    assert "s3cr3t" not in result.stderr + text.stdout


async def test_rotating_keeps_the_old_secret_signing_for_a_day(
    cli: Cli, make_account: MakeAccount
) -> None:
    account = await make_account()
    first = orjson.loads((await cli("webhooks", "set", account.id, "--url", URL, "--json")).stdout)
    before = datetime.now(UTC)

    result = await cli("webhooks", "rotate-signing-secret", account.id, "--json")

    assert result.exit_code == 0, result.stderr
    new, old = orjson.loads(result.stdout)["signing_secrets"]
    assert new["expires_at"] is None
    assert old["secret"] == first["signing_secrets"][0]["secret"]
    until = datetime.fromisoformat(old["expires_at"])
    assert (
        before + timedelta(hours=23, minutes=59) < until < before + timedelta(hours=24, minutes=1)
    )


async def test_disable_and_enable(cli: Cli, make_account: MakeAccount, services: Services) -> None:
    account = await make_account()
    await cli("webhooks", "set", account.id, "--url", URL)

    disabled = await cli("webhooks", "disable", account.id, "--json")
    assert orjson.loads(disabled.stdout)["enabled"] is False
    stored = await endpoint(services, account.id)
    assert stored is not None
    assert (stored.enabled, stored.disabled_reason) == (False, "operator")

    enabled = await cli("webhooks", "enable", account.id, "--json")
    assert orjson.loads(enabled.stdout)["enabled"] is True


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://93.184.216.34/in", "webhook URL refused: the URL must use https"),
        (
            "https://127.0.0.1/in",
            "webhook URL refused: it resolves to a loopback address (127.0.0.1)",
        ),
        (
            "https://169.254.169.254/latest/meta-data",
            "webhook URL refused: it resolves to a link-local address (169.254.169.254)",
        ),
        ("https://localhost:8443/in", "webhook URL refused: it resolves to a loopback address"),
        (
            "https://no-such-host.invalid/in",
            "webhook URL refused: the host 'no-such-host.invalid' does not resolve",
        ),
    ],
)
async def test_a_refused_url_is_a_one_line_error_and_changes_nothing(
    cli: Cli, make_account: MakeAccount, services: Services, url: str, problem: str
) -> None:
    account = await make_account()

    result = await cli("webhooks", "set", account.id, "--url", url)

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {problem}")
    assert await endpoint(services, account.id) is None


async def test_private_destinations_when_allowed(
    cli: Cli, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await make_account()
    monkeypatch.setenv("HUMANADD_WEBHOOKS_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("HUMANADD_WEBHOOKS_ALLOW_INSECURE", "1")

    result = await cli("webhooks", "set", account.id, "--url", "http://127.0.0.1:9000/in")

    assert result.exit_code == 0, result.stderr


async def test_show_needs_a_configured_webhook(cli: Cli, make_account: MakeAccount) -> None:
    account = await make_account()
    result = await cli("webhooks", "show", account.id)
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: account {account.id} has no webhook (see `humanadd webhooks set`)\n",
    )
