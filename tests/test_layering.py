"""Layering rules that import-linter cannot see (the import direction itself is its contracts,
in pyproject.toml, run by `make lint`): SQL through a session is the repositories' work, and
only the request or job boundaries open transactions, which their `begin()` block ends."""

import re
from pathlib import Path

import humanadd

PACKAGE = Path(humanadd.__file__).parent
MODULES = sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)

ROW_WORK = re.compile(
    r"\bsessions?\.(add|add_all|execute|flush|delete|merge|get|scalars?|stream|refresh|expire"
    r"|expunge|connection|run_sync)\("
)
"""Reading or writing rows through a session."""
TRANSACTIONS = re.compile(r"\bsessions?\.(begin|begin_nested)\(")
ENDING = re.compile(r"\bsessions?\.(commit|rollback)\(")

ROW_MODULES = {"db.py"}
"""Besides every `repository.py`: the core helpers that run a given statement."""
BOUNDARIES = {
    "dependencies.py",  # a request's session: commits when the handler returns
    "api/auth.py",  # a key's last use, in its own short transaction
    "dashboard/auth.py",  # a dashboard session's last use, likewise
    "dashboard/pages/integrations_webhooks.py",  # a test event: committed, then sent at once
    "cli/runtime.py",  # one transaction per command
    "cli/analyze.py",  # one transaction per batch of calls
    "worker.py",
    "providers/sync.py",
    "providers/kb_push.py",
    "providers/recording_proxy.py",  # stores a fetched recording URL, after the fetch
    "webhooks/delivery.py",
    "demo/player.py",
}
"""The modules that own a unit of work: a request, a command, a background job's step."""


def _offences(pattern: re.Pattern[str], allowed: set[str] | None) -> list[str]:
    found = []
    for path in MODULES:
        name = path.relative_to(PACKAGE).as_posix()
        if allowed is not None and name in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_only_repositories_read_or_write_rows_through_a_session() -> None:
    repositories = {p.relative_to(PACKAGE).as_posix() for p in MODULES if p.name == "repository.py"}

    assert _offences(ROW_WORK, repositories | ROW_MODULES) == []


def test_only_boundaries_open_transactions() -> None:
    assert _offences(TRANSACTIONS, BOUNDARIES) == []


def test_nothing_commits_or_rolls_back_by_hand() -> None:
    assert _offences(ENDING, None) == []


def test_the_checks_see_a_service_that_writes_or_commits() -> None:
    """The patterns match the calls they are meant to refuse (a guard against a regex that
    silently matches nothing)."""
    assert ROW_WORK.search("    await session.refresh(found)")
    assert ROW_WORK.search("    session.add(row)")
    assert TRANSACTIONS.search("    async with sessions.begin() as session:")
    assert ENDING.search("    await session.commit()")
    assert not ROW_WORK.search("    await repository.add(session, row)")
