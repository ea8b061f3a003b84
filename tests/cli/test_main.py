"""`humanadd` itself: the command list, database mistakes as one line, and a busy port."""

import os
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
        # Run from `make test`, make would pass its own flags down and announce directories.
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        dry_run = subprocess.run(
            ["make", "--dry-run", "--always-make", "--no-print-directory", "run", *variables],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True, env=env,
        )  # fmt: skip
        return dry_run.stdout.splitlines()[-1]

    assert recipe() == ".venv/bin/humanadd demo --host 127.0.0.1 --port 8000"
    assert (
        recipe("PORT=8001", "HOST=0.0.0.0") == ".venv/bin/humanadd demo --host 0.0.0.0 --port 8001"
    )
