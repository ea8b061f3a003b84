"""`humanadd kb …`: the knowledge-base review queue, versions and rollback."""

from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.cli.console import print_json, print_table
from humanadd.cli.options import AccountArgument, AsJson, command_group
from humanadd.cli.runtime import load_settings, run_in_transaction
from humanadd.clock import iso_from_datetime
from humanadd.kb import changes, review
from humanadd.kb.models import KbChange, KbVersion
from humanadd.kb.schemas import change_body

ACTOR = "cli"

kb_app = command_group(
    "Review held knowledge-base changes, and roll knowledge bases back.\n\n"
    "Customers queue changes with POST /api/v1/kb. The worker checks each one; a change "
    "with findings (duplicate, card_number, secret, large_shrink), or any change of an account "
    "whose policy is manual (`humanadd accounts set-kb-policy`), is held until approved or "
    "rejected here. An account's changes apply in the order they were made, so a held change "
    "keeps the later ones waiting."
)

ChangeArgument = Annotated[
    str, typer.Argument(metavar="CHANGE", help="The change id (kbc_…).", show_default=False)
]


def _change(change: KbChange) -> dict[str, Any]:
    """What the API shows of a change, and what operators see besides."""
    return {
        **change_body(change),
        "account_id": change.account_id,
        "rollback_to": change.rollback_to,
        "text": change.text,
        "submitted_by": change.submitted_by,
        "decided_by": change.decided_by,
        "version": change.version,
    }


def _what(change: KbChange) -> str:
    if change.rollback_to is not None:
        return f"rollback to version {change.rollback_to}"
    return "replace" if change.replace else "append"


def _print_change(change: KbChange, as_json: bool) -> None:
    if as_json:
        print_json(_change(change))
        return
    shown = _change(change)
    text = shown.pop("text")
    shown["what"] = _what(change)
    shown["findings"] = ", ".join(change.findings) or "none"
    for name, value in shown.items():
        if value is not None:
            typer.echo(f"{name + ':':<14}{value}")
    if text is not None:
        typer.echo("text:")
        for line in text.splitlines() or [""]:
            typer.echo(f"  {line}")


@kb_app.command("pending")
def pending(
    account_id: Annotated[
        str | None,
        typer.Option(
            "--account", metavar="ACCOUNT", help="Only this account's.", show_default=False
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List the changes held for review, with their findings.

    Oldest first; `--account` keeps one account's.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> list[KbChange]:
        return await changes.pending(session, account_id)

    held = run_in_transaction(settings, operation)
    if as_json:
        print_json([_change(change) for change in held])
        return
    if not held:
        typer.echo("no changes are waiting for review")
        return
    print_table(
        ["CHANGE", "ACCOUNT", "WHAT", "FINDINGS", "CHARACTERS", "CREATED AT"],
        [
            [
                change.id,
                change.account_id,
                _what(change),
                ", ".join(change.findings) or "none (manual policy)",
                f"{len(change.text or ''):,}",
                iso_from_datetime(change.created_at),
            ]
            for change in held
        ],
    )


@kb_app.command("show")
def show(change_id: ChangeArgument, as_json: AsJson = False) -> None:
    """Show a change: its text, findings, status, decision and push."""
    settings = load_settings()

    async def operation(session: AsyncSession) -> KbChange:
        return await changes.change(session, change_id)

    _print_change(run_in_transaction(settings, operation), as_json)


@kb_app.command("approve")
def approve(change_id: ChangeArgument, as_json: AsJson = False) -> None:
    """Approve a held change.

    It applies at once (as a new version) unless an earlier change of its account is still
    held, and the worker pushes it to the account's provider. Recorded in the audit log.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> KbChange:
        return await review.approve(session, change_id, actor=ACTOR)

    _print_change(run_in_transaction(settings, operation), as_json)


@kb_app.command("reject")
def reject(
    change_id: ChangeArgument,
    reason: Annotated[
        str,
        typer.Option(
            metavar="TEXT",
            help="Why: the customer sees it as the change's error.",
            show_default=False,
        ),
    ],
    as_json: AsJson = False,
) -> None:
    """Reject a held change: it never applies.

    The account's later changes go on. Recorded in the audit log.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> KbChange:
        return await review.reject(session, change_id, actor=ACTOR, reason=reason)

    _print_change(run_in_transaction(settings, operation), as_json)


@kb_app.command("rollback")
def rollback(
    account_id: AccountArgument,
    to: Annotated[
        int,
        typer.Option(
            "--to",
            metavar="VERSION",
            help="The version to return to (see `humanadd kb versions`).",
            show_default=False,
        ),
    ],
    as_json: AsJson = False,
) -> None:
    """Return the account's knowledge base to an earlier version.

    It makes a new version equal to the earlier one. Nothing is deleted: the rollback is a
    change like any other (approved by you, recorded in the audit log), applied after any
    earlier change still held, and pushed by the worker.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> KbChange:
        return await review.rollback(session, account_id, to, actor=ACTOR)

    _print_change(run_in_transaction(settings, operation), as_json)


def _version(version: KbVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "kind": version.kind,
        "change_id": version.change_id,
        "entries": len(version.entry_ids),
        "characters": version.characters,
        "created_by": version.created_by,
        "created_at": iso_from_datetime(version.created_at),
    }


@kb_app.command("versions")
def versions(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """List the account's knowledge-base versions, newest first.

    What made each, and who.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> list[KbVersion]:
        return await changes.versions(session, account_id)

    rows = [_version(version) for version in run_in_transaction(settings, operation)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"{account_id} has no knowledge-base version yet")
        return
    print_table(
        ["VERSION", "KIND", "CHANGE", "ENTRIES", "CHARACTERS", "BY", "CREATED AT"],
        [[str(value) for value in row.values()] for row in rows],
    )
