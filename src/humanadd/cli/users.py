"""`humanadd users …`: the people who log in to the dashboard."""

import sys
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.cli.console import fail, print_json, print_table
from humanadd.cli.options import AsJson, command_group
from humanadd.cli.runtime import load_settings, run_in_transaction
from humanadd.clock import iso_from_datetime
from humanadd.db import shown_url
from humanadd.users import passwords, service
from humanadd.users.models import User

ACTOR = "cli"

users_app = command_group(
    "Create and list dashboard users; set their password or disable them.\n\n"
    "A user is an `owner` or `member` of one account (owners change its settings and rotate "
    "its key; members only look), or a platform `operator`, who sees every account and the "
    "operator pages. Passwords are read from standard input, never from the command line."
)

Email = Annotated[
    str, typer.Argument(metavar="EMAIL", help="The user's email address.", show_default=False)
]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (at least "
        f"{passwords.MIN_LENGTH} characters) instead of generating one.",
    ),
]


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(The password, whether it was generated here and must be printed once)."""
    if not from_stdin:
        return passwords.generate(), True
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail("--password-stdin: no password on standard input")
    return line, False


def _row(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "role": user.role,
        "account_id": user.account_id,
        "disabled": user.disabled,
        "created_at": iso_from_datetime(user.created_at),
    }


@users_app.command("create")
def create(
    email: Annotated[
        str,
        typer.Option("--email", metavar="EMAIL", help="Their login.", show_default=False),
    ],
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            metavar="ACCOUNT",
            help="The account (acc_…) an owner or member belongs to.",
            show_default=False,
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            metavar="ROLE",
            help="owner (changes settings, rotates the key) or member (looks only).",
            show_default=False,
        ),
    ] = None,
    operator: Annotated[
        bool,
        typer.Option("--operator", help="A platform operator instead: sees every account."),
    ] = False,
    password_stdin: PasswordStdin = False,
    as_json: AsJson = False,
) -> None:
    """Create a dashboard user of an account, or a platform operator.

    Give --account ACCOUNT with --role owner|member, or --operator. Without --password-stdin
    a random password is generated and printed once: hand it over safely; `humanadd users
    set-password` changes it.
    """
    if operator == (account is not None or role is not None):
        fail("give either --account ACCOUNT with --role owner|member, or --operator")
    if not operator and (account is None or role is None):
        fail("an owner or member needs both --account ACCOUNT and --role owner|member")
    if role is not None and role not in ("owner", "member"):
        fail(f"--role must be owner or member, not {role!r} (use --operator for an operator)")
    password, generated = _password(password_stdin)
    settings = load_settings()

    async def operation(session: AsyncSession) -> User:
        return await service.create(
            session,
            email=email,
            password=password,
            role="operator" if operator else str(role),
            account_id=account,
            actor=ACTOR,
        )

    user = run_in_transaction(settings, operation)
    if as_json:
        print_json(
            {
                **_row(user),
                "password": password if generated else None,
                "database": shown_url(settings.database_url),
            }
        )
        return
    where = "operator" if operator else f"{user.role} of {user.account_id}"
    typer.echo(f"created {user.email} ({where})")
    if generated:
        typer.echo(f"password: {password}")
        typer.echo("This password is shown only this once.")


@users_app.command("list")
def list_users(
    account: Annotated[
        str | None,
        typer.Option("--account", metavar="ACCOUNT", help="Only this account's users."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List dashboard users with their role and account.

    By email; disabled users are marked.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> list[dict[str, object]]:
        return [_row(user) for user in await service.list_users(session, account)]

    rows = run_in_transaction(settings, operation)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no users")
        return
    print_table(
        ["EMAIL", "ROLE", "ACCOUNT", "DISABLED", "CREATED"],
        [
            [str(row["email"]), str(row["role"]), str(row["account_id"] or "-"),
             "yes" if row["disabled"] else "no", str(row["created_at"])]
            for row in rows
        ],
    )  # fmt: skip


@users_app.command("set-password")
def set_password(email: Email, password_stdin: PasswordStdin = False) -> None:
    """Give a user a new password.

    All their dashboard sessions end.
    Without --password-stdin a random one is generated and printed once.
    """
    password, generated = _password(password_stdin)
    settings = load_settings()

    async def operation(session: AsyncSession) -> User:
        return await service.set_password(session, email, password, actor=ACTOR)

    user = run_in_transaction(settings, operation)
    typer.echo(f"new password set for {user.email}; their sessions have ended")
    if generated:
        typer.echo(f"password: {password}")
        typer.echo("This password is shown only this once.")


@users_app.command("disable")
def disable(email: Email) -> None:
    """Disable a user.

    They can no longer log in, and their open sessions end at once.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> User:
        return await service.disable(session, email, actor=ACTOR)

    user = run_in_transaction(settings, operation)
    typer.echo(f"disabled {user.email}; their sessions have ended")
