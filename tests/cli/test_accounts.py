"""`humanadd accounts create|list|set-plan`: output, stored rows, audit and operator mistakes."""

import re
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from humanadd.accounts.models import Account
from humanadd.audit.models import AuditEvent
from humanadd.db import shown_url
from humanadd.dependencies import Services
from humanadd.keys import service as keys
from tests.conftest import Cli, MakeAccount

ACCOUNT_ID = re.compile(r"^acc_[0-9A-Za-z]{20}$")
API_KEY = re.compile(r"^hak_[0-9A-Za-z]{38}$")


async def _account(services: Services, account_id: str) -> Account | None:
    async with services.sessions() as session:
        return await session.get(Account, account_id)


async def _account_count(services: Services) -> int:
    async with services.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Account))).scalar_one())


async def _audit(services: Services, account_id: str) -> list[tuple[str, str, dict[str, object]]]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.details)
            .where(AuditEvent.account_id == account_id)
            .order_by(AuditEvent.id)
        )
        return [(action, actor, details) for action, actor, details in rows]


async def test_create_prints_the_account_id_and_its_first_key(cli: Cli, services: Services):
    result = await cli(
        "accounts", "create", "--name", "Acme HVAC", "--plan", "enterprise",
        "--timezone", "America/Chicago",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    account_id = lines[0].removeprefix("account_id: ")
    api_key = lines[1].removeprefix("api_key:    ")
    assert ACCOUNT_ID.match(account_id)
    assert API_KEY.match(api_key)
    assert lines[2:] == [
        "name: Acme HVAC, plan: enterprise, timezone: America/Chicago",
        "Store the key now: it is not shown again (`humanadd keys rotate` issues a new one).",
    ]
    assert result.stderr == ""
    account = await _account(services, account_id)
    assert account is not None
    assert (account.name, account.plan, account.timezone) == (
        "Acme HVAC",
        "enterprise",
        "America/Chicago",
    )
    found = await keys.authenticate(services.reader, api_key)
    assert found is not None
    assert found[0].account_id == account_id


async def test_create_json_gives_the_id_and_a_key_the_api_accepts(
    cli: Cli, services: Services, client: httpx.AsyncClient, database_url: str
):
    result = await cli(
        "accounts", "create", "--name", "Bright Smile", "--plan", "enterprise", "--json"
    )

    assert result.exit_code == 0, result.stderr
    body = orjson.loads(result.stdout)
    assert body == {
        "account_id": body["account_id"],
        "api_key": body["api_key"],
        "name": "Bright Smile",
        "plan": "enterprise",
        "timezone": "UTC",
        "database": shown_url(database_url),
    }
    assert ACCOUNT_ID.match(body["account_id"])
    response = await client.get(
        "/api/v1/calls", headers={"Authorization": f"Bearer {body['api_key']}"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "ok": True, "count": 0, "calls": [], "has_more": False, "next_cursor": None
    }  # fmt: skip
    assert await _audit(services, body["account_id"]) == [
        (
            "account.created",
            "cli",
            {"name": "Bright Smile", "plan": "enterprise", "timezone": "UTC"},
        )
    ]


async def test_create_defaults_to_the_starter_plan_and_says_how_to_open_the_api(
    cli: Cli, client: httpx.AsyncClient
):
    result = await cli("accounts", "create", "--name", "Luxe Hair", "--json")

    assert result.exit_code == 0
    body = orjson.loads(result.stdout)
    assert body["plan"] == "starter"
    assert result.stderr == (
        "note: the public API refuses keys of starter accounts; "
        f"`humanadd accounts set-plan {body['account_id']} enterprise` opens it.\n"
    )
    response = await client.get(
        "/api/v1/calls", headers={"Authorization": f"Bearer {body['api_key']}"}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "plan_not_supported"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--plan", "gold"],
            "error: unknown plan 'gold' (choose one of: starter, pro, enterprise)\n",
        ),
        (
            ["--timezone", "Mars/Olympus_Mons"],
            "error: unknown time zone 'Mars/Olympus_Mons' (use a region name such as "
            "America/New_York, or UTC)\n",
        ),
        (
            ["--timezone", "EST"],
            "error: time zone 'EST' is an abbreviation, a fixed offset or an alias, not a "
            "region: use a region name such as America/New_York, or UTC (a region's clock "
            "follows its daylight saving time)\n",
        ),
        (["--timezone", "EST5EDT/../x"], None),
    ],
)
async def test_create_refuses_a_bad_plan_or_time_zone_and_creates_nothing(
    cli: Cli, services: Services, arguments: list[str], message: str | None
):
    before = await _account_count(services)

    result = await cli("accounts", "create", "--name", "Nope Inc", *arguments)

    assert result.exit_code == 1
    assert result.stdout == ""
    if message is not None:
        assert result.stderr == message
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: ")
    assert await _account_count(services) == before


