"""Events written to the outbox other than by the worker's analysis of a provider's call:
`calls import --notify`. (The analysis's own, and its timeout: tests/providers/test_analysis.py.)"""

from pathlib import Path

import orjson
from sqlalchemy import select

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks import service
from humanadd.webhooks.models import WebhookEvent
from tests.conftest import Cli, MakeAccount, TestAccount

URL = "http://127.0.0.1:9/hooks"
STARTED = 1_736_965_324_000


async def hooked_account(
    make_account: MakeAccount, services: Services, settings: Settings
) -> TestAccount:
    account = await make_account()
    async with services.sessions.begin() as session:
        await service.configure(session, settings, account.id, url=URL, secret=None, actor="test")
    return account


async def events_of(services: Services, account_id: str) -> list[WebhookEvent]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(WebhookEvent)
            .where(WebhookEvent.account_id == account_id)
            .order_by(WebhookEvent.call_id)
        )
        return list(rows.scalars())


async def test_calls_import_fires_webhooks_only_with_notify(
    cli: Cli, make_account: MakeAccount, services: Services, settings: Settings, tmp_path: Path
) -> None:
    account = await hooked_account(make_account, services, settings)
    started = "2025-01-15T18:22:04.000Z"
    lines = [
        {"call_id": "call_imported", "direction": "inbound", "started_at": started,
         "sentiment": "neutral", "summary": "Imported."},
        {"call_id": "call_still_on", "direction": "inbound", "started_at": started,
         "status": "ongoing"},
    ]  # fmt: skip
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))

    quiet = await cli("calls", "import", str(path), "--account", account.id)
    assert quiet.exit_code == 0, quiet.stderr
    assert await events_of(services, account.id) == []

    loud = await cli("calls", "import", str(path), "--account", account.id, "--notify")
    assert loud.exit_code == 0, loud.stderr
    (event,) = await events_of(services, account.id)
    assert orjson.loads(event.payload)["summary"] == "Imported."
