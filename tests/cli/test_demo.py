"""`humanadd demo`: creates the demo on a fresh database, rotates its key on reuse, then serves."""

import asyncio
import re
import socket
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from humanadd.app import Background
from humanadd.cli import demo as demo_command
from humanadd.config import Settings
from humanadd.db import create_engine, session_factory
from humanadd.demo.service import OPERATOR_EMAIL, OWNER_EMAIL
from humanadd.keys import tokens
from humanadd.users import service as users
from humanadd.webhooks.delivery import Sender
from tests.conftest import Cli
from tests.servers import free_port, serve_environment


@dataclass
class Served:
    settings: Settings
    host: str
    port: int


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Served]:
    """Stands in for the server, recording what it would have served, and where."""
    calls: list[Served] = []

    def fake_run_server(
        settings: Settings, listener: socket.socket, background: Background | None = None
    ) -> None:
        assert background is not None  # the live calls
        host, port = listener.getsockname()[:2]
        calls.append(Served(settings, host, port))

    monkeypatch.setattr(demo_command, "run_server", fake_run_server)
    monkeypatch.delenv("HUMANADD_PUBLIC_URL", raising=False)
    return calls


def _printed(stdout: str, label: str) -> str:
    line = next(line for line in stdout.splitlines() if line.strip().startswith(f"{label}:"))
    return line.split(":", 1)[1].strip()


def test_demo_creates_then_reuses_its_database_rotating_the_key(
    cli: Cli, served: list[Served], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'demo.sqlite3'}"
    monkeypatch.setenv("HUMANADD_DATABASE_URL", database_url)
    port = free_port()

    first = cli.run("demo", "--port", str(port))
    second = cli.run("demo", "--port", str(port))

    assert first.exit_code == 0, first.stderr
    assert second.exit_code == 0, second.stderr
    assert first.stdout.startswith("humanadd demo: Created the demo account.\n")
    assert second.stdout.startswith(
        "humanadd demo: Reused the demo database: the demo key was rotated "
        "(the old one no longer works).\n"
    )
    assert _printed(first.stdout, "account_id") == _printed(second.stdout, "account_id")
    first_key, second_key = _printed(first.stdout, "api_key"), _printed(second.stdout, "api_key")
    assert tokens.is_well_formed(first_key)
    assert tokens.is_well_formed(second_key)
    assert first_key != second_key
    assert _printed(second.stdout, "calls") == (
        "500 seeded over the last 60 days, and a new live call about every 30 s from the "
        "simulated provider"
    )
    assert [(run.settings.database_url, run.host, run.port) for run in served] == [
        (database_url, "127.0.0.1", port)
    ] * 2