async def test_create_refuses_a_blank_name(cli: Cli, services: Services):
    before = await _account_count(services)

    result = await cli("accounts", "create", "--name", "   ")

    assert (result.exit_code, result.stderr) == (1, "error: an account needs a non-blank name\n")
    assert await _account_count(services) == before


async def test_list_shows_every_account_as_text_and_json(cli: Cli, make_account: MakeAccount):
    first = await make_account(name="Comfort Air", plan="pro", timezone="America/New_York")
    second = await make_account(name="Harper & Lowe", plan="enterprise")

    as_json = await cli("accounts", "list", "--json")
    as_text = await cli("accounts", "list")

    assert as_json.exit_code == 0
    rows = {row["account_id"]: row for row in orjson.loads(as_json.stdout)}
    assert rows[first.id] == {
        "account_id": first.id,
        "name": "Comfort Air",
        "plan": "pro",
        "timezone": "America/New_York",
        "created_at": rows[first.id]["created_at"],
    }
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", rows[first.id]["created_at"])
    assert rows[second.id]["name"] == "Harper & Lowe"
    ids = list(rows)
    assert ids.index(first.id) < ids.index(second.id)
    assert as_text.exit_code == 0
    header, *lines = as_text.stdout.splitlines()
    assert header.split() == ["ACCOUNT", "ID", "NAME", "PLAN", "TIMEZONE", "CREATED", "AT"]
    line = next(line for line in lines if line.startswith(first.id))
    assert line.split() == [
        first.id, "Comfort", "Air", "pro", "America/New_York", rows[first.id]["created_at"]
    ]  # fmt: skip


async def test_set_plan_changes_the_plan_with_an_audit_row(
    cli: Cli, services: Services, make_account: MakeAccount, client: httpx.AsyncClient
):
    account = await make_account(plan="starter")
    assert (await client.get("/api/v1/calls", headers=account.headers)).status_code == 403

    result = await cli("accounts", "set-plan", account.id, "enterprise")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{account.id}: plan starter → enterprise\n"
    stored = await _account(services, account.id)
    assert stored is not None
    assert stored.plan == "enterprise"
    assert (await _audit(services, account.id))[-1] == (
        "account.plan_changed",
        "cli",
        {"old_plan": "starter", "new_plan": "enterprise"},
    )
    assert (await client.get("/api/v1/calls", headers=account.headers)).status_code == 200


async def test_set_plan_to_the_same_plan_changes_nothing(
    cli: Cli, services: Services, make_account: MakeAccount, database_url: str
):
    account = await make_account(plan="pro")
    audit_before = await _audit(services, account.id)

    result = await cli("accounts", "set-plan", account.id, "pro", "--json")

    assert result.exit_code == 0
    assert orjson.loads(result.stdout) == {
        "account_id": account.id,
        "plan": "pro",
        "previous_plan": "pro",
        "database": shown_url(database_url),
    }
    assert await _audit(services, account.id) == audit_before


async def test_set_plan_refuses_an_unknown_account(cli: Cli):
    result = await cli("accounts", "set-plan", "acc_doesnotexist", "pro")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: no account 'acc_doesnotexist'\n"


