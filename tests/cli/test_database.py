"""Which database a command uses: named on a terminal and in --json, resolved against the
current directory when relative, and created only by `db upgrade` (which says so) and `demo`."""

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli


def test_db_upgrade_creates_the_schema_in_a_new_file(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'new' / 'humanadd.sqlite3'}"
    monkeypatch.setenv("HUMANADD_DATABASE_URL", url)

    first = cli.run("db", "upgrade")
    again = cli.run("db", "upgrade")
    listing = cli.run("accounts", "list", "--json")

    assert (first.exit_code, first.stdout) == (
        0,
        f"created a new database at {tmp_path / 'new' / 'humanadd.sqlite3'}\n"
        "database is up to date\n",
    )
    assert (again.exit_code, again.stdout) == (0, "database is up to date\n")
    assert (listing.exit_code, listing.stdout) == (0, "[]\n")


NO_DEFAULT_DATABASE = (
    "error: no database at {cwd}/var/humanadd.sqlite3 (var/humanadd.sqlite3 is relative to the "
    "current directory): run the command where the database was created, set "
    "HUMANADD_DATABASE_URL to its absolute path, or create a new one here with "
    "`humanadd db upgrade`\n"
)


@pytest.mark.parametrize(
    "command",
    [
        ["accounts", "list"],
        ["accounts", "create", "--name", "Elsewhere"],
        ["keys", "rotate", "acc_x"],
        ["webhooks", "show", "acc_x"],
        ["kb", "pending"],
        ["worker", "--once"],
        ["serve", "--port", "0"],
    ],
)
def test_from_another_directory_a_command_names_the_missing_default_database_and_creates_none(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: list[str]
):
    monkeypatch.delenv("HUMANADD_DATABASE_URL")
    monkeypatch.chdir(tmp_path)

    result = cli.run(*command)

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == NO_DEFAULT_DATABASE.format(cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_calls_import_names_the_missing_database_it_looked_for(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    missing = tmp_path / "gone" / "humanadd.sqlite3"
    monkeypatch.setenv("HUMANADD_DATABASE_URL", f"sqlite+aiosqlite:///{missing}")
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        '{"call_id": "c1", "direction": "inbound", "started_at": "2026-01-01T00:00:00Z"}\n'
    )

    result = cli.run("calls", "import", str(calls), "--account", "acc_x")

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no database at {missing}: check HUMANADD_DATABASE_URL, or create a new one "
        "with `humanadd db upgrade`\n"
    )
    assert not missing.parent.exists()


def test_db_upgrade_then_works_where_the_default_database_is_resolved(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.delenv("HUMANADD_DATABASE_URL")
    monkeypatch.chdir(tmp_path)

    upgraded = cli.run("db", "upgrade")
    listing = cli.run("accounts", "list", "--json")

    assert upgraded.stdout == (
        f"created a new database at {tmp_path}/var/humanadd.sqlite3\ndatabase is up to date\n"
    )
    assert (listing.exit_code, listing.stdout) == (0, "[]\n")


def _on_a_terminal(args: list[str], environment: dict[str, str], cwd: Path) -> tuple[str, str]:
    """Run `humanadd ARGS` with stderr on a pseudo-terminal: its stdout and its terminal output."""
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "humanadd", *args],
            env=environment, cwd=cwd, stdout=subprocess.PIPE, stderr=terminal,
            text=True, timeout=60, check=False,
        )  # fmt: skip
        os.close(terminal)
        terminal = -1
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal's other end is closed: all was read
                break
            if not chunk:
                break
            shown += chunk
        return result.stdout, shown.decode().replace("\r\n", "\n")
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)


def test_on_a_terminal_each_command_names_its_database_once(tmp_path: Path):
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("HUMANADD_")
    }
    postgres = "postgresql+asyncpg://ops:hunter2@db.invalid:5432/humanadd"

    _, upgraded = _on_a_terminal(["db", "upgrade"], environment, tmp_path)
    listed, listing = _on_a_terminal(["accounts", "list", "--json"], environment, tmp_path)
    _, elsewhere = _on_a_terminal(
        ["accounts", "list"], {**environment, "HUMANADD_DATABASE_URL": postgres}, tmp_path
    )

    named = f"using sqlite var/humanadd.sqlite3 (relative to {tmp_path})\n"
    assert upgraded == named
    assert (listed, listing) == ("[]\n", named)
    assert elsewhere.startswith(
        "using postgresql+asyncpg://ops:***@db.invalid:5432/humanadd\nerror: database error: "
    )
    assert "hunter2" not in elsewhere


def test_without_a_terminal_stderr_stays_quiet(cli: Cli):
    result = cli.run("accounts", "list", "--json")

    assert (result.exit_code, result.stderr) == (0, "")
