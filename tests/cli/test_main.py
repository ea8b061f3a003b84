"""`humanadd` itself: the command list, `db upgrade`, and database mistakes as one line."""

import os
import pty
import re
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from humanadd.cli.runtime import database_failure
from tests.conftest import Cli
from tests.servers import serve_environment

ROOT = Path(__file__).parents[2]


def test_help_lists_every_command(cli: Cli):
    result = cli.run("--help")

    assert result.exit_code == 0
    for command in ("db", "serve", "accounts", "keys", "calls", "demo"):
        assert f" {command} " in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["serve"],
        ["demo"],
        ["accounts", "create"],
        ["accounts", "list"],
        ["accounts", "set-plan"],
        ["keys", "rotate"],
        ["calls", "import"],
    ],
)
def test_every_command_explains_itself(cli: Cli, command: list[str]):
    result = cli.run(*command, "--help")

    assert result.exit_code == 0
    assert "Usage: humanadd " + " ".join(command) in result.stdout


COMMANDS_WITH_JSON = [
    ["accounts", "create"],
    ["accounts", "list"],
    ["accounts", "set-plan"],
    ["keys", "rotate"],
    ["calls", "import"],
]


@pytest.mark.parametrize("command", [[], ["db"], ["db", "upgrade"], *COMMANDS_WITH_JSON])
def test_flags_are_listed_without_a_value_placeholder(cli: Cli, command: list[str]):
    result = cli.run(*command, "--help")

    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    assert re.search(r"^  --help {2,}Show this message and exit\.$", result.stdout, re.M)
    if command in COMMANDS_WITH_JSON:
        json_line = r"^  --json {2,}Print machine-readable JSON on stdout instead of text\.$"
        assert re.search(json_line, result.stdout, re.M), result.stdout


def test_options_that_take_a_value_name_it(cli: Cli):
    create = cli.run("accounts", "create", "--help").stdout
    serve = cli.run("serve", "--help").stdout

    for option in ("--name NAME ", "--plan PLAN ", "--timezone TZ "):
        assert f"\n  {option}" in create
    for option in ("--host HOST ", "--port PORT "):
        assert f"\n  {option}" in serve


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


@pytest.mark.parametrize("command", [["db", "upgrade"], ["accounts", "list"]])
def test_a_database_url_without_its_driver_is_one_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, command: list[str]
):
    monkeypatch.setenv("HUMANADD_DATABASE_URL", "mysql://db.invalid/humanadd")

    result = cli.run(*command)

    assert result.exit_code == 1
    assert result.stderr == (
        "error: database error: No module named 'MySQLdb' "
        "(check HUMANADD_DATABASE_URL and run `humanadd db upgrade`)\n"
    )


def test_a_file_system_failure_names_the_file():
    error = PermissionError(13, "Permission denied", "var/recordings/demo")

    assert database_failure(error) == "cannot use var/recordings/demo: Permission denied"


def test_python_dash_m_humanadd_runs_the_same_cli(cli: Cli, database_url: str):
    environment = {**os.environ, "HUMANADD_DATABASE_URL": database_url}

    result = subprocess.run(
        [sys.executable, "-m", "humanadd", "accounts", "create", "--name", "Proc", "--json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert set(orjson.loads(result.stdout)) == {
        "account_id", "api_key", "name", "plan", "timezone", "database"
    }  # fmt: skip


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


def test_serve_on_a_busy_port_exits_at_once(database_url: str, tmp_path: Path):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "humanadd", "serve", "--port", str(port)],
            env=serve_environment(database_url, tmp_path / "data", None),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: port {port} on 127.0.0.1 is busy (another program listens there): pick another "
        f"with `humanadd serve --port {port + 1}`\n"
    )


def test_make_run_passes_host_and_port_to_the_demo():
    def recipe(*variables: str) -> str:
        dry_run = subprocess.run(
            ["make", "--dry-run", "--always-make", "run", *variables],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return dry_run.stdout.splitlines()[-1]

    assert recipe() == ".venv/bin/humanadd demo --host 127.0.0.1 --port 8000"
    assert (
        recipe("PORT=8001", "HOST=0.0.0.0") == ".venv/bin/humanadd demo --host 0.0.0.0 --port 8001"
    )