async def test_set_plan_refuses_a_bad_plan_and_changes_nothing(
    cli: Cli, services: Services, make_account: MakeAccount
):
    account = await make_account(plan="pro")
    audit_before = await _audit(services, account.id)

    result = await cli("accounts", "set-plan", account.id, "platinum")

    assert result.exit_code == 1
    assert (
        result.stderr
        == "error: unknown plan 'platinum' (choose one of: starter, pro, enterprise)\n"
    )
    stored = await _account(services, account.id)
    assert stored is not None
    assert stored.plan == "pro"
    assert await _audit(services, account.id) == audit_before


def test_an_unmigrated_database_is_one_line_not_a_traceback(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("HUMANADD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")

    result = cli.run("accounts", "list")

    assert result.exit_code == 1
    assert result.stderr == (
        "error: database error: no such table: accounts "
        "(check HUMANADD_DATABASE_URL and run `humanadd db upgrade`)\n"
    )


def test_bad_configuration_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HUMANADD_RATE_LIMIT_PER_MINUTE", "lots")

    result = cli.run("accounts", "list")

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: invalid configuration: HUMANADD_RATE_LIMIT_PER_MINUTE: "
    )
    assert len(result.stderr.splitlines()) == 1


async def test_set_provider_connects_agents_and_keys(
    cli: Cli, make_account: MakeAccount, services: Services, database_url: str
) -> None:
    account = await make_account()
    result = await cli(
        "accounts", "set-provider", account.id, "retell", "--agent-id", f"a_{account.id}",
        "--agent-id", f"b_{account.id}", "--tags-key", "labels", "--llm-id", "llm_5f2e", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout) == {
        "account_id": account.id,
        "provider": "retell",
        "agent_ids": [f"a_{account.id}", f"b_{account.id}"],
        "tags_key": "labels",
        "booked_key": "booked",
        "llm_id": "llm_5f2e",
        "database": shown_url(database_url),
    }
    stored = await _account(services, account.id)
    assert stored is not None
    assert (stored.provider, stored.tags_key, stored.booked_key, stored.llm_id) == (
        "retell", "labels", "booked", "llm_5f2e",
    )  # fmt: skip
    (audit_row,) = [
        row for row in await _audit(services, account.id) if row[0] != "account.created"
    ]
    assert audit_row == (
        "account.provider_set",
        "cli",
        {
            "provider": "retell",
            "agent_ids": [f"a_{account.id}", f"b_{account.id}"],
            "tags_key": "labels",
            "booked_key": "booked",
            "llm_id": "llm_5f2e",
        },
    )

    text = await cli("accounts", "set-provider", account.id, "none")
    assert text.exit_code == 0, text.stderr
    assert text.stdout == (
        f"{account.id}: provider none, agents none, analysis keys tags=labels booked=booked\n"
    )
    stored = await _account(services, account.id)
    assert stored is not None
    assert stored.llm_id is None, "an LLM means nothing without retell"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["retell"], "a retell account needs at least one --agent-id"),
        (
            ["zoom", "--agent-id", "a"],
            "unknown provider 'zoom' (choose one of: retell, simulated, none)",
        ),
        (["none", "--agent-id", "a"], "an account without a provider has no agents"),
        (
            ["retell", "--agent-id", "taken_{other}"],
            "agent 'taken_{other}' already belongs to account {other}",
        ),
    ],
)
async def test_set_provider_refuses_what_cannot_work_and_changes_nothing(
    cli: Cli, make_account: MakeAccount, services: Services, arguments: list[str], problem: str
) -> None:
    other = await make_account(name="Other")
    assert (
        await cli("accounts", "set-provider", other.id, "retell", "--agent-id", f"taken_{other.id}")
    ).exit_code == 0
    account = await make_account()

    result = await cli(
        "accounts", "set-provider", account.id, *(a.format(other=other.id) for a in arguments)
    )

    assert (result.exit_code, result.stderr) == (1, f"error: {problem.format(other=other.id)}\n")
    stored = await _account(services, account.id)
    assert stored is not None
    assert stored.provider is None
