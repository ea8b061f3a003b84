"""`humanadd keys rotate`: the new key works at once and the old one is dead at once."""

import httpx
import orjson
from sqlalchemy import func, select

from humanadd.audit.models import AuditEvent
from humanadd.db import shown_url
from humanadd.dependencies import Services
from humanadd.keys import tokens
from humanadd.keys.models import ApiKey
from tests.conftest import Cli, MakeAccount


async def test_rotate_json_gives_a_new_key_and_the_old_one_is_refused(
    cli: Cli,
    make_account: MakeAccount,
    client: httpx.AsyncClient,
    services: Services,
    database_url: str,
):
    account = await make_account()
    assert (await client.get("/api/v1/calls", headers=account.headers)).status_code == 200

    result = await cli("keys", "rotate", account.id, "--json")

    assert result.exit_code == 0, result.stderr
    body = orjson.loads(result.stdout)
    assert body == {
        "account_id": account.id,
        "api_key": body["api_key"],
        "database": shown_url(database_url),
    }
    assert tokens.is_well_formed(body["api_key"])
    assert body["api_key"] != account.key
    old = await client.get("/api/v1/calls", headers=account.headers)
    assert old.status_code == 401
    assert old.json() == {
        "ok": False, "error": "invalid_api_key", "message": "API key not recognized."
    }  # fmt: skip
    new = await client.get("/api/v1/calls", headers={"Authorization": f"Bearer {body['api_key']}"})
    assert new.status_code == 200
    async with services.sessions() as session:
        audit = (
            await session.execute(
                select(AuditEvent.actor, AuditEvent.details).where(
                    AuditEvent.account_id == account.id, AuditEvent.action == "api_key.rotated"
                )
            )
        ).one()
    assert audit == ("cli", {"revoked_keys": 1, "new_key_prefix": body["api_key"][:12]})


async def test_rotate_prints_the_key_as_text(cli: Cli, make_account: MakeAccount):
    account = await make_account()

    result = await cli("keys", "rotate", account.id)

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"account_id: {account.id}"
    assert tokens.is_well_formed(lines[1].removeprefix("api_key:    "))
    assert (
        lines[2] == "The previous key no longer works. Store this one now: it is not shown again."
    )


async def test_rotate_refuses_an_unknown_account_and_issues_no_key(cli: Cli, services: Services):
    async with services.sessions() as session:
        before = (await session.execute(select(func.count()).select_from(ApiKey))).scalar_one()

    result = await cli("keys", "rotate", "acc_missing")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: no account 'acc_missing'\n"
    async with services.sessions() as session:
        after = (await session.execute(select(func.count()).select_from(ApiKey))).scalar_one()
    assert after == before
