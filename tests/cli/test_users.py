"""`humanadd users …`: dashboard logins made, listed, re-passworded and disabled from the CLI."""

import asyncio

import orjson
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from humanadd.cli.main import app as cli_app
from humanadd.db import shown_url
from humanadd.dependencies import Services
from humanadd.users import service as users
from humanadd.users.models import DashboardSession, User
from tests.conftest import Cli, MakeAccount


def _with_stdin(text: str, *args: str) -> Result:
    return CliRunner().invoke(cli_app, list(args), input=text, catch_exceptions=False)


async def _async_stdin(text: str, *args: str) -> Result:
    """A command run with `text` on its standard input (in a thread, like `Cli`)."""
    return await asyncio.to_thread(_with_stdin, text, *args)


async def test_create_an_owner_with_a_generated_password_printed_once(
    cli: Cli, make_account: MakeAccount, services: Services, database_url: str
) -> None:
    account = await make_account()

    result = await cli(
        "users", "create", "--email", "Owner@Example.com", "--account", account.id,
        "--role", "owner", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    body = orjson.loads(result.stdout)
    assert body == {
        "email": "owner@example.com",
        "role": "owner",
        "account_id": account.id,
        "disabled": False,
        "created_at": body["created_at"],
        "password": body["password"],
        "database": shown_url(database_url),
    }
    assert len(body["password"]) == 24
    async with services.sessions() as session:
        assert await users.check_login(session, "owner@example.com", body["password"]) is not None


async def test_create_an_operator_with_the_password_from_stdin(
    cli: Cli, services: Services
) -> None:
    result = await _async_stdin("a long enough secret\n", "users", "create", "--email",
                                "ops@example.com", "--operator", "--password-stdin")  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "created ops@example.com (operator)\n"
    assert "a long enough secret" not in result.stdout + result.stderr
    async with services.sessions() as session:
        user = await users.check_login(session, "ops@example.com", "a long enough secret")
    assert user is not None
    assert (user.role, user.account_id) == ("operator", None)


async def test_create_refuses_a_role_without_an_account_and_a_short_password(
    cli: Cli, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()

    mixed = await cli(
        "users", "create", "--email", "a@example.com", "--operator", "--role", "owner"
    )
    no_account = await cli("users", "create", "--email", "a@example.com", "--role", "owner")
    short = await _async_stdin(
        "short\n", "users", "create", "--email", "a@example.com",
        "--account", account.id, "--role", "member", "--password-stdin",
    )  # fmt: skip
    bad_role = await cli("users", "create", "--email", "a@example.com", "--account", account.id,
                         "--role", "admin")  # fmt: skip
    unknown = await cli("users", "create", "--email", "a@example.com", "--account", "acc_nope",
                        "--role", "owner")  # fmt: skip

    assert [r.exit_code for r in (mixed, no_account, short, bad_role, unknown)] == [1] * 5
    assert mixed.stderr == (
        "error: give either --account ACCOUNT with --role owner|member, or --operator\n"
    )
    assert no_account.stderr == (
        "error: an owner or member needs both --account ACCOUNT and --role owner|member\n"
    )
    assert short.stderr == "error: a password needs at least 10 characters\n"
    assert "--role must be owner or member, not 'admin'" in bad_role.stderr
    assert unknown.stderr == "error: no account 'acc_nope'\n"
    async with services.sessions() as session:
        count = (
            await session.execute(
                select(func.count()).select_from(User).where(User.email == "a@example.com")
            )
        ).scalar_one()
    assert count == 0


async def test_a_duplicate_email_is_refused(cli: Cli, make_account: MakeAccount) -> None:
    account = await make_account()
    args = ("users", "create", "--email", "dup@example.com", "--account", account.id, "--role")

    assert (await cli(*args, "owner")).exit_code == 0
    again = await cli(*args, "member")

    assert again.exit_code == 1
    assert again.stderr == "error: a user with the email 'dup@example.com' exists already\n"


async def test_list_set_password_and_disable(
    cli: Cli, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    await cli("users", "create", "--email", "m-list@example.com", "--account", account.id,
              "--role", "member")  # fmt: skip
    async with services.sessions.begin() as session:
        user = await users.require(session, "m-list@example.com")
        await users.open_session(session, user)

    listed = orjson.loads((await cli("users", "list", "--account", account.id, "--json")).stdout)
    changed = await _async_stdin("another good one\n", "users", "set-password",
                                 "M-list@example.com", "--password-stdin")  # fmt: skip
    async with services.sessions() as session:
        sessions_left = (
            await session.execute(
                select(func.count())
                .select_from(DashboardSession)
                .where(DashboardSession.user_id == user.id)
            )
        ).scalar_one()
        assert (
            await users.check_login(session, "m-list@example.com", "another good one") is not None
        )
    disabled = await cli("users", "disable", "m-list@example.com")
    missing = await cli("users", "disable", "nobody@example.com")

    assert [row["email"] for row in listed] == ["m-list@example.com"]
    assert changed.stdout == "new password set for m-list@example.com; their sessions have ended\n"
    assert sessions_left == 0
    assert disabled.stdout == "disabled m-list@example.com; their sessions have ended\n"
    assert missing.exit_code == 1
    assert missing.stderr == "error: no user with the email 'nobody@example.com'\n"
    async with services.sessions() as session:
        assert await users.check_login(session, "m-list@example.com", "another good one") is None
    table = (await cli("users", "list", "--account", account.id)).stdout.splitlines()
    assert table[0].split() == ["EMAIL", "ROLE", "ACCOUNT", "DISABLED", "CREATED"]
    assert table[1].split()[:4] == ["m-list@example.com", "member", account.id, "yes"]