@pytest.mark.slow
def test_demo_builds_the_question_model_once_and_seeds_analysed_calls(
    cli: Cli, served: list[Served], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    database = tmp_path / "demo.sqlite3"
    monkeypatch.setenv("HUMANADD_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    models = tmp_path / "models"
    monkeypatch.setenv("HUMANADD_ANALYSIS_MODELS_DIR", str(models))
    port = free_port()

    first = cli.run("demo", "--port", str(port))
    second = cli.run("demo", "--port", str(port))

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert first.stderr == (
        f"building the question model once, about half a minute (kept in {models})\n"
    )
    assert second.stderr == ""
    with sqlite3.connect(database) as connection:
        analysed = connection.execute(
            "SELECT count(*) FROM calls WHERE computed_fields LIKE '%\"tags\"%'"
        ).fetchone()
        topics = connection.execute(
            "SELECT count(*) FROM question_topics WHERE merged_into IS NULL AND size > 1"
        ).fetchone()
    assert analysed[0] > 400
    assert topics[0] >= 5


def _logins(stdout: str) -> dict[str, str]:
    found = re.findall(r"^    log in as (\S+) with password (\S+)$", stdout, re.MULTILINE)
    return dict(found)


def test_demo_prints_the_dashboard_and_two_logins_that_work_with_new_passwords_each_run(
    cli: Cli, served: list[Served], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setenv("HUMANADD_DATABASE_URL", database_url)
    port = free_port()

    first = _logins(cli.run("demo", "--port", str(port)).stdout)
    second_run = cli.run("demo", "--port", str(port))
    second = _logins(second_run.stdout)

    assert f"  dashboard:  http://127.0.0.1:{port}/dashboard\n" in second_run.stdout
    assert list(second) == [OWNER_EMAIL, OPERATOR_EMAIL]
    assert all(first[email] != second[email] for email in second)

    async def check() -> list[tuple[str, str | None] | None]:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                found = []
                for email, password in [*first.items(), *second.items()]:
                    user = await users.check_login(session, email, password)
                    found.append(None if user is None else (user.role, user.account_id))
                return found
        finally:
            await engine.dispose()

    account_id = _printed(second_run.stdout, "account_id")
    assert asyncio.run(check()) == [None, None, ("owner", account_id), ("operator", None)]


def test_demo_prints_the_documents_curl_examples_with_its_host_and_key(
    cli: Cli, served: list[Served], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("HUMANADD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}")
    port = free_port()

    result = cli.run("demo", "--host", "0.0.0.0", "--port", str(port))

    assert result.exit_code == 0, result.stderr
    key = _printed(result.stdout, "api_key")
    auth = f'-H "Authorization: Bearer {key}"'
    base = f"http://127.0.0.1:{port}"
    examples = result.stdout.split("Try the API:\n\n", 1)[1]
    assert examples == (
        f'curl "{base}/api/v1/calls?limit=10" \\\n{auth}\n\n'
        f"curl {base}/api/v1/calls/call_abc123 \\\n{auth}\n\n"
        f"curl {base}/api/v1/calls/call_abc123/recording \\\n{auth} \\\n"
        "-o call_abc123.wav\n\n"
        f'curl "{base}/api/v1/stats?days=30" \\\n{auth}\n\n'
        f"curl {base}/api/v1/kb \\\n{auth} \\\n"
        '-H "Content-Type: application/json" \\\n'
        """-d '{"text": "Our new hours are 8am-7pm M-F.", "replace": false}'\n\n"""
        f"Serving on {base} (Ctrl+C to stop).\n"
    )
    assert (served[0].host, served[0].port) == ("0.0.0.0", port)


RECORDING = b'{"event": "call_ended", "recording_url": "/api/v1/calls/call_x/recording"}'


def test_the_demos_urls_follow_its_port_unless_a_public_url_is_set(
    cli: Cli, served: list[Served], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("HUMANADD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}")
    port = free_port()

    default = cli.run("demo", "--host", "0.0.0.0", "--port", str(port))
    monkeypatch.setenv("HUMANADD_PUBLIC_URL", "https://demo.example.com")
    explicit = cli.run("demo", "--port", str(port))

    assert (default.exit_code, explicit.exit_code) == (0, 0)
    # What the demo's webhooks carry: the body its worker jobs send, from the served settings.
    bodies = [orjson.loads(Sender(run.settings).body(RECORDING.decode())) for run in served]
    assert [body["recording_url"] for body in bodies] == [
        f"http://127.0.0.1:{port}/api/v1/calls/call_x/recording",
        "https://demo.example.com/api/v1/calls/call_x/recording",
    ]


def _dump(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return list(connection.iterdump())


def test_a_demo_on_a_busy_port_stops_at_once_and_changes_nothing(
    cli: Cli, served: list[Served], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """The port is taken first: the demo already serving there keeps its key and data."""
    database = tmp_path / "demo.sqlite3"
    database_url = f"sqlite+aiosqlite:///{database}"
    monkeypatch.setenv("HUMANADD_DATABASE_URL", database_url)
    assert cli.run("demo", "--port", str(free_port())).exit_code == 0
    before = _dump(database)
    fresh = tmp_path / "fresh.sqlite3"

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        runs = [
            subprocess.run(
                [sys.executable, "-m", "humanadd", "demo", "--port", str(port)],
                env=serve_environment(url, tmp_path / "data", None),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for url in (database_url, f"sqlite+aiosqlite:///{fresh}")
        ]

    message = (
        f"error: port {port} on 127.0.0.1 is busy (another program listens there): pick another "
        f"with `make run PORT={port + 1}` or `humanadd demo --port {port + 1}`\n"
    )
    assert [(run.returncode, run.stdout, run.stderr) for run in runs] == [(1, "", message)] * 2
    assert _dump(database) == before, "the key and the calls of the demo are as they were"
    assert not fresh.exists()


@pytest.mark.slow
async def test_the_running_demo_receives_live_calls_and_pushes_kb_changes(tmp_path: Path) -> None:
    """A real `humanadd demo`: the simulated provider's first live call shows up as ongoing
    through the API, the way Retell's call_started webhook would put it there; and the worker's
    jobs run in it, so a knowledge-base change is reviewed and pushed to the simulated
    receptionist."""
    port = free_port()
    environment = serve_environment(
        f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path / "data", None
    )
    log = tmp_path / "demo.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "humanadd", "demo", "--port", str(port),
            env=environment, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = b""
        while b"Serving on" not in banner:
            banner += await asyncio.wait_for(process.stdout.readline(), timeout=120)
        api_key = _printed(banner.decode(), "api_key")
        headers = {"Authorization": f"Bearer {api_key}"}
        live: list[dict[str, object]] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            for _ in range(100):
                try:
                    page = (await http.get("/api/v1/calls?limit=5", headers=headers)).json()
                except httpx.TransportError:
                    page = {"calls": []}
                live = [
                    call for call in page["calls"] if str(call["call_id"]).startswith("call_sim")
                ]
                if live:
                    break
                await asyncio.sleep(0.2)
            assert live, log.read_text()
            assert live[0]["status"] == "ongoing"
            assert '"message":"simulated call event"' in log.read_text()

            posted = await http.post(
                "/api/v1/kb", headers=headers, json={"text": "Our new hours are 8am-7pm M-F."}
            )
            change_id = posted.json()["change_id"]
            status = "pending_review"
            for _ in range(300):
                change = await http.get(f"/api/v1/kb/changes/{change_id}", headers=headers)
                status = change.json()["change"]["status"]
                if status == "pushed":
                    break
                await asyncio.sleep(0.1)
            assert status == "pushed", log.read_text()
    finally:
        process.terminate()
        await process.wait()
