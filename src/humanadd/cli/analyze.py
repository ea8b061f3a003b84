"""`humanadd analyze`: run our own call analysis again over an account's calls."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.accounts import service as accounts
from humanadd.calls import analysis
from humanadd.cli.console import print_json
from humanadd.cli.options import AccountArgument, AsJson, parse_duration
from humanadd.cli.runtime import load_embedder, load_settings, run_with_sessions
from humanadd.clock import now_ms
from humanadd.db import shown_url
from humanadd.questions import service as questions

BATCH = 200
"""Calls analysed in one transaction: a long run holds no transaction open for long, and what
it has done stays done if it is stopped."""


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal (scripts see only the summary line);
    yields what advances it."""
    if not sys.stderr.isatty():
        yield lambda _done: None
        return
    with typer.progressbar(length=total, label="analysing", file=sys.stderr) as bar:
        yield bar.update


@dataclass
class Report:
    account_id: str
    analysed: int
    questions: int
    topics: int
    database: str


def analyze(
    account_id: AccountArgument,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="Only calls that started within it (30m, 12h, 2d); by default every call.",
        ),
    ] = None,
    recompute: Annotated[
        bool,
        typer.Option(
            "--recompute",
            help="Analyse every ended call again, not only those waiting for it, and then "
            "group all the account's questions into topics afresh.",
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Run our own analysis of an account's calls now.

    It fills each ended call's sentiment, summary, tags and booked where the provider (or the
    import) left them empty, and stores the caller's questions with their topics. The
    provider's own values are never changed. Without --recompute it does the calls waiting for
    their analysis (after an upgrade, say), as the worker would; with it, every ended call
    again, replacing our earlier values, then re-clusters the topic catalogue. Running it twice
    changes nothing the second time. A call whose call_ended webhook is still to go out is left
    queued: the worker analyses it and then sends it.
    """
    settings = load_settings()
    window = None if since is None else parse_duration(since)
    since_ms = None if window is None else now_ms() - int(window.total_seconds() * 1000)
    embedder = load_embedder(settings)

    async def operation(sessions: async_sessionmaker[AsyncSession]) -> Report:
        async with sessions() as session:
            await accounts.require(session, account_id)
            total = await analysis.to_analyse(
                session, account_id, since_ms=since_ms, recompute=recompute
            )
        done, after_pk = 0, 0
        with _progress(total) as progress:
            while True:
                async with sessions.begin() as session:
                    batch = await analysis.analyse_batch(
                        session,
                        embedder,
                        account_id,
                        since_ms=since_ms,
                        recompute=recompute,
                        after_pk=after_pk,
                        limit=BATCH,
                    )
                if not batch:
                    break
                after_pk = batch[-1]
                done += len(batch)
                progress(len(batch))
        async with sessions.begin() as session:
            if recompute:
                await questions.recluster(session, embedder, account_id)
            else:
                await questions.recluster_if_grown(session, embedder, account_id)
            asked, topics = await questions.catalogue_size(session, embedder, account_id)
        return Report(account_id, done, asked, topics, shown_url(settings.database_url))

    report = run_with_sessions(settings, operation)
    if as_json:
        print_json(asdict(report))
    else:
        typer.echo(
            f"analysed {report.analysed} call(s) of {account_id}; its callers' "
            f"{report.questions} question(s) are in {report.topics} topic(s)"
        )
