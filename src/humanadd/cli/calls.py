"""`humanadd calls …`: bulk import of calls from JSON Lines."""

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.calls import importer
from humanadd.cli.console import fail, print_json
from humanadd.cli.options import AsJson, command_group
from humanadd.cli.runtime import load_embedder, load_settings, run_in_transaction
from humanadd.db import shown_url
from humanadd.webhooks import service as webhooks

calls_app = command_group("Import calls into an account.")


@calls_app.command("import")
def import_calls(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="JSON Lines: one call per line, shaped like `call` in GET /api/v1/calls/{id}.",
            show_default=False,
        ),
    ],
    account_id: Annotated[
        str,
        typer.Option(
            "--account",
            metavar="ACCOUNT",
            help="The account id (acc_…) the calls belong to.",
            show_default=False,
        ),
    ],
    notify: Annotated[
        bool,
        typer.Option(
            "--notify",
            help="Fire each finished call's call_ended webhook (once per call), as if the "
            "provider had sent it. Without it, imports are silent.",
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Import calls from a JSON Lines file, all or nothing.

    Each line is one call: call_id, direction and started_at (ISO-8601) are required; status
    defaults to ended, duration_seconds to ended_at - started_at (or 0); sentiment, summary,
    tags and booked, where a finished call has none, come from our own analysis of its
    transcript, which also groups the caller's questions into topics; recording_url is
    ignored. A call_id already in the account is replaced (so a re-import is safe). If any
    line is bad, every bad line is reported as `line N: …` and nothing is imported.
    """
    settings = load_settings()
    try:
        parsed = importer.parse_file(file)
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")
    if parsed.errors:
        for problem in parsed.errors:
            typer.echo(str(problem), err=True)
        fail(f"{len(parsed.errors)} bad line(s) in {file}; nothing was imported")

    embedder = load_embedder(settings)

    async def operation(session: AsyncSession) -> int:
        # Imported calls are analysed as they are stored: each finished one fires its
        # `call_ended` (once per call).
        changed = webhooks.call_changed if notify else None
        return await importer.import_calls(
            session, account_id, parsed.records, embedder=embedder, notify=changed
        )

    imported = run_in_transaction(settings, operation)
    call_ids = len({record.call_id for record in parsed.records})
    if as_json:
        print_json(
            {
                "account_id": account_id,
                "imported": imported,
                "calls": call_ids,
                "database": shown_url(settings.database_url),
            }
        )
    else:
        typer.echo(f"imported {imported} line(s), {call_ids} call(s), into {account_id}")
